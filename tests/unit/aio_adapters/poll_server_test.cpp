#include <atomic>
#include <chrono>
#include <stdexcept>

#include <gtest/gtest.h>

#include "aio_adapters/sender/net.hpp"
#include "tests/unit/aio_adapters/socket_util.hpp"

namespace resonate::sender {
namespace {

using namespace testing;
using std::chrono::milliseconds;

/// An io thread and a poll server on 127.0.0.1:0; the io thread is declared first
/// so that it outlives the server.
struct poll_fixture {
  explicit poll_fixture(poll_options o = {}) : server(io, tweak(std::move(o))) {
    EXPECT_EQ(server.start(), "");
    io.start();
  }
  ~poll_fixture() {
    server.stop();
    io.stop();
  }
  static poll_options tweak(poll_options o) {
    o.host = "127.0.0.1";
    o.port = 0;
    return o;
  }
  /// Connects and waits until the server has registered the stream.
  std::unique_ptr<sse_client> connect(const std::string& path, size_t expect_total) {
    auto c = std::make_unique<sse_client>(server.port(), path);
    EXPECT_EQ(c->status(), 200) << path;
    wait_for_count(expect_total);
    return c;
  }
  void wait_for_count(size_t n) {
    auto deadline = clock::now() + milliseconds(2000);
    while (server.connection_count() != n && clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(2));
    }
    EXPECT_EQ(server.connection_count(), n);
  }

  io_thread io;
  poll_server server;
};

TEST(poll_server, stream_headers_are_sse_and_flushed_at_once) {
  poll_fixture f;
  sse_client c(f.server.port(), "/g/a");
  ASSERT_EQ(c.status(), 200);
  EXPECT_NE(c.head().find("Content-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(c.head().find("Cache-Control: no-cache\r\n"), std::string::npos);
  EXPECT_NE(c.head().find("Connection: keep-alive\r\n"), std::string::npos);
  EXPECT_NE(c.head().find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_EQ(c.head().find("Content-Length"), std::string::npos);
}

TEST(poll_server, unicast_reaches_only_the_addressed_connection) {
  poll_fixture f;
  auto a = f.connect("/g/a", 1);
  auto b = f.connect("/g/b", 2);
  EXPECT_TRUE(f.server.deliver(cast_kind::uni, "g", "a", R"({"n":1})"));
  EXPECT_TRUE(f.server.deliver(cast_kind::uni, "g", "b", R"({"n":2})"));
  EXPECT_EQ(a->next_event(), R"({"n":1})");
  EXPECT_EQ(b->next_event(), R"({"n":2})");
  EXPECT_EQ(a->next_event(100), std::nullopt);
  // uni: no id, or an id nobody holds, or a group nobody is in, is a failure.
  EXPECT_FALSE(f.server.deliver(cast_kind::uni, "g", std::nullopt, "{}"));
  EXPECT_FALSE(f.server.deliver(cast_kind::uni, "g", "zz", "{}"));
  EXPECT_FALSE(f.server.deliver(cast_kind::uni, "h", "a", "{}"));
  EXPECT_FALSE(f.server.deliver(cast_kind::any, "h", std::nullopt, "{}"));
}

TEST(poll_server, anycast_prefers_the_id_else_picks_some_connection_of_the_group) {
  poll_fixture f;
  auto a = f.connect("/g/a", 1);
  auto b = f.connect("/g/b", 2);
  auto other = f.connect("/h/a", 3);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(f.server.deliver(cast_kind::any, "g", "b", "{}"));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(b->next_event(), "{}");
  EXPECT_EQ(a->next_event(100), std::nullopt);

  // No id (or an unknown one): random members of the group, never another group.
  constexpr int n = 40;
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(f.server.deliver(cast_kind::any, "g",
                                 i % 2 ? std::optional<std::string>("x") : std::nullopt,
                                 std::to_string(i)));
  }
  int got_a = 0, got_b = 0;
  while (a->next_event(200)) ++got_a;
  while (b->next_event(200)) ++got_b;
  EXPECT_EQ(got_a + got_b, n);
  EXPECT_GT(got_a, 0);
  EXPECT_GT(got_b, 0);
  EXPECT_EQ(other->next_event(100), std::nullopt);
}

TEST(poll_server, ids_may_contain_slashes_or_be_empty) {
  poll_fixture f;
  auto deep = f.connect("/g/a/b%2Fc", 1);
  auto empty = f.connect("/g/", 2);
  EXPECT_TRUE(f.server.deliver(cast_kind::uni, "g", "a/b/c", "deep"));
  EXPECT_EQ(deep->next_event(), "deep");
  // An empty id is no id: uni cannot address it, any can reach it.
  EXPECT_FALSE(f.server.deliver(cast_kind::uni, "g", std::nullopt, "x"));
}

TEST(poll_server, newest_connection_with_the_same_id_replaces_the_old_one) {
  poll_fixture f;
  auto first = f.connect("/g/a", 1);
  auto second = f.connect("/g/a", 1);
  EXPECT_TRUE(first->wait_ended());
  EXPECT_TRUE(f.server.deliver(cast_kind::uni, "g", "a", "to-new"));
  EXPECT_EQ(second->next_event(), "to-new");
}

TEST(poll_server, over_max_connections_is_429_but_a_replacement_is_allowed) {
  poll_options o;
  o.max_connections = 2;
  poll_fixture f(o);
  auto a = f.connect("/g/a", 1);
  auto b = f.connect("/g/b", 2);
  sse_client c(f.server.port(), "/g/c");
  EXPECT_EQ(c.status(), 429);
  EXPECT_TRUE(c.wait_ended());
  auto b2 = f.connect("/g/b", 2);
  EXPECT_EQ(b2->status(), 200);
  a.reset();  // a client that goes away frees its slot
  f.wait_for_count(1);
  auto d = f.connect("/g/d", 2);
}

TEST(poll_server, rejects_other_methods_and_short_paths) {
  poll_fixture f;
  auto post =
    raw_exchange(f.server.port(), "POST /g/a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(post.rfind("HTTP/1.1 405 ", 0), 0u) << post;
  EXPECT_NE(post.find("\r\n\r\nmethod not allowed\n"), std::string::npos);
  auto shortp = raw_exchange(f.server.port(), "GET /g HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(shortp.rfind("HTTP/1.1 400 ", 0), 0u) << shortp;
  auto root = raw_exchange(f.server.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(root.rfind("HTTP/1.1 400 ", 0), 0u) << root;
  EXPECT_EQ(f.server.connection_count(), 0u);
}

TEST(poll_server, full_buffer_fails_fast_and_does_not_block_others) {
  poll_options o;
  o.buffer_size = 4;
  poll_fixture f(o);
  sse_client stuck(f.server.port(), "/g/stuck", 4096);  // never reads its stream
  f.wait_for_count(1);
  auto fine = f.connect("/g/fine", 2);

  std::string big(64 * 1024, 'x');
  int accepted = 0;
  bool refused = false;
  auto slowest = clock::duration::zero();
  for (int i = 0; i < 4000 && !refused; ++i) {
    auto t0 = clock::now();
    bool ok = f.server.deliver(cast_kind::uni, "g", "stuck", big);
    slowest = std::max(slowest, clock::now() - t0);
    if (ok) {
      ++accepted;
    } else {
      refused = true;
    }
    if (i % 8 == 0) std::this_thread::sleep_for(milliseconds(1));  // let the io thread write
  }
  EXPECT_TRUE(refused) << accepted;
  EXPECT_LT(slowest, milliseconds(250));  // never waits for the reader (generous for CI load)
  EXPECT_TRUE(f.server.deliver(cast_kind::uni, "g", "fine", "still-flowing"));
  EXPECT_EQ(fine->next_event(), "still-flowing");
}

TEST(poll_server, disconnect_after_ends_the_stream) {
  poll_options o;
  o.disconnect_after_ms = 150;
  poll_fixture f(o);
  auto t0 = clock::now();
  auto c = f.connect("/g/a", 1);
  EXPECT_TRUE(f.server.deliver(cast_kind::uni, "g", "a", "before"));
  EXPECT_EQ(c->next_event(), "before");
  EXPECT_TRUE(c->wait_ended(2000));
  EXPECT_GE(clock::now() - t0, milliseconds(140));
  f.wait_for_count(0);
  EXPECT_FALSE(f.server.deliver(cast_kind::uni, "g", "a", "after"));
}

TEST(poll_server, idle_streams_get_keepalive_comments) {
  poll_options o;
  o.keepalive_ms = 50;
  poll_fixture f(o);
  auto c = f.connect("/g/a", 1);
  EXPECT_EQ(c->next_event(300), std::nullopt);
  ASSERT_FALSE(c->comments().empty());
  EXPECT_EQ(c->comments().front(), ": keepalive");
}

TEST(poll_server, a_vanished_client_is_unregistered) {
  poll_fixture f;
  auto c = f.connect("/g/a", 1);
  c->close();
  f.wait_for_count(0);
  EXPECT_FALSE(f.server.deliver(cast_kind::any, "g", std::nullopt, "x"));
}

TEST(poll_server, cors_origin_echoed_when_allowed) {
  poll_options o;
  o.cors_allow_origins = {"http://app.example"};
  poll_fixture f(o);
  auto got = raw_exchange(
    f.server.port(), "GET /g/a HTTP/1.1\r\nHost: x\r\nOrigin: http://APP.example\r\n\r\n", 300);
  EXPECT_NE(got.find("Access-Control-Allow-Origin: http://app.example\r\n"), std::string::npos)
    << got;
}

TEST(poll_server, basic_auth_when_configured) {
  poll_options o;
  o.auth = {{"user", "secret"}};
  poll_fixture f(o);
  auto none = raw_exchange(f.server.port(), "GET /g/a HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(none.rfind("HTTP/1.1 401 ", 0), 0u) << none;
  EXPECT_NE(none.find("WWW-Authenticate: Basic realm=\"Restricted\"\r\n"), std::string::npos);
  EXPECT_NE(none.find("\r\n\r\nunauthorized\n"), std::string::npos);
  // user:wrong
  auto wrong = raw_exchange(f.server.port(),
                            "GET /g/a HTTP/1.1\r\nAuthorization: Basic dXNlcjp3cm9uZw==\r\n\r\n");
  EXPECT_EQ(wrong.rfind("HTTP/1.1 401 ", 0), 0u) << wrong;
  // user:secret
  auto good = raw_exchange(
    f.server.port(), "GET /g/a HTTP/1.1\r\nAuthorization: Basic dXNlcjpzZWNyZXQ=\r\n\r\n", 200);
  EXPECT_EQ(good.rfind("HTTP/1.1 200 ", 0), 0u) << good;
}

// One basic-auth check for the API port and the poller (codecs::basic_auth):
// the poller takes exactly the Authorization values the API port takes (the
// whole value, as gin compares it). It decoded the value itself (the scheme in
// any case, spaces trimmed) and compared the password with ==.
TEST(poll_server, basic_auth_takes_what_the_api_port_takes) {
  poll_options o;
  o.auth = {{"user", "secret"}};
  poll_fixture f(o);
  for (const std::string v :
       {"basic dXNlcjpzZWNyZXQ=", "BASIC dXNlcjpzZWNyZXQ=", "Basic  dXNlcjpzZWNyZXQ="}) {
    auto got =
      raw_exchange(f.server.port(), "GET /g/a HTTP/1.1\r\nAuthorization: " + v + "\r\n\r\n", 300);
    EXPECT_EQ(got.rfind("HTTP/1.1 401 ", 0), 0u) << v << "\n" << got;
  }
}

TEST(poll_server, http10_clients_get_a_raw_stream_ended_by_close) {
  poll_options o;
  o.disconnect_after_ms = 100;
  poll_fixture f(o);
  int fd = connect_loopback(f.server.port());
  send_all(fd, "GET /g/old HTTP/1.0\r\n\r\n");
  f.wait_for_count(1);
  EXPECT_TRUE(f.server.deliver(cast_kind::uni, "g", "old", "{}"));
  std::string got;
  auto deadline = clock::now() + milliseconds(2000);
  while (clock::now() < deadline && read_some(fd, got, 100) != 0) {
  }
  ::close(fd);
  EXPECT_EQ(got.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << got;
  EXPECT_EQ(got.find("chunked"), std::string::npos);
  EXPECT_EQ(got.substr(got.find("\r\n\r\n") + 4), "data: {}\n\n");
}

TEST(poll_server, a_reader_that_stops_reading_is_dropped_after_two_keepalive_intervals) {
  poll_options o;
  o.keepalive_ms = 50;
  o.buffer_size = 2;
  poll_fixture f(o);
  sse_client stuck(f.server.port(), "/g/stuck", 4096);
  f.wait_for_count(1);
  // Keep offering frames (refusals included) until the socket's buffers are full
  // and the write stalls; the stream must then be dropped after ~2 intervals.
  std::string big(256 * 1024, 'x');
  auto deadline = clock::now() + milliseconds(3000);
  while (f.server.connection_count() != 0 && clock::now() < deadline) {
    f.server.deliver(cast_kind::uni, "g", "stuck", big);
    std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_EQ(f.server.connection_count(), 0u);
}

// ---- sockets handed over by the API port (poll_server::adopt) ----

/// A connected loopback pair: the client end and the accepted (server) end.
std::pair<int, int> loopback_pair() {
  int l = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    throw std::runtime_error("bind 127.0.0.1:0 failed");
  ::listen(l, 1);
  socklen_t len = sizeof a;
  ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len);
  int client = connect_loopback(ntohs(a.sin_port));
  int accepted = ::accept(l, nullptr, nullptr);
  ::close(l);
  return {client, accepted};
}

/// Reads from `fd` until `needle` shows up in `into` (or 2 s pass, or EOF).
bool read_until(int fd, std::string& into, const std::string& needle) {
  auto deadline = clock::now() + milliseconds(2000);
  while (into.find(needle) == std::string::npos && clock::now() < deadline) {
    if (read_some(fd, into, 100) == 0) return into.find(needle) != std::string::npos;
  }
  return into.find(needle) != std::string::npos;
}

bool read_eof(int fd) {
  std::string ignored;
  auto deadline = clock::now() + milliseconds(2000);
  while (clock::now() < deadline) {
    if (read_some(fd, ignored, 100) == 0) return true;
  }
  return false;
}

queues::poll_handover handover(int fd, std::string path) {
  queues::poll_handover h;
  h.fd = fd;
  h.path = std::move(path);
  return h;
}

TEST(poll_server, an_adopted_socket_is_one_of_its_streams) {
  poll_options o;
  o.cors_allow_origins = {"*"};
  poll_fixture f(o);
  auto [client, accepted] = loopback_pair();
  auto h = handover(accepted, "/g/a");
  h.origin = "http://b.example";
  h.headers = {{"Resonate-Version", "0.8.2"}, {"Access-Control-Allow-Origin", "http://b.example"}};
  h.leftover = "junk";
  std::atomic<unsigned> answered{0};
  h.answered = [&answered](unsigned status) { answered = status; };
  f.server.adopt(std::move(h));
  f.wait_for_count(1);
  EXPECT_EQ(answered.load(), 200u);
  std::string got;
  ASSERT_TRUE(read_until(client, got, "\r\n\r\n")) << got;
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("Content-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(got.find("Resonate-Version: 0.8.2\r\n"), std::string::npos);
  // The given CORS header replaces the poller's own `*`.
  EXPECT_NE(got.find("Access-Control-Allow-Origin: http://b.example\r\n"), std::string::npos);
  EXPECT_EQ(got.find("Access-Control-Allow-Origin: *"), std::string::npos);
  EXPECT_TRUE(f.server.deliver(cast_kind::uni, "g", "a", R"({"n":1})"));
  EXPECT_TRUE(read_until(client, got, R"(data: {"n":1})")) << got;
  // A stream on the poller's own port with the same (group, id) evicts it.
  auto own = f.connect("/g/a", 1);
  EXPECT_TRUE(read_until(client, got, "0\r\n\r\n")) << got;
  EXPECT_TRUE(f.server.deliver(cast_kind::uni, "g", "a", R"({"n":2})"));
  EXPECT_EQ(own->next_event(), R"({"n":2})");
  ::close(client);
}

TEST(poll_server, an_adopted_socket_gets_the_same_checks) {
  poll_options o;
  o.auth = {{"worker", "pw"}};
  poll_fixture f(o);
  auto [client, accepted] = loopback_pair();
  std::atomic<unsigned> answered{0};
  auto refused = handover(accepted, "/g/a");
  refused.answered = [&answered](unsigned status) { answered = status; };
  f.server.adopt(std::move(refused));
  std::string got;
  EXPECT_TRUE(read_until(client, got, "401 Unauthorized")) << got;
  EXPECT_EQ(answered.load(), 401u);
  EXPECT_TRUE(read_eof(client));
  ::close(client);
  auto [client2, accepted2] = loopback_pair();
  auto h = handover(accepted2, "/g");
  h.authorization = "Basic d29ya2VyOnB3";  // worker:pw
  f.server.adopt(std::move(h));
  got.clear();
  EXPECT_TRUE(read_until(client2, got, "400 Bad Request")) << got;
  ::close(client2);
  EXPECT_EQ(f.server.connection_count(), 0u);
}

TEST(poll_server, stop_closes_adopted_streams_and_refuses_new_ones) {
  poll_fixture f;
  auto [client, accepted] = loopback_pair();
  f.server.adopt(handover(accepted, "/g/a"));
  f.wait_for_count(1);
  f.server.stop();
  EXPECT_TRUE(read_eof(client));
  ::close(client);
  auto [late, late_accepted] = loopback_pair();
  f.server.adopt(handover(late_accepted, "/g/b"));
  EXPECT_TRUE(read_eof(late)) << "a socket adopted after stop() was not closed";
  ::close(late);
}

}  // namespace
}  // namespace resonate::sender
