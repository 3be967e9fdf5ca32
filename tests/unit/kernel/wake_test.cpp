// When the kernel wants its next tick (system::next_wake): at the end of the
// shortest job period, or earlier at the time a job asked for. Protocol
// 2026's tick job asks for the earliest timer it knows of, so a 200 ms
// ctx.sleep wakes the kernel after 200 ms, not at the next signal period.
#include <gtest/gtest.h>

#include <limits>

#include "tests/unit/kernel/harness.hpp"

namespace q = resonate::queues;
using resonate::tests::kernel_harness;

namespace {

constexpr int64_t k_hour = 3'600'000;

/// A harness whose clock is past every period, so every job runs at the first tick.
kernel_harness& started(kernel_harness& h) {
  h.now = 100 * k_hour;
  return h;
}

resonate::kernel::system_config quiet() {
  resonate::kernel::system_config cfg;
  cfg.signal_timeout_ms = k_hour;
  cfg.outbox_interval_ms = k_hour;
  return cfg;
}

}  // namespace

TEST(kernel_wake, at_the_end_of_the_shortest_period) {
  auto cfg = quiet();
  cfg.outbox_interval_ms = 100;
  kernel_harness h(cfg);
  started(h).run();  // every job runs at the first tick
  EXPECT_EQ(h.sys.next_wake(), h.now + 100);
}

TEST(kernel_wake, at_the_time_the_2026_tick_asked_for_and_not_before) {
  kernel_harness h(quiet());
  started(h);
  h.store.due26_next_at = h.now + 250;
  const int64_t t0 = h.now;
  h.run();
  ASSERT_EQ(h.store.due26_reads, std::vector<int64_t>{t0});
  EXPECT_EQ(h.sys.next_wake(), t0 + 250);

  h.store.due26_next_at.reset();  // no timer left after the next pass
  h.now = t0 + 249;
  h.run();
  EXPECT_EQ(h.store.due26_reads.size(), 1u) << "woke before its time";
  h.now = t0 + 250;
  h.run();
  EXPECT_EQ(h.store.due26_reads, (std::vector<int64_t>{t0, t0 + 250}));
  // Nothing asked for: back to the period, counted from the first pass.
  EXPECT_EQ(h.sys.next_wake(), t0 + k_hour);
}

TEST(kernel_wake, an_operation_that_arms_a_timer_brings_the_tick_forward) {
  kernel_harness h(quiet());
  started(h).run();
  const int64_t t0 = h.now;
  ASSERT_EQ(h.sys.next_wake(), t0 + k_hour);
  // A targeted promise that times out in 40 ms asks for the tick then.
  q::promise26_create_request create;
  create.id = "p";
  create.timeout_at = t0 + 40;
  create.tags = {{"resonate:target", "poll://any@g"}};
  h.call(create);
  EXPECT_EQ(h.sys.next_wake(), t0 + 40);
}

TEST(kernel_wake, a_debug_tick_arms_no_timer) {
  kernel_harness h(quiet());
  started(h).run();
  const int64_t t0 = h.now;
  h.store.due26_next_at = t0 + 40;
  h.call(q::debug26_request{q::debug26_op::tick, t0});
  EXPECT_EQ(h.store.due26_reads.back(), t0);
  EXPECT_EQ(h.sys.next_wake(), t0 + k_hour) << "the test moves time itself";
}

TEST(kernel_wake, never_while_debug_start_pauses_the_jobs) {
  kernel_harness h(quiet());
  started(h).run();
  h.call(q::debug26_request{q::debug26_op::start, std::nullopt});
  EXPECT_EQ(h.sys.next_wake(), std::numeric_limits<int64_t>::max());
  h.call(q::debug26_request{q::debug26_op::stop, std::nullopt});
  EXPECT_LT(h.sys.next_wake(), std::numeric_limits<int64_t>::max());
}
