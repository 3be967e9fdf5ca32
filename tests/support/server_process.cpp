#include "tests/support/server_process.hpp"

#include "tests/support/http_client.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace resonate::test {

// RESONATE_TEST_BINARY runs the same tests against another build, e.g. the
// last release's, to see a new test fail before its fix.
std::string resonate_binary() {
  const char* other = std::getenv("RESONATE_TEST_BINARY");
  return other && *other ? other : RESONATE_BINARY;
}

namespace {

bool has_flag(const std::vector<std::string>& args, const std::string& flag) {
  return std::any_of(args.begin(), args.end(), [&](const std::string& a) {
    return a == flag || a.rfind(flag + "=", 0) == 0;
  });
}

std::string read_file(const std::string& path, size_t from = 0) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(from));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t file_size(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return 0;
  return static_cast<size_t>(in.tellg());
}

// Value of ` key=N` in a logfmt line (key matched as a whole word).
int parse_int_field(const std::string& line, const std::string& key) {
  size_t pos = 0;
  while ((pos = line.find(key + "=", pos)) != std::string::npos) {
    if (pos == 0 || line[pos - 1] == ' ') {
      size_t v = pos + key.size() + 1;
      if (v < line.size() && line[v] == '"') ++v;
      int n = 0;
      bool any = false;
      while (v < line.size() && line[v] >= '0' && line[v] <= '9') {
        n = n * 10 + (line[v] - '0');
        any = true;
        ++v;
      }
      return any ? n : 0;
    }
    pos += key.size();
  }
  return 0;
}

}  // namespace

server_process::server_process(std::vector<std::string> args) : args_(std::move(args)) {
  if (!has_flag(args_, "--api-http-addr")) {
    args_.push_back("--api-http-addr");
    args_.push_back("127.0.0.1:0");
  }
  if (!has_flag(args_, "--metrics-addr")) {
    args_.push_back("--metrics-addr");
    args_.push_back("127.0.0.1:0");
  }
  if (!has_flag(args_, "--aio-poll-addr")) {
    args_.push_back("--aio-poll-addr");
    args_.push_back("127.0.0.1:0");
  }
  char tmpl[] = "/tmp/resonate-it-log-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(fd);
  log_path_ = tmpl;
}

server_process::~server_process() {
  if (pid_ > 0) kill9();
  ::unlink(log_path_.c_str());
}

void server_process::start(std::chrono::milliseconds timeout) {
  if (pid_ > 0) throw std::runtime_error("server_process::start: already running");
  const size_t log_offset = file_size(log_path_);

  // Everything the child needs is prepared before fork(): after it, only
  // async-signal-safe calls until execve.
  std::string bin = resonate_binary();
  std::vector<std::string> argv_s;
  argv_s.push_back(bin);
  argv_s.push_back("serve");
  argv_s.insert(argv_s.end(), args_.begin(), args_.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The test's own RESONATE_* variables (RESONATE_TEST_PG) are not options.
  std::vector<std::string> env_s;
  for (char** e = environ; e && *e; ++e) {
    if (std::strncmp(*e, "RESONATE_", 9) != 0) env_s.emplace_back(*e);
  }
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (log_fd < 0) throw std::runtime_error("cannot open log file " + log_path_);
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    ::close(devnull);
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    // Die with the test process, whatever happens to it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(devnull, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    // Signals blocked in the test process would be inherited: reset the mask.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(devnull);
  pid_ = pid;
  port_ = 0;
  metrics_port_ = 0;
  poll_port_ = 0;

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string text = read_file(log_path_, log_offset);
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.find("msg=listening") == std::string::npos &&
          line.find("msg=\"listening\"") == std::string::npos)
        continue;
      port_ = static_cast<uint16_t>(parse_int_field(line, "port"));
      metrics_port_ = static_cast<uint16_t>(parse_int_field(line, "metrics_port"));
      poll_port_ = static_cast<uint16_t>(parse_int_field(line, "poll_port"));
      if (port_ == 0) {
        kill9();
        throw std::runtime_error("resonate: listening line without a port: " + line);
      }
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("resonate exited (status " + std::to_string(status) +
                               ") before listening; log:\n" + log_tail());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill9();
      throw std::runtime_error("resonate did not print msg=listening within " +
                               std::to_string(timeout.count()) + " ms; log:\n" + log_tail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int server_process::stop(std::chrono::milliseconds timeout, int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return status;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill9();
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void server_process::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void server_process::restart() {
  if (pid_ > 0) stop();
  start();
}

std::string server_process::log() const { return read_file(log_path_); }

std::string server_process::log_tail(size_t max_bytes) const {
  std::string all = log();
  if (all.size() <= max_bytes) return all;
  return "..." + all.substr(all.size() - max_bytes);
}

double server_process::metric_sum(std::string_view series) const {
  http_client metrics("127.0.0.1", metrics_port_);
  std::istringstream lines(metrics.get("/metrics").body);
  double total = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series, 0) != 0) continue;
    total += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

}  // namespace resonate::test
