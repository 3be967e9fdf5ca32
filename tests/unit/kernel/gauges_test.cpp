// GaugeStates: the gauges tasks{state} and promises{state} from the store's
// counts by state, on their own period, driven by tick(now) against the fake
// store. The registry is process-wide, so each test reads the values a run of
// its own just set (every run sets every state).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "queues/metrics.hpp"
#include "tests/unit/kernel/harness.hpp"

namespace q = resonate::queues;
using resonate::tests::kernel_harness;

namespace {

constexpr int64_t k_interval = 5000;
constexpr int64_t k_far = 32'503'680'000'000;  // year 3000: no other job touches these rows

resonate::kernel::system_config gauged(int64_t interval = k_interval) {
  resonate::kernel::system_config cfg;
  cfg.signal_timeout_ms = 3'600'000;  // the other jobs run at the first tick only
  cfg.gauge_interval_ms = interval;
  return cfg;
}

int64_t gauge(const char* name, const char* state) {
  return q::metrics::global().get_gauge(name, std::string("state=\"") + state + "\"").value.load();
}

/// Sets every gauge of both families to -1, so a run that sets none shows.
void poison() {
  for (const char* s : {"init", "enqueued", "claimed"})
    q::metrics::global().get_gauge("tasks", std::string("state=\"") + s + "\"").set(-1);
  q::metrics::global().get_gauge("promises", "state=\"pending\"").set(-1);
}

void put_task(kernel_harness& h, const std::string& id, q::task_state state) {
  auto& t = h.store.put_task(id, 1, state);
  t.root_promise_id = id;
  t.timeout = k_far;
  t.expires_at = k_far;  // INIT: not enqueueable; ENQUEUED/CLAIMED: not expired
}

void put_promise(kernel_harness& h, const std::string& id, q::promise_state state) {
  auto& p = h.store.promises[id];
  p.id = id;
  p.state = state;
  p.timeout = k_far;
}

/// One tick at `now`, its submissions answered by the store, then the rest run
/// out: how many of that tick's submissions were GaugeStates' read (both counts
/// in one transaction).
size_t gauge_reads_at(kernel_harness& h, int64_t now) {
  h.now = now;
  auto out = h.sys.tick(now);
  size_t n = 0;
  for (const auto& sqe : out) {
    if (sqe.kind() != q::aio_kind::store) continue;
    const auto& cmds = sqe.tx().commands;
    if (cmds.size() == 2 && std::holds_alternative<q::count_tasks_by_state_cmd>(cmds[0]) &&
        std::holds_alternative<q::count_promises_by_state_cmd>(cmds[1]))
      ++n;
  }
  for (auto& cqe : h.store.process(out)) h.sys.complete(std::move(cqe));
  h.run();
  return n;
}

}  // namespace

TEST(kernel_gauges, an_empty_store_sets_every_state_to_zero) {
  kernel_harness h{gauged()};
  poison();
  h.run();
  for (const char* s : {"init", "enqueued", "claimed"}) EXPECT_EQ(gauge("tasks", s), 0) << s;
  EXPECT_EQ(gauge("promises", "pending"), 0);
  const auto text = q::metrics::global().render();
  EXPECT_NE(text.find("# TYPE tasks gauge\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ntasks{state=\"claimed\"} 0\n"), std::string::npos) << text;
  // The terminal states are not gauged (they only grow; tasks_total counts them).
  EXPECT_EQ(text.find("tasks{state=\"completed\"}"), std::string::npos) << text;
  EXPECT_EQ(text.find("promises{state=\"resolved\"}"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE promises gauge\n"), std::string::npos) << text;
}

TEST(kernel_gauges, each_state_counts_its_rows_and_follows_the_store_every_interval) {
  kernel_harness h{gauged()};
  put_task(h, "i1", q::task_state::init);
  put_task(h, "i2", q::task_state::init);
  put_task(h, "e1", q::task_state::enqueued);
  put_task(h, "c1", q::task_state::claimed);
  put_task(h, "c2", q::task_state::claimed);
  put_task(h, "c3", q::task_state::claimed);
  put_task(h, "d1", q::task_state::completed);
  put_task(h, "t1", q::task_state::timedout);
  put_promise(h, "p1", q::promise_state::pending);
  put_promise(h, "p2", q::promise_state::pending);
  put_promise(h, "r1", q::promise_state::resolved);
  put_promise(h, "x1", q::promise_state::rejected_canceled);
  poison();
  h.run();
  EXPECT_EQ(gauge("tasks", "init"), 2);
  EXPECT_EQ(gauge("tasks", "enqueued"), 1);
  EXPECT_EQ(gauge("tasks", "claimed"), 3);
  EXPECT_EQ(gauge("promises", "pending"), 2);

  // The claimed tasks complete: nothing changes before the interval has passed,
  // then claimed drops to 0 (present, not left at 3).
  for (const char* id : {"c1", "c2", "c3"}) h.store.tasks.at(id).state = q::task_state::completed;
  const int64_t t0 = h.now;
  h.now = t0 + k_interval - 1;
  h.run();
  EXPECT_EQ(gauge("tasks", "claimed"), 3);
  h.now = t0 + k_interval;
  h.run();
  EXPECT_EQ(gauge("tasks", "claimed"), 0);
  EXPECT_EQ(gauge("tasks", "init"), 2);
}

TEST(kernel_gauges, runs_on_its_own_period_and_not_at_all_when_off) {
  kernel_harness h{gauged()};
  const int64_t t0 = h.now;
  EXPECT_EQ(gauge_reads_at(h, t0), 1u);  // the first tick
  EXPECT_EQ(gauge_reads_at(h, t0 + 1), 0u);
  EXPECT_EQ(gauge_reads_at(h, t0 + k_interval - 1), 0u);
  EXPECT_EQ(gauge_reads_at(h, t0 + k_interval), 1u);
  EXPECT_EQ(gauge_reads_at(h, t0 + k_interval + 1), 0u);

  kernel_harness off{gauged(0)};
  for (int64_t t : {t0, t0 + k_interval, t0 + 10 * k_interval})
    EXPECT_EQ(gauge_reads_at(off, t), 0u) << t;
}

TEST(kernel_gauges, a_failed_count_leaves_the_last_values) {
  kernel_harness h{gauged()};
  put_task(h, "c1", q::task_state::claimed);
  h.run();
  ASSERT_EQ(gauge("tasks", "claimed"), 1);
  std::mt19937_64 rng(1);
  h.store.rng = &rng;
  h.store.fail_before = 1;  // every submission fails, nothing applied
  h.store.tasks.at("c1").state = q::task_state::completed;
  h.now += k_interval;
  h.run();
  EXPECT_EQ(gauge("tasks", "claimed"), 1);
  h.store.fail_before = 0;  // the next run counts again
  h.now += k_interval;
  h.run();
  EXPECT_EQ(gauge("tasks", "claimed"), 0);
}
