// The schedule coroutines and SchedulePromises (REST v1 4.8), driven by
// tick(now) against the fake store, whose schedule commands follow the SQL of
// the real ones. Cron is evaluated in UTC (the settings' default zone).
#include <gtest/gtest.h>

#include "tests/unit/kernel/harness.hpp"

namespace q = resonate::queues;
using resonate::tests::kernel_harness;

namespace {

struct kernel_schedules : ::testing::Test {
  kernel_harness h;

  q::response create(std::string id, std::string cron, std::string tmpl,
                     std::optional<std::string> ikey = std::nullopt) {
    q::create_schedule_request r;
    r.id = std::move(id);
    r.cron = std::move(cron);
    r.promise_id = std::move(tmpl);
    r.promise_timeout = 100;
    r.idempotency_key = std::move(ikey);
    return h.call(std::move(r));
  }
  static const q::schedule_record& schedule_of(const q::response& r) {
    return std::get<q::schedule_response>(r.payload).schedule;
  }
};

}  // namespace

TEST_F(kernel_schedules, create_computes_the_next_run_after_now_and_dedups_by_key) {
  h.now = 1'000'500;
  auto r = create("s", "* * * * * *", "p.{{.timestamp}}", "k");
  ASSERT_EQ(r.status, q::status::created);
  EXPECT_EQ(schedule_of(r).next_run_time, 1'001'000);
  EXPECT_FALSE(schedule_of(r).last_run_time);
  EXPECT_EQ(schedule_of(r).created_on, 1'000'500);
  EXPECT_EQ(create("s", "@daily", "other", "k").status, q::status::ok);
  EXPECT_EQ(schedule_of(create("s", "@daily", "other", "k")).cron, "* * * * * *");
  EXPECT_EQ(create("s", "@daily", "other", "j").status, q::status::schedule_already_exists);
  EXPECT_EQ(create("s", "@daily", "other").status, q::status::schedule_already_exists);
  EXPECT_EQ(h.store.schedules.size(), 1u);
}

TEST_F(kernel_schedules, invalid_cron_or_template_is_a_400_and_writes_nothing) {
  EXPECT_EQ(create("s", "nope", "p").status, q::status::field_validation_error);
  EXPECT_EQ(create("s", "* * * * *", "{{.x}}").status, q::status::field_validation_error);
  EXPECT_TRUE(h.store.schedules.empty());
}

TEST_F(kernel_schedules, read_and_delete) {
  EXPECT_EQ(h.call(q::read_schedule_request{"s"}).status, q::status::schedule_not_found);
  ASSERT_EQ(create("s", "@hourly", "p").status, q::status::created);
  EXPECT_EQ(h.call(q::read_schedule_request{"s"}).status, q::status::ok);
  EXPECT_EQ(h.call(q::delete_schedule_request{"s"}).status, q::status::no_content);
  EXPECT_EQ(h.call(q::delete_schedule_request{"s"}).status, q::status::schedule_not_found);
}

TEST_F(kernel_schedules, firing_back_fills_each_missed_run_once) {
  h.now = 1'000'000;
  ASSERT_EQ(create("s", "* * * * * *", "p.{{.timestamp}}").status, q::status::created);
  h.now = 1'005'500;  // five runs are due: 1'001'000 .. 1'005'000
  h.run();
  for (int64_t t = 1'001'000; t <= 1'005'000; t += 1000) {
    auto it = h.store.promises.find("p." + std::to_string(t));
    ASSERT_NE(it, h.store.promises.end()) << t;
    EXPECT_EQ(it->second.timeout, t + 100);
    EXPECT_EQ(it->second.tags.at("resonate:schedule"), "s");
    EXPECT_EQ(it->second.tags.at("resonate:invocation"), "true");
  }
  EXPECT_EQ(h.store.promises.size(), 5u);
  EXPECT_EQ(h.store.schedules.at("s").last_run_time, 1'005'000);
  EXPECT_EQ(h.store.schedules.at("s").next_run_time, 1'006'000);
  h.run();  // nothing more is due
  EXPECT_EQ(h.store.promises.size(), 5u);
}

TEST_F(kernel_schedules, an_existing_promise_still_advances_the_schedule) {
  h.now = 1'000'000;
  ASSERT_EQ(create("s", "* * * * * *", "fixed").status, q::status::created);
  h.now = 1'003'500;
  h.run();
  EXPECT_EQ(h.store.promises.size(), 1u);
  EXPECT_EQ(h.store.schedules.at("s").next_run_time, 1'004'000);
}

TEST_F(kernel_schedules, search_pages_newest_first_with_partial_records) {
  for (auto id : {"a1", "a2", "b1"})
    ASSERT_EQ(create(id, "@hourly", "p").status, q::status::created);
  auto r = h.call(q::search_schedules_request{"a*", {}, 1, std::nullopt});
  ASSERT_EQ(r.status, q::status::ok);
  auto& page = std::get<q::search_schedules_response>(r.payload);
  ASSERT_EQ(page.schedules.size(), 1u);
  EXPECT_EQ(page.schedules[0].id, "a2");
  EXPECT_EQ(page.schedules[0].promise_id, "");
  ASSERT_TRUE(page.next);
  auto r2 = h.call(*page.next);
  auto& page2 = std::get<q::search_schedules_response>(r2.payload);
  ASSERT_EQ(page2.schedules.size(), 1u);
  EXPECT_EQ(page2.schedules[0].id, "a1");
}

// A burst of due schedules takes at most the background half of the AIO queue,
// so requests that arrive while it fires still get AIO slots. (A batch at the
// AIO queue's size used to fill it, and those requests got 503 50302.)
TEST(kernel_schedule_burst, leaves_half_the_aio_queue_to_requests) {
  resonate::kernel::system_config cfg;
  cfg.aio_queue_size = 20;
  cfg.settings.schedule_batch_size = 100;
  kernel_harness h(cfg);
  h.now = 1'000'000;
  for (int i = 0; i < 30; ++i) {
    q::create_schedule_request r;
    r.id = "s" + std::to_string(i);
    r.cron = "* * * * * *";
    r.promise_id = "{{.id}}.{{.timestamp}}";
    r.promise_timeout = 100'000;
    ASSERT_EQ(h.call(std::move(r)).status, q::status::created);
  }
  h.now = 1'001'500;               // all 30 are due once
  auto reads = h.sys.tick(h.now);  // the background jobs read (schedules among them)
  for (auto& cqe : h.store.process(reads)) h.sys.complete(std::move(cqe));
  auto firings = h.sys.tick(h.now);  // the firings go out; the store holds them
  EXPECT_GT(firings.size(), 0u);
  EXPECT_LE(firings.size(), 10u);
  for (int i = 0; i < 10; ++i)
    h.submit(resonate::tests::create_req("r" + std::to_string(i), 9'000'000));
  auto requests = h.sys.tick(h.now);
  EXPECT_EQ(requests.size(), 10u) << "every request got an AIO slot";
  for (auto& cqe : h.store.process(firings)) h.sys.complete(std::move(cqe));
  for (auto& cqe : h.store.process(requests)) h.sys.complete(std::move(cqe));
  h.run();
  for (size_t i = 0; i < h.responses.size(); ++i) {
    if (h.responses[i] && h.responses[i]->status == q::status::created) continue;
    if (i < 30) continue;  // the schedule creates, checked above
    ADD_FAILURE() << "request " << i << " status "
                  << (h.responses[i] ? static_cast<int>(h.responses[i]->status) : -1);
  }
  size_t fired = 0;
  for (const auto& [id, p] : h.store.promises) fired += p.tags.count("resonate:schedule");
  EXPECT_EQ(fired, 30u) << "every schedule still fires, over several passes";
}

// One firer for both protocols: the schedule job fires a protocol 2026-04-01
// schedule (promise tags with resonate:target) with that protocol's create and
// tags (promise.create's insert: not REST v1's create and its
// resonate:invocation), the run after it computed in the configured zone; a
// run caught up past its promise's timeout is created at that timeout and
// timed out, as promise.create creates it.
TEST(kernel_schedule_protocols, a_2026_schedule_fires_with_its_protocols_create_in_the_zone) {
  resonate::kernel::system_config cfg;
  auto new_york = resonate::kernel::domain::time_zone::load("America/New_York");
  ASSERT_TRUE(new_york);
  cfg.settings.schedule_zone = *new_york;
  kernel_harness h(cfg);
  constexpr int64_t nine_new_york = 1736949600000;  // 2025-01-15T14:00:00Z
  constexpr int64_t day = 86400000;
  q::schedule_record s;
  s.id = "s";
  s.cron = "0 9 * * *";
  s.promise_id = "{{.id}}-{{.timestamp}}";
  s.promise_timeout = 60000;
  s.promise_tags = {{"resonate:target", "poll://any@g"}};
  s.next_run_time = nine_new_york;
  h.store.schedules["s"] = s;
  h.now = nine_new_york + 500;
  h.run();
  auto first = h.store.promises.find("s-" + std::to_string(nine_new_york));
  ASSERT_NE(first, h.store.promises.end());
  EXPECT_EQ(first->second.tags,
            (q::tag_map{{"resonate:target", "poll://any@g"}, {"resonate:schedule", "s"}}));
  EXPECT_EQ(first->second.state, q::promise_state::pending);
  EXPECT_EQ(first->second.timeout, nine_new_york + 60000);
  EXPECT_EQ(first->second.created_on, nine_new_york + 500);
  EXPECT_EQ(h.store.schedules.at("s").last_run_time, nine_new_york);
  EXPECT_EQ(h.store.schedules.at("s").next_run_time, nine_new_york + day);

  h.now = nine_new_york + day + 120000;  // the next run's promise timed out a minute ago
  h.run();
  auto late = h.store.promises.find("s-" + std::to_string(nine_new_york + day));
  ASSERT_NE(late, h.store.promises.end());
  EXPECT_EQ(late->second.state, q::promise_state::rejected_timedout);
  EXPECT_EQ(late->second.created_on, nine_new_york + day + 60000);
  EXPECT_EQ(h.store.schedules.at("s").next_run_time, nine_new_york + 2 * day);
}
