// task.get, acquire, release, fulfill, suspend, heartbeat, halt and continue
// of protocol 2026-04-01 as kernel coroutines (kernel/coroutines/task26.cpp),
// driven against the fake store in virtual time: the answers, the rows they
// leave, the fence, two workers racing for one version (both read before
// either writes: the guard decides, the loser reads again), timeouts seen on
// access, and store failures.
#include <gtest/gtest.h>

#include <random>

#include "tests/unit/kernel/harness.hpp"

namespace q = resonate::queues;
using resonate::tests::kernel_harness;

namespace {

struct kernel_task26 : ::testing::Test {
  kernel_harness h;

  /// A targeted promise (its task pending at version 0), created now.
  void targeted(const std::string& id, int64_t timeout_in = 60000, std::string branch = "") {
    q::promise26_create_request r;
    r.id = id;
    r.timeout_at = h.now + timeout_in;
    r.tags = {{"resonate:target", "poll://any@workers"}};
    if (!branch.empty()) r.tags["resonate:branch"] = branch;
    auto out = h.call(r);
    ASSERT_EQ(std::get<q::promise26_response>(out.payload).status, 200);
  }
  void plain(const std::string& id, int64_t timeout_in = 60000, std::string branch = "") {
    q::promise26_create_request r;
    r.id = id;
    r.timeout_at = h.now + timeout_in;
    if (!branch.empty()) r.tags["resonate:branch"] = branch;
    h.call(r);
  }
  q::task26_acquire_request acquire(std::string id, int64_t version, std::string pid = "w1") {
    return q::task26_acquire_request{std::move(id), version, std::move(pid), 5000, std::nullopt};
  }
  q::task26_fulfill_request fulfill(std::string id, int64_t version) {
    q::task26_fulfill_request r;
    r.id = std::move(id);
    r.version = version;
    r.state = q::promise_state::resolved;
    r.val.data = "ZG9uZQ==";
    r.val.data_present = true;
    return r;
  }
  static const q::task26_response& answer(const q::response& r) {
    return std::get<q::task26_response>(r.payload);
  }
  const q::task26_record& task(const std::string& id) { return h.store.tasks26.at(id); }
};

}  // namespace

TEST_F(kernel_task26, acquire_takes_a_pending_version_and_answers_task_promise_and_preload) {
  plain("root", 60000, "root");
  targeted("root.1", 60000, "root");
  plain("root.2", 60000, "root");
  auto r = h.call(acquire("root.1", 0));
  const auto& a = answer(r);
  ASSERT_EQ(a.status, 200) << a.message;
  EXPECT_EQ(a.task->state, q::task26_state::acquired);
  EXPECT_EQ(a.task->version, 1);
  EXPECT_EQ(a.task->pid, "w1");
  EXPECT_EQ(a.task->ttl, 5000);
  EXPECT_EQ(a.promise->id, "root.1");
  ASSERT_TRUE(a.preload);
  ASSERT_EQ(a.preload->size(), 2u);  // the branch but itself, by id
  EXPECT_EQ(a.preload->at(0).id, "root");
  EXPECT_EQ(a.preload->at(1).id, "root.2");
  EXPECT_EQ(task("root.1").timer, q::task26_timer::lease);
  EXPECT_EQ(task("root.1").timer_at, h.now + 5000);
  // The version moved on: the same acquire again is a conflict.
  auto again = h.call(acquire("root.1", 0, "w2"));
  EXPECT_EQ(answer(again).status, 409);
  EXPECT_EQ(answer(again).message, "Task is not pending");
  EXPECT_EQ(task("root.1").pid, "w1");
}

TEST_F(kernel_task26, an_acquire_of_a_pending_version_is_one_store_round_trip) {
  plain("root", 60000, "root");
  targeted("root.1", 60000, "root");
  const auto before = h.store.store_round_trips;
  auto r = h.call(acquire("root.1", 0));
  ASSERT_EQ(answer(r).status, 200) << answer(r).message;
  EXPECT_EQ(h.store.store_round_trips - before, 1);
  EXPECT_EQ(answer(r).promise->id, "root.1");
  EXPECT_EQ(answer(r).promise->state, q::promise_state::pending);
  ASSERT_EQ(answer(r).preload->size(), 1u);
  EXPECT_EQ(answer(r).preload->front().id, "root");
  // A stale version: the write takes nothing, the read decides.
  const auto stale = h.store.store_round_trips;
  EXPECT_EQ(answer(h.call(acquire("root.1", 0, "w2"))).status, 409);
  EXPECT_EQ(h.store.store_round_trips - stale, 2);
  EXPECT_EQ(task("root.1").pid, "w1");
}

TEST_F(kernel_task26, two_workers_acquiring_one_version_at_once_get_one_task) {
  targeted("t");
  // Both read version 0 in the same tick, before either writes.
  auto first = h.submit(acquire("t", 0, "w1"));
  auto second = h.submit(acquire("t", 0, "w2"));
  h.run();
  const auto& a = answer(*h.responses[first]);
  const auto& b = answer(*h.responses[second]);
  EXPECT_EQ((a.status == 200) + (b.status == 200), 1) << a.status << " " << b.status;
  const auto& winner = a.status == 200 ? a : b;
  const auto& loser = a.status == 200 ? b : a;
  EXPECT_EQ(loser.status, 409);
  EXPECT_EQ(task("t").version, 1);
  EXPECT_EQ(task("t").pid, winner.task->pid);
}

TEST_F(kernel_task26, the_fence_refuses_a_stale_version_and_an_unknown_task) {
  targeted("t");
  h.call(acquire("t", 0));
  auto stale = h.call(q::task26_release_request{"t", 0, std::nullopt});
  EXPECT_EQ(answer(stale).status, 409);
  EXPECT_EQ(answer(stale).message, "Task version mismatch or invalid state");
  auto unknown = h.call(fulfill("nope", 1));
  EXPECT_EQ(answer(unknown).status, 404);
  EXPECT_EQ(answer(unknown).message, "Task not found");
  EXPECT_EQ(task("t").state, q::task26_state::acquired);
  EXPECT_EQ(h.store.promises.at("t").state, q::promise_state::pending);
}

TEST_F(kernel_task26, release_makes_the_task_pending_at_its_version_and_sends_an_execute) {
  targeted("t");
  h.call(acquire("t", 0));
  h.store.executes26.clear();
  auto r = h.call(q::task26_release_request{"t", 1, std::nullopt});
  EXPECT_EQ(answer(r).status, 200);
  EXPECT_FALSE(answer(r).task);
  EXPECT_EQ(task("t").state, q::task26_state::pending);
  EXPECT_EQ(task("t").version, 1);
  EXPECT_FALSE(task("t").pid);
  EXPECT_EQ(task("t").timer, q::task26_timer::retry);
  EXPECT_EQ(task("t").timer_at, h.now + 30000);
  EXPECT_EQ(h.store.executes26.at("t"), 1);
}

TEST_F(kernel_task26, fulfill_settles_the_promise_and_the_chain_fulfils_the_task_once) {
  targeted("t");
  h.call(acquire("t", 0));
  h.now += 7;
  auto r = h.call(fulfill("t", 1));
  ASSERT_EQ(answer(r).status, 200) << answer(r).message;
  EXPECT_EQ(answer(r).promise->state, q::promise_state::resolved);
  EXPECT_EQ(answer(r).promise->completed_on, h.now);
  EXPECT_EQ(task("t").state, q::task26_state::fulfilled);
  auto again = h.call(fulfill("t", 1));
  EXPECT_EQ(answer(again).status, 409);
}

TEST_F(kernel_task26, a_fulfill_racing_a_release_of_the_same_version_settles_nothing_after_it) {
  targeted("t");
  h.call(acquire("t", 0));
  // Both read "acquired at 1"; the release's write goes first in the batch.
  auto released = h.submit(q::task26_release_request{"t", 1, std::nullopt});
  auto fulfilled = h.submit(fulfill("t", 1));
  h.run();
  const auto& rel = answer(*h.responses[released]);
  const auto& ful = answer(*h.responses[fulfilled]);
  EXPECT_EQ((rel.status == 200) + (ful.status == 200), 1) << rel.status << " " << ful.status;
  if (rel.status == 200) {
    EXPECT_EQ(h.store.promises.at("t").state, q::promise_state::pending);
    EXPECT_EQ(task("t").state, q::task26_state::pending);
  } else {
    EXPECT_EQ(h.store.promises.at("t").state, q::promise_state::resolved);
    EXPECT_EQ(task("t").state, q::task26_state::fulfilled);
  }
}

TEST_F(kernel_task26, suspend_registers_callbacks_and_a_settlement_resumes_the_task) {
  targeted("parent");
  plain("child");
  h.call(acquire("parent", 0));
  auto r = h.call(q::task26_suspend_request{"parent", 1, {"child"}, std::nullopt});
  ASSERT_EQ(answer(r).status, 200) << answer(r).message;
  EXPECT_EQ(task("parent").state, q::task26_state::suspended);
  EXPECT_FALSE(task("parent").timer_at);
  EXPECT_TRUE(h.store.callbacks26.count({"child", "parent"}));
  h.store.executes26.clear();
  q::promise26_settle_request settle{"child", q::promise_state::resolved, {}, std::nullopt};
  h.call(settle);
  EXPECT_EQ(task("parent").state, q::task26_state::pending);
  EXPECT_EQ(task("parent").resumes, 1);
  EXPECT_EQ(h.store.executes26.at("parent"), 1);
  EXPECT_TRUE(h.store.callbacks26.empty());
}

TEST_F(kernel_task26, suspend_on_a_settled_promise_keeps_going_with_300_and_preload) {
  plain("root", 60000, "root");
  targeted("root.1", 60000, "root");
  plain("root.2", 60000, "root");
  h.call(q::promise26_settle_request{"root.2", q::promise_state::resolved, {}, std::nullopt});
  h.call(acquire("root.1", 0));
  auto r = h.call(q::task26_suspend_request{"root.1", 1, {"root.2"}, std::nullopt});
  EXPECT_EQ(answer(r).status, 300);
  ASSERT_TRUE(answer(r).preload);
  EXPECT_EQ(answer(r).preload->size(), 2u);
  EXPECT_EQ(task("root.1").state, q::task26_state::acquired);
  EXPECT_TRUE(h.store.callbacks26.empty());
  auto missing = h.call(q::task26_suspend_request{"root.1", 1, {"nope"}, std::nullopt});
  EXPECT_EQ(answer(missing).status, 422);
}

TEST_F(kernel_task26, a_suspend_racing_the_settlement_of_what_it_awaits_is_never_orphaned) {
  targeted("parent");
  plain("child");
  h.call(acquire("parent", 0));
  // The suspend reads "child pending"; the settle commits before its write.
  auto suspended = h.submit(q::task26_suspend_request{"parent", 1, {"child"}, std::nullopt});
  auto settled =
    h.submit(q::promise26_settle_request{"child", q::promise_state::resolved, {}, std::nullopt});
  h.run();
  EXPECT_EQ(std::get<q::promise26_response>(h.responses[settled]->payload).status, 200);
  const auto& s = answer(*h.responses[suspended]);
  // Either suspended and resumed by the chain, or told to keep going: never
  // suspended with nobody left to wake it.
  EXPECT_TRUE(s.status == 200 || s.status == 300) << s.status;
  EXPECT_NE(task("parent").state, q::task26_state::suspended);
  EXPECT_TRUE(h.store.callbacks26.empty());
}

TEST_F(kernel_task26, heartbeat_extends_only_this_workers_leases) {
  targeted("a");
  targeted("b");
  targeted("c");
  h.call(acquire("a", 0, "w1"));
  h.call(acquire("b", 0, "w2"));
  h.call(acquire("c", 0, "w1"));
  h.now += 1000;
  q::task26_heartbeat_request hb{"w1", {{"a", 1}, {"b", 1}, {"c", 0}, {"nope", 1}}, std::nullopt};
  auto r = h.call(hb);
  EXPECT_EQ(answer(r).status, 200);
  EXPECT_EQ(task("a").timer_at, h.now + 5000);         // w1's, at its version
  EXPECT_EQ(task("b").timer_at, h.now - 1000 + 5000);  // w2's lease
  EXPECT_EQ(task("c").timer_at, h.now - 1000 + 5000);  // a stale version
}

TEST_F(kernel_task26, halt_and_continue) {
  targeted("t");
  h.call(acquire("t", 0));
  EXPECT_EQ(answer(h.call(q::task26_continue_request{"t", std::nullopt})).status, 409);
  EXPECT_EQ(answer(h.call(q::task26_halt_request{"t", std::nullopt})).status, 200);
  EXPECT_EQ(task("t").state, q::task26_state::halted);
  EXPECT_FALSE(task("t").pid);
  EXPECT_FALSE(task("t").timer_at);
  EXPECT_EQ(answer(h.call(q::task26_halt_request{"t", std::nullopt})).status, 200);
  h.store.executes26.clear();
  EXPECT_EQ(answer(h.call(q::task26_continue_request{"t", std::nullopt})).status, 200);
  EXPECT_EQ(task("t").state, q::task26_state::pending);
  EXPECT_EQ(h.store.executes26.at("t"), 1);
  h.call(acquire("t", 1));
  h.call(fulfill("t", 2));
  auto halted = h.call(q::task26_halt_request{"t", std::nullopt});
  EXPECT_EQ(answer(halted).status, 409);
  EXPECT_EQ(answer(halted).message, "Task is fulfilled");
}

TEST_F(kernel_task26, get_sees_a_promise_timed_out_on_access_and_its_task_fulfilled) {
  targeted("t", 100);
  auto before = h.call(q::task26_get_request{"t", std::nullopt});
  EXPECT_EQ(answer(before).task->state, q::task26_state::pending);
  h.now += 100;
  auto after = h.call(q::task26_get_request{"t", std::nullopt});
  ASSERT_EQ(answer(after).status, 200);
  EXPECT_EQ(answer(after).task->state, q::task26_state::fulfilled);
  EXPECT_EQ(h.store.promises.at("t").state, q::promise_state::rejected_timedout);
  EXPECT_EQ(answer(h.call(q::task26_get_request{"nope", std::nullopt})).status, 404);
}

TEST_F(kernel_task26, acquire_of_a_task_whose_promise_timed_out_is_refused) {
  targeted("t", 100);
  h.now += 200;
  auto r = h.call(acquire("t", 0));
  EXPECT_EQ(answer(r).status, 409);
  EXPECT_EQ(task("t").state, q::task26_state::fulfilled);
}

TEST_F(kernel_task26, a_store_failure_is_an_error_response_and_changes_nothing) {
  targeted("t");
  std::mt19937_64 rng{11};
  h.store.rng = &rng;
  h.store.fail_before = 1;
  auto r = h.call(acquire("t", 0));
  EXPECT_NE(r.status, q::status::ok);
  EXPECT_FALSE(std::holds_alternative<q::task26_response>(r.payload));
  EXPECT_EQ(task("t").state, q::task26_state::pending);
  EXPECT_EQ(task("t").version, 0);
}

// task.search as a typed read: pages by id after the cursor, a cursor only
// when more remain, the state filter, and states as stored.
TEST_F(kernel_task26, search_pages_tasks_by_id_with_a_cursor_only_while_more_remain) {
  for (const char* id : {"c", "a", "d", "b"}) targeted(id);
  ASSERT_EQ(answer(h.call(acquire("b", 0))).status, 200);
  auto page = [&](std::optional<q::task26_state> state, int64_t limit, std::string cursor) {
    auto out = h.call(q::task26_search_request{state, limit, std::move(cursor), std::nullopt});
    return std::get<q::task26_search_response>(out.payload);
  };
  auto ids = [](const q::task26_search_response& p) {
    std::vector<std::string> out;
    for (const auto& t : p.tasks) out.push_back(t.id);
    return out;
  };
  auto first = page(std::nullopt, 3, "");
  EXPECT_EQ(ids(first), (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_TRUE(first.cursor);
  EXPECT_EQ(*first.cursor, "c");
  auto rest = page(std::nullopt, 3, *first.cursor);
  EXPECT_EQ(ids(rest), (std::vector<std::string>{"d"}));
  EXPECT_FALSE(rest.cursor);
  auto exact = page(std::nullopt, 4, "");
  EXPECT_EQ(exact.tasks.size(), 4u);
  EXPECT_FALSE(exact.cursor) << "nothing after the last row: no cursor";
  auto acquired = page(q::task26_state::acquired, 10, "");
  ASSERT_EQ(ids(acquired), (std::vector<std::string>{"b"}));
  EXPECT_EQ(acquired.tasks.front().version, 1);
  EXPECT_EQ(acquired.tasks.front().pid, "w1");
  EXPECT_EQ(ids(page(q::task26_state::pending, 10, "a")), (std::vector<std::string>{"c", "d"}));
}
