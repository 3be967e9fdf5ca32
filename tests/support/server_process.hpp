#pragma once
// A real `resonate serve` process for tests: started on port 0, its stderr kept
// in a temporary file, stopped with SIGTERM or killed with SIGKILL, restarted
// with the same arguments (and so on the same database).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace resonate::test {

/// Path of the `resonate` binary under test (set by CMake).
std::string resonate_binary();

class server_process {
 public:
  /// `args` follow `resonate serve`; `--api-http-addr 127.0.0.1:0`,
  /// `--metrics-addr 127.0.0.1:0` and `--aio-poll-addr 127.0.0.1:0` (the SSE
  /// poller) are added unless given, so that servers never share a port.
  explicit server_process(std::vector<std::string> args);
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  /// Starts the process and waits (up to `timeout`) for its `msg=listening`
  /// line. Throws std::runtime_error with the log on failure.
  void start(std::chrono::milliseconds timeout = std::chrono::seconds(20));

  /// Sends `signal` (SIGTERM by default), then waits up to `timeout`; SIGKILL
  /// after that. Returns the exit status as from waitpid (use
  /// WIFEXITED/WEXITSTATUS), or -1 if it had to be killed or was not running.
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(15), int signal = 15);

  /// SIGKILL and reap.
  void kill9();

  /// stop() (if running) and start() again with the same arguments.
  void restart();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }
  uint16_t metrics_port() const { return metrics_port_; }
  /// Port of the SSE poller (`poll_port=` of the listening line), 0 if absent.
  uint16_t poll_port() const { return poll_port_; }
  /// The arguments after `serve`, defaults included.
  const std::vector<std::string>& args() const { return args_; }

  /// The sum of the values of every series on /metrics whose line starts with
  /// `series` (a name, or a name with its first labels: `m{type="poll"`);
  /// 0 when none. Counters restart with the process.
  double metric_sum(std::string_view series) const;

  /// Everything the process(es) wrote to stderr/stdout so far, all starts.
  std::string log() const;
  /// The last `max_bytes` of the log (for failure messages).
  std::string log_tail(size_t max_bytes = 4000) const;

 private:
  std::vector<std::string> args_;
  std::string log_path_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  uint16_t metrics_port_ = 0;
  uint16_t poll_port_ = 0;
};

}  // namespace resonate::test
