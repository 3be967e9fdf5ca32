// schedule.get, create, delete and search of protocol 2026-04-01 as kernel
// coroutines (kernel/coroutines/schedule26.cpp) over the fake store: what
// each answers and stores, the configured zone of the cron, and paging.
#include <gtest/gtest.h>

#include "tests/unit/kernel/harness.hpp"

namespace q = resonate::queues;
using resonate::tests::kernel_harness;

namespace {

q::schedule26_create_request create(std::string id, std::string cron = "* * * * *",
                                    std::optional<int64_t> debug_time = std::nullopt) {
  q::schedule26_create_request r;
  r.id = std::move(id);
  r.cron = std::move(cron);
  r.promise_id = "{{.id}}-{{.timestamp}}";
  r.promise_timeout = 60000;
  r.promise_tags = {{"resonate:target", "poll://any@g"}};
  r.debug_time = debug_time;
  return r;
}

const q::schedule26_response& answer(const q::response& r) {
  return std::get<q::schedule26_response>(r.payload);
}

}  // namespace

TEST(kernel_schedule26, create_stores_the_schedule_and_is_idempotent_on_the_id) {
  kernel_harness h;
  h.now = 1736942400000;  // 2025-01-15T12:00:00Z
  auto first = answer(h.call(create("s")));
  ASSERT_EQ(first.status, 200) << first.message;
  ASSERT_TRUE(first.schedule);
  EXPECT_EQ(first.schedule->created_on, h.now);
  EXPECT_EQ(first.schedule->next_run_time, h.now + 60000);
  EXPECT_EQ(first.schedule->promise_id, "{{.id}}-{{.timestamp}}");
  EXPECT_EQ(h.store.schedules.count("s"), 1u);
  // Again, later, with another cron: the schedule as it is.
  h.now += 1000;
  auto again = answer(h.call(create("s", "0 * * * *")));
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.schedule->cron, "* * * * *");
  EXPECT_EQ(again.schedule->created_on, h.now - 1000);
}

TEST(kernel_schedule26, an_invalid_cron_is_a_400_unless_the_schedule_exists) {
  kernel_harness h;
  auto bad = answer(h.call(create("s", "not a cron")));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.message, "Invalid cron expression");
  EXPECT_TRUE(h.store.schedules.empty()) << "a refused create writes nothing";
  ASSERT_EQ(answer(h.call(create("s"))).status, 200);
  auto existing = answer(h.call(create("s", "not a cron")));
  EXPECT_EQ(existing.status, 200) << "idempotent on the id first";
  EXPECT_EQ(existing.schedule->cron, "* * * * *");
}

TEST(kernel_schedule26, the_cron_is_read_in_the_configured_zone_at_the_debug_time) {
  resonate::kernel::system_config cfg;
  auto new_york = resonate::kernel::domain::time_zone::load("America/New_York");
  ASSERT_TRUE(new_york);
  cfg.settings.schedule_zone = *new_york;
  kernel_harness h(cfg);
  auto a = answer(h.call(create("s", "0 9 * * *", 1736942400000)));  // 12:00Z = 07:00 EST
  ASSERT_EQ(a.status, 200) << a.message;
  EXPECT_EQ(a.schedule->next_run_time, 1736949600000);  // 09:00 EST = 14:00Z
  EXPECT_EQ(a.schedule->created_on, 1736942400000);
}

TEST(kernel_schedule26, get_and_delete_answer_404_for_an_unknown_id) {
  kernel_harness h;
  EXPECT_EQ(answer(h.call(q::schedule26_get_request{"s", std::nullopt})).status, 404);
  EXPECT_EQ(answer(h.call(q::schedule26_delete_request{"s", std::nullopt})).message,
            "Schedule not found");
  ASSERT_EQ(answer(h.call(create("s"))).status, 200);
  auto got = answer(h.call(q::schedule26_get_request{"s", std::nullopt}));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.schedule->id, "s");
  auto deleted = answer(h.call(q::schedule26_delete_request{"s", std::nullopt}));
  EXPECT_EQ(deleted.status, 200);
  EXPECT_FALSE(deleted.schedule);
  EXPECT_TRUE(h.store.schedules.empty());
  EXPECT_EQ(answer(h.call(q::schedule26_delete_request{"s", std::nullopt})).status, 404);
}

TEST(kernel_schedule26, search_pages_by_id_with_a_cursor_only_while_more_remain) {
  kernel_harness h;
  for (const char* id : {"c", "a", "b"}) ASSERT_EQ(answer(h.call(create(id))).status, 200);
  auto other = create("x");
  other.promise_tags = {{"resonate:target", "poll://any@other"}};
  ASSERT_EQ(answer(h.call(other)).status, 200);
  q::schedule26_search_request first;
  first.limit = 2;
  first.tags = {{"resonate:target", "poll://any@g"}};
  auto page = std::get<q::schedule26_search_response>(h.call(first).payload);
  ASSERT_EQ(page.schedules.size(), 2u);
  EXPECT_EQ(page.schedules[0].id, "a");
  EXPECT_EQ(page.schedules[1].id, "b");
  ASSERT_EQ(page.cursor, "b");
  auto next = first;
  next.cursor = *page.cursor;
  page = std::get<q::schedule26_search_response>(h.call(next).payload);
  ASSERT_EQ(page.schedules.size(), 1u) << "x does not carry the tags";
  EXPECT_EQ(page.schedules[0].id, "c");
  EXPECT_FALSE(page.cursor);
}
