// The Beast server over real sockets on 127.0.0.1, port 0, with a fake kernel
// that answers from its own thread (as the real kernel does).

#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include "api_gateway/rest_v1/protocol.hpp"
#include "api_gateway/transport/http_server.hpp"
#include "api_gateway/transport/metrics_listener.hpp"
#include "queues/metrics.hpp"

namespace resonate::api_gateway {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

/// Answers on its own thread. A read of promise "delay-<ms>" is answered after
/// that many milliseconds, everything else at once.
class fake_kernel {
public:
  fake_kernel() : thread_([this] { run(); }) {}
  ~fake_kernel() {
    {
      std::lock_guard g{mu_};
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  submit_fn submit() {
    return [this](queues::request req, queues::reply_fn reply) {
      auto due = steady::now();
      if (auto* read = std::get_if<queues::read_promise_request>(&req.payload)) {
        if (read->id.rfind("delay-", 0) == 0) due += std::chrono::milliseconds(std::stoi(read->id.substr(6)));
      }
      submitted++;
      std::lock_guard g{mu_};
      items_.push_back({due, std::move(req), std::move(reply)});
      cv_.notify_all();
    };
  }

  std::atomic<int> submitted{0};

private:
  struct item {
    steady::time_point due;
    queues::request req;
    queues::reply_fn reply;
  };

  static queues::response answer(const queues::request& req) {
    if (auto* read = std::get_if<queues::read_promise_request>(&req.payload)) {
      queues::promise_record p;
      p.id = read->id;
      p.created_on = 1;
      return {queues::status::ok, queues::promise_response{p}, {}};
    }
    if (auto* create = std::get_if<queues::create_promise_request>(&req.payload)) {
      queues::promise_record p;
      p.id = create->id;
      return {queues::status::created, queues::promise_response{p}, {}};
    }
    if (std::holds_alternative<queues::ready_request>(req.payload)) return {};
    return queues::response::failure(queues::status::internal_server_error, "unexpected");
  }

  void run() {
    std::unique_lock lk{mu_};
    while (true) {
      if (done_) return;
      if (items_.empty()) {
        cv_.wait(lk);
        continue;
      }
      auto it = std::min_element(items_.begin(), items_.end(),
                                 [](const item& a, const item& b) { return a.due < b.due; });
      if (it->due > steady::now()) {
        cv_.wait_until(lk, it->due);
        continue;
      }
      item ready = std::move(*it);
      items_.erase(it);
      lk.unlock();
      ready.reply(answer(ready.req));
      lk.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<item> items_;
  bool done_ = false;
  std::thread thread_;
};

/// Shuts the socket down if the guarded block takes longer than `limit`, so a
/// broken server fails the test instead of hanging it.
class deadline_guard {
public:
  deadline_guard(tcp::socket& s, std::chrono::milliseconds limit)
    : thread_([this, fd = s.native_handle(), limit] {
        std::unique_lock lk{mu_};
        if (!cv_.wait_for(lk, limit, [this] { return done_; })) ::shutdown(fd, SHUT_RDWR);
      }) {}
  ~deadline_guard() {
    {
      std::lock_guard g{mu_};
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

struct client {
  net::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;

  explicit client(uint16_t port) { socket.connect({net::ip::make_address("127.0.0.1"), port}); }

  void send(http::verb method, const std::string& target, const std::string& body = {}) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "localhost");
    if (!body.empty()) {
      req.body() = body;
      req.set(http::field::content_type, "application/json");
    }
    req.prepare_payload();
    http::write(socket, req);
  }

  http::response<http::string_body> receive(beast::error_code& ec,
                                            std::chrono::milliseconds limit = 5s) {
    http::response<http::string_body> res;
    deadline_guard guard(socket, limit);
    http::read(socket, buffer, res, ec);
    return res;
  }

  http::response<http::string_body> roundtrip(http::verb method, const std::string& target,
                                              const std::string& body = {}) {
    send(method, target, body);
    beast::error_code ec;
    auto res = receive(ec);
    EXPECT_FALSE(ec) << ec.message();
    return res;
  }

  /// True if the server closes the connection within `limit`.
  bool closed_by_server(std::chrono::milliseconds limit = 5s) {
    deadline_guard guard(socket, limit);
    char c;
    beast::error_code ec;
    socket.read_some(net::buffer(&c, 1), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
  }
};

http_options test_options() {
  http_options o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  return o;
}

TEST(HttpServer, KeepAliveServesTwoRequestsOnOneConnection) {
  fake_kernel kernel;
  http_server server(test_options(), kernel.submit());
  server.start();
  ASSERT_NE(server.port(), 0);

  client c(server.port());
  auto r1 = c.roundtrip(http::verb::get, "/promises/a%2Fb");
  EXPECT_EQ(r1.result_int(), 200u);
  EXPECT_EQ(r1[http::field::content_type], "application/json; charset=utf-8");
  EXPECT_EQ(r1["Resonate-Version"], "0.8.2");
  EXPECT_EQ(r1.body(), R"({"id":"a/b","state":"PENDING","param":{},"value":{},"timeout":0,"createdOn":1})");
  EXPECT_TRUE(r1.keep_alive());

  auto r2 = c.roundtrip(http::verb::post, "/promises", R"({"id":"new"})");
  EXPECT_EQ(r2.result_int(), 201u);
  EXPECT_EQ(r2["Resonate-Version"], "0.8.2");

  auto r3 = c.roundtrip(http::verb::get, "/ready");
  EXPECT_EQ(r3.result_int(), 200u);
  EXPECT_EQ(r3.body(), R"({"status":"ok"})");
  EXPECT_EQ(kernel.submitted.load(), 3);
  server.stop(1s);
}

TEST(HttpServer, ValidationFailureNeverReachesKernel) {
  fake_kernel kernel;
  http_server server(test_options(), kernel.submit());
  server.start();
  client c(server.port());
  auto r = c.roundtrip(http::verb::post, "/promises", R"({"timeout":1})");
  EXPECT_EQ(r.result_int(), 400u);
  EXPECT_EQ(r["Resonate-Version"], "0.8.2");
  EXPECT_NE(r.body().find("The field id is required."), std::string::npos);
  EXPECT_EQ(kernel.submitted.load(), 0);
  server.stop(1s);
}

TEST(HttpServer, UnknownRouteIsPlain404WithoutVersion) {
  fake_kernel kernel;
  http_server server(test_options(), kernel.submit());
  server.start();
  client c(server.port());
  auto r = c.roundtrip(http::verb::get, "/does/not/exist");
  EXPECT_EQ(r.result_int(), 404u);
  EXPECT_EQ(r.body(), "404 page not found");
  EXPECT_EQ(r[http::field::content_type], "text/plain");
  EXPECT_EQ(r.find("Resonate-Version"), r.end());
  // The connection stays usable.
  EXPECT_EQ(c.roundtrip(http::verb::get, "/ping").result_int(), 200u);
  server.stop(1s);
}

TEST(HttpServer, OversizedBodyGets413AndClose) {
  fake_kernel kernel;
  auto opts = test_options();
  opts.body_limit = 1024;
  http_server server(opts, kernel.submit());
  server.start();
  client c(server.port());
  c.send(http::verb::post, "/promises", R"({"id":")" + std::string(5000, 'x') + R"("})");
  beast::error_code ec;
  auto r = c.receive(ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(r.result_int(), 413u);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_EQ(kernel.submitted.load(), 0);
  server.stop(1s);
}

TEST(HttpServer, IdleConnectionIsClosed) {
  fake_kernel kernel;
  auto opts = test_options();
  opts.idle_timeout = 200ms;
  http_server server(opts, kernel.submit());
  server.start();
  client c(server.port());
  EXPECT_EQ(c.roundtrip(http::verb::get, "/ping").result_int(), 200u);
  auto t0 = steady::now();
  EXPECT_TRUE(c.closed_by_server(3s));
  auto waited = steady::now() - t0;
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 2s);
  server.stop(1s);
}

TEST(HttpServer, PipelinedResponsesKeepRequestOrder) {
  fake_kernel kernel;
  http_server server(test_options(), kernel.submit());
  server.start();
  client c(server.port());
  // The first request is answered by the kernel after the second one.
  std::string two = "GET /promises/delay-200 HTTP/1.1\r\nHost: x\r\n\r\n"
                    "GET /promises/fast HTTP/1.1\r\nHost: x\r\n\r\n";
  net::write(c.socket, net::buffer(two));
  beast::error_code ec;
  auto r1 = c.receive(ec);
  ASSERT_FALSE(ec);
  auto r2 = c.receive(ec);
  ASSERT_FALSE(ec);
  EXPECT_NE(r1.body().find(R"("id":"delay-200")"), std::string::npos);
  EXPECT_NE(r2.body().find(R"("id":"fast")"), std::string::npos);
  server.stop(1s);
}

TEST(HttpServer, ExpectContinueIsAnswered) {
  fake_kernel kernel;
  http_server server(test_options(), kernel.submit());
  server.start();
  client c(server.port());
  std::string body = R"({"id":"c"})";
  std::string head = "POST /promises HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                     "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  net::write(c.socket, net::buffer(head));
  std::string line;
  {
    deadline_guard guard(c.socket, 2s);
    beast::error_code ec;
    net::read_until(c.socket, net::dynamic_buffer(line), "\r\n\r\n", ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  EXPECT_EQ(line.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0), 0u);
  net::write(c.socket, net::buffer(body));
  beast::error_code ec;
  auto r = c.receive(ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(r.result_int(), 201u);
  server.stop(1s);
}

TEST(HttpServer, StopLetsInFlightRequestFinish) {
  fake_kernel kernel;
  http_server server(test_options(), kernel.submit());
  server.start();
  client busy(server.port());
  client idle(server.port());
  EXPECT_EQ(idle.roundtrip(http::verb::get, "/ping").result_int(), 200u);

  busy.send(http::verb::get, "/promises/delay-300");
  auto answer = std::async(std::launch::async, [&] {
    beast::error_code ec;
    auto res = busy.receive(ec);
    return std::make_pair(ec, res);
  });
  while (kernel.submitted.load() == 0) std::this_thread::sleep_for(1ms);

  auto t0 = steady::now();
  server.stop(3s);
  auto took = steady::now() - t0;
  auto [ec, res] = answer.get();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_NE(res.body().find("delay-300"), std::string::npos);
  EXPECT_FALSE(res.keep_alive());  // the server is going away
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 2500ms);
  EXPECT_TRUE(idle.closed_by_server(1s));
  EXPECT_TRUE(busy.closed_by_server(1s));
  // No longer accepting.
  net::io_context ioc;
  tcp::socket s(ioc);
  beast::error_code cec;
  s.connect({net::ip::make_address("127.0.0.1"), server.port()}, cec);
  EXPECT_TRUE(cec);
}

// The interleaving behind the old flakiness of StopLetsInFlightRequestFinish, forced: stop()
// raises its flag after a request was submitted but before its session starts the next
// (pipelined) read. That session then has no socket operation pending while the kernel still
// owes it an answer; the server must keep running its io threads for that answer.
TEST(HttpServer, StopWaitsForAnswerOfSessionThatStoppedReading) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  queues::reply_fn held;
  submit_fn submit = [&](queues::request, queues::reply_fn reply) {
    // Runs on the session's io thread, inside the handler that goes on to read again.
    std::unique_lock lk{mu};
    held = std::move(reply);
    cv.notify_all();
    cv.wait(lk, [&] { return release; });
  };
  http_server server(test_options(), submit);  // two io threads: one stays free
  server.start();
  const uint16_t port = server.port();
  client busy(port);
  busy.send(http::verb::get, "/promises/p");
  {
    std::unique_lock lk{mu};
    ASSERT_TRUE(cv.wait_for(lk, 5s, [&] { return held != nullptr; }));
  }

  auto stopped = std::async(std::launch::async, [&] {
    auto t0 = steady::now();
    server.stop(3s);
    return steady::now() - t0;
  });
  // stop() raises its flag before it closes the listener, so a refused connection proves
  // the flag is up before the blocked handler continues.
  bool refused = false;
  for (auto until = steady::now() + 5s; !refused && steady::now() < until;) {
    net::io_context ioc;
    tcp::socket probe(ioc);
    beast::error_code ec;
    probe.connect({net::ip::make_address("127.0.0.1"), port}, ec);
    refused = static_cast<bool>(ec);
    if (!refused) std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(refused);
  {
    std::lock_guard g{mu};
    release = true;
  }
  cv.notify_all();
  // Answer once the handler has returned and nothing but this answer is left to wait for.
  std::this_thread::sleep_for(100ms);
  queues::promise_record p;
  p.id = "p";
  held(queues::response{queues::status::ok, queues::promise_response{p}, {}});

  beast::error_code ec;
  auto res = busy.receive(ec, 5s);
  auto took = stopped.get();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_LT(took, 1s);
  EXPECT_TRUE(busy.closed_by_server(2s));
}

// The route options reach routing (GET-claim lease) and encoding (hrefs); a drop is
// answered with no body and no Content-Type.
TEST(HttpServer, TaskRoutesUseRouteOptionsAndDropHasNoBody) {
  std::mutex mu;
  std::vector<queues::request> seen;
  submit_fn submit = [&](queues::request req, queues::reply_fn reply) {
    {
      std::lock_guard g{mu};
      seen.push_back(req);
    }
    if (std::holds_alternative<queues::drop_task_request>(req.payload)) {
      reply({queues::status::created, queues::empty_response{}, {}});
      return;
    }
    queues::task_record t;
    t.id = "__invoke:p";
    t.mesg = {queues::message_type::invoke, {}, "p", "p"};
    reply({queues::status::created, queues::claimed_task_response{t, std::nullopt, std::nullopt},
           {}});
  };
  auto opts = test_options();
  opts.routes.system_url = "http://example.test:9";
  opts.routes.task_frequency_ms = 777;
  http_server server(opts, submit);
  server.start();
  client c(server.port());

  auto claimed = c.roundtrip(http::verb::get, "/tasks/claim/__invoke:p/1");
  EXPECT_EQ(claimed.result_int(), 201u);
  EXPECT_EQ(claimed.body(), R"({"promises":{"root":{"data":null,)"
                            R"("href":"http://example.test:9/promises/p","id":"p"}},)"
                            R"("type":"invoke"})");

  auto dropped = c.roundtrip(http::verb::post, "/tasks/drop", R"({"id":"__invoke:p","counter":1})");
  EXPECT_EQ(dropped.result_int(), 201u);
  EXPECT_EQ(dropped.body(), "");
  EXPECT_EQ(dropped.find(http::field::content_type), dropped.end());
  EXPECT_EQ(dropped[http::field::content_length], "0");
  EXPECT_EQ(dropped["Resonate-Version"], "0.8.2");
  EXPECT_TRUE(dropped.keep_alive());
  server.stop(1s);

  std::lock_guard g{mu};
  ASSERT_EQ(seen.size(), 2u);
  const auto& claim = std::get<queues::claim_task_request>(seen[0].payload);
  EXPECT_EQ(claim.ttl, 777);
  EXPECT_EQ(claim.process_id, "__invoke:p/1");
}

TEST(HttpServer, ConnectionsOverTheLimitGet503) {
  fake_kernel kernel;
  auto opts = test_options();
  opts.max_connections = 1;
  http_server server(opts, kernel.submit());
  server.start();
  {
    client first(server.port());
    EXPECT_EQ(first.roundtrip(http::verb::get, "/ping").result_int(), 200u);
    client second(server.port());
    beast::error_code ec;
    auto r = second.receive(ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(r.result_int(), 503u);
    EXPECT_TRUE(second.closed_by_server());
  }
  // Once the first connection is gone, a new one is served.
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    client again(server.port());
    again.send(http::verb::get, "/ping");
    beast::error_code ec;
    auto r = again.receive(ec);
    served = !ec && r.result_int() == 200u;
    if (!served) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(served);
  server.stop(1s);
}

TEST(MetricsServer, ServesPrometheusText) {
  fake_kernel kernel;
  http_server server(test_options(), kernel.submit());
  server.start();
  {
    client c(server.port());
    c.roundtrip(http::verb::get, "/promises/m");
  }
  server.stop(1s);

  metrics_server metrics("127.0.0.1", 0);
  metrics.start();
  client c(metrics.port());
  auto r = c.roundtrip(http::verb::get, "/metrics");
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(r[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body().find(R"(http_requests_total{method="GET",path="/promises/*id",status="200"})"),
            std::string::npos);
  EXPECT_NE(r.body().find(R"(api_requests_total{protocol="http",status="20000",type="ReadPromise"})"),
            std::string::npos);
  EXPECT_NE(r.body().find(R"(http_requests_duration_seconds_count{method="GET",path="/promises/*id"})"),
            std::string::npos);
  auto nf = c.roundtrip(http::verb::get, "/other");
  EXPECT_EQ(nf.result_int(), 404u);
  metrics.stop();
}

/// A stand-in for a second protocol (the 2026-04-01 envelope is `POST /`): it serves only
/// `POST /`, reads the body as a promise id and writes the kernel's answer its own way.
class probe_protocol final : public protocol {
public:
  bool matches(const http_request& req) const override {
    return req.method == "POST" && req.target == "/";
  }
  exchange route(const http_request& req) const override {
    exchange out;
    out.request = queues::request{"probe", queues::read_promise_request{std::string(req.body)}};
    out.route = 7;
    return out;
  }
  std::optional<http_response> authorize(const http_request&, const exchange&) const override {
    return std::nullopt;
  }
  http_response encode_reply(queues::kind k, const queues::response& res,
                             const std::string&) const override {
    http_response out;
    out.content_type = text_content_type;
    out.body = std::string("probe:") + queues::kind_name(k) + ":" +
               std::get<queues::promise_response>(res.payload).promise.id;
    return out;
  }
  http_response body_too_large(const http_request&, size_t limit) const override {
    http_response out;
    out.status = 413;
    out.content_type = text_content_type;
    out.body = "probe:too large:" + std::to_string(limit);
    return out;
  }
  void record_http(method_id, uint16_t route, unsigned status, double) const override {
    std::lock_guard g{mu};
    counted.emplace_back(route, status);
  }

  mutable std::mutex mu;
  mutable std::vector<std::pair<uint16_t, unsigned>> counted;
};

TEST(HttpServer, ASecondProtocolServesWhatItMatchesAndRestV1TheRest) {
  fake_kernel kernel;
  auto probe = std::make_shared<probe_protocol>();
  auto opts = test_options();
  opts.protocols = {probe};  // REST v1 comes after it
  http_server server(opts, kernel.submit());
  server.start();
  client c(server.port());

  auto mine = c.roundtrip(http::verb::post, "/", "p1");
  EXPECT_EQ(mine.result_int(), 200);
  EXPECT_EQ(mine.body(), "probe:ReadPromise:p1");  // routed and encoded by the probe

  auto rest = c.roundtrip(http::verb::get, "/promises/p2");
  EXPECT_EQ(rest.result_int(), 200);
  EXPECT_NE(rest.body().find("\"id\":\"p2\""), std::string::npos) << rest.body();

  auto other = c.roundtrip(http::verb::post, "/nope");  // no match: REST v1's 404
  EXPECT_EQ(other.result_int(), 404);
  EXPECT_EQ(other.body(), "404 page not found");
  EXPECT_EQ(kernel.submitted.load(), 2);

  std::lock_guard g{probe->mu};
  ASSERT_EQ(probe->counted.size(), 1u);  // only its own request, in its own series
  EXPECT_EQ(probe->counted[0], std::make_pair(uint16_t{7}, 200u));
}

TEST(HttpServer, ABodyOverTheLimitIsAnsweredByTheProtocolWhoseRouteItIs) {
  fake_kernel kernel;
  auto probe = std::make_shared<probe_protocol>();
  auto opts = test_options();
  opts.body_limit = 1024;
  opts.protocols = {probe};
  http_server server(opts, kernel.submit());
  server.start();
  // Each on a connection of its own: the server closes after a 413.
  auto over_limit = [&](const char* target) {
    client c(server.port());
    c.send(http::verb::post, target, std::string(5000, 'x'));
    beast::error_code ec;
    auto r = c.receive(ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_FALSE(r.keep_alive());
    EXPECT_TRUE(c.closed_by_server());
    return r;
  };
  auto mine = over_limit("/");
  EXPECT_EQ(mine.result_int(), 413u);
  EXPECT_EQ(mine.body(), "probe:too large:1024");
  auto rest = over_limit("/promises");  // not the probe's route: REST v1's plain-text 413
  EXPECT_EQ(rest.result_int(), 413u);
  EXPECT_EQ(rest.body(), "request body too large");
  EXPECT_EQ(kernel.submitted.load(), 0);
  server.stop(1s);
  std::lock_guard g{probe->mu};
  ASSERT_EQ(probe->counted.size(), 1u);  // in the probe's series, as a route it never saw
  EXPECT_EQ(probe->counted[0], std::make_pair(route_unrouted, 413u));
}

}  // namespace
}  // namespace resonate::api_gateway
