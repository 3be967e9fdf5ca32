#pragma once

// Blocking-socket helpers shared by the benchmark clients that speak to a real
// server over keep-alive HTTP/1.1 (task_roundtrip.cpp, schedule_burst.cpp).
// Deliberately minimal: one request at a time per connection, Content-Length
// bodies only (what the server sends).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace bench {

using clock_type = std::chrono::steady_clock;

/// The program's name in error messages; set by main.
inline const char* program = "bench";

[[noreturn]] inline void die(const std::string& msg) {
  std::fprintf(stderr, "%s: %s\n", program, msg.c_str());
  std::exit(1);
}

/// Walks argv as `--name value` pairs, handing each to `take(name, value)`,
/// which returns false for a name it does not know (then: die).
template <class Take>
void parse_options(int argc, char** argv, Take take) {
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    if (i + 1 >= argc) die("missing value for " + name);
    std::string value = argv[++i];
    if (!take(name, value)) die("unknown option " + name);
  }
}

/// A TCP connection with Nagle off, or -1 if the connect failed.
inline int connect_to(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket: " + std::string(std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) die("bad host " + host);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

inline void write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    auto n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) die("send: " + std::string(std::strerror(errno)));
    off += static_cast<size_t>(n);
  }
}

/// A keep-alive HTTP/1.1 client connection: one request at a time.
class api_conn {
public:
  api_conn(const std::string& host, int port) : fd_(connect_to(host, port)) {
    if (fd_ < 0) die("cannot connect to port " + std::to_string(port));
  }
  ~api_conn() { ::close(fd_); }
  api_conn(const api_conn&) = delete;
  api_conn& operator=(const api_conn&) = delete;

  /// Sends a request and returns the response status; body() holds its body.
  int call(const char* method, const std::string& path, const std::string& body) {
    std::string req = std::string(method) + " " + path +
                      " HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                      "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    write_all(fd_, req);
    for (;;) {
      auto end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t len = 0;
        auto cl = buf_.find("Content-Length: ");
        if (cl == std::string::npos || cl > end) cl = buf_.find("content-length: ");
        if (cl != std::string::npos && cl < end) len = std::strtoul(buf_.c_str() + cl + 16, nullptr, 10);
        if (buf_.size() >= end + 4 + len) {
          int status = std::atoi(buf_.c_str() + 9);
          body_.assign(buf_, end + 4, len);
          buf_.erase(0, end + 4 + len);
          return status;
        }
      }
      char tmp[8192];
      auto n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) die("connection closed");
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }
  const std::string& body() const { return body_; }

private:
  int fd_;
  std::string buf_;
  std::string body_;
};

inline double ms_between(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

/// The exact p-quantile (0..1) of v (sorts v).
inline double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace bench
