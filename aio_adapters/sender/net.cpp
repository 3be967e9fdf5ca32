// The only translation unit of the sender with Asio and Beast in it.

#include "aio_adapters/sender/net.hpp"

#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>

#include <unistd.h>

#include <openssl/ssl.h>
#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "codecs/basic_auth.hpp"
#include "codecs/url.hpp"
#include "queues/metrics.hpp"

namespace resonate::sender {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using std::chrono::milliseconds;

// -- io_thread ----------------------------------------------------------------------

struct io_thread::impl {
  asio::io_context ctx{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::thread thread;
  std::atomic<std::thread::id> id{};
  std::atomic<bool> running{false};
  std::promise<void> finished;
};

io_thread::io_thread() : impl_(std::make_unique<impl>()) {}

io_thread::~io_thread() {
  stop();
}

void io_thread::start() {
  if (impl_->running.exchange(true)) return;
  impl_->ctx.restart();
  impl_->guard.emplace(impl_->ctx.get_executor());
  impl_->finished = std::promise<void>();
  impl_->thread = std::thread([this] {
    impl_->id = std::this_thread::get_id();
    impl_->ctx.run();
    impl_->finished.set_value();
  });
}

void io_thread::stop(int64_t drain_ms) {
  if (!impl_->running.exchange(false)) return;
  auto finished = impl_->finished.get_future();
  impl_->guard.reset();  // run() returns once the queued work and open operations are done
  if (finished.wait_for(milliseconds(drain_ms)) != std::future_status::ready) impl_->ctx.stop();
  impl_->thread.join();
  impl_->id = std::thread::id{};
}

bool io_thread::running() const {
  return impl_->running;
}

bool io_thread::in_thread() const {
  return impl_->id.load() == std::this_thread::get_id();
}

void io_thread::post(std::function<void()> f) {
  asio::post(impl_->ctx, std::move(f));
}

void io_thread::run_sync(const std::function<void()>& f) {
  if (in_thread() || !running()) {
    f();
    return;
  }
  std::promise<void> done;
  auto fut = done.get_future();
  post([&] {
    f();
    done.set_value();
  });
  fut.wait();
}

namespace {

asio::io_context& ctx_of(io_thread& io) {
  return io.get().ctx;
}

// URL decoding (Go URL.Path rules) and header-name comparison, as the gateway does them.
using codecs::decode_path;
using codecs::iequals;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string hex(size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), digits[n & 0xf]);
    n >>= 4;
  } while (n != 0);
  return out;
}

}  // namespace

// -- poll server ----------------------------------------------------------------------

namespace {

struct sse_conn {
  explicit sse_conn(asio::io_context& ctx)
    : sock(ctx), read_timer(ctx), keepalive_timer(ctx), disconnect_timer(ctx), close_timer(ctx) {}

  tcp::socket sock;
  std::function<void(unsigned)> answered;  ///< adopted sockets: reports the status (once)
  std::string group;
  std::string id;

  // Guarded by the server mutex: frames accepted by deliver() and not yet handed
  // to the socket, and whether a flush is already posted.
  std::deque<std::string> pending;
  bool flush_posted = false;
  bool registered = false;

  // Io thread only.
  asio::streambuf head{16 * 1024};
  std::array<char, 256> sink{};
  asio::steady_timer read_timer, keepalive_timer, disconnect_timer, close_timer;
  std::string wbuf;
  bool chunked = true;
  bool streaming = false;
  bool writing = false;
  bool closing = false;
  bool closed = false;
  uint64_t writes_done = 0;
  std::chrono::steady_clock::time_point last_frame = std::chrono::steady_clock::now();
  uint64_t writes_at_last_tick = 0;
  int stalled_ticks = 0;
};

using conn_ptr = std::shared_ptr<sse_conn>;

/// The connections of one group: a vector for random choice, an index by id.
struct group_conns {
  std::vector<conn_ptr> list;
  std::unordered_map<std::string, size_t> by_id;
};

}  // namespace

struct poll_server::impl : std::enable_shared_from_this<poll_server::impl> {
  impl(io_thread& io_, poll_options o)
    : io(io_),
      opts(std::move(o)),
      basic(opts.auth),
      acceptor(ctx_of(io_)),
      accept_timer(ctx_of(io_)),
      rng(std::random_device{}()),
      gauge(queues::metrics::global().get_gauge("sse_connections")) {
    queues::metrics::global().set_help("sse_connections", "gauge",
                                       "Open SSE streams of the poll server");
  }

  io_thread& io;
  poll_options opts;
  codecs::basic_auth basic;  ///< opts.auth, checked as the API port checks its own
  tcp::acceptor acceptor;
  asio::steady_timer accept_timer;
  std::atomic<uint16_t> bound_port{0};
  std::atomic<bool> stopped{false};

  mutable std::mutex mu;
  std::unordered_map<std::string, group_conns> groups;
  size_t total = 0;
  std::mt19937_64 rng;
  queues::metrics::gauge& gauge;
  std::vector<std::weak_ptr<sse_conn>> all_conns;  // io thread only: for stop()

  // -- table (callers hold mu) --

  void remove_locked(const conn_ptr& c) {
    if (!c->registered) return;
    auto g = groups.find(c->group);
    if (g == groups.end()) return;
    auto it = g->second.by_id.find(c->id);
    if (it == g->second.by_id.end() || g->second.list[it->second] != c) return;
    size_t i = it->second;
    g->second.by_id.erase(it);
    if (i + 1 != g->second.list.size()) {
      g->second.list[i] = std::move(g->second.list.back());
      g->second.by_id[g->second.list[i]->id] = i;
    }
    g->second.list.pop_back();
    if (g->second.list.empty()) groups.erase(g);
    c->registered = false;
    --total;
    gauge.set(static_cast<int64_t>(total));
    if (opts.on_disconnect) opts.on_disconnect(c->group, c->id);
  }

  void unregister(const conn_ptr& c) {
    std::lock_guard lock(mu);
    remove_locked(c);
  }

  // -- accepting --

  std::string start() {
    error_code ec;
    auto addr = asio::ip::make_address(opts.host.empty() ? "0.0.0.0" : opts.host, ec);
    if (ec) return "poll server: bad host " + opts.host + ": " + ec.message();
    tcp::endpoint ep(addr, opts.port);
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      error_code ignored;
      acceptor.close(ignored);
      return "poll server: cannot listen on " + opts.host + ":" + std::to_string(opts.port) + ": " +
             ec.message();
    }
    bound_port = acceptor.local_endpoint(ec).port();
    asio::post(acceptor.get_executor(), [self = shared_from_this()] { self->accept(); });
    return {};
  }

  void accept() {
    auto c = std::make_shared<sse_conn>(ctx_of(io));
    std::erase_if(all_conns, [](const auto& w) { return w.expired(); });
    all_conns.push_back(c);
    acceptor.async_accept(c->sock, [self = shared_from_this(), c](error_code ec) {
      if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
      if (!ec) {
        self->read_head(c);
        return self->accept();
      }
      // Out of descriptors or similar: pause instead of spinning on the error.
      self->accept_timer.expires_after(milliseconds(50));
      self->accept_timer.async_wait([self](error_code ec2) {
        if (!ec2 && self->acceptor.is_open()) self->accept();
      });
    });
  }

  void read_head(const conn_ptr& c) {
    if (opts.request_timeout_ms > 0) {
      c->read_timer.expires_after(milliseconds(opts.request_timeout_ms));
      c->read_timer.async_wait([c](error_code ec) {
        if (!ec) {
          error_code ignored;
          c->sock.close(ignored);
        }
      });
    }
    asio::async_read_until(c->sock, c->head, "\r\n\r\n",
                           [self = shared_from_this(), c](error_code ec, size_t n) {
                             c->read_timer.cancel();
                             if (ec) {
                               error_code ignored;
                               c->sock.close(ignored);
                               return;
                             }
                             self->on_head(c, n);
                           });
  }

  static void report_status(const conn_ptr& c, unsigned code) {
    if (auto f = std::exchange(c->answered, nullptr)) f(code);
  }

  void respond_error(const conn_ptr& c, int code, const char* reason, const char* text,
                     const char* extra_headers = "") {
    report_status(c, static_cast<unsigned>(code));
    std::string body = std::string(text) + "\n";
    c->wbuf = "HTTP/1.1 " + std::to_string(code) + " " + reason + "\r\n" + extra_headers +
              "Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff"
              "\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    asio::async_write(c->sock, asio::buffer(c->wbuf), [c](error_code, size_t) {
      error_code ignored;
      c->sock.shutdown(tcp::socket::shutdown_both, ignored);
      c->sock.close(ignored);
    });
  }

  void on_head(const conn_ptr& c, size_t n) {
    std::string head(asio::buffers_begin(c->head.data()), asio::buffers_begin(c->head.data()) + n);
    c->head.consume(n);
    std::string_view h(head);
    size_t eol = h.find("\r\n");
    std::string_view line = h.substr(0, eol);
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return respond_error(c, 400, "Bad Request", "bad request");
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (version.rfind("HTTP/1.", 0) != 0) {
      return respond_error(c, 400, "Bad Request", "bad request");
    }
    c->chunked = version != "HTTP/1.0";

    std::string_view origin, authorization;
    for (size_t pos = eol + 2; pos < h.size();) {
      size_t end = h.find("\r\n", pos);
      if (end == std::string_view::npos || end == pos) break;
      std::string_view field = h.substr(pos, end - pos);
      size_t colon = field.find(':');
      if (colon != std::string_view::npos && iequals(field.substr(0, colon), "origin")) {
        origin = trim(field.substr(colon + 1));
      } else if (colon != std::string_view::npos &&
                 iequals(field.substr(0, colon), "authorization")) {
        authorization = trim(field.substr(colon + 1));
      }
      pos = end + 2;
    }

    target = target.substr(0, target.find('?'));
    serve(c, method, authorization, decode_path(target), origin, {});
  }

  /// The checks of a parsed request head, in the reference's order (auth, method,
  /// path), then admit(). `path` is decoded; nullopt when the escapes were bad.
  void serve(const conn_ptr& c, std::string_view method, std::string_view authorization,
             const std::optional<std::string>& path, std::string_view origin,
             const std::vector<std::pair<std::string, std::string>>& extra) {
    if (!authorized(authorization)) {
      return respond_error(c, 401, "Unauthorized", "unauthorized",
                           "WWW-Authenticate: Basic realm=\"Restricted\"\r\n");
    }
    if (method != "GET") {
      return respond_error(c, 405, "Method Not Allowed", "method not allowed");
    }
    if (!path || path->empty() || path->front() != '/') {
      return respond_error(c, 400, "Bad Request", "invalid request");
    }
    admit(c, *path, origin, extra);
  }

  /// Takes over a socket whose head another listener read (poll_server::adopt). The fd
  /// is closed on every path that does not hand it to a connection.
  void adopt(queues::poll_handover s) {
    struct owned_fd {
      explicit owned_fd(int f) : fd(f) {}
      owned_fd(const owned_fd&) = delete;
      owned_fd& operator=(const owned_fd&) = delete;
      ~owned_fd() {
        if (fd >= 0) ::close(fd);
      }
      int fd;
    };
    auto fd = std::make_shared<owned_fd>(s.fd);
    if (stopped) return;  // closed by owned_fd
    asio::post(ctx_of(io), [self = shared_from_this(), fd, s = std::move(s)] {
      auto c = std::make_shared<sse_conn>(ctx_of(self->io));
      error_code ec;
      c->sock.assign(s.ipv6 ? tcp::v6() : tcp::v4(), fd->fd, ec);
      if (ec) return;
      fd->fd = -1;
      c->answered = s.answered;
      std::erase_if(self->all_conns, [](const auto& w) { return w.expired(); });
      self->all_conns.push_back(c);
      // The leftover bytes would sit unread in `head` on our own port; nothing reads them.
      c->chunked = !s.http10;
      // The poll server's own basic auth applies too, as it does behind the
      // reference's proxy, which forwards the Authorization header.
      self->serve(c, s.method, s.authorization, s.path, s.origin, s.headers);
    });
  }

  /// Registers a connection whose request passed the checks, and starts its stream.
  void admit(const conn_ptr& c, const std::string& path, std::string_view origin,
             const std::vector<std::pair<std::string, std::string>>& extra) {
    // "/{group}/{id...}": parts[0] is "", the id keeps its slashes and may be empty.
    size_t second = path.find('/', 1);
    if (second == std::string::npos) {
      return respond_error(c, 400, "Bad Request", "invalid request");
    }
    c->group = path.substr(1, second - 1);
    c->id = path.substr(second + 1);

    conn_ptr replaced;
    {
      std::lock_guard lock(mu);
      if (stopped) return respond_error(c, 503, "Service Unavailable", "shutting down");
      auto& g = groups[c->group];
      auto it = g.by_id.find(c->id);
      if (it != g.by_id.end()) replaced = g.list[it->second];
      if (total - (replaced ? 1 : 0) >= opts.max_connections) {
        if (g.list.empty()) groups.erase(c->group);
        return respond_error(c, 429, "Too Many Requests", "too many requests");
      }
      // The newest connection with the same (group, id) wins.
      if (replaced) remove_locked(replaced);
      auto& g2 = groups[c->group];
      g2.by_id[c->id] = g2.list.size();
      g2.list.push_back(c);
      c->registered = true;
      ++total;
      gauge.set(static_cast<int64_t>(total));
    }
    if (replaced) begin_close(replaced);

    std::string out = c->chunked ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.0 200 OK\r\n";
    out.append(
      "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "Connection: keep-alive\r\n");
    bool origin_given = false;
    for (const auto& [name, value] : extra) {
      origin_given = origin_given || iequals(name, "Access-Control-Allow-Origin");
      out.append(name).append(": ").append(value).append("\r\n");
    }
    if (auto allow = allowed_origin(origin); !allow.empty() && !origin_given) {
      out.append("Access-Control-Allow-Origin: ").append(allow).append("\r\n");
    }
    if (c->chunked) out.append("Transfer-Encoding: chunked\r\n");
    out.append("\r\n");
    c->streaming = true;
    report_status(c, 200);
    write(c, std::move(out));
    watch_peer(c);
    arm_keepalive(c);
    // After the head: a message this announcement brings out is framed
    // behind it.
    if (opts.on_connect) opts.on_connect(c->group, c->id);
    if (opts.disconnect_after_ms > 0) {
      c->disconnect_timer.expires_after(milliseconds(opts.disconnect_after_ms));
      c->disconnect_timer.async_wait([self = shared_from_this(), c](error_code ec) {
        if (!ec) self->begin_close(c);
      });
    }
  }

  bool authorized(std::string_view header) const { return basic.allows(header); }

  std::string allowed_origin(std::string_view origin) const {
    const auto& allow = opts.cors_allow_origins;
    if (allow.size() == 1 && allow[0] == "*") return "*";
    for (const auto& o : allow) {
      if (!origin.empty() && iequals(o, origin)) return o;
    }
    return {};
  }

  /// A read that completes only when the peer closes (or sends junk): the way a
  /// vanished client is noticed without writing to it.
  void watch_peer(const conn_ptr& c) {
    c->sock.async_read_some(asio::buffer(c->sink),
                            [self = shared_from_this(), c](error_code ec, size_t) {
                              if (c->closed) return;
                              if (ec) return self->close_now(c);
                              self->watch_peer(c);
                            });
  }

  void arm_keepalive(const conn_ptr& c) {
    if (opts.keepalive_ms <= 0) return;
    c->keepalive_timer.expires_after(milliseconds(opts.keepalive_ms));
    c->keepalive_timer.async_wait([self = shared_from_this(), c](error_code ec) {
      if (ec || c->closed) return;
      bool progressed = c->writes_done != c->writes_at_last_tick;
      c->writes_at_last_tick = c->writes_done;
      if (c->writing) {
        // A write that made no progress for two intervals: the reader is gone or
        // stuck; drop it rather than hold its frames forever.
        c->stalled_ticks = progressed ? 0 : c->stalled_ticks + 1;
        if (c->stalled_ticks >= 2) return self->close_now(c);
      } else {
        c->stalled_ticks = 0;
        auto idle = std::chrono::steady_clock::now() - c->last_frame;
        if (!c->closing && idle >= milliseconds(self->opts.keepalive_ms / 2)) {
          self->write(c, self->frame(": keepalive\n\n", c->chunked));
        }
      }
      self->arm_keepalive(c);
    });
  }

  static std::string frame(std::string_view payload, bool chunked) {
    std::string out;
    out.reserve(payload.size() + 16);
    if (chunked) out.append(hex(payload.size())).append("\r\n");
    out.append(payload);
    if (chunked) out.append("\r\n");
    return out;
  }

  void write(const conn_ptr& c, std::string bytes) {
    if (c->closed) return;
    if (c->writing) {
      // Only keepalives and the headers come here while idle; frames go through flush().
      std::lock_guard lock(mu);
      c->pending.push_front(std::move(bytes));
      return;
    }
    c->writing = true;
    c->wbuf = std::move(bytes);
    asio::async_write(c->sock, asio::buffer(c->wbuf),
                      [self = shared_from_this(), c](error_code ec, size_t) {
                        c->writing = false;
                        ++c->writes_done;
                        c->last_frame = std::chrono::steady_clock::now();
                        if (ec) return self->close_now(c);
                        self->flush(c);
                      });
  }

  /// Hands every pending frame to the socket in one write.
  void flush(const conn_ptr& c) {
    if (c->closed || c->writing) return;
    std::string out;
    {
      std::lock_guard lock(mu);
      c->flush_posted = false;
      while (!c->pending.empty()) {
        out.append(c->pending.front());
        c->pending.pop_front();
      }
    }
    if (!out.empty()) return write(c, std::move(out));
    if (c->closing) finish_close(c);
  }

  /// Orderly end of a stream: no new frames, the queued ones are written, then the
  /// final chunk. A peer that does not take them within 5 s is cut off.
  void begin_close(const conn_ptr& c) {
    if (c->closed || c->closing) return;
    c->closing = true;
    unregister(c);
    c->disconnect_timer.cancel();
    c->keepalive_timer.cancel();
    c->close_timer.expires_after(milliseconds(5000));
    c->close_timer.async_wait([self = shared_from_this(), c](error_code ec) {
      if (!ec) self->close_now(c);
    });
    flush(c);
  }

  void finish_close(const conn_ptr& c) {
    if (c->chunked && c->streaming) {
      c->streaming = false;
      c->writing = true;
      c->wbuf = "0\r\n\r\n";
      asio::async_write(c->sock, asio::buffer(c->wbuf),
                        [self = shared_from_this(), c](error_code, size_t) {
                          c->writing = false;
                          self->close_now(c);
                        });
      return;
    }
    close_now(c);
  }

  void close_now(const conn_ptr& c) {
    if (c->closed) return;
    c->closed = true;
    unregister(c);
    {
      std::lock_guard lock(mu);
      c->pending.clear();
    }
    c->read_timer.cancel();
    c->keepalive_timer.cancel();
    c->disconnect_timer.cancel();
    c->close_timer.cancel();
    error_code ignored;
    c->sock.shutdown(tcp::socket::shutdown_both, ignored);
    c->sock.close(ignored);
  }

  bool deliver(cast_kind cast, const std::string& group, const std::optional<std::string>& id,
               std::string body) {
    conn_ptr c;
    {
      std::lock_guard lock(mu);
      auto g = groups.find(group);
      if (g == groups.end() || g->second.list.empty()) return false;
      if (id) {
        if (auto it = g->second.by_id.find(*id); it != g->second.by_id.end()) {
          c = g->second.list[it->second];
        }
      }
      if (!c) {
        if (cast == cast_kind::uni) return false;
        std::uniform_int_distribution<size_t> pick(0, g->second.list.size() - 1);
        c = g->second.list[pick(rng)];
      }
      if (c->pending.size() >= opts.buffer_size) return false;
      std::string payload;
      payload.reserve(body.size() + 8);
      payload.append("data: ").append(body).append("\n\n");
      c->pending.push_back(frame(payload, c->chunked));
      if (c->flush_posted) return true;
      c->flush_posted = true;
    }
    asio::post(ctx_of(io), [self = shared_from_this(), c] { self->flush(c); });
    return true;
  }

  void stop() {
    if (stopped.exchange(true)) return;
    io.run_sync([self = shared_from_this()] {
      error_code ignored;
      self->acceptor.close(ignored);
      self->accept_timer.cancel();
      auto all = std::move(self->all_conns);
      for (auto& w : all) {
        if (auto c = w.lock()) {
          self->close_now(c);
        }
      }
    });
  }
};

poll_server::poll_server(io_thread& io, poll_options options)
  : impl_(std::make_shared<impl>(io, std::move(options))) {}

poll_server::~poll_server() {
  stop();
}

std::string poll_server::start() {
  return impl_->start();
}

void poll_server::stop() {
  impl_->stop();
}

uint16_t poll_server::port() const {
  return impl_->bound_port;
}

void poll_server::adopt(queues::poll_handover stream) {
  impl_->adopt(std::move(stream));
}

bool poll_server::deliver(cast_kind cast, const std::string& group,
                          const std::optional<std::string>& id, std::string body) {
  return impl_->deliver(cast, group, id, std::move(body));
}

size_t poll_server::connection_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->total;
}

const poll_options& poll_server::options() const {
  return impl_->opts;
}

// -- HTTP push ------------------------------------------------------------------------

std::optional<http_url> parse_http_url(const std::string& url) {
  auto sep = url.find("://");
  if (sep == std::string::npos) return std::nullopt;
  std::string_view scheme = std::string_view(url).substr(0, sep);
  http_url out;
  if (iequals(scheme, "https")) {
    out.https = true;
  } else if (!iequals(scheme, "http")) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(url).substr(sep + 3);
  rest = rest.substr(0, rest.find('#'));
  size_t path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  std::string_view target = path_at == std::string_view::npos ? "/" : rest.substr(path_at);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);  // userinfo is not sent
  }
  if (authority.empty()) return std::nullopt;
  std::string_view host = authority, port;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  for (char ch : port) {
    if (ch < '0' || ch > '9') return std::nullopt;
  }
  out.host = std::string(host);
  out.port = port.empty() ? (out.https ? "443" : "80") : std::string(port);
  out.target = target.front() == '?' ? "/" + std::string(target) : std::string(target);
  out.host_header = std::string(authority);
  return out;
}

namespace {

bool valid_header(const std::string& name, const std::string& value) {
  if (name.empty()) return false;
  for (unsigned char ch : name) {
    if (ch <= 32 || ch >= 127 || ch == ':') return false;
  }
  for (unsigned char ch : value) {
    if (ch == '\r' || ch == '\n' || ch == '\0') return false;
  }
  return true;
}

struct push_job {
  std::string url;
  header_list headers;
  std::string body;
  std::function<void(bool, std::string)> done;
};

/// The client TLS context of one http_push: peer verification against the system
/// store, plus `ca_file` when set. Built once; every https exchange shares it.
std::unique_ptr<asio::ssl::context> client_tls_context(const std::string& ca_file) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  ctx->set_verify_mode(asio::ssl::verify_peer);
  error_code ec;
  // A machine without a CA store still verifies against `ca_file`, so this is not fatal.
  ctx->set_default_verify_paths(ec);
  if (!ca_file.empty()) {
    ctx->load_verify_file(ca_file, ec);
    if (ec) {
      throw std::runtime_error("aio.plugins.http.config.caFile: cannot load " + ca_file + ": " +
                               ec.message());
    }
  }
  return ctx;
}

}  // namespace

struct http_push::impl : std::enable_shared_from_this<http_push::impl> {
  impl(io_thread& io_, http_options o)
    : io(io_), opts(std::move(o)), tls(client_tls_context(opts.ca_file)) {}

  using tls_stream = asio::ssl::stream<tcp::socket>;

  /// One request. `stream` is a plain socket for http://, a TLS stream over one for
  /// https://; everything after the handshake is the same code on either.
  struct exchange : std::enable_shared_from_this<exchange> {
    exchange(asio::io_context& ctx, push_job j, asio::ssl::context* tls_ctx)
      : job(std::move(j)), resolver(ctx), stream(make_stream(ctx, tls_ctx)), timer(ctx) {}
    static std::variant<tcp::socket, tls_stream> make_stream(asio::io_context& ctx,
                                                             asio::ssl::context* tls_ctx) {
      if (tls_ctx)
        return std::variant<tcp::socket, tls_stream>(std::in_place_type<tls_stream>, ctx, *tls_ctx);
      return std::variant<tcp::socket, tls_stream>(std::in_place_type<tcp::socket>, ctx);
    }
    tcp::socket::lowest_layer_type& socket() {
      return std::visit([](auto& s) -> tcp::socket::lowest_layer_type& { return s.lowest_layer(); },
                        stream);
    }
    push_job job;
    tcp::resolver resolver;
    std::variant<tcp::socket, tls_stream> stream;
    asio::steady_timer timer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
    boost::beast::flat_buffer buf;
    bool reported = false;
    bool finished = false;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  };
  using exchange_ptr = std::shared_ptr<exchange>;

  io_thread& io;
  http_options opts;
  std::unique_ptr<asio::ssl::context> tls;
  mutable std::mutex mu;
  std::deque<push_job> queue;
  size_t running = 0;
  bool stopped = false;
  std::vector<std::weak_ptr<exchange>> live;  // io thread only

  bool push(push_job job) {
    {
      std::lock_guard lock(mu);
      if (stopped) return false;
      if (running >= opts.max_in_flight) {
        if (queue.size() >= opts.queue_size) return false;
        queue.push_back(std::move(job));
        return true;
      }
      ++running;
    }
    asio::post(ctx_of(io), [self = shared_from_this(), j = std::move(job)]() mutable {
      self->begin(std::move(j));
    });
    return true;
  }

  static void report(const exchange_ptr& x, bool connected, std::string error) {
    if (x->reported) return;
    x->reported = true;
    auto done = std::move(x->job.done);
    if (done) done(connected, std::move(error));
  }

  void begin(push_job job) {
    auto url = parse_http_url(job.url);
    auto x = std::make_shared<exchange>(ctx_of(io), std::move(job),
                                        url && url->https ? tls.get() : nullptr);
    std::erase_if(live, [](const auto& w) { return w.expired(); });
    live.push_back(x);
    if (!url) return finish(x, "invalid url " + x->job.url);

    x->req.method(http::verb::post);
    x->req.target(url->target);
    x->req.version(11);
    x->req.set(http::field::host, url->host_header);
    for (const auto& [name, value] : x->job.headers) {
      if (valid_header(name, value)) x->req.set(name, value);
    }
    x->req.set(http::field::content_type, "application/json");
    x->req.set(http::field::connection, "close");
    x->req.body() = std::move(x->job.body);
    x->req.prepare_payload();

    if (auto* s = std::get_if<tls_stream>(&x->stream)) {
      if (auto error = expect_peer(*s, url->host); !error.empty()) return finish(x, error);
    }

    // The connect timeout covers resolve, TCP connect and, for https, the handshake.
    x->timer.expires_after(milliseconds(opts.connect_timeout_ms));
    x->timer.async_wait([self = shared_from_this(), x](error_code ec) {
      if (ec || x->finished) return;
      self->finish(x, x->reported ? "timeout" : "connect timeout");
    });
    x->resolver.async_resolve(
      url->host, url->port,
      [self = shared_from_this(), x](error_code ec, const tcp::resolver::results_type& eps) {
        if (x->finished) return;
        if (ec) return self->finish(x, "resolve: " + ec.message());
        asio::async_connect(x->socket(), eps, [self, x](error_code ec2, const tcp::endpoint&) {
          if (x->finished) return;
          if (ec2) return self->finish(x, "connect: " + ec2.message());
          auto* s = std::get_if<tls_stream>(&x->stream);
          if (!s) return self->on_connected(x);
          s->async_handshake(tls_stream::client, [self, x](error_code ec3) {
            if (x->finished) return;
            if (ec3) return self->finish(x, "tls handshake: " + ec3.message());
            self->on_connected(x);
          });
        });
      });
  }

  /// Names the server for SNI and requires its certificate to match `host` (a DNS
  /// name, or an IP address matched against the certificate's IP entries).
  static std::string expect_peer(tls_stream& s, const std::string& host) {
    error_code ec;
    asio::ip::make_address(host, ec);
    // SNI carries host names only (RFC 6066 3), never address literals.
    if (ec && !SSL_set_tlsext_host_name(s.native_handle(), host.c_str())) {
      return "tls: cannot set server name " + host;
    }
    s.set_verify_callback(asio::ssl::host_name_verification(host));
    return {};
  }

  void on_connected(const exchange_ptr& x) {
    // Delivered as far as spec 3.5 is concerned (for https: once the handshake has
    // verified the receiver); the exchange goes on in the background.
    report(x, true, {});
    auto spent = std::chrono::steady_clock::now() - x->started;
    x->timer.expires_after(milliseconds(opts.timeout_ms) - spent);
    x->timer.async_wait([self = shared_from_this(), x](error_code ec) {
      if (!ec && !x->finished) self->finish(x, "timeout");
    });
    std::visit([&](auto& s) { exchange_on(s, x); }, x->stream);
  }

  /// Writes the request and reads (and ignores) the response on either stream.
  template <class Stream>
  void exchange_on(Stream& s, const exchange_ptr& x) {
    http::async_write(s, x->req, [self = shared_from_this(), &s, x](error_code ec, size_t) {
      if (x->finished) return;
      if (ec) return self->finish(x, "write: " + ec.message());
      http::async_read(s, x->buf, x->res, [self, x](error_code, size_t) {
        if (!x->finished) self->finish(x, {});  // the response is ignored
      });
    });
  }

  void finish(const exchange_ptr& x, std::string error) {
    if (x->finished) return;
    x->finished = true;
    error_code ignored;
    x->timer.cancel();
    x->resolver.cancel();
    // No TLS close_notify: the request says Connection: close and the response is ignored.
    x->socket().shutdown(tcp::socket::shutdown_both, ignored);
    x->socket().close(ignored);
    report(x, false, std::move(error));
    std::optional<push_job> next;
    {
      std::lock_guard lock(mu);
      if (!queue.empty() && !stopped) {
        next = std::move(queue.front());
        queue.pop_front();
      } else {
        --running;
      }
    }
    if (next) {
      asio::post(ctx_of(io), [self = shared_from_this(), j = std::move(*next)]() mutable {
        self->begin(std::move(j));
      });
    }
  }

  void stop() {
    std::deque<push_job> dropped;
    {
      std::lock_guard lock(mu);
      if (stopped) return;
      stopped = true;
      dropped.swap(queue);
    }
    io.run_sync([self = shared_from_this(), &dropped] {
      for (auto& j : dropped) {
        if (j.done) j.done(false, "http plugin stopped");
      }
      auto live = std::move(self->live);
      for (auto& w : live) {
        if (auto x = w.lock()) self->finish(x, "http plugin stopped");
      }
    });
  }
};

http_push::http_push(io_thread& io, http_options options)
  : impl_(std::make_shared<impl>(io, std::move(options))) {}

http_push::~http_push() {
  stop();
}

bool http_push::push(std::string url, header_list headers, std::string body,
                     std::function<void(bool, std::string)> done) {
  return impl_->push(
    push_job{std::move(url), std::move(headers), std::move(body), std::move(done)});
}

void http_push::stop() {
  impl_->stop();
}

size_t http_push::in_flight() const {
  std::lock_guard lock(impl_->mu);
  return impl_->running;
}

const http_options& http_push::options() const {
  return impl_->opts;
}

}  // namespace resonate::sender
