// Schedules over REST v1 against a real `resonate` process (spec 2.6, 3.3,
// 4.8): every route and outcome, bad input changes nothing, a per-second
// schedule fires its promises with the expected ids and timeouts. SQLite
// always, PostgreSQL when RESONATE_TEST_PG is set.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "tests/support/http_client.hpp"
#include "tests/support/pg_scratch.hpp"
#include "tests/support/scratch_store.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/wire_match.hpp"

namespace resonate::test {
namespace {

namespace json = boost::json;

class SchedulesTest : public ::testing::TestWithParam<store_kind> {
 protected:
  void SetUp() override {
    if (GetParam() == store_kind::postgres && !test_pg_conninfo())
      GTEST_SKIP() << "RESONATE_TEST_PG is not set";
    store_ = std::make_unique<scratch_store>(GetParam());
    // Cron in UTC so expected times do not depend on the machine's zone; a
    // short idle tick so per-second schedules fire on time.
    auto args = store_->server_args();
    args.insert(args.end(), {"--schedule-time-zone", "UTC", "--system-signal-timeout", "100ms"});
    server_ = std::make_unique<server_process>(args);
    server_->start();
    client_ = std::make_unique<http_client>("127.0.0.1", server_->port());
  }

  void TearDown() override {
    client_.reset();
    if (server_ && server_->running()) {
      int st = server_->stop();
      EXPECT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0) << "status " << st;
    }
    if (HasFailure() && server_) std::cerr << "--- server log ---\n" << server_->log_tail() << "\n";
  }

  std::string rows(const std::string& sql) const {
    std::string out;
    for (const auto& r : store_->query(sql)) out += r + "\n";
    return out;
  }
  std::string schedules_table() const {
    return rows("SELECT id, description, cron, tags, promise_id, promise_timeout, promise_tags, "
                "last_run_time, next_run_time, idempotency_key FROM schedules ORDER BY id");
  }

  http_response create(const std::string& body, const header_list& h = {}) {
    return client_->post("/schedules", body, h);
  }

  std::unique_ptr<scratch_store> store_;
  std::unique_ptr<server_process> server_;
  std::unique_ptr<http_client> client_;
};

// Next minute boundary strictly after `t` (ms): the first run of "* * * * *".
int64_t next_minute(int64_t t) { return (t / 60000 + 1) * 60000; }

TEST_P(SchedulesTest, CreateReadSearchDelete) {
  int64_t before = now_ms();
  auto r = create(
    R"({"id":"s1","desc":"d","cron":"* * * * *","tags":{"a":"1"},"promiseId":"p.{{.id}}.{{.timestamp}}",)"
    R"("promiseTimeout":5000,"promiseParam":{"headers":{"h":"v"},"data":"ZGF0YQ=="},"promiseTags":{"x":"y"}})",
    {{"Idempotency-Key", "k1"}});
  int64_t after = now_ms();
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = r.json().as_object();
  EXPECT_EQ(j.at("id").as_string(), "s1");
  EXPECT_EQ(j.at("desc").as_string(), "d");
  EXPECT_EQ(j.at("cron").as_string(), "* * * * *");
  EXPECT_EQ(json::serialize(j.at("tags")), R"({"a":"1"})");
  EXPECT_EQ(j.at("promiseId").as_string(), "p.{{.id}}.{{.timestamp}}");
  EXPECT_EQ(j.at("promiseTimeout").as_int64(), 5000);
  EXPECT_EQ(json::serialize(j.at("promiseTags")), R"({"x":"y"})");
  EXPECT_FALSE(j.contains("lastRunTime"));
  EXPECT_EQ(j.at("idempotencyKey").as_string(), "k1");
  int64_t next = j.at("nextRunTime").as_int64();
  EXPECT_TRUE(next == next_minute(before) || next == next_minute(after)) << next;
  int64_t created = j.at("createdOn").as_int64();
  EXPECT_GE(created, before);
  EXPECT_LE(created, after);

  // Same id, same key: 200 with the stored schedule (the payload is not compared).
  auto again = create(R"({"id":"s1","cron":"0 * * * *","promiseId":"other"})",
                      {{"Idempotency-Key", "k1"}});
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json().as_object().at("cron").as_string(), "* * * * *");
  // Different key, or none: 409.
  auto conflict = create(R"({"id":"s1","cron":"* * * * *","promiseId":"x"})",
                         {{"Idempotency-Key", "k2"}});
  EXPECT_EQ(conflict.status, 409) << conflict.body;
  EXPECT_EQ(create(R"({"id":"s1","cron":"* * * * *","promiseId":"x"})").status, 409);

  // Read: the full record.
  auto read = client_->get("/schedules/s1");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.body, r.body);
  EXPECT_EQ(client_->get("/schedules/nope").status, 404);

  // A slash in the id (catch-all path).
  ASSERT_EQ(create(R"({"id":"a/b","cron":"* * * * *","promiseId":"q"})").status, 201);
  EXPECT_EQ(client_->get("/schedules/a/b").status, 200);

  // Search: partial records, newest first, cursor iff the page is full.
  auto all = client_->get("/schedules?id=*");
  ASSERT_EQ(all.status, 200) << all.body;
  auto sj = all.json().as_object();
  EXPECT_TRUE(sj.at("cursor").is_null());
  auto& list = sj.at("schedules").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].as_object().at("id").as_string(), "a/b");
  const auto& partial = list[1].as_object();
  EXPECT_EQ(partial.at("id").as_string(), "s1");
  EXPECT_EQ(partial.at("promiseId").as_string(), "");
  EXPECT_EQ(partial.at("promiseTimeout").as_int64(), 0);
  EXPECT_FALSE(partial.contains("desc"));
  EXPECT_FALSE(partial.contains("promiseTags"));
  EXPECT_EQ(json::serialize(partial.at("tags")), R"({"a":"1"})");

  auto tagged = client_->get("/schedules?id=*&tags[a]=1").json().as_object();
  ASSERT_EQ(tagged.at("schedules").as_array().size(), 1u);
  EXPECT_EQ(client_->get("/schedules?id=s*").json().as_object().at("schedules").as_array().size(),
            1u);
  // A state parameter is no field of the schedule search: ignored.
  EXPECT_EQ(client_->get("/schedules?id=*&state=bogus").status, 200);

  auto page1 = client_->get("/schedules?id=*&limit=1").json().as_object();
  ASSERT_TRUE(page1.at("cursor").is_string());
  ASSERT_EQ(page1.at("schedules").as_array().size(), 1u);
  auto page2 = client_->get("/schedules?cursor=" + std::string(page1.at("cursor").as_string()));
  ASSERT_EQ(page2.status, 200) << page2.body;
  auto p2 = page2.json().as_object();
  ASSERT_EQ(p2.at("schedules").as_array().size(), 1u);
  EXPECT_EQ(p2.at("schedules").as_array()[0].as_object().at("id").as_string(), "s1");
  EXPECT_TRUE(p2.at("cursor").is_string());  // full page: a cursor, the last page is empty
  auto page3 = client_->get("/schedules?cursor=" + std::string(p2.at("cursor").as_string()));
  EXPECT_EQ(page3.json().as_object().at("schedules").as_array().size(), 0u);

  // Delete: 204 without a body, then 404.
  auto del = client_->request("DELETE", "/schedules/s1");
  EXPECT_EQ(del.status, 204);
  EXPECT_EQ(del.body, "");
  EXPECT_EQ(client_->request("DELETE", "/schedules/s1").status, 404);
  EXPECT_EQ(client_->get("/schedules/s1").status, 404);
}

TEST_P(SchedulesTest, DefaultsAndOmittedFields) {
  // `description` is not the wire key (spec 11): dropped. Defaults: empty maps.
  auto r = create(R"({"id":"d","description":"dropped","cron":"@hourly","promiseId":"p"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = r.json().as_object();
  EXPECT_FALSE(j.contains("desc"));
  EXPECT_EQ(json::serialize(j.at("tags")), "{}");
  EXPECT_FALSE(j.contains("promiseTags"));
  EXPECT_FALSE(j.contains("idempotencyKey"));
  EXPECT_FALSE(j.contains("lastRunTime"));
  EXPECT_EQ(j.at("promiseTimeout").as_int64(), 0);
  EXPECT_TRUE(j.contains("promiseParam"));
}

TEST_P(SchedulesTest, BadInputIsA400AndChangesNothing) {
  ASSERT_EQ(create(R"({"id":"keep","cron":"* * * * *","promiseId":"p"})").status, 201);
  auto before = schedules_table();
  struct bad {
    std::string body;
    std::string message;  // substring of the error body
  };
  const bad cases[] = {
    {R"({"cron":"* * * * *","promiseId":"p"})", "The field id is required."},
    {R"({"id":"x","promiseId":"p"})", "The field cron is required."},
    {R"({"id":"x","cron":"* * * * *"})", "The field promiseid is required."},
    {R"({"id":"x","cron":"not a cron","promiseId":"p"})",
     "the field cron must be a valid cron expression"},
    {R"({"id":"x","cron":"61 * * * *","promiseId":"p"})",
     "the field cron must be a valid cron expression"},
    {R"({"id":"x","cron":"* * * * *","promiseId":"p{{.nope}}"})",
     "the field promiseId must be a valid template"},
    {R"({"id":"x","cron":"* * * * *","promiseId":"p{{.id"})",
     "the field promiseId must be a valid template"},
    {R"({"id":7,"cron":"* * * * *","promiseId":"p"})", "cannot unmarshal"},
    {R"({"id":"x","cron":"* * * * *","promiseId":"p","promiseTimeout":"1"})", "cannot unmarshal"},
    {R"({"id":"x","cron":"* * * * *","promiseId":"p","tags":{"a":1}})", ""},
    {R"(not json)", ""},
    // An existing id with bad input is still a 400, not a 409.
    {R"({"id":"keep","cron":"bad","promiseId":"p"})",
     "the field cron must be a valid cron expression"},
  };
  for (const auto& c : cases) {
    auto r = create(c.body);
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r.body;
    EXPECT_NE(r.body.find(c.message), std::string::npos) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(client_->get("/schedules").status, 400);       // id required
  EXPECT_EQ(client_->get("/schedules?id=").status, 400);   // min length 1
  EXPECT_EQ(client_->get("/schedules?id=*&limit=101").status, 400);
  EXPECT_EQ(client_->get("/schedules?id=*&limit=-1").status, 400);
  EXPECT_EQ(client_->get("/schedules?id=*&limit=x").status, 400);
  EXPECT_EQ(client_->get("/schedules?cursor=garbage").status, 400);
  EXPECT_EQ(schedules_table(), before);
}

TEST_P(SchedulesTest, EverySecondFiresPromisesWithTheExpectedIdsAndTimeouts) {
  auto r = create(R"({"id":"tick","cron":"* * * * * *","promiseId":"tick.{{.timestamp}}",)"
                  R"("promiseTimeout":60000,"promiseTags":{"k":"v"}})");
  ASSERT_EQ(r.status, 201) << r.body;
  int64_t first = r.json().as_object().at("nextRunTime").as_int64();
  EXPECT_EQ(first % 1000, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(3600));

  auto got = store_->query("SELECT id, timeout, tags FROM promises WHERE id LIKE 'tick.%' ORDER BY id");
  ASSERT_GE(got.size(), 3u) << rows("SELECT id FROM promises");
  for (auto& row : got) std::erase(row, ' ');  // PostgreSQL prints JSONB with spaces
  for (size_t i = 0; i < got.size(); ++i) {
    int64_t ts = first + static_cast<int64_t>(i) * 1000;
    auto expected_prefix = "tick." + std::to_string(ts) + "|" + std::to_string(ts + 60000) + "|";
    EXPECT_EQ(got[i].rfind(expected_prefix, 0), 0u) << got[i];
    EXPECT_NE(got[i].find("\"resonate:schedule\":\"tick\""), std::string::npos) << got[i];
    EXPECT_NE(got[i].find("\"resonate:invocation\":\"true\""), std::string::npos) << got[i];
    EXPECT_NE(got[i].find("\"k\":\"v\""), std::string::npos) << got[i];
  }
  auto s = client_->get("/schedules/tick").json().as_object();
  int64_t last = s.at("lastRunTime").as_int64();
  EXPECT_EQ(s.at("nextRunTime").as_int64(), last + 1000);
  EXPECT_EQ(last, first + static_cast<int64_t>(got.size() - 1) * 1000);

  // Deleting stops the firing and leaves the promises alone.
  ASSERT_EQ(client_->request("DELETE", "/schedules/tick").status, 204);
  auto count = store_->query("SELECT COUNT(*) FROM promises WHERE id LIKE 'tick.%'");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(store_->query("SELECT COUNT(*) FROM promises WHERE id LIKE 'tick.%'"), count);
}

TEST_P(SchedulesTest, TheIdTemplateEscapesAsHtmlTemplate) {
  auto r = create(R"({"id":"a<b&\"c'","cron":"* * * * * *","promiseId":"{{ .id }}/{{.timestamp}}"})");
  ASSERT_EQ(r.status, 201) << r.body;
  int64_t first = r.json().as_object().at("nextRunTime").as_int64();
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  auto got = store_->query("SELECT id FROM promises ORDER BY id");
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got[0], "a&lt;b&amp;&#34;c&#39;/" + std::to_string(first));
}

TEST_P(SchedulesTest, AnExistingPromiseIdStillAdvancesTheSchedule) {
  // The template has no timestamp: the second run finds the promise. The
  // schedule advances anyway (the reference would re-read it forever).
  auto r = create(R"({"id":"same","cron":"* * * * * *","promiseId":"fixed"})");
  ASSERT_EQ(r.status, 201) << r.body;
  int64_t first = r.json().as_object().at("nextRunTime").as_int64();
  std::this_thread::sleep_for(std::chrono::milliseconds(2600));
  EXPECT_EQ(store_->query("SELECT COUNT(*) FROM promises"), std::vector<std::string>{"1"});
  auto s = client_->get("/schedules/same").json().as_object();
  EXPECT_GE(s.at("lastRunTime").as_int64(), first + 1000);
}

TEST_P(SchedulesTest, APromiseTagResonateInvokeReachesAWorkerOnThePoller) {
  sse_stream worker("127.0.0.1", server_->poll_port(), "/g/w1");
  ASSERT_EQ(worker.status(), 200);
  auto r = create(R"({"id":"inv","cron":"* * * * * *","promiseId":"inv.{{.timestamp}}",)"
                  R"("promiseTimeout":60000,"promiseTags":{"resonate:invoke":"poll://any@g"}})");
  ASSERT_EQ(r.status, 201) << r.body;
  // Each run is its own root promise, so every run gets an invoke; the first
  // may go out before the poller registered the connection, so take any.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::optional<json::object> got;
  while (!got && std::chrono::steady_clock::now() < deadline) {
    auto data = worker.next(std::chrono::milliseconds(500));
    if (!data) continue;
    auto v = json::parse(*data);
    if (!v.is_object() || !v.as_object().contains("task")) continue;
    std::string id(v.at("task").at("id").as_string());
    if (id.rfind("__invoke:inv.", 0) == 0) got = v.as_object();
  }
  ASSERT_TRUE(got) << "no invoke message for a scheduled promise reached the worker";
  EXPECT_EQ(got->at("type").as_string(), "invoke");
  std::string promise = std::string(got->at("task").at("id").as_string()).substr(9);
  auto p = client_->get("/promises/" + promise);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.json().at("tags").at("resonate:schedule").as_string(), "inv");
}

TEST(SchedulesConfig, AnUnknownTimeZoneIsAStartupError) {
  scratch_store store(store_kind::sqlite);
  auto args = store.server_args();
  args.insert(args.end(), {"--schedule-time-zone", "Nowhere/Atlantis"});
  server_process server(args);
  try {
    server.start(std::chrono::seconds(10));
    ADD_FAILURE() << "the server started with an unknown time zone";
  } catch (const std::runtime_error&) {
    EXPECT_NE(server.log().find("Nowhere/Atlantis"), std::string::npos) << server.log();
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, SchedulesTest,
                         ::testing::Values(store_kind::sqlite, store_kind::postgres),
                         [](const auto& info) { return to_string(info.param); });

}  // namespace
}  // namespace resonate::test
