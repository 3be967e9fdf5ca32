#pragma once
// A tiny blocking HTTP/1.1 client over POSIX sockets: one keep-alive
// connection, Content-Length (or chunked) bodies. Not thread safe: one client
// per thread.

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace resonate::test {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_response {
  int status = 0;
  header_list headers;
  std::string body;

  /// First header with this name (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
  /// The body parsed as JSON; throws on invalid JSON.
  boost::json::value json() const;
};

/// Thrown when the connection fails (refused, reset, closed mid-response,
/// timeout). The request may or may not have been processed.
struct http_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class http_client {
 public:
  http_client(std::string host, uint16_t port);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends one request and reads its response. If a *reused* connection turns
  /// out to be closed before any response byte arrives (the server dropped an
  /// idle keep-alive connection), reconnects and sends once more, unless
  /// retry_stale is off.
  http_response request(std::string_view method, std::string_view target,
                        const header_list& headers = {}, std::string_view body = {});

  http_response get(std::string_view target, const header_list& headers = {}) {
    return request("GET", target, headers);
  }
  http_response post(std::string_view target, std::string_view body,
                     const header_list& headers = {}) {
    return request("POST", target, headers, body);
  }
  http_response patch(std::string_view target, std::string_view body,
                      const header_list& headers = {}) {
    return request("PATCH", target, headers, body);
  }

  /// Sends raw bytes as they are and reads one response (for malformed input).
  http_response raw(std::string_view bytes);

  void set_port(uint16_t port);
  void set_retry_stale(bool on) { retry_stale_ = on; }
  void set_timeout(std::chrono::milliseconds t) { timeout_ = t; }
  void close();

 private:
  void connect();
  void send_all(std::string_view bytes);
  http_response read_response(bool& got_any);

  std::string host_;
  uint16_t port_;
  int fd_ = -1;
  bool reused_ = false;
  bool retry_stale_ = true;
  std::chrono::milliseconds timeout_{30000};
  std::string buffer_;
};

/// A Server-Sent Events stream read over its own connection: `GET target`, then
/// the `data:` payloads one event at a time. Comment lines (`:`) and other fields
/// are skipped; several `data:` lines of one event are joined with '\n'. Plain
/// and chunked bodies both work. Not thread safe: one reader.
class sse_stream {
 public:
  /// Connects, sends the request and reads the response head (up to `timeout`).
  /// Throws http_error when that fails.
  sse_stream(std::string host, uint16_t port, std::string target, const header_list& headers = {},
             std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~sse_stream();
  sse_stream(const sse_stream&) = delete;
  sse_stream& operator=(const sse_stream&) = delete;

  int status() const { return head_.status; }
  std::optional<std::string> header(std::string_view name) const { return head_.header(name); }

  /// The next event's data, or nullopt if none arrived within `timeout`.
  /// Throws http_error once the stream has ended (check ended()).
  std::optional<std::string> next(std::chrono::milliseconds timeout);
  /// Whether the server closed the stream (seen by a read).
  bool ended() const { return ended_; }
  /// Waits up to `timeout` for the server to close the stream, discarding events.
  bool wait_ended(std::chrono::milliseconds timeout);
  void close();

 private:
  // Reads whatever arrives within `timeout` into raw_; false on timeout.
  bool fill(std::chrono::steady_clock::time_point deadline);
  // Moves complete chunks (or everything, unchunked) from raw_ to text_.
  void decode();
  // One complete event from text_, if there is one.
  std::optional<std::string> take_event();

  int fd_ = -1;
  http_response head_;
  bool chunked_ = false;
  bool ended_ = false;
  std::string raw_;
  std::string text_;
};

/// Percent-encodes a query or path component (RFC 3986 unreserved kept).
std::string url_encode(std::string_view s);

}  // namespace resonate::test
