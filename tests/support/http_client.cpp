#include "tests/support/http_client.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace resonate::test {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// A connected TCP socket (TCP_NODELAY) to host:port, or http_error.
int connect_ipv4(const std::string& host, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw http_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    throw http_error("bad IPv4 address " + host);
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    ::close(fd);
    throw http_error("connect to " + host + ":" + std::to_string(port) + ": " + std::strerror(e));
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void send_all_fd(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw http_error(std::string("send: ") + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

std::optional<std::string> http_response::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

boost::json::value http_response::json() const { return boost::json::parse(body); }

http_client::http_client(std::string host, uint16_t port) : host_(std::move(host)), port_(port) {}

http_client::~http_client() { close(); }

void http_client::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  reused_ = false;
  buffer_.clear();
}

void http_client::set_port(uint16_t port) {
  close();
  port_ = port;
}

void http_client::connect() {
  close();
  fd_ = connect_ipv4(host_, port_);
}

void http_client::send_all(std::string_view bytes) { send_all_fd(fd_, bytes); }

http_response http_client::read_response(bool& got_any) {
  got_any = !buffer_.empty();
  auto fill = [&]() -> bool {  // false on EOF
    pollfd p{fd_, POLLIN, 0};
    for (;;) {
      int r = ::poll(&p, 1, static_cast<int>(timeout_.count()));
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) throw http_error("timeout waiting for the response");
      if (r < 0) throw http_error(std::string("poll: ") + std::strerror(errno));
      break;
    }
    char chunk[16384];
    ssize_t n;
    do {
      n = ::recv(fd_, chunk, sizeof chunk, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw http_error(std::string("recv: ") + std::strerror(errno));
    if (n == 0) return false;
    got_any = true;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  };

  size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) throw http_error("connection closed before the response head");
  }
  std::string head = buffer_.substr(0, head_end);
  buffer_.erase(0, head_end + 4);

  http_response res;
  size_t line_end = head.find("\r\n");
  std::string_view status_line = std::string_view(head).substr(0, line_end);
  // "HTTP/1.1 200 OK"
  auto sp = status_line.find(' ');
  if (sp == std::string_view::npos || status_line.size() < sp + 4)
    throw http_error("bad status line: " + std::string(status_line));
  res.status = std::stoi(std::string(status_line.substr(sp + 1, 3)));
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string_view line = std::string_view(head).substr(pos, e - pos);
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      res.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                               std::string(trim(line.substr(colon + 1))));
    }
    pos = e + 2;
  }

  bool close_after = false;
  if (auto c = res.header("Connection"); c && iequals(*c, "close")) close_after = true;

  if (auto te = res.header("Transfer-Encoding"); te && iequals(*te, "chunked")) {
    for (;;) {
      size_t e;
      while ((e = buffer_.find("\r\n")) == std::string::npos) {
        if (!fill()) throw http_error("connection closed in a chunk header");
      }
      size_t size = std::stoul(buffer_.substr(0, e), nullptr, 16);
      buffer_.erase(0, e + 2);
      while (buffer_.size() < size + 2) {
        if (!fill()) throw http_error("connection closed in a chunk");
      }
      res.body.append(buffer_, 0, size);
      buffer_.erase(0, size + 2);
      if (size == 0) break;
    }
  } else if (auto cl = res.header("Content-Length")) {
    size_t len = std::stoul(*cl);
    while (buffer_.size() < len) {
      if (!fill()) throw http_error("connection closed in the body");
    }
    res.body = buffer_.substr(0, len);
    buffer_.erase(0, len);
  } else if (res.status == 204 || res.status == 304 || res.status / 100 == 1) {
    // no body
  } else {
    while (fill()) {
    }
    res.body = std::move(buffer_);
    buffer_.clear();
    close_after = true;
  }
  if (close_after) close();
  return res;
}

http_response http_client::request(std::string_view method, std::string_view target,
                                   const header_list& headers, std::string_view body) {
  std::string req;
  req.reserve(256 + body.size());
  req.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  req.append("Host: ").append(host_).append(":").append(std::to_string(port_)).append("\r\n");
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    if (iequals(k, "Content-Type")) has_type = true;
    req.append(k).append(": ").append(v).append("\r\n");
  }
  if (!body.empty() && !has_type) req.append("Content-Type: application/json\r\n");
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT")
    req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  req.append("\r\n").append(body);

  for (int attempt = 0;; ++attempt) {
    if (fd_ < 0) connect();
    const bool was_reused = reused_;
    bool got_any = false;
    try {
      send_all(req);
      auto res = read_response(got_any);
      if (fd_ >= 0) reused_ = true;
      return res;
    } catch (const http_error&) {
      close();
      if (attempt == 0 && was_reused && !got_any && retry_stale_) continue;
      throw;
    }
  }
}

http_response http_client::raw(std::string_view bytes) {
  if (fd_ < 0) connect();
  bool got_any = false;
  try {
    send_all(bytes);
    auto res = read_response(got_any);
    if (fd_ >= 0) reused_ = true;
    return res;
  } catch (const http_error&) {
    close();
    throw;
  }
}

// ---- sse_stream ------------------------------------------------------------------------

sse_stream::sse_stream(std::string host, uint16_t port, std::string target,
                       const header_list& headers, std::chrono::milliseconds timeout) {
  fd_ = connect_ipv4(host, port);
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) +
                    "\r\nAccept: text/event-stream\r\n";
  for (const auto& [k, v] : headers) req.append(k).append(": ").append(v).append("\r\n");
  req.append("\r\n");
  try {
    send_all_fd(fd_, req);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t head_end;
    while ((head_end = raw_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(deadline)) throw http_error("timeout waiting for the SSE response head");
      if (ended_) throw http_error("connection closed before the SSE response head");
    }
    std::string head = raw_.substr(0, head_end);
    raw_.erase(0, head_end + 4);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    auto sp = status_line.find(' ');
    if (sp == std::string::npos || status_line.size() < sp + 4)
      throw http_error("bad status line: " + status_line);
    head_.status = std::stoi(status_line.substr(sp + 1, 3));
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string_view line = std::string_view(head).substr(pos, e - pos);
      auto colon = line.find(':');
      if (colon != std::string_view::npos) {
        head_.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                   std::string(trim(line.substr(colon + 1))));
      }
      pos = e + 2;
    }
    if (auto te = head_.header("Transfer-Encoding"); te && iequals(*te, "chunked")) chunked_ = true;
    if (auto cl = head_.header("Content-Length")) {
      // A finite body (an error answer): keep it, nothing streams after it.
      size_t len = std::stoul(*cl);
      while (raw_.size() < len && !ended_) {
        if (!fill(deadline)) break;
      }
      head_.body = raw_.substr(0, std::min(len, raw_.size()));
      raw_.clear();
      ended_ = true;
      close();
    }
  } catch (...) {
    close();
    throw;
  }
}

sse_stream::~sse_stream() { close(); }

void sse_stream::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool sse_stream::fill(std::chrono::steady_clock::time_point deadline) {
  if (fd_ < 0) {
    ended_ = true;
    return true;
  }
  pollfd p{fd_, POLLIN, 0};
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) left = std::chrono::milliseconds(0);
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return false;
    if (r < 0) throw http_error(std::string("poll: ") + std::strerror(errno));
    break;
  }
  char chunk[16384];
  ssize_t n;
  do {
    n = ::recv(fd_, chunk, sizeof chunk, 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    ended_ = true;  // closed or reset: either way the stream is over
    close();
    return true;
  }
  raw_.append(chunk, static_cast<size_t>(n));
  return true;
}

void sse_stream::decode() {
  if (!chunked_) {
    text_.append(raw_);
    raw_.clear();
    return;
  }
  for (;;) {
    size_t e = raw_.find("\r\n");
    if (e == std::string::npos) return;
    size_t size = std::stoul(raw_.substr(0, e), nullptr, 16);  // extensions after ';' ignored
    if (raw_.size() < e + 2 + size + 2) return;
    text_.append(raw_, e + 2, size);
    raw_.erase(0, e + 2 + size + 2);
    if (size == 0) {
      ended_ = true;
      close();
      return;
    }
  }
}

std::optional<std::string> sse_stream::take_event() {
  for (;;) {
    // An event ends with an empty line; lines end with LF or CRLF.
    size_t start = 0;
    std::optional<std::string> data;
    bool complete = false;
    size_t consumed = 0;
    while (true) {
      size_t nl = text_.find('\n', start);
      if (nl == std::string::npos) break;
      std::string_view line = std::string_view(text_).substr(start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      start = nl + 1;
      if (line.empty()) {
        complete = true;
        consumed = start;
        break;
      }
      if (line.front() == ':') continue;  // comment
      auto colon = line.find(':');
      std::string_view field = line.substr(0, colon);
      std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (field == "data") {
        if (data) data->push_back('\n');
        data = data.value_or("") + std::string(value);
      }
    }
    if (!complete) return std::nullopt;
    text_.erase(0, consumed);
    if (data) return data;
    // An event without data (only comments or other fields): skip it.
  }
}

std::optional<std::string> sse_stream::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    decode();
    if (auto ev = take_event()) return ev;
    if (ended_) throw http_error("the SSE stream ended");
    if (!fill(deadline)) return std::nullopt;
  }
}

bool sse_stream::wait_ended(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ended_) {
    decode();
    while (take_event()) {
    }
    if (ended_) break;
    if (!fill(deadline)) return false;
  }
  return true;
}

std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace resonate::test
