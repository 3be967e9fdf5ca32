#pragma once
// Runs the `resonate` binary under test as a user types it (`resonate tree x`),
// waits for it and keeps its exit code, stdout and stderr; shared by the CLI
// tests and the SDK README test.

#include <boost/json/value.hpp>
#include <string>
#include <vector>

namespace resonate::test {

struct cli_result {
  int code = -1;  ///< the exit code; -1 when it did not exit normally
  std::string out;
  std::string err;
  /// stdout parsed as JSON (throws when it is not).
  boost::json::value json() const;
};

/// A fresh directory under /tmp, removed with everything in it by the destructor.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// The whole content of a file ("" when it cannot be read).
std::string read_all(const std::string& path);

/// Runs `resonate <args...>` in `cwd` (where migrate looks for resonate.yaml),
/// stdin from /dev/null, and waits for it. Throws std::runtime_error.
cli_result run_cli(const std::vector<std::string>& args, const std::string& cwd = "/tmp");

/// "resonate <args>", the exit code, stdout and stderr, for failure messages.
std::string describe(const std::vector<std::string>& args, const cli_result& r);

}  // namespace resonate::test
