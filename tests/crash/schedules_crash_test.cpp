// Schedules under crash: a per-second schedule runs, `resonate` is SIGKILLed
// mid-run and restarted after a few seconds of downtime. Every scheduled time
// from the first run to the last must have exactly one promise, with no gaps:
// a firing commits with its schedule's advance (exactly once), and runs missed
// while the server was down are back-filled (REST v1 4.8). SQLite always,
// PostgreSQL when RESONATE_TEST_PG is set.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "tests/support/http_client.hpp"
#include "tests/support/pg_scratch.hpp"
#include "tests/support/scratch_store.hpp"
#include "tests/support/server_process.hpp"

namespace resonate::test {
namespace {

class SchedulesCrashTest : public ::testing::TestWithParam<store_kind> {};

TEST_P(SchedulesCrashTest, EveryRunExistsOnceAfterSigkillAndRestart) {
  if (GetParam() == store_kind::postgres && !test_pg_conninfo())
    GTEST_SKIP() << "RESONATE_TEST_PG is not set";
  scratch_store store(GetParam());
  auto args = store.server_args();
  args.insert(args.end(), {"--schedule-time-zone", "UTC", "--system-signal-timeout", "50ms"});
  server_process server(args);
  server.start();
  int64_t first = 0;
  {
    http_client c("127.0.0.1", server.port());
    auto r = c.post("/schedules",
                    R"({"id":"c","cron":"* * * * * *","promiseId":"c.{{.timestamp}}",)"
                    R"("promiseTimeout":600000})");
    ASSERT_EQ(r.status, 201) << r.body;
    first = r.json().as_object().at("nextRunTime").as_int64();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  server.kill9();
  std::this_thread::sleep_for(std::chrono::seconds(3));  // runs missed while down
  server.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));

  // Stopped first, then both read from the store: a run firing between a GET
  // of the schedule and the stop would otherwise look like one beyond the last.
  server.stop();
  auto last_rows = store.query("SELECT last_run_time FROM schedules WHERE id = 'c'");
  ASSERT_EQ(last_rows.size(), 1u);
  int64_t last = std::stoll(last_rows.front());

  ASSERT_GE(last, first + 6000) << "the schedule did not catch up: " << server.log_tail();
  auto ids = store.query("SELECT id, timeout FROM promises ORDER BY id");
  std::vector<std::string> expected;
  for (int64_t t = first; t <= last; t += 1000)
    expected.push_back("c." + std::to_string(t) + "|" + std::to_string(t + 600000));
  EXPECT_EQ(ids, expected);  // every run once, no gaps, nothing beyond the last run
}

INSTANTIATE_TEST_SUITE_P(Stores, SchedulesCrashTest,
                         ::testing::Values(store_kind::sqlite, store_kind::postgres),
                         [](const auto& info) { return to_string(info.param); });

}  // namespace
}  // namespace resonate::test
