#pragma once
// Bare TCP for the tests: a connection to the server for bytes on the wire
// (pipelined requests, readers that never read: a small SO_RCVBUF makes the
// server's writes block soon), and a port nothing listens on.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace resonate::test {

/// A port nothing listens on now (bound to 127.0.0.1, then closed): for a
/// server that must keep its port across a restart, or a URL that must fail.
inline uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("closed_port: no port to bind");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

/// A raw TCP client: sends bytes as given and reads what comes (or does not read).
class raw_conn {
 public:
  explicit raw_conn(uint16_t port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("raw_conn: connect failed");
  }
  ~raw_conn() { ::close(fd_); }
  void send(std::string_view bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  /// Reads until `needle` has been seen after `from` (or the timeout, or EOF).
  bool read_until(std::string_view needle, size_t from = 0, std::chrono::milliseconds t = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + t;
    while (text.find(needle, from) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return false;
      text.append(buf, static_cast<size_t>(n));
    }
    return true;
  }
  std::string text;

 private:
  int fd_ = -1;
};

}  // namespace resonate::test
