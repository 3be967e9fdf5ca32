// The background pass of protocol 2026-04-01 (kernel/coroutines/background26.cpp)
// and the debug kinds (debug26.cpp) over the fake store: promise timeouts
// with their settlement chain, lapsed leases and due retries sending the
// execute again, the timers the pass leaves, and what a store failure does.
#include <gtest/gtest.h>

#include <random>

#include "kernel/domain/task26.hpp"
#include "tests/unit/kernel/harness.hpp"

namespace q = resonate::queues;
using resonate::tests::kernel_harness;

namespace {

struct kernel_background26 : ::testing::Test {
  kernel_harness h;

  /// A targeted promise (its task pending at version 0, retry in 30 s).
  void targeted(const std::string& id, int64_t timeout_in = 600000) {
    q::promise26_create_request r;
    r.id = id;
    r.timeout_at = h.now + timeout_in;
    r.tags = {{"resonate:target", "poll://any@workers"}};
    ASSERT_EQ(std::get<q::promise26_response>(h.call(r).payload).status, 200);
  }
  void acquire(const std::string& id, int64_t version) {
    auto out = h.call(q::task26_acquire_request{id, version, "w1", 5000, std::nullopt});
    ASSERT_EQ(std::get<q::task26_response>(out.payload).status, 200);
  }
  q::response tick() { return h.call(q::debug26_request{q::debug26_op::tick, h.now}); }
  const q::task26_record& task(const std::string& id) { return h.store.tasks26.at(id); }
};

}  // namespace

TEST_F(kernel_background26, a_lapsed_lease_makes_the_task_pending_again_and_sends_its_execute) {
  targeted("a");
  acquire("a", 0);
  ASSERT_EQ(task("a").state, q::task26_state::acquired);
  h.store.executes26.clear();
  h.now += 4999;
  ASSERT_EQ(tick().status, q::status::ok);
  EXPECT_EQ(task("a").state, q::task26_state::acquired) << "the lease has 1 ms left";
  h.now += 1;
  ASSERT_EQ(tick().status, q::status::ok);
  EXPECT_EQ(task("a").state, q::task26_state::pending);
  EXPECT_EQ(task("a").version, 1) << "pending again at its version";
  EXPECT_FALSE(task("a").pid);
  EXPECT_EQ(task("a").timer, q::task26_timer::retry);
  EXPECT_EQ(task("a").timer_at, h.now + 30000);
  EXPECT_EQ(h.store.executes26.at("a"), 1);
}

TEST_F(kernel_background26, a_due_retry_sends_the_execute_of_a_pending_task_again) {
  targeted("r");
  h.store.executes26.clear();  // delivered, and lost by the worker
  h.now += 30000;
  ASSERT_EQ(tick().status, q::status::ok);
  EXPECT_EQ(h.store.executes26.at("r"), 0);
  EXPECT_EQ(task("r").timer_at, h.now + 30000) << "the next retry";
}

TEST_F(kernel_background26, a_promise_timing_out_in_the_pass_fulfils_its_task_without_an_execute) {
  targeted("t", 1000);
  acquire("t", 0);
  h.store.executes26.clear();
  h.now += 6000;  // both the promise's timeout and the lease have passed
  ASSERT_EQ(tick().status, q::status::ok);
  EXPECT_EQ(h.store.promises.at("t").state, q::promise_state::rejected_timedout);
  EXPECT_EQ(h.store.promises.at("t").completed_on, h.now - 5000) << "settled at its timeout";
  EXPECT_EQ(task("t").state, q::task26_state::fulfilled);
  EXPECT_TRUE(h.store.executes26.empty()) << "the lease write found the task moved on";
}

// The pass reads, then writes: its write holds only over the row as read and
// with its timer still due, so a heartbeat that renewed the lease in between
// wins (the stores check the guard: tests/store).
TEST(domain_background26, the_timer_write_is_guarded_by_the_row_as_read_and_its_timer_due) {
  q::task26_record t;
  t.id = "h";
  t.state = q::task26_state::acquired;
  t.version = 3;
  t.pid = "w1";
  t.ttl = 5000;
  t.timer = q::task26_timer::lease;
  t.timer_at = 1000;
  using resonate::kernel::domain::due26_write;
  EXPECT_FALSE(due26_write(t, 999)) << "not due yet";
  auto w = due26_write(t, 1000);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->current_state, q::task26_state::acquired);
  EXPECT_EQ(w->current_version, 3);
  EXPECT_EQ(w->timer_due_by, 1000);
  EXPECT_TRUE(w->send_execute);
  EXPECT_EQ(w->task.state, q::task26_state::pending);
  EXPECT_EQ(w->task.version, 3);
  t.state = q::task26_state::suspended;  // a timer left on a task at rest does nothing
  EXPECT_FALSE(due26_write(t, 1000));
}

TEST(kernel_background26_job, the_tick_job_sleeps_until_the_earliest_timer_left) {
  // Periods of an hour, so that only the timers the pass asks for come earlier.
  resonate::kernel::system_config cfg;
  cfg.signal_timeout_ms = 3'600'000;
  cfg.outbox_interval_ms = 3'600'000;
  kernel_harness h(cfg);
  h.now = 100 * int64_t{3'600'000};
  h.run();
  q::promise26_create_request r;
  r.id = "a";
  r.timeout_at = h.now + 600000;
  r.tags = {{"resonate:target", "poll://any@workers"}};
  ASSERT_EQ(std::get<q::promise26_response>(h.call(r).payload).status, 200);
  const int64_t retry = h.store.tasks26.at("a").timer_at.value();  // now + 30 s
  ASSERT_EQ(h.sys.next_wake(), retry) << "the create asked for its first timer";
  h.store.executes26.clear();
  h.now = retry;
  h.run();
  ASSERT_EQ(h.store.due26_reads.back(), retry);
  EXPECT_EQ(h.store.executes26.at("a"), 0) << "the retry sent the execute again";
  EXPECT_EQ(h.sys.next_wake(), retry + 30000) << "the retry it armed";
}

TEST_F(kernel_background26, a_store_failure_fails_the_tick_and_writes_nothing) {
  targeted("a");
  std::mt19937_64 rng(1);
  h.store.rng = &rng;
  h.store.fail_before = 1;
  h.now += 30000;
  h.store.executes26.clear();
  auto out = tick();
  EXPECT_NE(out.status, q::status::ok);
  EXPECT_TRUE(h.store.executes26.empty());
  h.store.fail_before = 0;
  ASSERT_EQ(tick().status, q::status::ok);
  EXPECT_EQ(h.store.executes26.at("a"), 0) << "the next pass does it";
}

TEST_F(kernel_background26, snap_reads_the_promises_tasks_and_registrations) {
  targeted("a");
  q::promise26_create_request plain;
  plain.id = "b";
  plain.timeout_at = h.now + 60000;
  plain.tags = {{"resonate:scope", "global"}};  // a listener may wait on it
  h.call(plain);
  auto l = h.call(q::promise26_register_listener_request{"b", "poll://uni@g/1", std::nullopt});
  ASSERT_EQ(std::get<q::promise26_response>(l.payload).status, 200);
  auto out = h.call(q::debug26_request{q::debug26_op::snap, h.now});
  const auto& snap = std::get<q::debug26_response>(out.payload).snap;
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->promises.size(), 2u);
  ASSERT_EQ(snap->tasks.size(), 1u);
  EXPECT_EQ(snap->tasks[0].id, "a");
  ASSERT_EQ(snap->listeners.size(), 1u);
  EXPECT_EQ(snap->listeners[0].promise_id, "b");
  EXPECT_EQ(snap->listeners[0].address, "poll://uni@g/1");
}

TEST_F(kernel_background26, reset_empties_the_store) {
  targeted("a");
  auto out = h.call(q::debug26_request{q::debug26_op::reset, h.now});
  ASSERT_EQ(out.status, q::status::ok);
  EXPECT_FALSE(std::get<q::debug26_response>(out.payload).snap);
  EXPECT_TRUE(h.store.promises.empty());
  EXPECT_TRUE(h.store.tasks26.empty());
}

// The outbox drain (background26.cpp) hands the sender typed messages, whose
// bodies the sender writes: an execute with its task, version and address,
// an unblock with its promise as settled. What was handed on is acknowledged.
TEST_F(kernel_background26, the_drain_hands_the_sender_typed_messages_and_acknowledges_them) {
  targeted("a");
  q::promise26_create_request global;
  global.id = "l";
  global.timeout_at = h.now + 60000;
  global.tags = {{"resonate:scope", "global"}};
  h.call(global);
  h.call(q::promise26_register_listener_request{"l", "poll://uni@g/w1", std::nullopt});
  q::promise26_settle_request settle;
  settle.id = "l";
  settle.state = q::promise_state::resolved;
  h.call(settle);
  h.run();
  std::vector<q::outbox_message> raw;
  for (const auto& s : h.store.sent) {
    if (s.raw) raw.push_back(*s.raw);
  }
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_EQ(raw[0].id, "a");
  EXPECT_EQ(raw[0].version, 0);
  EXPECT_EQ(raw[0].address, "poll://any@workers");
  EXPECT_FALSE(raw[0].promise) << "an execute names its task only";
  EXPECT_EQ(raw[1].id, "l");
  EXPECT_EQ(raw[1].version, -1);
  EXPECT_EQ(raw[1].address, "poll://uni@g/w1");
  ASSERT_TRUE(raw[1].promise);
  EXPECT_EQ(raw[1].promise->state, q::promise_state::resolved);
  EXPECT_TRUE(h.store.outbox_executes26.empty());
  EXPECT_TRUE(h.store.outbox_unblocks26.empty());
  EXPECT_TRUE(h.store.parked26.empty());
}

TEST_F(kernel_background26, a_message_no_stream_took_waits_for_one_and_leaves_when_it_connects) {
  h.store.send_succeeds = false;  // no stream of the group is connected
  targeted("a");
  h.run();
  ASSERT_EQ(h.store.parked26.size(), 1u);
  EXPECT_EQ(h.store.parked26.begin()->first.second, "poll://any@workers");
  EXPECT_TRUE(h.store.outbox_executes26.empty()) << "parked, not left in the outbox";
  const auto sent_before = h.store.sent.size();
  h.run();
  EXPECT_EQ(h.store.sent.size(), sent_before) << "not sent again until a stream connects";
  h.store.send_succeeds = true;
  h.call(q::stream_connected_request{"workers", "w1"});
  h.run();
  ASSERT_EQ(h.store.sent.size(), sent_before + 1);
  ASSERT_TRUE(h.store.sent.back().raw);
  EXPECT_EQ(h.store.sent.back().raw->id, "a");
  EXPECT_TRUE(h.store.parked26.empty());
}
