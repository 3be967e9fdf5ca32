// task.create, task.fence, promise.register_callback and register_listener of
// protocol 2026-04-01 as kernel coroutines (kernel/coroutines/task26.cpp,
// register26.cpp), driven against the fake store in virtual time: the
// answers, the rows they leave, the fence on another promise's write, and the
// races that matter (a fence against a release of its version, a
// registration against the settlement of what it awaits).
#include <gtest/gtest.h>

#include <random>

#include "tests/unit/kernel/harness.hpp"

namespace q = resonate::queues;
using resonate::tests::kernel_harness;

namespace {

struct kernel_fence26 : ::testing::Test {
  kernel_harness h;

  q::promise26_create_request promise(const std::string& id, int64_t timeout_in = 60000,
                                      q::tag_map tags = {}) {
    q::promise26_create_request r;
    r.id = id;
    r.timeout_at = h.now + timeout_in;
    r.tags = std::move(tags);
    return r;
  }
  q::tag_map targeted(std::string branch = "") {
    q::tag_map tags{{"resonate:target", "poll://any@workers"}};
    if (!branch.empty()) tags["resonate:branch"] = std::move(branch);
    return tags;
  }
  q::task26_create_request create_task(const std::string& id, int64_t timeout_in = 60000,
                                       std::string branch = "") {
    return q::task26_create_request{"w1", 5000, promise(id, timeout_in, targeted(branch)),
                                    std::nullopt};
  }
  q::task26_fence_request fence_create(std::string task_id, int64_t version,
                                       q::promise26_create_request action) {
    q::task26_fence_request r;
    r.id = std::move(task_id);
    r.version = version;
    r.create = std::move(action);
    return r;
  }
  q::task26_fence_request fence_settle(std::string task_id, int64_t version, std::string id) {
    q::task26_fence_request r;
    r.id = std::move(task_id);
    r.version = version;
    r.settle = q::promise26_settle_request{std::move(id), q::promise_state::resolved, {}, {}};
    return r;
  }
  static const q::task26_response& answer(const q::response& r) {
    return std::get<q::task26_response>(r.payload);
  }
  static const q::task26_fence_response& fenced(const q::response& r) {
    return std::get<q::task26_fence_response>(r.payload);
  }
  static const q::promise26_response& registered(const q::response& r) {
    return std::get<q::promise26_response>(r.payload);
  }
  const q::task26_record& task(const std::string& id) { return h.store.tasks26.at(id); }
};

}  // namespace

TEST_F(kernel_fence26, task_create_makes_the_promise_and_its_task_acquired_without_an_execute) {
  h.call(promise("root", 60000, {{"resonate:branch", "root"}}));
  auto r = h.call(create_task("root.1", 60000, "root"));
  const auto& a = answer(r);
  ASSERT_EQ(a.status, 200) << a.message;
  EXPECT_EQ(a.task->state, q::task26_state::acquired);
  EXPECT_EQ(a.task->version, 1);
  EXPECT_EQ(a.task->pid, "w1");
  EXPECT_EQ(a.promise->id, "root.1");
  EXPECT_EQ(a.promise->state, q::promise_state::pending);
  ASSERT_TRUE(a.preload);
  ASSERT_EQ(a.preload->size(), 1u);
  EXPECT_EQ(a.preload->front().id, "root");
  EXPECT_EQ(task("root.1").state, q::task26_state::acquired);
  EXPECT_EQ(task("root.1").timer, q::task26_timer::lease);
  EXPECT_EQ(task("root.1").timer_at, h.now + 5000);
  EXPECT_FALSE(h.store.executes26.count("root.1")) << "the caller is the worker";
}

TEST_F(kernel_fence26,
       task_create_on_an_existing_task_acquires_a_pending_one_reports_a_fulfilled_one) {
  h.call(promise("t", 60000, targeted()));  // pending at version 0, with an execute
  auto first = h.call(create_task("t"));
  ASSERT_EQ(answer(first).status, 200) << answer(first).message;
  EXPECT_EQ(answer(first).task->version, 1);
  // Acquired now: another task.create is a conflict.
  auto busy = h.call(create_task("t"));
  EXPECT_EQ(answer(busy).status, 409);
  EXPECT_EQ(answer(busy).message, "Task already exists");
  h.call(q::task26_fulfill_request{"t", 1, q::promise_state::resolved, {}, std::nullopt});
  auto done = h.call(create_task("t"));
  ASSERT_EQ(answer(done).status, 200);
  EXPECT_EQ(answer(done).task->state, q::task26_state::fulfilled);
  EXPECT_EQ(answer(done).promise->state, q::promise_state::resolved);
  // A promise without a target has no task to create.
  h.call(promise("plain"));
  auto plain = h.call(create_task("plain"));
  EXPECT_EQ(answer(plain).status, 422);
  EXPECT_EQ(h.store.tasks26.count("plain"), 0u);
}

// A task.create that takes an existing pending task is its worker: the
// execute queued for that version (a release's, a retry's) is stale once
// taken, and would only earn its receiver a 409.
TEST_F(kernel_fence26, task_create_taking_a_released_task_drops_its_queued_execute) {
  h.call(create_task("t"));  // acquired at version 1
  auto released = h.call(q::task26_release_request{"t", 1, std::nullopt});
  ASSERT_EQ(answer(released).status, 200);
  ASSERT_EQ(h.store.executes26.count("t"), 1u) << "a release queues an execute";
  auto again = h.call(create_task("t"));
  ASSERT_EQ(answer(again).status, 200) << answer(again).message;
  EXPECT_EQ(answer(again).task->version, 2);
  EXPECT_EQ(h.store.executes26.count("t"), 0u);
}

TEST_F(kernel_fence26, task_create_of_a_new_id_writes_without_reading_first) {
  auto r = h.call(create_task("t"));
  ASSERT_EQ(answer(r).status, 200) << answer(r).message;
  EXPECT_EQ(h.store.task26_reads, 0);
  // An existing one that is not pending at version 0 is read and decided.
  EXPECT_EQ(answer(h.call(create_task("t"))).status, 409);
  EXPECT_EQ(h.store.task26_reads, 1);
  EXPECT_EQ(task("t").state, q::task26_state::acquired);
}

// Found by the differential test: task.create that takes an existing id's
// pending task answers the preload of the branch as stored, not of the
// branch its own request names.
TEST_F(kernel_fence26, task_create_taking_an_existing_task_preloads_its_stored_branch) {
  h.call(promise("a", 60000, {{"resonate:branch", "a"}}));
  h.call(promise("b", 60000, {{"resonate:branch", "b"}}));
  h.call(promise("t", 60000, targeted("a")));  // pending at version 0
  auto r = h.call(create_task("t", 60000, "b"));
  const auto& got = answer(r);
  ASSERT_EQ(got.status, 200) << got.message;
  EXPECT_EQ(got.task->version, 1);
  EXPECT_EQ(got.promise->tags.at("resonate:branch"), "a");
  ASSERT_TRUE(got.preload);
  ASSERT_EQ(got.preload->size(), 1u);
  EXPECT_EQ(got.preload->front().id, "a");
}

TEST_F(kernel_fence26, task_create_on_a_pending_task_whose_promise_timed_out_unread_takes_nothing) {
  h.call(promise("t", 100, targeted()));  // pending at version 0
  h.now += 200;                           // past its timeout, not yet timed out in the store
  auto r = h.call(create_task("t"));
  const auto& a = answer(r);
  ASSERT_EQ(a.status, 200) << a.message;
  EXPECT_EQ(a.task->state, q::task26_state::fulfilled);
  EXPECT_EQ(a.promise->state, q::promise_state::rejected_timedout);
  EXPECT_EQ(task("t").state, q::task26_state::fulfilled);
  EXPECT_EQ(task("t").version, 0);
  EXPECT_FALSE(task("t").pid);
}

TEST_F(kernel_fence26, task_create_past_its_timeout_answers_a_fulfilled_task_and_sends_nothing) {
  auto r = h.call(create_task("late", 0));
  const auto& a = answer(r);
  ASSERT_EQ(a.status, 200) << a.message;
  EXPECT_EQ(a.task->state, q::task26_state::fulfilled);
  EXPECT_EQ(a.task->version, 0);
  EXPECT_EQ(a.promise->state, q::promise_state::rejected_timedout);
  ASSERT_TRUE(a.preload);
  EXPECT_TRUE(a.preload->empty());
  EXPECT_EQ(h.store.promises.at("late").state, q::promise_state::rejected_timedout);
  EXPECT_EQ(task("late").state, q::task26_state::fulfilled);
  EXPECT_FALSE(h.store.executes26.count("late"));
}

TEST_F(kernel_fence26, a_fence_creates_and_settles_other_promises_only_at_the_acquired_version) {
  h.call(create_task("root"));
  auto created = h.call(fence_create("root", 1, promise("root.1", 60000, targeted("root"))));
  ASSERT_EQ(fenced(created).status, 200) << fenced(created).message;
  EXPECT_EQ(fenced(created).action.status, 200);
  EXPECT_EQ(fenced(created).action.promise->id, "root.1");
  EXPECT_EQ(task("root.1").state, q::task26_state::pending);
  EXPECT_EQ(h.store.executes26.at("root.1"), 0);
  // Idempotent on the id: the same create answers the promise as it is.
  auto again = h.call(fence_create("root", 1, promise("root.1", 1)));
  EXPECT_EQ(fenced(again).action.promise->timeout, h.store.promises.at("root.1").timeout);
  h.call(promise("leaf"));
  auto settled = h.call(fence_settle("root", 1, "leaf"));
  ASSERT_EQ(fenced(settled).status, 200);
  EXPECT_EQ(fenced(settled).action.promise->state, q::promise_state::resolved);
  EXPECT_EQ(h.store.promises.at("leaf").state, q::promise_state::resolved);
  auto unknown = h.call(fence_settle("root", 1, "nope"));
  EXPECT_EQ(fenced(unknown).status, 200);
  EXPECT_EQ(fenced(unknown).action.status, 404);
  EXPECT_EQ(fenced(unknown).action.message, "Promise not found");
  // Another version, an unknown task: refused, nothing written.
  auto stale = h.call(fence_create("root", 2, promise("root.2")));
  EXPECT_EQ(fenced(stale).status, 409);
  EXPECT_EQ(fenced(stale).message, "Version mismatch");
  auto none = h.call(fence_create("nope", 1, promise("root.3")));
  EXPECT_EQ(fenced(none).status, 404);
  EXPECT_EQ(h.store.promises.count("root.2") + h.store.promises.count("root.3"), 0u);
}

TEST_F(kernel_fence26, a_fence_racing_a_release_of_its_version_is_all_or_nothing) {
  // Released before the fences write (the release committed first), or
  // after (the fences committed first): each fence answers what it did.
  for (int release_first = 0; release_first < 2; ++release_first) {
    kernel_harness k;
    auto run = [&](q::request_payload p) { return k.call(std::move(p)); };
    run(create_task("root"));
    run(promise("leaf"));
    if (release_first) {
      // The release has read "acquired at 1"; its write goes in the same
      // batch as the fences' first writes, ahead of them.
      k.submit(q::task26_release_request{"root", 1, std::nullopt});
      k.step();
    }
    auto child = k.submit(fence_create("root", 1, promise("root.1")));
    auto settle = k.submit(fence_settle("root", 1, "leaf"));
    if (!release_first) k.submit(q::task26_release_request{"root", 1, std::nullopt});
    k.run();
    ASSERT_TRUE(k.responses[child] && k.responses[settle]);
    const auto& c = std::get<q::task26_fence_response>(k.responses[child]->payload);
    const auto& s = std::get<q::task26_fence_response>(k.responses[settle]->payload);
    EXPECT_EQ(c.status, s.status) << "one release, one answer for both";
    EXPECT_EQ(c.status == 200, k.store.promises.count("root.1") == 1u);
    EXPECT_EQ(s.status == 200, k.store.promises.at("leaf").state == q::promise_state::resolved);
    if (c.status != 200) {
      EXPECT_EQ(c.status, 409);
    }
    EXPECT_EQ(k.store.tasks26.at("root").state, q::task26_state::pending);
  }
}

TEST_F(kernel_fence26, a_fence_after_a_release_of_its_version_writes_nothing) {
  h.call(create_task("root"));
  h.call(promise("leaf"));
  h.call(q::task26_release_request{"root", 1, std::nullopt});
  auto child = h.call(fence_create("root", 1, promise("root.1")));
  auto settle = h.call(fence_settle("root", 1, "leaf"));
  EXPECT_EQ(fenced(child).status, 409);
  EXPECT_EQ(fenced(settle).status, 409);
  EXPECT_EQ(h.store.promises.count("root.1"), 0u);
  EXPECT_EQ(h.store.promises.at("leaf").state, q::promise_state::pending);
}

TEST_F(kernel_fence26, a_fence_on_a_task_whose_promise_is_past_its_timeout_is_refused) {
  h.call(create_task("root", 100));
  h.call(promise("leaf"));
  h.now += 100;  // the task's promise is due: it counts as timed out (spec 2.1)
  auto settle = h.call(fence_settle("root", 1, "leaf"));
  EXPECT_EQ(fenced(settle).status, 409);
  EXPECT_EQ(h.store.promises.at("leaf").state, q::promise_state::pending);
  EXPECT_EQ(h.store.promises.at("root").state, q::promise_state::rejected_timedout);
  EXPECT_EQ(task("root").state, q::task26_state::fulfilled);
}

TEST_F(kernel_fence26, a_fenced_create_past_its_timeout_is_answered_timed_out) {
  h.call(create_task("root"));
  auto late = h.call(fence_create("root", 1, promise("root.1", 0, targeted())));
  ASSERT_EQ(fenced(late).status, 200);
  EXPECT_EQ(fenced(late).action.promise->state, q::promise_state::rejected_timedout);
  EXPECT_EQ(task("root.1").state, q::task26_state::fulfilled);
  EXPECT_FALSE(h.store.executes26.count("root.1"));
}

TEST_F(kernel_fence26, register_callback_and_listener_answer_the_awaited_promise) {
  h.call(promise("awaited", 60000, {{"resonate:scope", "global"}}));
  h.call(promise("awaiter", 60000, targeted()));
  auto cb = h.call(q::promise26_register_callback_request{"awaited", "awaiter", std::nullopt});
  ASSERT_EQ(registered(cb).status, 200) << registered(cb).message;
  EXPECT_EQ(registered(cb).promise->id, "awaited");
  EXPECT_TRUE(h.store.callbacks26.count({"awaited", "awaiter"}));
  auto l =
    h.call(q::promise26_register_listener_request{"awaited", "poll://uni@g/p", std::nullopt});
  ASSERT_EQ(registered(l).status, 200);
  EXPECT_TRUE(h.store.listeners26.count({"awaited", "poll://uni@g/p"}));
  // Refusals.
  auto no_awaited = h.call(q::promise26_register_callback_request{"nope", "awaiter", std::nullopt});
  EXPECT_EQ(registered(no_awaited).status, 404);
  auto no_awaiter = h.call(q::promise26_register_callback_request{"awaited", "nope", std::nullopt});
  EXPECT_EQ(registered(no_awaiter).status, 422);
  h.call(promise("local"));
  auto untargeted =
    h.call(q::promise26_register_callback_request{"awaited", "local", std::nullopt});
  EXPECT_EQ(registered(untargeted).status, 422);
  auto hidden =
    h.call(q::promise26_register_listener_request{"local", "poll://uni@g/p", std::nullopt});
  EXPECT_EQ(registered(hidden).status, 422);
  EXPECT_EQ(registered(hidden).message, "Awaited promise is not awaitable");
  // Settling unblocks the listener once.
  h.call(q::promise26_settle_request{"awaited", q::promise_state::resolved, {}, std::nullopt});
  ASSERT_EQ(h.store.unblocks26.size(), 1u);
  EXPECT_EQ(h.store.unblocks26.front().second, "poll://uni@g/p");
  // On a settled promise: reported as it is, nothing written.
  auto after =
    h.call(q::promise26_register_listener_request{"awaited", "poll://uni@g/q", std::nullopt});
  EXPECT_EQ(registered(after).promise->state, q::promise_state::resolved);
  EXPECT_TRUE(h.store.listeners26.empty());
}

TEST_F(kernel_fence26, a_registration_racing_the_settlement_of_what_it_awaits_is_never_orphaned) {
  for (int settle_first = 0; settle_first < 2; ++settle_first) {
    kernel_harness fresh;
    auto& k = fresh;
    q::promise26_create_request awaited;
    awaited.id = "a";
    awaited.timeout_at = k.now + 60000;
    awaited.tags = {{"resonate:scope", "global"}};
    k.call(awaited);
    q::promise26_settle_request settle{"a", q::promise_state::resolved, {}, std::nullopt};
    q::promise26_register_listener_request listen{"a", "poll://uni@g/p", std::nullopt};
    // Both in one tick: each reads "pending" before the other writes.
    auto first = settle_first ? k.submit(settle) : k.submit(listen);
    auto second = settle_first ? k.submit(listen) : k.submit(settle);
    k.run();
    const auto& reg =
      std::get<q::promise26_response>(k.responses[settle_first ? second : first]->payload);
    ASSERT_EQ(reg.status, 200);
    // Either the answer shows it settled, or the listener got its unblock.
    bool told = reg.promise->state != q::promise_state::pending || k.store.unblocks26.size() == 1;
    EXPECT_TRUE(told) << "settle first: " << settle_first;
    EXPECT_TRUE(k.store.listeners26.empty()) << "a listener left on a settled promise";
  }
}

TEST_F(kernel_fence26, a_store_failure_is_an_error_response_and_changes_nothing) {
  h.call(create_task("root"));
  std::mt19937_64 rng{5};
  h.store.rng = &rng;
  h.store.fail_before = 1;
  auto r = h.call(fence_create("root", 1, promise("root.1")));
  EXPECT_NE(r.status, q::status::ok);
  auto c = h.call(create_task("other"));
  EXPECT_NE(c.status, q::status::ok);
  h.store.fail_before = 0;
  EXPECT_EQ(h.store.promises.count("root.1") + h.store.promises.count("other"), 0u);
}
