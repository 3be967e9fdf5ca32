#pragma once
// A helper process for the end-to-end tests (a Node worker): stdin and stdout
// are pipes to the test, stderr goes to a temporary file. It dies with the test
// process (PR_SET_PDEATHSIG) and is SIGKILLed by the destructor.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace resonate::test {

class child_process {
 public:
  /// Starts `argv[0]` (an absolute path) with `argv`. Throws std::runtime_error.
  explicit child_process(std::vector<std::string> argv);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// The next line of stdout (without the newline), or nullopt if none came
  /// within `timeout` or stdout was closed.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  /// Writes `line` and a newline to stdin.
  void write_line(const std::string& line);
  /// Sends `signal` and reaps the process (SIGKILL by default).
  void kill(int signal = 9);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  /// Everything written to stderr so far.
  std::string stderr_text() const;
  /// Every stdout line read so far (for failure messages).
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  pid_t pid_ = -1;
  int in_ = -1;   // our end of the child's stdin
  int out_ = -1;  // our end of the child's stdout
  std::string err_path_;
  std::string buffer_;
  std::vector<std::string> lines_;
};

}  // namespace resonate::test
