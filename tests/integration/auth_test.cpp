// Authentication, authorisation and CORS (REST v1 spec 3.1, 3.4 and 8) against a real
// `resonate serve` process: JWT on every store, basic auth and CORS on SQLite.
//
// Every route is tried with no credential, a wrong one, a valid one outside its prefix
// and a valid one inside; every refusal is followed by a read of the store, which must
// be unchanged. Keys are generated at test time; nothing secret is committed.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/scratch_store.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_tokens.hpp"
#include "tests/support/wire_match.hpp"

namespace resonate::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* k_future = "32503680000000";  // year 3000
const std::string k_tags = R"({"resonate:invoke":"poll://any@nobody"})";

/// One route, written for the ids of side `{x}` ("a": inside the prefix `a-`, "b": outside).
struct route_row {
  std::string method;
  std::string target;
  std::string body;
  int status;         // the answer inside the prefix, in table order
  bool keyed = true;  // false: any authenticated caller may (heartbeats)
};

std::vector<route_row> route_table() {
  const std::string fut = k_future;
  return {
    {"GET", "/promises/{x}-p", "", 200},
    {"GET", "/promises?id={x}-*", "", 200},
    {"POST", "/promises", R"({"id":"{x}-new","timeout":)" + fut + "}", 201},
    {"PATCH", "/promises/{x}-new", R"({"state":"RESOLVED"})", 201},
    {"POST", "/promises/task",
     R"({"promise":{"id":"{x}-pt","timeout":)" + fut + R"(},"task":{"processId":"w","ttl":60000}})",
     201},
    {"POST", "/promises/callback/{x}-q",
     R"({"rootPromiseId":"{x}-p","timeout":)" + fut + R"(,"recv":"default"})", 201},
    {"POST", "/callbacks",
     R"({"promiseId":"{x}-q","rootPromiseId":"{x}-p","timeout":)" + fut + R"(,"recv":"default"})",
     200},
    {"POST", "/promises/subscribe/{x}-q",
     R"({"id":"s1","timeout":)" + fut + R"(,"recv":"default"})", 201},
    {"POST", "/subscriptions",
     R"({"promiseId":"{x}-q","id":"s2","timeout":)" + fut + R"(,"recv":"default"})", 201},
    {"GET", "/tasks/claim/__invoke:{x}-c/1", "", 201},
    {"POST", "/tasks/claim", R"({"id":"__invoke:{x}-p","counter":1,"processId":"w","ttl":60000})",
     201},
    {"POST", "/tasks/heartbeat", R"({"processId":"w"})", 200, false},
    {"GET", "/tasks/heartbeat/__invoke:{x}-p/1", "", 200, false},
    {"POST", "/tasks/complete", R"({"id":"__invoke:{x}-p","counter":1})", 201},
    {"GET", "/tasks/complete/__invoke:{x}-p/1", "", 200},
    {"POST", "/tasks/drop", R"({"id":"__invoke:{x}-p","counter":1})", 200},
    {"GET", "/tasks/drop/__invoke:{x}-p/1", "", 200},
  };
}

std::string side(const std::string& s, const std::string& x) { return substitute(s, "x", x); }

/// The exact body of a JWT refusal (a ServerError detail, spec 3.1).
std::string jwt_error(int code, const std::string& detail) {
  std::string text = code == 40100 ? "The request is unauthorized" : "The request is forbidden";
  return R"({"error":{"code":)" + std::to_string(code) + R"(,"message":")" + text +
         R"(","details":[{"@type":"ServerError","message":")" + detail +
         R"(","domain":"server","metadata":{"url":"https://docs.resonatehq.io/operate/errors#)" +
         std::to_string(code) + "\"}}]}}";
}

const std::string k_missing = jwt_error(40100, "missing authorization header");
const std::string k_bad_signature = jwt_error(
  40100, "token validation failed: token signature is invalid: crypto/rsa: verification error");
const std::string k_expired =
  jwt_error(40100, "token validation failed: token has invalid claims: token is expired");
const std::string k_not_a_token =
  jwt_error(40100,
            "token validation failed: token is malformed: token contains an invalid number of "
            "segments");
const std::string k_forbidden = jwt_error(40300, "unauthorized prefix");

class auth_fixture {
protected:
  void start(store_kind kind, std::vector<std::string> extra) {
    store_ = std::make_unique<scratch_store>(kind);
    auto args = store_->server_args();
    args.insert(args.end(),
                {"--system-signal-timeout", "1h", "--system-url", "http://resonate.test"});
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<server_process>(args);
    server_->start();
    client_ = std::make_unique<http_client>("127.0.0.1", server_->port());
  }

  void stop() {
    client_.reset();
    if (server_ && server_->running()) {
      int st = server_->stop();
      EXPECT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0) << "status " << st;
    }
  }

  /// What any request could change.
  std::string snapshot() const {
    std::string out;
    for (const std::string sql :
         {"SELECT id, state, idempotency_key_for_complete, completed_on FROM promises ORDER BY id",
          "SELECT id, promise_id, timeout FROM callbacks ORDER BY id",
          "SELECT id, state, counter, process_id, ttl, completed_on FROM tasks ORDER BY id"}) {
      for (const auto& row : store_->query(sql)) out += row + "\n";
      out += "--\n";
    }
    return out;
  }

  http_response send(const route_row& r, const std::string& x, header_list headers) {
    if (!r.body.empty()) headers.emplace_back("Content-Type", "application/json");
    return client_->request(r.method, side(r.target, x), headers, side(r.body, x));
  }

  /// The promises every row works on, on both sides: `{x}-p` and `{x}-c` with an invoke
  /// task each (never delivered: no worker in group `nobody`), `{x}-q` plain.
  void seed(const header_list& as) {
    for (std::string x : {"a", "b"}) {
      for (std::string id : {x + "-p", x + "-c"}) {
        auto r = client_->post(
          "/promises",
          R"({"id":")" + id + R"(","timeout":)" + k_future + R"(,"tags":)" + k_tags + "}", as);
        ASSERT_EQ(r.status, 201) << r.body;
      }
      auto r =
        client_->post("/promises", R"({"id":")" + x + R"(-q","timeout":)" + k_future + "}", as);
      ASSERT_EQ(r.status, 201) << r.body;
    }
  }

  std::unique_ptr<scratch_store> store_;
  std::unique_ptr<server_process> server_;
  std::unique_ptr<http_client> client_;
};

// ---- JWT --------------------------------------------------------------------------------

class JwtTest : public ::testing::TestWithParam<store_kind>, protected auth_fixture {
protected:
  void SetUp() override {
    if (GetParam() == store_kind::postgres && !test_pg_conninfo())
      GTEST_SKIP() << "RESONATE_TEST_PG is not set";
    keys_ = make_rsa_key_pair();
    dir_ = fs::temp_directory_path() / ("resonate-auth-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "public.pem") << keys_.public_pem;
    start(GetParam(), {"--api-auth-public-key", (dir_ / "public.pem").string()});
  }
  void TearDown() override {
    stop();
    if (HasFailure() && server_) std::cerr << "--- server log ---\n" << server_->log_tail() << "\n";
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  header_list bearer(const std::string& claims) const {
    return {{"Authorization", "Bearer " + rs256(keys_, claims)}};
  }
  std::string exp() const { return std::to_string(now_ms() / 1000 + 3600); }
  header_list admin() const { return bearer(R"({"role":"admin","exp":)" + exp() + "}"); }
  header_list inside() const {
    return bearer(R"({"role":"user","prefix":"a-","exp":)" + exp() + "}");
  }

  rsa_key_pair keys_;
  fs::path dir_;
};

TEST_P(JwtTest, every_route_refuses_wrong_credentials_and_changes_nothing) {
  seed(admin());
  const rsa_key_pair other = make_rsa_key_pair();
  const std::string claims = R"({"role":"user","prefix":"a-","exp":)" + exp() + "}";
  const header_list wrong_key = {{"Authorization", "Bearer " + rs256(other, claims)}};
  const header_list expired = bearer(R"({"role":"admin","exp":1})");
  const header_list no_prefix = bearer(R"({"role":"user","exp":)" + exp() + "}");
  const header_list basic = {{"Authorization", "Basic " + base64("alice:s3cret")}};
  size_t rows = 0;
  for (const auto& r : route_table()) {
    SCOPED_TRACE(r.method + " " + r.target);
    ++rows;
    const std::string before = snapshot();
    struct attempt {
      const char* who;
      header_list headers;
      int status;
      std::string body;
    };
    std::vector<attempt> refused = {
      {"none", {}, 401, k_missing},
      {"wrong key", wrong_key, 401, k_bad_signature},
      {"expired", expired, 401, k_expired},
      {"basic", basic, 401, k_not_a_token},
    };
    if (r.keyed) {
      refused.push_back({"no prefix claim", no_prefix, 403, k_forbidden});
      refused.push_back({"outside the prefix", inside(), 403, k_forbidden});
    }
    for (const auto& x : {std::string("b"), std::string("a")}) {
      for (const auto& a : refused) {
        if (x == "a" && a.status == 403) continue;  // inside is allowed
        auto res = send(r, x, a.headers);
        EXPECT_EQ(res.status, a.status) << x << " " << a.who << ": " << res.body;
        EXPECT_EQ(res.body, a.body) << x << " " << a.who;
        EXPECT_EQ(res.header("Resonate-Version").value_or(""), "0.8.2");
      }
    }
    EXPECT_EQ(snapshot(), before) << "a refusal changed the store";
    auto res = send(r, "a", inside());
    EXPECT_EQ(res.status, r.status) << res.body;
    if (!r.keyed) {
      // Allowed to any token once authenticated, whatever its prefix.
      EXPECT_EQ(send(r, "b", no_prefix).status, 403) << "no prefix claim at all is refused";
      EXPECT_EQ(send(r, "b", inside()).status, 200);
    }
  }
  EXPECT_EQ(rows, 17u);
  // The probes stay open.
  EXPECT_EQ(client_->get("/ping").status, 200);
  EXPECT_EQ(client_->get("/health").status, 200);
}

TEST_P(JwtTest, no_bypass_through_paths_methods_headers_or_query) {
  seed(admin());
  const std::string before = snapshot();
  struct row {
    std::string method, target;
    header_list extra;
    int status;
    std::string body;
  };
  auto with = [&](header_list h, header_list more) {
    h.insert(h.end(), more.begin(), more.end());
    return h;
  };
  const std::vector<row> rows = {
    {"GET", "/%70romises/b-p", inside(), 403, k_forbidden},
    {"GET", "/promises/%62-p", inside(), 403, k_forbidden},
    {"GET", "/promises/a-p%2F..%2Fb-p", inside(), 404, error_body(40400)},  // an id, not a path
    {"GET", "/promises//b-p", inside(), 403, k_forbidden},                  // id "/b-p"
    {"GET", "//promises/a-p", inside(), 404, "404 page not found"},
    {"GET", "/promises/./b-p", inside(), 403, k_forbidden},
    {"PATCH", "/promises/b-q", with(inside(), {{"X-HTTP-Method-Override", "GET"}}), 403,
     k_forbidden},
    {"GET", "/promises/b-q", with(inside(), {{"X-HTTP-Method-Override", "PATCH"}}), 403,
     k_forbidden},
    {"POST", "/promises/a-q", with(inside(), {{"X-HTTP-Method-Override", "PATCH"}}), 404,
     "404 page not found"},
    {"GET", "/promises/a-p?access_token=" + inside()[0].second.substr(7), {}, 401, k_missing},
    {"GET", "/promises/a-p?authorization=" + url_encode(inside()[0].second), {}, 401, k_missing},
    {"GET", "/promises/a-p", {{"X-Authorization", inside()[0].second}}, 401, k_missing},
    {"GET", "/promises/b-p", {{"authorization", inside()[0].second}}, 403, k_forbidden},
    {"GET", "/promises/b-p", {{"AUTHORIZATION", inside()[0].second}}, 403, k_forbidden},
    {"GET", "/promises/b-p", with({{"Authorization", "Bearer x"}}, inside()), 401, k_not_a_token},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.method + " " + r.target);
    std::string body = r.method == "PATCH" ? R"({"state":"RESOLVED"})" : "";
    auto res = client_->request(r.method, r.target, r.extra, body);
    EXPECT_EQ(res.status, r.status) << res.body;
    EXPECT_EQ(res.body, r.body);
  }
  EXPECT_EQ(snapshot(), before);
  // The header's name and the scheme's case do not matter to a valid request.
  const std::string token = inside()[0].second.substr(7);
  for (const header_list& h : std::vector<header_list>{{{"authorization", "Bearer " + token}},
                                                       {{"AUTHORIZATION", "bearer " + token}},
                                                       {{"Authorization", "BEARER " + token}}}) {
    EXPECT_EQ(client_->get("/promises/a-p", h).status, 200) << h[0].first << ": " << h[0].second;
  }
}

TEST_P(JwtTest, search_pages_are_keyed_by_the_cursors_pattern) {
  seed(admin());
  auto first = client_->get("/promises?id=b-*&limit=1", admin());
  ASSERT_EQ(first.status, 200) << first.body;
  std::string cursor = str(first.json().at("cursor"));
  ASSERT_FALSE(cursor.empty());
  // The cursor carries "b-*": no query parameter can re-key it.
  auto res = client_->get("/promises?cursor=" + url_encode(cursor) + "&id=a-*", inside());
  EXPECT_EQ(res.status, 403) << res.body;
  EXPECT_EQ(res.body, k_forbidden);
  EXPECT_EQ(client_->get("/promises?cursor=" + url_encode(cursor), admin()).status, 200);
  auto own = client_->get("/promises?id=a-*&limit=1", inside());
  ASSERT_EQ(own.status, 200) << own.body;
  std::string own_cursor = str(own.json().at("cursor"));
  EXPECT_EQ(client_->get("/promises?cursor=" + url_encode(own_cursor), inside()).status, 200);
  // A pattern that starts outside the prefix is refused even if it could match inside.
  EXPECT_EQ(client_->get("/promises?id=*", inside()).status, 403);
}

INSTANTIATE_TEST_SUITE_P(stores, JwtTest,
                         ::testing::Values(store_kind::sqlite, store_kind::postgres),
                         [](const auto& info) { return to_string(info.param); });

// ---- basic auth and CORS -------------------------------------------------------------

class BasicTest : public ::testing::Test, protected auth_fixture {
protected:
  void SetUp() override {
    start(store_kind::sqlite, {"--api-http-auth", "alice=s3cret", "--api-http-auth", "bob=x:y",
                               "--aio-poll-auth", "worker=pw", "--api-http-cors-allow-origin",
                               "http://a.example", "--aio-poll-cors-allow-origin", "*"});
  }
  void TearDown() override {
    stop();
    if (HasFailure() && server_) std::cerr << "--- server log ---\n" << server_->log_tail() << "\n";
  }
  static header_list as(const std::string& user_pass) {
    return {{"Authorization", "Basic " + base64(user_pass)}};
  }
};

void expect_basic_401(const http_response& res) {
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(res.body, "");
  EXPECT_EQ(res.header("WWW-Authenticate").value_or(""), R"(Basic realm="Authorization Required")");
  EXPECT_FALSE(res.header("Resonate-Version").has_value());
  EXPECT_FALSE(res.header("Content-Type").has_value());
}

TEST_F(BasicTest, every_route_needs_the_credentials_and_a_refusal_changes_nothing) {
  seed(as("alice:s3cret"));
  EXPECT_EQ(client_->get("/ping").status, 200) << "always open";
  for (const auto& r : route_table()) {
    SCOPED_TRACE(r.method + " " + r.target);
    const std::string before = snapshot();
    for (const header_list& h : {header_list{}, as("alice:wrong"), as("worker:pw"), as("alice"),
                                 header_list{{"Authorization", "basic " + base64("alice:s3cret")}},
                                 header_list{{"Authorization", "Bearer x.y.z"}}}) {
      expect_basic_401(send(r, "a", h));
    }
    EXPECT_EQ(snapshot(), before);
    auto res = send(r, "a", as(r.method == "GET" ? "bob:x:y" : "alice:s3cret"));
    EXPECT_EQ(res.status, r.status) << res.body;
  }
  // Encoded paths are the same routes; header name case is irrelevant.
  expect_basic_401(client_->get("/%70romises/a-p"));
  EXPECT_EQ(
    client_->get("/%70romises/a-p", {{"authorization", "Basic " + base64("alice:s3cret")}}).status,
    200);
  expect_basic_401(
    client_->get("/promises/a-p?authorization=" + url_encode("Basic " + base64("alice:s3cret"))));
}

TEST_F(BasicTest, the_poller_has_its_own_users) {
  auto poll = [&](const header_list& h) {
    return std::make_unique<sse_stream>("127.0.0.1", server_->poll_port(), "/default/w1", h);
  };
  for (const header_list& h : {header_list{}, as("alice:s3cret"), as("worker:nope")}) {
    auto s = poll(h);
    EXPECT_EQ(s->status(), 401);
    EXPECT_EQ(s->header("WWW-Authenticate").value_or(""), R"(Basic realm="Restricted")");
  }
  auto s = poll(as("worker:pw"));
  EXPECT_EQ(s->status(), 200);
  EXPECT_EQ(s->header("Content-Type").value_or(""), "text/event-stream");
  // The poller's users are not the API's.
  expect_basic_401(client_->get("/promises/a-p", as("worker:pw")));
}

TEST_F(BasicTest, cors_preflight_and_headers) {
  // A preflight is answered before authentication: browsers send no credentials with it.
  auto pre =
    client_->request("OPTIONS", "/promises/a-p",
                     {{"Origin", "http://a.example"}, {"Access-Control-Request-Method", "PATCH"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.body, "");
  EXPECT_EQ(pre.header("Access-Control-Allow-Origin").value_or(""), "http://a.example");
  EXPECT_EQ(pre.header("Access-Control-Allow-Methods").value_or(""),
            "GET,POST,PUT,PATCH,DELETE,OPTIONS");
  EXPECT_EQ(pre.header("Access-Control-Allow-Headers").value_or(""),
            "Origin,Content-Length,Content-Type,Idempotency-Key,Strict");
  EXPECT_FALSE(pre.header("Content-Length").has_value());
  // Normal requests carry the headers, refused or not.
  auto refused = client_->get("/promises/a-p", {{"Origin", "http://a.example"}});
  expect_basic_401(refused);
  EXPECT_EQ(refused.header("Access-Control-Allow-Origin").value_or(""), "http://a.example");
  auto ok = client_->get("/ping", {{"Origin", "http://a.example"}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.header("Access-Control-Allow-Origin").value_or(""), "http://a.example");
  EXPECT_EQ(ok.header("Access-Control-Expose-Headers").value_or(""), "Resonate-Version");
  EXPECT_EQ(ok.header("Vary").value_or(""), "Origin");
  seed(as("alice:s3cret"));
  auto answered = client_->get(
    "/promises/a-p",
    {{"Origin", "http://a.example"}, {"Authorization", "Basic " + base64("alice:s3cret")}});
  EXPECT_EQ(answered.status, 200) << "answered by the kernel";
  EXPECT_EQ(answered.header("Access-Control-Allow-Origin").value_or(""), "http://a.example");
  EXPECT_EQ(answered.header("Resonate-Version").value_or(""), "0.8.2");
  // Another origin is refused outright, even on /ping; no Origin is no CORS.
  for (std::string target : {"/ping", "/promises/a-p"}) {
    auto evil = client_->get(target, {{"Origin", "http://evil.example"}});
    EXPECT_EQ(evil.status, 403) << target;
    EXPECT_EQ(evil.body, "");
    EXPECT_FALSE(evil.header("Access-Control-Allow-Origin").has_value());
  }
  auto plain = client_->get("/ping");
  EXPECT_FALSE(plain.header("Access-Control-Allow-Origin").has_value());
  // The poller's CORS (`*` here) is its own.
  sse_stream s("127.0.0.1", server_->poll_port(), "/default/w2",
               {{"Origin", "http://b.example"}, {"Authorization", "Basic " + base64("worker:pw")}});
  EXPECT_EQ(s.status(), 200);
  EXPECT_EQ(s.header("Access-Control-Allow-Origin").value_or(""), "*");
}

// ---- GET /poll/... on the API port (spec 3.4 "Proxy on the main port", 8, 11.31) ------

/// Waits for an SSE event on `s` that mentions `needle`.
bool sse_mentions(sse_stream& s, const std::string& needle) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto e = s.next(std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now()));
    if (!e) return false;
    if (e->find(needle) != std::string::npos) return true;
  }
  return false;
}

// The stream on :8001 needs what every API route needs: the API's basic auth; and,
// as behind the reference's proxy (which forwards the header), the poller's own too.
TEST_F(BasicTest, poll_on_the_api_port_needs_both_servers_credentials) {
  auto poll = [&](const std::string& target, const header_list& h) {
    return std::make_unique<sse_stream>("127.0.0.1", server_->port(), target, h);
  };
  for (const header_list& h : {header_list{}, as("alice:wrong"), as("worker:pw")}) {
    for (std::string target : {"/poll/default/w1", "/%70oll/default/w1", "/poll/default/%77"}) {
      auto s = poll(target, h);
      EXPECT_EQ(s->status(), 401) << target;
      EXPECT_EQ(s->header("WWW-Authenticate").value_or(""),
                R"(Basic realm="Authorization Required")");
    }
  }
  // Past the API's auth, the poller asks for its own users (the API's are not among them).
  auto s = poll("/poll/default/w1", as("alice:s3cret"));
  EXPECT_EQ(s->status(), 401);
  EXPECT_EQ(s->header("WWW-Authenticate").value_or(""), R"(Basic realm="Restricted")");
}

class BasicPollTest : public ::testing::Test, protected auth_fixture {
protected:
  void SetUp() override {
    start(store_kind::sqlite, {"--api-http-auth", "alice=s3cret", "--api-http-cors-allow-origin",
                               "http://a.example", "--aio-poll-cors-allow-origin", "*"});
  }
  void TearDown() override {
    stop();
    if (HasFailure() && server_) std::cerr << "--- server log ---\n" << server_->log_tail() << "\n";
  }
  static header_list as(const std::string& user_pass) {
    return {{"Authorization", "Basic " + base64(user_pass)}};
  }
};

TEST_F(BasicPollTest, poll_on_the_api_port_streams_with_the_apis_credentials_and_cors) {
  for (const header_list& h : {header_list{}, as("alice:wrong"), as("alice")}) {
    sse_stream s("127.0.0.1", server_->port(), "/poll/g/w", h);
    EXPECT_EQ(s.status(), 401);
    EXPECT_EQ(s.header("WWW-Authenticate").value_or(""), R"(Basic realm="Authorization Required")");
  }
  header_list h = as("alice:s3cret");
  h.emplace_back("Origin", "http://a.example");
  sse_stream s("127.0.0.1", server_->port(), "/poll/g/w", h);
  ASSERT_EQ(s.status(), 200);
  EXPECT_EQ(s.header("Content-Type").value_or(""), "text/event-stream");
  EXPECT_EQ(s.header("Resonate-Version").value_or(""), "0.8.2");
  // The API's CORS answers for its port (not the poller's `*`).
  EXPECT_EQ(s.header("Access-Control-Allow-Origin").value_or(""), "http://a.example");
  EXPECT_EQ(s.header("Access-Control-Expose-Headers").value_or(""), "Resonate-Version");
  // An origin the API refuses is refused here too.
  sse_stream evil("127.0.0.1", server_->port(), "/poll/g/w2",
                  {{"Origin", "http://evil.example"}, {"Authorization", as("alice:s3cret")[0].second}});
  EXPECT_EQ(evil.status(), 403);

  auto r = client_->post("/promises",
                         R"({"id":"bp-1","timeout":)" + std::string(k_future) +
                           R"(,"tags":{"resonate:invoke":"poll://uni@g/w"}})",
                         as("alice:s3cret"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(sse_mentions(s, "__invoke:bp-1"));
}

TEST_P(JwtTest, poll_on_the_api_port_needs_a_token_and_a_prefix_claim) {
  const rsa_key_pair other = make_rsa_key_pair();
  const header_list wrong_key = {
    {"Authorization", "Bearer " + rs256(other, R"({"role":"admin","exp":)" + exp() + "}")}};
  const header_list expired = bearer(R"({"role":"admin","exp":1})");
  const header_list no_prefix = bearer(R"({"role":"user","exp":)" + exp() + "}");
  const header_list null_prefix = bearer(R"({"role":"user","prefix":null,"exp":)" + exp() + "}");
  auto poll = [&](const std::string& target, const header_list& h) {
    return std::make_unique<sse_stream>("127.0.0.1", server_->port(), target, h);
  };
  for (std::string target : {"/poll/g/w", "/%70oll/g/w"}) {
    for (const header_list& h : {header_list{}, wrong_key, expired,
                                 header_list{{"Authorization", "Basic " + base64("a:b")}}}) {
      auto s = poll(target, h);
      EXPECT_EQ(s->status(), 401) << target;
      EXPECT_EQ(s->header("Content-Type").value_or(""), "application/json; charset=utf-8");
    }
    // Authenticated, but the token grants no prefix at all.
    for (const header_list& h : {no_prefix, null_prefix}) {
      auto s = poll(target, h);
      EXPECT_EQ(s->status(), 403) << target;
    }
  }
  // A Noop is allowed to every prefix (spec 8): the stream's group and id are no key.
  auto in = poll("/poll/g/w", inside());
  ASSERT_EQ(in->status(), 200);
  EXPECT_EQ(in->header("Content-Type").value_or(""), "text/event-stream");
  auto elsewhere = poll("/poll/zz/w", inside());
  EXPECT_EQ(elsewhere->status(), 200);
  auto r = client_->post("/promises",
                         R"({"id":"a-jp","timeout":)" + std::string(k_future) +
                           R"(,"tags":{"resonate:invoke":"poll://uni@g/w"}})",
                         inside());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(sse_mentions(*in, "__invoke:a-jp"));
}

TEST(AuthConfig, a_bad_public_key_stops_the_server) {
  auto dir = fs::temp_directory_path() / ("resonate-badkey-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "bad.pem") << "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n";
  std::ofstream(dir / "ec.pem") << make_ec_public_pem();
  for (std::string file : {"bad.pem", "ec.pem", "missing.pem"}) {
    SCOPED_TRACE(file);
    scratch_store store(store_kind::sqlite);
    auto args = store.server_args();
    args.insert(args.end(), {"--api-auth-public-key", (dir / file).string()});
    server_process p(args);
    EXPECT_THROW(p.start(10s), std::runtime_error);
    EXPECT_NE(p.log().find("cannot enable authentication"), std::string::npos) << p.log();
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace resonate::test
