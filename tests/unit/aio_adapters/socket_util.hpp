#pragma once

// Plain POSIX sockets for the loopback tests: an SSE client that decodes chunked
// streams the way a line-reading client would, a raw request helper, and a tiny
// HTTP listener that records what it receives.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/raw_conn.hpp"

namespace resonate::sender::testing {

using clock = std::chrono::steady_clock;

inline int connect_loopback(uint16_t port, int rcvbuf = 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline void send_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    auto n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

/// Reads what is available within `timeout_ms`: >0 bytes appended, 0 EOF, -1 timeout/error.
inline int read_some(int fd, std::string& into, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return -1;
  char buf[8192];
  auto n = ::recv(fd, buf, sizeof buf, 0);
  if (n < 0) return -1;
  into.append(buf, static_cast<size_t>(n));
  return static_cast<int>(n);
}

/// A streaming GET: parses the status and headers, then de-chunks the body into
/// SSE events (`data:` payloads) and comments.
class sse_client {
public:
  sse_client(uint16_t port, const std::string& path, int rcvbuf = 0) {
    fd_ = connect_loopback(port, rcvbuf);
    send_all(fd_,
             "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n");
  }
  ~sse_client() { close(); }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  /// Waits for the response head; the status code (0 if none arrived).
  int status(int timeout_ms = 2000) {
    auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
    while (head_.empty()) {
      auto at = raw_.find("\r\n\r\n");
      if (at != std::string::npos) {
        head_ = raw_.substr(0, at + 4);
        raw_.erase(0, at + 4);
        break;
      }
      if (!pump(deadline)) return 0;
    }
    return std::stoi(head_.substr(9, 3));
  }

  const std::string& head() const { return head_; }

  /// The next `data:` payload, or nullopt on timeout or end of stream.
  std::optional<std::string> next_event(int timeout_ms = 2000) {
    auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
    if (status(timeout_ms) == 0) return std::nullopt;
    for (;;) {
      dechunk();
      auto end = body_.find("\n\n");
      while (end != std::string::npos) {
        std::string event = body_.substr(0, end);
        body_.erase(0, end + 2);
        if (event.rfind("data: ", 0) == 0) return event.substr(6);
        if (!event.empty() && event[0] == ':') comments_.push_back(event);
        end = body_.find("\n\n");
      }
      if (ended_ || !pump(deadline)) return std::nullopt;
    }
  }

  /// True once the server ended the stream (final chunk or EOF) within the timeout.
  bool wait_ended(int timeout_ms = 2000) {
    auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!ended_ && !eof_) {
      dechunk();
      if (ended_ || !pump(deadline)) break;
    }
    return ended_ || eof_;
  }

  const std::vector<std::string>& comments() const { return comments_; }
  int fd() const { return fd_; }

private:
  bool pump(clock::time_point deadline) {
    if (eof_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) return false;
    int n = read_some(fd_, raw_, static_cast<int>(left.count()));
    if (n == 0) eof_ = true;
    return n > 0;
  }

  void dechunk() {
    if (head_.empty()) return;
    for (;;) {
      auto eol = raw_.find("\r\n");
      if (eol == std::string::npos) return;
      size_t size = std::stoul(raw_.substr(0, eol), nullptr, 16);
      if (size == 0) {
        ended_ = true;
        return;
      }
      if (raw_.size() < eol + 2 + size + 2) return;
      body_.append(raw_, eol + 2, size);
      raw_.erase(0, eol + 2 + size + 2);
    }
  }

  int fd_ = -1;
  std::string raw_, head_, body_;
  std::vector<std::string> comments_;
  bool ended_ = false, eof_ = false;
};

/// Sends a raw request and returns everything the server sent before closing.
inline std::string raw_exchange(uint16_t port, const std::string& request, int timeout_ms = 2000) {
  int fd = connect_loopback(port);
  send_all(fd, request);
  std::string out;
  auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
  while (clock::now() < deadline) {
    if (read_some(fd, out, 100) == 0) break;
  }
  ::close(fd);
  return out;
}

/// Accepts connections on 127.0.0.1:0 in a thread; records each request (head and
/// Content-Length body) and answers with `reply` unless `silent`.
class http_listener {
public:
  explicit http_listener(bool silent = false) : silent_(silent) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("bind 127.0.0.1:0 failed");
    ::listen(fd_, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~http_listener() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    for (int c : open_) ::close(c);
  }

  uint16_t port() const { return port_; }

  /// Waits until `n` requests were received; copies of them.
  std::vector<std::string> requests(size_t n, int timeout_ms = 3000) {
    auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (requests_.size() >= n || clock::now() >= deadline) return requests_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  std::string reply = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";

private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      if (silent_) {
        open_.push_back(c);
        continue;
      }
      std::string got;
      auto deadline = clock::now() + std::chrono::seconds(2);
      for (;;) {
        auto at = got.find("\r\n\r\n");
        if (at != std::string::npos) {
          size_t length = 0;
          auto cl = got.find("Content-Length: ");
          if (cl != std::string::npos && cl < at) length = std::stoul(got.substr(cl + 16));
          if (got.size() >= at + 4 + length) break;
        }
        if (clock::now() >= deadline || read_some(c, got, 100) == 0) break;
      }
      send_all(c, reply);
      ::close(c);
      std::lock_guard lock(mu_);
      requests_.push_back(got);
    }
  }

  bool silent_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::vector<int> open_;
};

/// A port nothing listens on (bound, then closed).
using resonate::test::closed_port;

}  // namespace resonate::sender::testing
