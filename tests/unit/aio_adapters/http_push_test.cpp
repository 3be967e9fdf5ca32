#include <future>

#include <gtest/gtest.h>

#include "aio_adapters/sender/net.hpp"
#include "tests/support/tls_receiver.hpp"
#include "tests/unit/aio_adapters/socket_util.hpp"

namespace resonate::sender {
namespace {

using namespace testing;
using std::chrono::milliseconds;

struct outcome {
  bool connected = false;
  std::string error;
};

struct push_fixture {
  explicit push_fixture(http_options o = {}) : push(io, o) { io.start(); }
  ~push_fixture() {
    push.stop();
    io.stop();
  }
  std::future<outcome> send(const std::string& url, header_list headers = {},
                            std::string body = "{}") {
    auto p = std::make_shared<std::promise<outcome>>();
    auto fut = p->get_future();
    bool queued = push.push(url, std::move(headers), std::move(body),
                            [p](bool ok, std::string e) { p->set_value(outcome{ok, e}); });
    EXPECT_TRUE(queued);
    return fut;
  }
  io_thread io;
  http_push push;
};

TEST(http_url, parses_what_a_push_needs) {
  auto u = parse_http_url("http://h:81/a/b?c=d#frag");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "h");
  EXPECT_EQ(u->port, "81");
  EXPECT_EQ(u->target, "/a/b?c=d");
  EXPECT_EQ(u->host_header, "h:81");
  auto v6 = parse_http_url("http://user@[::1]/");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "80");
  EXPECT_EQ(v6->host_header, "[::1]");
  auto q = parse_http_url("HTTP://h?x=1");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->target, "/?x=1");
  EXPECT_TRUE(parse_http_url("https://h/")->https);
  EXPECT_FALSE(parse_http_url("poll://g/x"));
  EXPECT_FALSE(parse_http_url("http://:80/"));
  EXPECT_FALSE(parse_http_url("http://h:8x/"));
}

TEST(http_push, posts_body_with_head_then_address_headers_then_json_content_type) {
  http_listener l;
  push_fixture f;
  auto url = "http://127.0.0.1:" + std::to_string(l.port()) + "/hook?q=1";
  auto got = f.send(url,
                    {{"traceparent", "00-1"}, {"X-Addr", "a"}, {"traceparent", "00-2"},
                     {"Content-Type", "text/plain"}, {"Bad\r\nName", "x"}, {"X-Inj", "a\r\nB: c"}},
                    R"({"type":"invoke"})");
  ASSERT_EQ(got.wait_for(milliseconds(3000)), std::future_status::ready);
  auto o = got.get();
  EXPECT_TRUE(o.connected) << o.error;  // a 500 reply does not matter: connected is delivered
  auto reqs = l.requests(1);
  ASSERT_EQ(reqs.size(), 1u);
  const auto& r = reqs[0];
  EXPECT_EQ(r.rfind("POST /hook?q=1 HTTP/1.1\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("Host: 127.0.0.1:" + std::to_string(l.port()) + "\r\n"), std::string::npos);
  EXPECT_NE(r.find("traceparent: 00-2\r\n"), std::string::npos) << r;  // later one wins
  EXPECT_EQ(r.find("00-1"), std::string::npos);
  EXPECT_NE(r.find("X-Addr: a\r\n"), std::string::npos);
  EXPECT_NE(r.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_EQ(r.find("text/plain"), std::string::npos);
  EXPECT_EQ(r.find("X-Inj"), std::string::npos);
  EXPECT_EQ(r.find("Bad"), std::string::npos);
  EXPECT_NE(r.find("Content-Length: 17\r\n"), std::string::npos);
  EXPECT_EQ(r.substr(r.size() - 17), R"({"type":"invoke"})");
}

TEST(http_push, closed_port_fails_quickly) {
  push_fixture f;
  auto t0 = clock::now();
  auto got = f.send("http://127.0.0.1:" + std::to_string(closed_port()) + "/");
  ASSERT_EQ(got.wait_for(milliseconds(2000)), std::future_status::ready);
  auto o = got.get();
  EXPECT_FALSE(o.connected);
  EXPECT_NE(o.error.find("connect"), std::string::npos) << o.error;
  EXPECT_LT(clock::now() - t0, milliseconds(1000));
}

TEST(http_push, bad_urls_fail) {
  push_fixture f;
  auto b = f.send("http://").get();
  EXPECT_FALSE(b.connected);
  EXPECT_EQ(b.error, "invalid url http://");
}

// ---- https (spec 3.5 with TLS): delivered once the handshake verified the receiver ----

/// Certificates made once for the https tests: `good` names 127.0.0.1 and
/// localhost, `other` only a host name none of the tests uses.
struct tls_certs {
  test::temp_dir dir;
  test::test_cert good = test::make_self_signed(dir.path(), "good", "localhost",
                                                "IP:127.0.0.1,DNS:localhost");
  test::test_cert other = test::make_self_signed(dir.path(), "other", "elsewhere.test",
                                                 "DNS:elsewhere.test");
  static tls_certs& get() {
    static tls_certs certs;
    return certs;
  }
};

http_options trusting(const std::string& ca_file) {
  http_options o;
  o.ca_file = ca_file;
  return o;
}

std::vector<test::tls_receiver::request> wait_requests(test::tls_receiver& rx, size_t n) {
  auto deadline = clock::now() + milliseconds(3000);
  while (rx.requests().size() < n && clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  return rx.requests();
}

TEST(https_push, trusted_through_ca_file_posts_body_and_headers) {
  auto& certs = tls_certs::get();
  test::tls_receiver rx(certs.good, 500);
  push_fixture f(trusting(certs.good.cert));
  const auto port = std::to_string(rx.port());
  auto got = f.send("https://127.0.0.1:" + port + "/hook?q=1",
                    {{"traceparent", "00-1"}, {"X-Addr", "a"}}, R"({"type":"invoke"})");
  ASSERT_EQ(got.wait_for(milliseconds(3000)), std::future_status::ready);
  auto o = got.get();
  EXPECT_TRUE(o.connected) << o.error;
  auto reqs = wait_requests(rx, 1);
  ASSERT_EQ(reqs.size(), 1u);
  const auto& r = reqs[0];
  EXPECT_EQ(r.head.rfind("POST /hook?q=1 HTTP/1.1\r\n", 0), 0u) << r.head;
  EXPECT_NE(r.head.find("Host: 127.0.0.1:" + port + "\r\n"), std::string::npos) << r.head;
  EXPECT_NE(r.head.find("traceparent: 00-1\r\n"), std::string::npos) << r.head;
  EXPECT_NE(r.head.find("X-Addr: a\r\n"), std::string::npos) << r.head;
  EXPECT_NE(r.head.find("Content-Type: application/json"), std::string::npos) << r.head;
  EXPECT_EQ(r.body, R"({"type":"invoke"})");
  EXPECT_EQ(r.server_name, "") << "no SNI for an IP address";

  // By host name: verified against the DNS entry, and the name goes out as SNI.
  auto named = f.send("https://localhost:" + port + "/n").get();
  EXPECT_TRUE(named.connected) << named.error;
  reqs = wait_requests(rx, 2);
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].server_name, "localhost");
  EXPECT_EQ(reqs[1].head.rfind("POST /n HTTP/1.1\r\n", 0), 0u) << reqs[1].head;
  EXPECT_EQ(rx.failed_handshakes(), 0);
}

TEST(https_push, untrusted_certificate_fails_and_sends_nothing) {
  auto& certs = tls_certs::get();
  test::tls_receiver rx(certs.good);
  push_fixture f;  // the system store only: it does not know the self-signed cert
  auto o = f.send("https://127.0.0.1:" + std::to_string(rx.port()) + "/").get();
  EXPECT_FALSE(o.connected);
  EXPECT_EQ(o.error.rfind("tls handshake: ", 0), 0u) << o.error;
  EXPECT_NE(o.error.find("certificate verify failed"), std::string::npos) << o.error;
  auto deadline = clock::now() + milliseconds(2000);
  while (rx.failed_handshakes() == 0 && clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(rx.failed_handshakes(), 1);
  EXPECT_TRUE(rx.requests().empty());
}

TEST(https_push, certificate_for_another_host_fails) {
  auto& certs = tls_certs::get();
  test::tls_receiver rx(certs.other);
  push_fixture f(trusting(certs.other.cert));  // a trusted chain, the wrong name
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    auto o = f.send("https://" + host + ":" + std::to_string(rx.port()) + "/").get();
    EXPECT_FALSE(o.connected);
    EXPECT_EQ(o.error.rfind("tls handshake: ", 0), 0u) << o.error;
  }
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_TRUE(rx.requests().empty());
}

TEST(https_push, plain_http_receiver_fails_the_handshake) {
  http_listener plain;  // answers the ClientHello with an HTTP error
  push_fixture f;
  auto o = f.send("https://127.0.0.1:" + std::to_string(plain.port()) + "/").get();
  EXPECT_FALSE(o.connected);
  EXPECT_EQ(o.error.rfind("tls handshake: ", 0), 0u) << o.error;
}

TEST(https_push, connect_timeout_covers_the_handshake) {
  http_listener silent(true);  // accepts TCP, never answers the ClientHello
  http_options o;
  o.connect_timeout_ms = 200;
  push_fixture f(o);
  auto t0 = clock::now();
  auto got = f.send("https://127.0.0.1:" + std::to_string(silent.port()) + "/");
  ASSERT_EQ(got.wait_for(milliseconds(3000)), std::future_status::ready);
  auto out = got.get();
  EXPECT_FALSE(out.connected);
  EXPECT_EQ(out.error, "connect timeout");
  EXPECT_GE(clock::now() - t0, milliseconds(190));
}

TEST(https_push, unreadable_ca_file_is_refused_at_construction) {
  io_thread io;
  try {
    http_push p(io, trusting("/nonexistent/ca.pem"));
    FAIL() << "constructed";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("aio.plugins.http.config.caFile"), std::string::npos)
      << e.what();
    EXPECT_NE(std::string(e.what()).find("/nonexistent/ca.pem"), std::string::npos) << e.what();
  }
}

TEST(http_push, bounded_in_flight_and_queue) {
  http_listener silent(true);  // accepts, never answers: requests stay in flight
  http_options o;
  o.max_in_flight = 1;
  o.queue_size = 1;
  o.timeout_ms = 300;
  push_fixture f(o);
  auto url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/";
  auto first = f.send(url);
  auto second = f.send(url);  // waits behind the first
  EXPECT_FALSE(f.push.push(url, {}, "{}", [](bool, std::string) { FAIL() << "not queued"; }));
  ASSERT_EQ(first.wait_for(milliseconds(2000)), std::future_status::ready);
  EXPECT_TRUE(first.get().connected);
  // The first exchange times out (no response) and frees its slot for the second.
  ASSERT_EQ(second.wait_for(milliseconds(2000)), std::future_status::ready);
  EXPECT_TRUE(second.get().connected);
  auto deadline = clock::now() + milliseconds(2000);
  while (f.push.in_flight() != 0 && clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(f.push.in_flight(), 0u);
}

TEST(http_push, connect_timeout_bounds_an_unanswered_connect) {
  // A listener that never accepts, with its accept queue filled: Linux then drops
  // further SYNs, so a connect neither succeeds nor fails until the timeout.
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(lfd, 0), 0);
  socklen_t len = sizeof a;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  uint16_t port = ntohs(a.sin_port);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fillers.push_back(fd);
  }
  std::this_thread::sleep_for(milliseconds(50));

  http_options o;
  o.connect_timeout_ms = 200;
  push_fixture f(o);
  auto t0 = clock::now();
  auto got = f.send("http://127.0.0.1:" + std::to_string(port) + "/");
  ASSERT_EQ(got.wait_for(milliseconds(3000)), std::future_status::ready);
  auto out = got.get();
  EXPECT_FALSE(out.connected);
  EXPECT_EQ(out.error, "connect timeout");
  EXPECT_GE(clock::now() - t0, milliseconds(190));
  EXPECT_LT(clock::now() - t0, milliseconds(1500));
  for (int fd : fillers) ::close(fd);
  ::close(lfd);
}

TEST(http_push, stop_fails_queued_and_aborts_in_flight) {
  http_listener silent(true);
  http_options o;
  o.max_in_flight = 1;
  push_fixture f(o);
  auto url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/";
  auto first = f.send(url);
  auto second = f.send(url);
  ASSERT_EQ(first.wait_for(milliseconds(2000)), std::future_status::ready);
  f.push.stop();
  ASSERT_EQ(second.wait_for(milliseconds(2000)), std::future_status::ready);
  auto s = second.get();
  EXPECT_FALSE(s.connected);
  EXPECT_EQ(s.error, "http plugin stopped");
  EXPECT_FALSE(f.push.push(url, {}, "{}", [](bool, std::string) {}));
}

}  // namespace
}  // namespace resonate::sender
