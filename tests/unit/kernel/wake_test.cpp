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
  h.store.v2026_wake_at = h.now + 250;
  const int64_t t0 = h.now;
  h.run();
  ASSERT_EQ(h.store.v2026_ticks, std::vector<int64_t>{t0});
  EXPECT_EQ(h.sys.next_wake(), t0 + 250);

  h.store.v2026_wake_at.reset();  // no timer left after the next pass
  h.now = t0 + 249;
  h.run();
  EXPECT_EQ(h.store.v2026_ticks.size(), 1u) << "woke before its time";
  h.now = t0 + 250;
  h.run();
  EXPECT_EQ(h.store.v2026_ticks, (std::vector<int64_t>{t0, t0 + 250}));
  // Nothing asked for: back to the period, counted from the first pass.
  EXPECT_EQ(h.sys.next_wake(), t0 + k_hour);
}

TEST(kernel_wake, an_operation_that_arms_a_timer_brings_the_tick_forward) {
  kernel_harness h(quiet());
  started(h).run();
  const int64_t t0 = h.now;
  ASSERT_EQ(h.sys.next_wake(), t0 + k_hour);
  // The fake store runs no 2026 operation, but a tick answer is one too: a
  // debug.tick through the API whose answer carries wake_at asks for the job.
  h.store.v2026_wake_at = t0 + 40;
  q::v2026_request r{"tick", "c1", "{}", std::nullopt};
  h.call(r);
  EXPECT_EQ(h.sys.next_wake(), t0 + 40);
}

TEST(kernel_wake, never_while_debug_start_pauses_the_jobs) {
  kernel_harness h(quiet());
  started(h).run();
  h.call(q::v2026_request{"debug.start", "c1", "{}", std::nullopt});
  EXPECT_EQ(h.sys.next_wake(), std::numeric_limits<int64_t>::max());
  h.call(q::v2026_request{"debug.stop", "c2", "{}", std::nullopt});
  EXPECT_LT(h.sys.next_wake(), std::numeric_limits<int64_t>::max());
}
