#pragma once

// The sender's network side, Asio-free in this header: one io thread, the SSE
// poll server (REST v1 spec 3.4) and the HTTP push client (3.5). Everything runs
// on the io thread; deliver() and push() may be called from any thread and
// never block on the network.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aio_adapters/sender/receiver.hpp"
#include "queues/poll_handover.hpp"

namespace resonate::sender {

/// One io_context run by one thread.
class io_thread {
public:
  io_thread();
  ~io_thread();
  io_thread(const io_thread&) = delete;
  io_thread& operator=(const io_thread&) = delete;

  void start();
  /// Lets queued work finish (up to `drain_ms`), then stops the loop and joins.
  void stop(int64_t drain_ms = 2000);
  bool running() const;
  /// True on the io thread itself.
  bool in_thread() const;
  /// Runs `f` on the io thread.
  void post(std::function<void()> f);
  /// Runs `f` on the io thread and waits for it; runs it inline when called from
  /// the io thread or when the loop is not running.
  void run_sync(const std::function<void()>& f);

  struct impl;
  impl& get() { return *impl_; }

private:
  std::unique_ptr<impl> impl_;
};

struct poll_options {
  std::string host = "0.0.0.0";
  uint16_t port = 8002;                         ///< 0: the OS picks (see poll_server::port())
  size_t max_connections = 1000;                ///< beyond it a new stream gets 429
  size_t buffer_size = 100;                     ///< messages queued per connection, not yet written
  int64_t disconnect_after_ms = 0;              ///< close every stream after this long (0: never)
  int64_t keepalive_ms = 15000;                 ///< `: keepalive` comment when idle (0: never)
  int64_t request_timeout_ms = 10000;           ///< to receive the request head
  std::vector<std::string> cors_allow_origins;  ///< `*` or exact origins; empty: no CORS
  /// Basic auth, user -> password; empty: open. Failure: 401 `unauthorized`.
  std::map<std::string, std::string> auth;
  int64_t time_to_retry_ms = 15000;  ///< reported in send completions
  int64_t time_to_claim_ms = 60000;
  /// Called (on the io thread, after the response head is queued) for every
  /// stream that connects, with its group and id: messages that waited for
  /// such a stream can go now. Unset: nobody is told.
  std::function<void(const std::string& group, const std::string& id)> on_connect;
  /// Called when a stream stops being the one for its (group, id): it closed,
  /// or a newer connection of the same (group, id) replaced it (then before
  /// that one's on_connect). Runs with the connection table locked: it must
  /// not call back into the poll server. Unset: nobody is told.
  std::function<void(const std::string& group, const std::string& id)> on_disconnect;
};

/// The SSE poll server on its own listener: `GET /{group}/{id...}` streams
/// `data: <json>\n\n` frames (chunked) to the connection.
class poll_server {
public:
  poll_server(io_thread& io, poll_options options);
  ~poll_server();

  /// Binds and listens; "" on success, else why not. The io thread may run already.
  std::string start();
  /// Closes the listener and every stream. Safe to call twice.
  void stop();
  /// The bound port (after start()).
  uint16_t port() const;

  /// Takes over a connection the API port accepted (queues/poll_handover.hpp): same limits,
  /// keep-alives, disconnectAfter, eviction and addressing as the own listener. After
  /// stop() (or before start()) the socket is answered 503 and closed. Thread-safe.
  void adopt(queues::poll_handover stream);

  /// Queues `body` as one frame to a connection of `group`: the one with `id` if
  /// present; else none for `uni`, a random one for `any`. False when there is no
  /// such connection or its buffer is full. Thread-safe, never blocks on I/O.
  bool deliver(cast_kind cast, const std::string& group, const std::optional<std::string>& id,
               std::string body);

  size_t connection_count() const;
  const poll_options& options() const;

  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

struct http_options {
  size_t max_in_flight = 64;           ///< concurrent requests
  size_t queue_size = 100;             ///< waiting behind them; beyond it push() fails
  int64_t connect_timeout_ms = 10000;  ///< resolve + TCP connect (+ TLS handshake)
  int64_t timeout_ms = 180000;         ///< the whole exchange
  int64_t time_to_retry_ms = 15000;    ///< reported in send completions
  int64_t time_to_claim_ms = 60000;
  /// PEM CA certificates trusted for https:// besides the system store; "" for none.
  std::string ca_file;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

/// HTTP push: `POST url` with the body. Delivery succeeds once the TCP connection
/// is established; the exchange then finishes in the background and its response
/// is ignored (spec 3.5). For https:// it succeeds once the TLS handshake has
/// verified the receiver's certificate chain (system CA store plus
/// `http_options::ca_file`) and that it names the URL's host; the handshake is
/// part of the connect timeout, and a failed one is a failed delivery.
class http_push {
public:
  /// Throws std::runtime_error when `options.ca_file` cannot be loaded.
  http_push(io_thread& io, http_options options);
  ~http_push();

  /// Queues a request. `done(connected, error)` is called exactly once, on the io
  /// thread, as soon as the connection is established or has failed. Returns false
  /// (and never calls `done`) when the queue is full or the client is stopped.
  /// Headers are set in order (a later one replaces an earlier one of the same
  /// name), then `Content-Type: application/json`. Thread-safe.
  bool push(std::string url, header_list headers, std::string body,
            std::function<void(bool connected, std::string error)> done);

  /// Fails what is queued and aborts what is in flight. Safe to call twice.
  void stop();

  size_t in_flight() const;
  const http_options& options() const;

  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

/// `http://host[:port][/target]` split for a request; nullopt if not http.
struct http_url {
  bool https = false;
  std::string host;  ///< without brackets for IPv6
  std::string port;
  std::string target;  ///< path and query, at least "/"
  std::string host_header;
};
std::optional<http_url> parse_http_url(const std::string& url);

}  // namespace resonate::sender
