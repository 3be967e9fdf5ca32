// Protocol 2026-04-01 (`POST /`) against a real `resonate serve` process, over
// sockets, on every store: bad envelopes get the spec's errors and change
// nothing (1.2, 1.3, 1.7), debug.* is gated (1.9), a promise is one record for
// both protocols (one store), and a reader that never reads its SSE stream
// does not hold up the kernel or the other streams; *.search filters and pages
// (1.9).

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/raw_conn.hpp"
#include "tests/support/scratch_store.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_tokens.hpp"

namespace resonate::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int64_t k_future = 32503680000000;  // year 3000

std::string envelope(std::string_view kind, std::string_view data, std::string_view corr = "c1",
                     std::string_view extra_head = "") {
  return R"({"kind":")" + std::string(kind) + R"(","head":{"corrId":")" + std::string(corr) +
         R"(","version":"2026-04-01")" + std::string(extra_head) + R"(},"data":)" +
         std::string(data) + "}";
}

class Protocol2026Test : public ::testing::TestWithParam<store_kind> {
protected:
  // The skip is decided here: a GTEST_SKIP inside start() would only leave start().
  void SetUp() override {
    if (GetParam() == store_kind::postgres && !test_pg_conninfo())
      GTEST_SKIP() << "RESONATE_TEST_PG is not set";
  }
  void start(std::vector<std::string> extra) {
    store_ = std::make_unique<scratch_store>(GetParam());
    auto args = store_->server_args();
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<server_process>(args);
    server_->start();
    client_ = std::make_unique<http_client>("127.0.0.1", server_->port());
  }
  void TearDown() override {
    client_.reset();
    if (server_ && server_->running()) server_->stop();
    if (HasFailure() && server_) std::cerr << server_->log_tail() << "\n";
  }

  /// POST / and the parsed answer; checks that head.status is the HTTP status.
  json::object call(const std::string& body, int want_status) {
    auto r = client_->post("/", body, {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, want_status) << body << "\n" << r.body;
    EXPECT_EQ(r.header("Content-Type").value_or(""), "application/json") << r.body;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    if (ec || !v.is_object()) {
      ADD_FAILURE() << "not a JSON object: " << r.body;
      return {};
    }
    auto& o = v.as_object();
    EXPECT_EQ(o.at("head").at("status").to_number<int>(), r.status) << r.body;
    EXPECT_EQ(o.at("head").at("version"), "2026-04-01") << r.body;
    return o;
  }

  std::unique_ptr<scratch_store> store_;
  std::unique_ptr<server_process> server_;
  std::unique_ptr<http_client> client_;
};

TEST_P(Protocol2026Test, BadEnvelopesGetTheSpecErrorsAndChangeNothing) {
  start({"--debug", "--api-http-body-limit", "65536"});
  struct bad {
    std::string body;
    int status;
    std::string kind, corr;  // echoed as far as the body could be read
  };
  const std::string create = R"({"id":"p1","timeoutAt":)" + std::to_string(k_future) + "}";
  const std::vector<bad> cases = {
    {"not json", 400, "unknown", "0"},
    {"[1,2]", 400, "unknown", "0"},
    {R"({"kind":"promise.create","head":{"corrId":"c9","version":"2026-04-01"},"data":)", 400,
     "unknown", "0"},
    {envelope("promise.explode", create, "c2"), 400, "promise.explode", "c2"},
    {envelope("", create, "c3"), 400, "", "c3"},
    {R"({"kind":"promise.create","head":{"corrId":"c4","version":"2025-01-01"},"data":)" + create +
       "}",
     400, "promise.create", "c4"},
    {R"({"kind":"promise.create","head":{"corrId":"c5"},"data":)" + create + "}", 400,
     "promise.create", "c5"},
    {R"({"kind":"promise.create","head":{"corrId":"c6","version":"2026-04-01"},"data":[]})", 400,
     "promise.create", "c6"},
    {envelope("promise.create", R"({"timeoutAt":1})", "c7"), 400, "promise.create", "c7"},
    {envelope("promise.create", R"({"id":"p1","timeoutAt":"soon"})", "c8"), 400, "promise.create",
     "c8"},
    {envelope("promise.create", R"({"id":"p1","timeoutAt":1,"tags":{"a":1}})", "c10"), 400,
     "promise.create", "c10"},
    {envelope("promise.settle", R"({"id":"p1","state":"rejected_timedout"})", "c11"), 400,
     "promise.settle", "c11"},
    {envelope("task.acquire", R"({"id":"p1","version":"1","pid":"w","ttl":1})", "c12"), 400,
     "task.acquire", "c12"},
    // Not an int64 (spec 1.4: integer ms), however JSON spells the number.
    {envelope("promise.create", R"({"id":"p1","timeoutAt":1.5e20})", "c16"), 400, "promise.create",
     "c16"},
    {envelope("task.acquire", R"({"id":"p1","version":0,"pid":"w","ttl":1e300})", "c17"), 400,
     "task.acquire", "c17"},
    {envelope("promise.register_callback", R"({"awaited":"p1","awaiter":"p1"})", "c13"), 400,
     "promise.register_callback", "c13"},
    {envelope("promise.register_listener", R"({"awaited":"p1","address":"ftp://x"})", "c14"), 400,
     "promise.register_listener", "c14"},
    {envelope(
       "task.create",
       R"({"pid":"w","ttl":1,"action":{"kind":"promise.create","head":{},"data":)" + create + "}}",
       "c15"),
     400, "task.create", "c15"},  // the action has no resonate:target tag
  };
  for (const auto& c : cases) {
    auto o = call(c.body, c.status);
    EXPECT_EQ(o["kind"], json::value(c.kind)) << c.body;
    EXPECT_EQ(o["head"].at("corrId"), json::value(c.corr)) << c.body;
    EXPECT_TRUE(o["data"].is_string()) << "an error's data is its message: " << json::serialize(o);
  }
  // Over the body limit: 413 as an envelope (kind and corrId were never read), naming
  // the limit and its flag, and nothing is read.
  const std::string big(70000, 'x');
  auto r = client_->post(
    "/",
    envelope("promise.create", R"({"id":"big","timeoutAt":1,"param":{"data":")" + big + R"("}})"),
    {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 413) << r.body.substr(0, 200);
  EXPECT_EQ(r.header("Content-Type").value_or(""), "application/json");
  boost::system::error_code ec;
  auto too_large = json::parse(r.body, ec);
  ASSERT_FALSE(ec) << r.body;
  EXPECT_EQ(too_large.at("kind"), "unknown") << r.body;
  EXPECT_EQ(too_large.at("head").at("corrId"), "0") << r.body;
  EXPECT_EQ(too_large.at("head").at("status"), 413) << r.body;
  EXPECT_EQ(too_large.at("head").at("version"), "2026-04-01") << r.body;
  ASSERT_TRUE(too_large.at("data").is_string()) << r.body;
  std::string message(too_large.at("data").as_string());
  EXPECT_NE(message.find("65536 bytes"), std::string::npos) << message;
  EXPECT_NE(message.find("--api-http-body-limit"), std::string::npos) << message;
  // REST v1 keeps its own plain-text 413.
  client_ = std::make_unique<http_client>("127.0.0.1", server_->port());
  auto rest = client_->post("/promises", R"({"id":"big","param":{"data":")" + big + R"("}})");
  EXPECT_EQ(rest.status, 413);
  EXPECT_EQ(rest.body, "request body too large");

  // Nothing changed: no promise, no task (debug.snap sees every table).
  client_ = std::make_unique<http_client>("127.0.0.1", server_->port());
  auto snap = call(envelope("debug.snap", "{}"), 200);
  EXPECT_EQ(snap["data"].at("promises"), json::array{}) << json::serialize(snap);
  EXPECT_EQ(snap["data"].at("tasks"), json::array{}) << json::serialize(snap);
  EXPECT_EQ(store_->query("SELECT count(*) FROM promises"), std::vector<std::string>{"0"});

  // And a good envelope still works on the same server.
  auto ok = call(envelope("promise.create", create, "c99"), 200);
  EXPECT_EQ(ok["head"].at("corrId"), "c99");
  EXPECT_EQ(ok["data"].at("promise").at("state"), "pending");
}

TEST_P(Protocol2026Test, DebugKindsAre403AndDebugTimeIgnoredWithoutDebug) {
  start({});
  for (const char* kind : {"debug.start", "debug.reset", "debug.snap", "debug.tick"}) {
    auto o = call(envelope(kind, R"({"time":1})"), 403);
    EXPECT_EQ(o["data"], "Debug operations are disabled") << kind;
  }
  // resonate:debug_time is a test clock: without --debug the server's own time counts.
  auto o =
    call(envelope("promise.create", R"({"id":"t1","timeoutAt":)" + std::to_string(k_future) + "}",
                  "c1", R"(,"resonate:debug_time":5)"),
         200);
  EXPECT_GT(o["data"].at("promise").at("createdAt").to_number<int64_t>(), 1'700'000'000'000);
}

TEST_P(Protocol2026Test, OnePromiseForBothProtocols) {
  start({});
  // Created over 2026, completed over REST v1, read back over 2026.
  call(envelope("promise.create", R"({"id":"both","timeoutAt":)" + std::to_string(k_future) +
                                    R"(,"param":{"headers":{"h":"1"},"data":"aGk="}})"),
       200);
  auto rest = client_->get("/promises/both");
  ASSERT_EQ(rest.status, 200) << rest.body;
  auto p = json::parse(rest.body).as_object();
  EXPECT_EQ(p.at("state"), "PENDING");
  EXPECT_EQ(p.at("param").at("data"), "aGk=");
  auto done = client_->patch(
    "/promises/both", R"({"state":"REJECTED_CANCELED","value":{"headers":{},"data":"Ynll"}})");
  ASSERT_EQ(done.status, 201) << done.body;
  auto o = call(envelope("promise.get", R"({"id":"both"})"), 200);
  const auto& q = o["data"].at("promise");
  EXPECT_EQ(q.at("state"), "rejected_canceled");
  EXPECT_EQ(q.at("value").at("data"), "Ynll");
  EXPECT_TRUE(q.as_object().contains("settledAt"));
}

// A value is echoed as sent (the SDK's own server does so): the SDK's undefined
// argument `{"headers":{},"data":""}` stays that, an absent one is `{}`, through
// create, settle and later reads; REST v1 renders both as `{}`.
TEST_P(Protocol2026Test, EmptyValuesComeBackAsSent) {
  start({});
  const std::string timeout = std::to_string(k_future);
  const json::value empty = json::parse(R"({"headers":{},"data":""})");
  auto created = call(envelope("promise.create", R"({"id":"e1","timeoutAt":)" + timeout +
                                                   R"(,"param":{"headers":{},"data":""}})"),
                      200);
  EXPECT_EQ(created["data"].at("promise").at("param"), empty) << json::serialize(created);
  EXPECT_EQ(created["data"].at("promise").at("value"), json::object{});
  auto settled =
    call(envelope("promise.settle",
                  R"({"id":"e1","state":"resolved","value":{"headers":{},"data":""}})"),
         200);
  EXPECT_EQ(settled["data"].at("promise").at("value"), empty) << json::serialize(settled);
  auto read = call(envelope("promise.get", R"({"id":"e1"})"), 200);
  EXPECT_EQ(read["data"].at("promise").at("param"), empty) << json::serialize(read);
  EXPECT_EQ(read["data"].at("promise").at("value"), empty) << json::serialize(read);
  // Absent stays absent; one empty part alone stays alone.
  auto bare = call(
    envelope("promise.create", R"({"id":"e2","timeoutAt":)" + timeout + R"(,"param":{"data":""}})"),
    200);
  EXPECT_EQ(bare["data"].at("promise").at("param"), json::parse(R"({"data":""})"));
  call(envelope("promise.settle", R"({"id":"e2","state":"rejected"})"), 200);
  auto bare_read = call(envelope("promise.get", R"({"id":"e2"})"), 200);
  EXPECT_EQ(bare_read["data"].at("promise").at("param"), json::parse(R"({"data":""})"));
  EXPECT_EQ(bare_read["data"].at("promise").at("value"), json::object{});
  // REST v1 omits empty parts (spec 2: an empty value renders as {}).
  auto rest = client_->get("/promises/e1");
  ASSERT_EQ(rest.status, 200) << rest.body;
  auto p = json::parse(rest.body);
  EXPECT_EQ(p.at("param"), json::object{}) << rest.body;
  EXPECT_EQ(p.at("value"), json::object{}) << rest.body;
}

// The default body limit (16 MiB) takes an envelope well past the reference's ~2 MB.
TEST_P(Protocol2026Test, TheDefaultBodyLimitTakesALargeArgument) {
  start({});
  const std::string data(3 << 20, 'A');  // 3 MiB of base64
  auto created =
    call(envelope("promise.create", R"({"id":"large","timeoutAt":)" + std::to_string(k_future) +
                                      R"(,"param":{"data":")" + data + R"("}})"),
         200);
  EXPECT_EQ(created["data"].at("promise").at("param").at("data"), json::value(data));
}

// Auth on the wire (spec 1.8): the JWT in head.auth against the server's public
// key, with the prefix claim; basic auth of the API port covers POST / too.
TEST_P(Protocol2026Test, JwtInTheHeadAndBasicAuthOnTheWire) {
  const auto keys = make_rsa_key_pair();
  const auto dir =
    std::filesystem::temp_directory_path() / ("resonate-p26-auth-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "public.pem") << keys.public_pem;
  start({"--api-auth-public-key", (dir / "public.pem").string()});
  const auto exp = std::to_string(std::time(nullptr) + 600);
  const auto token =
    sign_token(R"({"exp":)" + exp + R"(,"prefix":"a-"})", JWT_ALG_RS256, keys.private_pem);
  const std::string create_a = R"({"id":"a-1","timeoutAt":)" + std::to_string(k_future) + "}";
  const std::string create_b = R"({"id":"b-1","timeoutAt":)" + std::to_string(k_future) + "}";
  EXPECT_EQ(call(envelope("promise.create", create_a), 401)["data"], "Unauthorized");
  EXPECT_EQ(call(envelope("promise.create", create_a, "c1", R"(,"auth":"nope")"), 401)["data"],
            "Unauthorized");
  EXPECT_EQ(
    call(envelope("promise.create", create_b, "c1", R"(,"auth":")" + token + "\""), 403)["data"],
    "Forbidden");
  auto ok = call(envelope("promise.create", create_a, "c1", R"(,"auth":")" + token + "\""), 200);
  EXPECT_EQ(ok["data"].at("promise").at("id"), "a-1");
  EXPECT_EQ(store_->query("SELECT id FROM promises"), std::vector<std::string>{"a-1"});
  std::filesystem::remove_all(dir);

  // Basic auth on the API port: POST / without it is the port's 401.
  server_->stop();
  auto args = store_->server_args();
  args.insert(args.end(), {"--api-http-auth", "u=p"});
  server_ = std::make_unique<server_process>(args);
  server_->start();
  client_ = std::make_unique<http_client>("127.0.0.1", server_->port());
  auto refused = client_->post("/", envelope("promise.get", R"({"id":"a-1"})"));
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_EQ(refused.header("WWW-Authenticate").value_or(""),
            R"(Basic realm="Authorization Required")");
  auto admitted = client_->post("/", envelope("promise.get", R"({"id":"a-1"})"),
                                {{"Authorization", "Basic dTpw"}});
  EXPECT_EQ(admitted.status, 200) << admitted.body;
}

// A reader that never reads its SSE stream: the API keeps answering at once and
// another stream still gets its execute; only the stalled stream loses messages.
TEST_P(Protocol2026Test, StalledSseReaderBlocksNeitherTheKernelNorOtherStreams) {
  start({"--aio-poll-buffer-size", "2"});
  raw_conn slow(server_->port(), 2048);
  slow.send("GET /poll/gs/slow HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(slow.read_until("text/event-stream")) << slow.text;
  raw_conn healthy(server_->port());
  healthy.send("GET /poll/gs/ok HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(healthy.read_until("text/event-stream")) << healthy.text;

  // An execute carries the task id and version only: long ids make messages
  // long enough that a few hundred fill the stalled socket's buffers.
  const std::string pad(16000, 'a');
  auto slowest = std::chrono::steady_clock::duration::zero();
  for (int i = 0; i < 300; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto o =
      call(envelope("promise.create", R"({"id":"slow-)" + std::to_string(i) + "-" + pad +
                                        R"(","timeoutAt":)" + std::to_string(k_future) +
                                        R"(,"tags":{"resonate:target":"poll://uni@gs/slow"}})"),
           200);
    slowest = std::max(slowest, std::chrono::steady_clock::now() - t0);
    if (HasFailure()) return;
  }
  EXPECT_LT(slowest, 2s) << "a request waited on the stalled stream";
  // The stream did stall: the hub refused messages for it (a full buffer).
  auto failed_polls = [&] {
    return server_->metric_sum(R"(messages_total{type="poll",outcome="failed"})");
  };
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (failed_polls() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  EXPECT_GT(failed_polls(), 0) << "the reader never stalled: the test proves nothing";
  call(envelope("promise.create", R"({"id":"fine","timeoutAt":)" + std::to_string(k_future) +
                                    R"(,"tags":{"resonate:target":"poll://uni@gs/ok"}})"),
       200);
  EXPECT_TRUE(healthy.read_until(R"("id":"fine")", 0, 10s)) << healthy.text;
}

// A message for a `poll://` address with no stream waits for one (parked in
// the outbox) and leaves as soon as a stream that can take it connects:
// `any@G` for any stream of G, `uni@G/P` only for P. Before, it was dropped
// and the worker got its execute only with the task's 30 s retry timer.
TEST_P(Protocol2026Test, LateWorkerGetsItsMessagesWhenItConnects) {
  start({});
  const std::string later = std::to_string(k_future);
  call(envelope("promise.create", R"({"id":"late-any","timeoutAt":)" + later +
                                    R"(,"tags":{"resonate:target":"poll://any@late"}})"),
       200);
  call(envelope("promise.create", R"({"id":"late-uni","timeoutAt":)" + later +
                                    R"(,"tags":{"resonate:target":"poll://uni@late/w2"}})"),
       200);
  call(envelope("promise.create", R"({"id":"awaited","timeoutAt":)" + later +
                                    R"(,"tags":{"resonate:scope":"global"}})"),
       200);
  call(envelope("promise.register_listener",
                R"({"awaited":"awaited","address":"poll://uni@late/w3"})"),
       200);
  call(envelope("promise.settle", R"({"id":"awaited","state":"resolved"})"), 200);
  std::this_thread::sleep_for(500ms);

  raw_conn w1(server_->port());
  w1.send("GET /poll/late/w1 HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto connected = std::chrono::steady_clock::now();
  ASSERT_TRUE(w1.read_until(R"("task":{"id":"late-any","version":0})", 0, 1s)) << w1.text;
  EXPECT_LT(std::chrono::steady_clock::now() - connected, 1s);
  // Not w1's: the unicast execute and the listener's unblock wait for their own streams.
  EXPECT_FALSE(w1.read_until(R"("late-uni")", 0, 300ms)) << w1.text;
  EXPECT_EQ(w1.text.find(R"("id":"awaited")"), std::string::npos) << w1.text;

  raw_conn w2(server_->port());
  w2.send("GET /poll/late/w2 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(w2.read_until(R"("task":{"id":"late-uni","version":0})", 0, 1s)) << w2.text;
  raw_conn w3(server_->port());
  w3.send("GET /poll/late/w3 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(w3.read_until(R"("kind":"unblock")", 0, 1s)) << w3.text;
  EXPECT_NE(w3.text.find(R"("id":"awaited")"), std::string::npos) << w3.text;
}

// A worker acquires a task and dies (no stream is left); its lease lapses and
// the task's execute waits for a stream of the group. A new worker that
// connects after that gets it at once, not at the next 30 s retry.
TEST_P(Protocol2026Test, KilledWorkersTaskGoesToTheNextWorkerThatConnects) {
  start({});
  call(envelope("promise.create", R"({"id":"crash-1","timeoutAt":)" + std::to_string(k_future) +
                                    R"(,"tags":{"resonate:target":"poll://any@kg/dead"}})"),
       200);
  call(envelope("task.acquire", R"({"id":"crash-1","version":0,"pid":"dead","ttl":1500})"), 200);
  const auto acquired = std::chrono::steady_clock::now();
  std::this_thread::sleep_until(acquired + 2000ms);  // the lease lapsed at 1.5 s

  raw_conn next(server_->port());
  next.send("GET /poll/kg/next HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(next.read_until(R"("task":{"id":"crash-1","version":1})", 0, 1s)) << next.text;
  // The stale execute of version 0 (parked before the acquire) is not sent.
  EXPECT_EQ(next.text.find(R"("version":0)"), std::string::npos) << next.text;
  call(envelope("task.acquire", R"({"id":"crash-1","version":1,"pid":"next","ttl":60000})"), 200);
}

// *.search (spec 1.9): every page in id order, `cursor` = the last id while
// more remain; pages through everything once even while promises are created.
std::vector<std::string> ids_in(const json::value& page, std::string_view records) {
  std::vector<std::string> out;
  for (const auto& r : page.at(records).as_array()) out.emplace_back(r.at("id").as_string());
  return out;
}

std::string search_data(std::string_view fields, const std::optional<std::string>& cursor) {
  std::string d = "{" + std::string(fields);
  if (cursor) d += std::string(fields.empty() ? "" : ",") + R"("cursor":")" + *cursor + "\"";
  return d + "}";
}

TEST_P(Protocol2026Test, PromiseSearchFiltersAndPagesInIdOrder) {
  start({"--debug"});
  call(envelope("debug.start", "{}"),
       200);  // no background pass: time only from debug_time
  const std::string at_1000 = R"(,"resonate:debug_time":1000)";
  std::vector<std::string> all, even, resolved;
  for (int i = 0; i < 105; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "s-%03d", i);
    call(envelope("promise.create",
                  std::string(R"({"id":")") + id + R"(","timeoutAt":)" + std::to_string(k_future) +
                    R"(,"tags":{"group":")" + (i % 2 ? "odd" : "even") + R"("}})",
                  "c", at_1000),
         200);
    all.push_back(id);
    if (i % 2 == 0) even.push_back(id);
    if (i % 10 == 0) {
      call(envelope("promise.settle", std::string(R"({"id":")") + id + R"(","state":"resolved"})",
                    "c", at_1000),
           200);
      resolved.push_back(id);
    }
  }
  // Pending at 1000, overdue at 9000: read as timed out (a timer as resolved).
  call(
    envelope("promise.create",
             R"({"id":"t-timer","timeoutAt":5000,"tags":{"resonate:timer":"true"}})", "c", at_1000),
    200);
  call(envelope("promise.create", R"({"id":"u-late","timeoutAt":5000})", "c", at_1000), 200);
  all.insert(all.end(), {"t-timer", "u-late"});
  resolved.push_back("t-timer");
  const std::string at_9000 = R"(,"resonate:debug_time":9000)";
  auto search = [&](std::string_view fields, const std::optional<std::string>& cursor) {
    return call(envelope("promise.search", search_data(fields, cursor), "c", at_9000), 200)["data"];
  };

  // The default page is 100; the last page has no cursor.
  auto first = search("", std::nullopt);
  auto ids = ids_in(first, "promises");
  ASSERT_EQ(ids.size(), 100u);
  EXPECT_EQ(ids, std::vector<std::string>(all.begin(), all.begin() + 100));
  EXPECT_EQ(first.at("cursor"), "s-099");
  auto rest = search("", std::string("s-099"));
  EXPECT_EQ(ids_in(rest, "promises"), std::vector<std::string>(all.begin() + 100, all.end()));
  EXPECT_FALSE(rest.as_object().contains("cursor")) << json::serialize(rest);
  const auto& timer = rest.at("promises").as_array().at(5);
  EXPECT_EQ(timer.at("state"), "resolved");
  EXPECT_EQ(timer.at("settledAt"), 5000);
  EXPECT_EQ(rest.at("promises").as_array().at(6).at("state"), "rejected_timedout");

  // Paging with limit 7 while promises are created before and after the cursor:
  // every promise that existed throughout is seen exactly once, in order.
  std::vector<std::string> seen;
  std::optional<std::string> cursor;
  int pages = 0, created = 0;
  do {
    auto page = search(R"("limit":7)", cursor);
    auto got = ids_in(page, "promises");
    EXPECT_LE(got.size(), 7u);
    seen.insert(seen.end(), got.begin(), got.end());
    cursor = page.as_object().contains("cursor")
               ? std::optional<std::string>(std::string(page.at("cursor").as_string()))
               : std::nullopt;
    if (cursor) {
      EXPECT_EQ(*cursor, got.back());
    }
    for (const char* prefix : {"a-", "s-050x", "z-"}) {
      call(envelope("promise.create",
                    R"({"id":")" + std::string(prefix) + std::to_string(created) +
                      R"(","timeoutAt":)" + std::to_string(k_future) + "}",
                    "c", at_1000),
           200);
    }
    ++created;
  } while (cursor && ++pages < 100);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end()) << "a promise seen twice";
  std::vector<std::string> old;
  for (const auto& id : seen) {
    bool created_meanwhile =
      id.starts_with("a-") || id.starts_with("z-") || id.find('x') != std::string::npos;
    if (!created_meanwhile) old.push_back(id);
  }
  EXPECT_EQ(old, all);
  EXPECT_TRUE(std::find(seen.begin(), seen.end(), "z-0") != seen.end())
    << "created after the cursor";

  // Filters: tags (every pair must match) and states as of the request's time.
  auto by_tag = search(R"("tags":{"group":"even"},"limit":1000)", std::nullopt);
  EXPECT_EQ(ids_in(by_tag, "promises"), even);
  auto by_state = search(R"("state":"resolved","limit":1000)", std::nullopt);
  EXPECT_EQ(ids_in(by_state, "promises"), resolved);
  auto timed_out = search(R"("state":"rejected_timedout")", std::nullopt);
  EXPECT_EQ(ids_in(timed_out, "promises"), std::vector<std::string>{"u-late"});
  auto both = search(R"("state":"resolved","tags":{"group":"odd"})", std::nullopt);
  EXPECT_EQ(ids_in(both, "promises"), std::vector<std::string>{});
  auto pending =
    search(R"("state":"pending","tags":{"group":"odd"},"limit":3,"cursor":null)", std::nullopt);
  EXPECT_EQ(ids_in(pending, "promises"), (std::vector<std::string>{"s-001", "s-003", "s-005"}));
  EXPECT_EQ(pending.at("cursor"), "s-005");
  // Searching wrote nothing: the overdue promises are still pending in the
  // store.
  EXPECT_EQ(store_->query("SELECT count(*) FROM promises WHERE id IN "
                          "('t-timer', 'u-late') AND state = 1"),
            std::vector<std::string>{"2"});

  // Bad filters are 400 and change nothing.
  const auto before = store_->query("SELECT count(*) FROM promises");
  for (const char* bad :
       {R"({"limit":0})", R"({"limit":1001})", R"({"limit":"10"})", R"({"limit":2.5})",
        R"({"state":"PENDING"})", R"({"state":"canceled"})", R"({"state":1})",
        R"({"tags":{"group":1}})", R"({"tags":["a"]})", R"({"cursor":5})"}) {
    auto o = call(envelope("promise.search", bad, "c", at_9000), 400);
    EXPECT_TRUE(o["data"].is_string()) << bad;
  }
  EXPECT_EQ(store_->query("SELECT count(*) FROM promises"), before);
  EXPECT_EQ(store_->query("SELECT count(*) FROM promises WHERE state = 1 AND timeout = 5000"),
            std::vector<std::string>{"2"});
}

TEST_P(Protocol2026Test, TaskSearchFiltersByStateAndPagesInIdOrder) {
  start({"--debug"});
  call(envelope("debug.start", "{}"), 200);
  std::vector<std::string> all, acquired;
  for (int i = 0; i < 9; ++i) {
    const std::string id = "task-" + std::to_string(i);
    call(envelope("promise.create", R"({"id":")" + id + R"(","timeoutAt":)" +
                                      std::to_string(k_future) +
                                      R"(,"tags":{"resonate:target":"poll://any@nobody"}})"),
         200);
    all.push_back(id);
    if (i % 3 == 0) {
      call(envelope("task.acquire", R"({"id":")" + id + R"(","version":0,"pid":"w","ttl":60000})"),
           200);
      acquired.push_back(id);
    }
  }
  call(
    envelope("promise.create", R"({"id":"no-task","timeoutAt":)" + std::to_string(k_future) + "}"),
    200);
  auto search = [&](std::string_view fields, const std::optional<std::string>& cursor) {
    return call(envelope("task.search", search_data(fields, cursor)), 200)["data"];
  };
  std::vector<std::string> seen;
  std::optional<std::string> cursor;
  for (int pages = 0; pages < 20; ++pages) {
    auto page = search(R"("limit":4)", cursor);
    auto got = ids_in(page, "tasks");
    seen.insert(seen.end(), got.begin(), got.end());
    if (!page.as_object().contains("cursor")) break;
    cursor = std::string(page.at("cursor").as_string());
  }
  EXPECT_EQ(seen, all);
  auto held = search(R"("state":"acquired")", std::nullopt);
  EXPECT_EQ(ids_in(held, "tasks"), acquired);
  const auto& t = held.at("tasks").as_array().at(0);
  EXPECT_EQ(t.at("version"), 1);
  EXPECT_EQ(t.at("pid"), "w");
  EXPECT_EQ(t.at("ttl"), 60000);
  auto waiting = search(R"("state":"pending","limit":2)", std::nullopt);
  EXPECT_EQ(ids_in(waiting, "tasks"), (std::vector<std::string>{"task-1", "task-2"}));
  EXPECT_EQ(waiting.at("cursor"), "task-2");
  EXPECT_EQ(ids_in(search(R"("state":"fulfilled")", std::nullopt), "tasks"),
            std::vector<std::string>{});
  for (const char* bad : {R"({"state":"claimed"})", R"({"limit":-1})", R"({"cursor":{}})"}) {
    call(envelope("task.search", bad), 400);
  }
}

TEST_P(Protocol2026Test, ScheduleSearchFiltersByPromiseTagsAndPagesByTen) {
  start({"--debug"});
  call(envelope("debug.start", "{}"), 200);
  std::vector<std::string> all, nightly;
  for (int i = 0; i < 12; ++i) {
    const std::string id = "sched-" + std::string(i < 10 ? "0" : "") + std::to_string(i);
    const std::string kind = i % 4 == 0 ? "nightly" : "hourly";
    call(
      envelope("schedule.create", R"({"id":")" + id + R"(","cron":"0 * * * *","promiseId":")" + id +
                                    R"(-{{.timestamp}}","promiseTimeout":60000,"promiseParam":{},)"
                                    R"("promiseTags":{"resonate:target":"poll://any@g","kind":")" +
                                    kind + R"("}})"),
      200);
    all.push_back(id);
    if (kind == "nightly") nightly.push_back(id);
  }
  auto search = [&](std::string_view fields, const std::optional<std::string>& cursor) {
    return call(envelope("schedule.search", search_data(fields, cursor)), 200)["data"];
  };
  auto first = search("", std::nullopt);  // the default page is 10 (spec 1.9)
  EXPECT_EQ(ids_in(first, "schedules"), std::vector<std::string>(all.begin(), all.begin() + 10));
  EXPECT_EQ(first.at("cursor"), "sched-09");
  const auto& s = first.at("schedules").as_array().at(0).as_object();
  EXPECT_EQ(s.at("cron"), "0 * * * *");
  EXPECT_EQ(s.at("promiseTimeout"), 60000);
  EXPECT_EQ(s.at("promiseTags").at("kind"), "nightly");
  EXPECT_TRUE(s.contains("createdAt") && s.contains("nextRunAt") && s.contains("promiseParam"));
  EXPECT_FALSE(s.contains("lastRunAt"));
  auto second = search("", std::string("sched-09"));
  EXPECT_EQ(ids_in(second, "schedules"), (std::vector<std::string>{"sched-10", "sched-11"}));
  EXPECT_FALSE(second.as_object().contains("cursor"));
  EXPECT_EQ(ids_in(search(R"("tags":{"kind":"nightly"})", std::nullopt), "schedules"), nightly);
  EXPECT_EQ(ids_in(search(R"("tags":{"kind":"weekly"})", std::nullopt), "schedules"),
            std::vector<std::string>{});
  for (const char* bad : {R"({"tags":{"kind":true}})", R"({"limit":1001})", R"({"cursor":[]})"}) {
    call(envelope("schedule.search", bad), 400);
  }
  EXPECT_EQ(store_->query("SELECT count(*) FROM schedules"), std::vector<std::string>{"12"});
}

// One schedule firer for both protocols: a schedule's cron is read in the
// configured zone (schedules.timeZone) whichever protocol created it (it was
// read in UTC here, in the configured zone by REST v1), and debug.tick fires
// through the running server's pass. The promise carries this protocol's tags:
// the promise tags plus resonate:schedule, not REST v1's resonate:invocation.
TEST_P(Protocol2026Test, ScheduleCronIsReadInTheConfiguredZone) {
  start({"--debug", "--schedule-time-zone", "America/New_York"});
  call(envelope("debug.start", "{}"), 200);    // the background is paused: only debug.tick fires
  constexpr int64_t noon_utc = 1736942400000;  // 2025-01-15T12:00:00Z
  constexpr int64_t nine_new_york = 1736949600000;  // 09:00 EST = 14:00Z
  constexpr int64_t day = 86400000;
  auto at = [](int64_t t) { return R"(,"resonate:debug_time":)" + std::to_string(t); };
  auto created = call(
    envelope(
      "schedule.create",
      R"({"id":"s","cron":"0 9 * * *","promiseId":"{{.id}}-{{.timestamp}}",)"
      R"("promiseTimeout":60000,"promiseParam":{},"promiseTags":{"resonate:target":"poll://any@g"}})",
      "c1", at(noon_utc)),
    200);
  EXPECT_EQ(created["data"].at("schedule").at("nextRunAt"), nine_new_york)
    << json::serialize(created);

  call(envelope("debug.tick", R"({"time":)" + std::to_string(nine_new_york) + "}"), 200);
  const std::string id = "s-" + std::to_string(nine_new_york);
  auto got =
    call(envelope("promise.get", R"({"id":")" + id + R"("})", "c2", at(nine_new_york)), 200);
  const auto& p = got["data"].at("promise");
  EXPECT_EQ(p.at("state"), "pending") << json::serialize(got);
  EXPECT_EQ(p.at("timeoutAt"), nine_new_york + 60000);
  EXPECT_EQ(p.at("tags"),
            (json::object{{"resonate:target", "poll://any@g"}, {"resonate:schedule", "s"}}));
  EXPECT_EQ(store_->query("SELECT state FROM tasks26 WHERE id = '" + id + "'"),
            std::vector<std::string>{"0"});
  auto s = call(envelope("schedule.get", R"({"id":"s"})", "c3", at(nine_new_york)), 200);
  EXPECT_EQ(s["data"].at("schedule").at("lastRunAt"), nine_new_york) << json::serialize(s);
  EXPECT_EQ(s["data"].at("schedule").at("nextRunAt"), nine_new_york + day);
}

// The running server's schedule job fires a protocol 2026-04-01 schedule as
// that protocol says (the targeted create: a pending task), with its tags, not
// REST v1's resonate:invocation.
TEST_P(Protocol2026Test, TheRunningServerFiresA2026ScheduleWithThatProtocolsTags) {
  start({"--system-signal-timeout", "100ms"});
  call(envelope("schedule.create",
                R"({"id":"every","cron":"* * * * * *","promiseId":"{{.id}}-{{.timestamp}}",)"
                R"("promiseTimeout":3600000,"promiseParam":{},)"
                R"("promiseTags":{"resonate:target":"poll://any@g","k":"v"}})"),
       200);
  std::vector<std::string> fired;
  for (int i = 0; i < 100 && fired.empty(); ++i) {
    std::this_thread::sleep_for(50ms);
    fired = store_->query("SELECT id FROM promises WHERE id LIKE 'every-%' ORDER BY id");
  }
  ASSERT_FALSE(fired.empty()) << "the schedule never fired";
  auto got = call(envelope("promise.get", R"({"id":")" + fired.front() + R"("})"), 200);
  const auto& p = got["data"].at("promise");
  EXPECT_EQ(
    p.at("tags"),
    (json::object{{"resonate:target", "poll://any@g"}, {"k", "v"}, {"resonate:schedule", "every"}}))
    << json::serialize(got);
  EXPECT_EQ(p.at("state"), "pending");
  EXPECT_EQ(store_->query("SELECT count(*) FROM tasks26 WHERE id = '" + fired.front() + "'"),
            std::vector<std::string>{"1"});
}

INSTANTIATE_TEST_SUITE_P(Stores, Protocol2026Test,
                         ::testing::Values(store_kind::sqlite, store_kind::postgres),
                         [](const auto& info) { return to_string(info.param); });

}  // namespace
}  // namespace resonate::test
