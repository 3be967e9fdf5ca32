// An HTTP/1.1 connection of the API port: reads pipelined requests, hands each to the
// first registered protocol that matches it (protocol.hpp), submits the typed ones
// through core::submit, writes the responses in request order and hands
// `GET /poll/...` sockets over to the poll server. Routes, bodies and error shapes are
// the protocols' (Beast-free files); this file moves bytes.

#include "api_gateway/transport/session.hpp"

#include <deque>
#include <optional>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>

#include "api_gateway/rest_v1/errors.hpp"
#include "api_gateway/transport/instrumentation.hpp"
#include "codecs/url.hpp"

namespace resonate::api_gateway::detail {

using codecs::decode_path;

using clock_type = std::chrono::steady_clock;

namespace {

/// Responses a connection may owe at once; past it we stop reading (bounded
/// pipelining, as in Beast's advanced server).
constexpr size_t pipeline_limit = 8;
/// How long a closing connection keeps draining what the client still sends,
/// so that our last response is not destroyed by a TCP reset.
constexpr std::chrono::milliseconds linger_timeout{1000};

bool is_quiet_read_error(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == beast::error::timeout ||
         ec == net::error::operation_aborted || ec == net::error::connection_reset ||
         ec == net::error::eof || ec == net::error::bad_descriptor ||
         ec == net::error::connection_aborted || ec == net::error::broken_pipe;
}

/// The "/{group}/{id...}" of `GET /poll/*rest`, or nullopt for any other request. Matched
/// on the decoded path, as gin matches URL.Path, so `/%70oll/g/1` is this route too (and
/// gets its checks); `//poll/g/1` is not (gin does not clean paths: 404).
std::optional<std::string> poll_rest(const http_request& req) {
  if (req.method != "GET") return std::nullopt;
  std::string_view target = req.target;
  auto path = decode_path(target.substr(0, target.find('?')));
  if (!path || !path->starts_with("/poll/")) return std::nullopt;
  return path->substr(5);
}

/// Method, target and headers of a parsed head, as views into it (no body).
http_request request_head(const http::request_header<>& msg) {
  http_request req;
  req.method = msg.method_string();
  req.target = msg.target();
  req.headers.reserve(8);
  for (const auto& f : msg) req.headers.push_back({f.name_string(), f.value()});
  return req;
}

}  // namespace

http::response<http::string_body> to_beast(http_response&& r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  // A body-less answer (drop task) goes without Content-Type, as net/http sends it.
  if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
  if (r.version_header) res.set("Resonate-Version", resonate_version);
  for (auto& [name, value] : r.headers) res.insert(name, value);
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive && !r.close);
  res.prepare_payload();
  // RFC 9110 15.3.5: a 204 has no Content-Length (net/http sends none).
  if (res.result() == http::status::no_content) res.erase(http::field::content_length);
  return res;
}

using header_pairs = std::vector<std::pair<std::string, std::string>>;

class session : public std::enable_shared_from_this<session> {
public:
  session(std::shared_ptr<core> c, tcp::socket&& socket)
    : core_(std::move(c)), stream_(std::move(socket)) {}

  ~session() {
    std::lock_guard guard{core_->mu};
    core_->sessions.erase(this);
    core_->outstanding.fetch_sub(slots_.size(), std::memory_order_relaxed);
  }

  void start() {
    {
      std::lock_guard guard{core_->mu};
      core_->sessions.emplace(this, weak_from_this());
    }
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

  /// Called by stop(): idle connections close now, busy ones after their last
  /// response (every response written while stopping says `Connection: close`).
  void close_if_idle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->slots_.empty()) self->close();
    });
  }

  void force_close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

private:
  using work_guard = net::executor_work_guard<net::io_context::executor_type>;

  /// The protocol whose series count a response, and its route there.
  struct counted_as {
    const protocol* proto = nullptr;
    uint16_t route = route_unrouted;
  };

  /// What the transport answers itself counts in the last protocol's series.
  counted_as unrouted() const { return {core_->protocols.back().get(), route_unrouted}; }

  /// One response owed to the client, in request order.
  struct slot {
    /// An owed response keeps the io threads running. While the kernel holds the request
    /// the session may have no socket operation pending (it stops reading once stop()
    /// begins); without this the threads could run out of work and return before the
    /// answer is posted, leaving it unwritten until stop() gives up on the grace period.
    std::optional<work_guard> work;
    bool ready = false;
    http::response<http::string_body> res;
    unsigned version = 11;
    bool keep_alive = true;
    method_id method = method_id::other;
    counted_as counted;
    clock_type::time_point start;
    header_pairs extra;  ///< CORS headers for whatever answers this request
  };

  void do_read() {
    if (closing_ || read_closed_ || reading_) return;
    if (core_->stopping.load(std::memory_order_relaxed)) {
      read_closed_ = true;
      if (slots_.empty()) close();
      return;
    }
    if (slots_.size() >= pipeline_limit) return;  // resumed by on_write
    parser_.emplace();
    parser_->body_limit(core_->opts.body_limit);
    stream_.expires_after(core_->opts.idle_timeout);
    reading_ = true;
    http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read(ec);
    // curl and others wait up to a second for "100 Continue" before sending a
    // larger body; Go answers it implicitly, so do we.
    auto& req = parser_->get();
    auto expect = req[http::field::expect];
    if (!expect.empty() && beast::iequals(expect, "100-continue") && !writing_ && slots_.empty()) {
      auto len = parser_->content_length();
      if (!len || *len <= core_->opts.body_limit) {
        static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
        writing_ = true;
        net::async_write(stream_, net::buffer(continue_line.data(), continue_line.size()),
                         [self = shared_from_this()](beast::error_code wec, size_t) {
                           self->writing_ = false;
                           if (wec) return self->on_read(wec);
                           self->read_body();
                         });
        return;
      }
    }
    read_body();
  }

  void read_body() {
    http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    reading_ = false;
    if (closing_) return close();
    if (ec) {
      read_closed_ = true;
      if (ec == http::error::body_limit) {
        // The head is parsed (the limit is checked against Content-Length or while the
        // body arrives): the protocol whose route it is answers, in its own shape.
        http_request req = request_head(parser_->get());
        const protocol& proto = core_->protocol_for(req);
        auto answer = proto.body_too_large(req, core_->opts.body_limit);
        answer.close = true;
        queue_immediate(std::move(answer), 11, false, method_of(req.method),
                        {&proto, route_unrouted});
        return;
      }
      if (!is_quiet_read_error(ec) &&
          ec.category() == http::make_error_code(http::error::bad_target).category()) {
        queue_immediate(malformed_request(), 11, false, method_id::other, unrouted());
        return;
      }
      if (slots_.empty()) close();
      return;  // owed responses are still written; on_write closes afterwards
    }
    if (!parser_->get().keep_alive()) read_closed_ = true;  // the client's last request
    handle(parser_->release());
    do_read();  // pipelining: read the next request while this one is answered
  }

  void handle(http::request<http::string_body>&& msg) {
    auto start = clock_type::now();
    http_request req = request_head(msg);
    req.body = msg.body();

    if (core_->opts.poll) {
      if (auto rest = poll_rest(req)) return handle_poll(msg, req, std::move(*rest));
    }

    const protocol& proto = core_->protocol_for(req);
    exchange routed = proto.route(req);
    const counted_as counted{&proto, routed.route};
    const unsigned version = msg.version();
    const bool keep_alive = msg.keep_alive();
    const method_id method = method_of(req.method);

    // CORS, then the protocol's authorisation (basic auth and JWT for REST v1): a refusal
    // never reaches the kernel.
    auto cors = core_->opts.cors.apply(req);
    if (cors.answer) {
      routed.request.reset();
      routed.response = std::move(*cors.answer);
    } else if (auto refused = proto.authorize(req, routed)) {
      routed.request.reset();
      routed.response = std::move(*refused);
    }
    if (!routed.request) {
      queue_immediate(std::move(routed.response), version, keep_alive, method, counted,
                      std::move(cors.headers));
      return;
    }
    uint64_t seq = push_slot(version, keep_alive, method, counted, start, std::move(cors.headers));
    queues::kind kind = routed.request->get_kind();
    auto self = shared_from_this();
    const protocol* encoder = &proto;  // lives in core_, which the session holds
    auto reply = [self, seq, kind, start, encoder,
                  context = routed.context](queues::response res) mutable {
      // Kernel thread: only hand the response over to the session's strand.
      std::lock_guard guard{self->core_->mu};
      if (!self->core_->accepting_replies) return;
      net::post(self->stream_.get_executor(),
                [self, seq, kind, start, encoder, context = std::move(context),
                 res = std::move(res)]() mutable {
                  self->on_reply(*encoder, seq, kind, start, std::move(res), context);
                });
    };
    try {
      core_->submit(std::move(*routed.request), std::move(reply));
    } catch (const std::exception& e) {
      // A submit that throws must not take the io thread down; answer 503.
      on_reply(proto, seq, kind, start,
               queues::response::failure(queues::status::api_submission_queue_full, e.what()),
               routed.context);
    }
  }

  /// `GET /poll/*rest`: the API's CORS, basic auth and JWT, then the socket goes to the
  /// poll server, once every response owed before it is written.
  void handle_poll(const http::request<http::string_body>& msg, const http_request& req,
                   std::string rest) {
    const method_id method = method_of(req.method);
    auto cors = core_->opts.cors.apply(req);
    std::optional<http_response> refused = std::move(cors.answer);
    if (!refused && core_->opts.access) refused = core_->opts.access->check_poll(req);
    if (refused) {
      queue_immediate(std::move(*refused), msg.version(), msg.keep_alive(), method,
                      {core_->protocols.back().get(), route_poll}, std::move(cors.headers));
      return;
    }
    queues::poll_handover h;
    h.method = std::string(req.method);
    h.path = std::move(rest);
    h.http10 = msg.version() == 10;
    h.origin = std::string(req.header("Origin").value_or(std::string_view{}));
    h.authorization = std::string(req.header("Authorization").value_or(std::string_view{}));
    h.headers = std::move(cors.headers);
    h.headers.emplace_back("Resonate-Version", resonate_version);  // an authorised response
    // Counted with the poll server's answer; a stream has no duration (spec 3.1).
    // The poll server may answer after this listener is gone: hold the protocol.
    h.answered = [method, proto = core_->protocols.back()](unsigned status) {
      proto->record_http(method, route_poll, status, 0);
    };
    handover_ = std::move(h);
    read_closed_ = true;  // whatever follows on this connection is the poll server's
    hand_over();
  }

  /// Gives the socket and any bytes read past the request to the poll server; the
  /// session ends here without closing it.
  void hand_over() {
    if (!handover_ || writing_ || !slots_.empty() || closing_) return;
    auto h = std::move(*handover_);
    handover_.reset();
    if (core_->stopping.load(std::memory_order_relaxed)) return close();
    beast::error_code ec;
    stream_.expires_never();
    auto& sock = stream_.socket();
    h.ipv6 = sock.local_endpoint(ec).protocol() == tcp::v6();
    if (ec) return close();
    h.leftover = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    h.fd = sock.release(ec);
    if (ec) return close();
    closing_ = true;
    core_->opts.poll(std::move(h));
  }

  void on_reply(const protocol& proto, uint64_t seq, queues::kind kind,
                clock_type::time_point start, queues::response&& res, const std::string& context) {
    double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    record_api(kind, res.status, seconds);
    if (seq < first_seq_) return;  // the connection was reset meanwhile
    fill_slot(seq, proto.encode_reply(kind, res, context));
  }

  uint64_t push_slot(unsigned version, bool keep_alive, method_id method, counted_as counted,
                     clock_type::time_point start, header_pairs extra = {}) {
    slots_.emplace_back();
    auto& s = slots_.back();
    s.extra = std::move(extra);
    s.version = version;
    s.keep_alive = keep_alive;
    s.method = method;
    s.counted = counted;
    s.start = start;
    s.work.emplace(core_->ioc.get_executor());
    core_->outstanding.fetch_add(1, std::memory_order_relaxed);
    return first_seq_ + slots_.size() - 1;
  }

  void queue_immediate(http_response&& r, unsigned version, bool keep_alive, method_id method,
                       counted_as counted, header_pairs extra = {}) {
    uint64_t seq =
      push_slot(version, keep_alive, method, counted, clock_type::now(), std::move(extra));
    fill_slot(seq, std::move(r));
  }

  void fill_slot(uint64_t seq, http_response&& r) {
    auto& s = slots_[seq - first_seq_];
    bool keep_alive = s.keep_alive && !core_->stopping.load(std::memory_order_relaxed);
    const unsigned status = r.status;
    for (auto& h : s.extra) r.headers.push_back(std::move(h));
    s.res = to_beast(std::move(r), s.version, keep_alive);
    s.ready = true;
    double seconds = std::chrono::duration<double>(clock_type::now() - s.start).count();
    s.counted.proto->record_http(s.method, s.counted.route, status, seconds);
    do_write();
  }

  void do_write() {
    if (writing_ || closing_ || slots_.empty() || !slots_.front().ready) return;
    writing_ = true;
    stream_.expires_after(core_->opts.idle_timeout);
    http::async_write(
      stream_, slots_.front().res,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (ec) return close();
    bool keep_alive = slots_.front().res.keep_alive();
    slots_.pop_front();
    ++first_seq_;
    core_->outstanding.fetch_sub(1, std::memory_order_relaxed);
    if (!keep_alive) return close_after_write();
    if (!slots_.empty()) return do_write();
    if (handover_) return hand_over();
    if (read_closed_) return close();
    do_read();
  }

  /// Half-closes and drains the client's remaining bytes for a moment, so the
  /// final response (a 413, say) reaches it instead of a reset.
  void close_after_write() {
    closing_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (reading_) return;  // the pending read acts as the drain
    drain();
  }

  void drain() {
    stream_.expires_after(linger_timeout);
    stream_.async_read_some(net::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->close();
                              self->drain();
                            });
  }

  void close() {
    closing_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    // Nothing more will be written: stop counting these responses as owed (a
    // write in progress still references the front slot; on_write gets here again).
    if (!writing_ && !slots_.empty()) {
      core_->outstanding.fetch_sub(slots_.size(), std::memory_order_relaxed);
      first_seq_ += slots_.size();
      slots_.clear();
    }
  }

  std::shared_ptr<core> core_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<slot> slots_;
  std::optional<queues::poll_handover> handover_;  ///< a `/poll` request waiting for owed responses
  uint64_t first_seq_ = 0;                         ///< sequence number of slots_.front()
  bool reading_ = false;
  bool writing_ = false;
  bool read_closed_ = false;  ///< no more requests will be read
  bool closing_ = false;
  char drain_buffer_[1024];
};

void start_session(std::shared_ptr<core> c, tcp::socket&& socket) {
  std::make_shared<session>(std::move(c), std::move(socket))->start();
}

namespace {

template <typename Fn>
void for_each_session(core& c, Fn fn) {
  std::vector<std::shared_ptr<session>> live;
  {
    std::lock_guard guard{c.mu};
    for (auto& [ptr, weak] : c.sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) fn(*s);
}

}  // namespace

void close_idle_sessions(core& c) {
  for_each_session(c, [](session& s) { s.close_if_idle(); });
}

void close_sessions(core& c) {
  for_each_session(c, [](session& s) { s.force_close(); });
}

}  // namespace resonate::api_gateway::detail
