// The task, callback and delivery coroutines (REST v1 2.5, 4.4, 4.7, 4.10),
// driven by tick(now) against the fake AIO: the router matches the default
// `resonate:invoke` tag, the sender records what it was handed.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "kernel/domain/task.hpp"
#include "tests/unit/kernel/harness.hpp"

namespace q = resonate::queues;
using resonate::tests::complete_req;
using resonate::tests::create_req;
using resonate::tests::kernel_harness;
using resonate::tests::promise_of;
using S = q::promise_state;
using T = q::task_state;

namespace {

// The resend of unclaimed messages (settings::task_resend_ms) is off here, so
// that these tests count the sends of EnqueueTasks alone; the resend has its
// own fixture below.
resonate::kernel::system_config without_resend() {
  resonate::kernel::system_config cfg;
  cfg.settings.task_resend_ms = 0;
  return cfg;
}

struct kernel_tasks_base : ::testing::Test {
  explicit kernel_tasks_base(resonate::kernel::system_config cfg) : h(cfg) {}
  kernel_harness h;
  int64_t later() const { return h.now + 60'000; }

  q::create_promise_request invoked(std::string id, std::string recv = "poll://any@g") {
    auto r = create_req(std::move(id), later());
    r.tags["resonate:invoke"] = std::move(recv);
    return r;
  }
  q::response claim(const std::string& id, int64_t counter, std::string pid = "w1",
                    int64_t ttl = 10'000) {
    return h.call(q::claim_task_request{id, counter, std::move(pid), ttl});
  }
  q::response callback(const std::string& promise, const std::string& root) {
    q::create_callback_request r;
    r.id = q::resume_callback_id(root, promise);
    r.promise_id = promise;
    r.root_promise_id = root;
    r.recv = "\"poll://any@g\"";
    r.mesg = q::message{q::message_type::resume, {}, root, promise};
    r.timeout = later();
    return h.call(r);
  }
  const q::task_record& task(const std::string& id) { return h.store.tasks.at(id); }
  /// Lets virtual time pass and the background jobs run.
  void advance(int64_t ms) {
    h.now += ms;
    h.run();
  }
};

struct kernel_tasks : kernel_tasks_base {
  kernel_tasks() : kernel_tasks_base(without_resend()) {}
};

struct kernel_tasks_resend : kernel_tasks_base {
  kernel_tasks_resend() : kernel_tasks_base({}) {}
};

}  // namespace

TEST_F(kernel_tasks, a_routed_create_inserts_the_invoke_task_and_sends_it_at_once) {
  auto req = invoked("p");
  req.trace = {{"traceparent", "00-abc-01"}};
  ASSERT_EQ(h.call(req).status, q::status::created);
  auto& t = task("__invoke:p");
  EXPECT_EQ(t.state, T::enqueued);
  EXPECT_EQ(t.counter, 1);
  EXPECT_EQ(t.root_promise_id, "p");
  EXPECT_EQ(t.recv, "\"poll://any@g\"");
  EXPECT_EQ(t.mesg, (q::message{q::message_type::invoke, {{"traceparent", "00-abc-01"}}, "p", "p"}));
  EXPECT_EQ(t.timeout, later());
  EXPECT_EQ(t.expires_at, h.now + 60'000);  // claim deadline: now + the sender's TTC
  ASSERT_EQ(h.store.sent.size(), 1u);
  EXPECT_EQ(h.store.sent[0].task.id, "__invoke:p");
  EXPECT_EQ(h.store.sent[0].task.state, T::enqueued);
  // The background pass that follows does not send it again.
  advance(2000);
  EXPECT_EQ(h.store.sent.size(), 1u);
}


// A message nobody claims is sent again, with the same counter, after 1 s,
// then 2 s, 4 s, ... until claimed or its claim deadline (60 s here); the task
// stays ENQUEUED with its deadline throughout.
TEST_F(kernel_tasks_resend, an_unclaimed_message_is_sent_again_with_the_same_counter_until_claimed) {
  ASSERT_EQ(h.call(invoked("p")).status, q::status::created);
  const int64_t deadline = task("__invoke:p").expires_at;
  ASSERT_EQ(h.store.sent.size(), 1u);
  advance(999);
  EXPECT_EQ(h.store.sent.size(), 1u) << "resent before its time";
  advance(1);
  ASSERT_EQ(h.store.sent.size(), 2u);
  EXPECT_EQ(h.store.sent[1].task.id, "__invoke:p");
  EXPECT_EQ(h.store.sent[1].task.counter, 1);
  ASSERT_TRUE(h.store.sent[1].promise);
  EXPECT_EQ(h.store.sent[1].promise->id, "p");
  EXPECT_EQ(task("__invoke:p").state, T::enqueued);
  EXPECT_EQ(task("__invoke:p").expires_at, deadline);
  advance(1999);
  EXPECT_EQ(h.store.sent.size(), 2u) << "the second wait is twice the first";
  advance(1);
  EXPECT_EQ(h.store.sent.size(), 3u);
  ASSERT_EQ(claim("__invoke:p", 1).status, q::status::created);  // a 10 s lease
  advance(8'000);
  EXPECT_EQ(h.store.sent.size(), 3u) << "a claimed task's message was sent again";
}

TEST_F(kernel_tasks_resend, resends_stop_before_the_claim_deadline_and_never_follow_a_new_counter) {
  auto req = invoked("p");
  req.timeout = h.now + 600'000;  // the promise outlives the claim deadline
  ASSERT_EQ(h.call(req).status, q::status::created);
  // 1 + 2 + 4 + 8 + 16 s of waits fit before the 60 s deadline; 32 more do not.
  for (int i = 0; i < 59; ++i) advance(1000);
  EXPECT_EQ(h.store.sent.size(), 6u);
  for (const auto& m : h.store.sent) EXPECT_EQ(m.task.counter, 1);
  // Past the deadline the task goes back to INIT with counter 2 and is sent
  // as usual (within a background period or two); only that message is
  // watched from then on, and resent a second later.
  for (int i = 0; i < 3 && h.store.sent.size() == 6u; ++i) advance(1000);
  ASSERT_EQ(h.store.sent.size(), 7u);
  EXPECT_EQ(h.store.sent.back().task.counter, 2);
  advance(999);
  EXPECT_EQ(h.store.sent.size(), 7u);
  advance(1);
  ASSERT_EQ(h.store.sent.size(), 8u);
  EXPECT_EQ(h.store.sent.back().task.counter, 2);
}

TEST(kernel_tasks_no_resend, off_when_the_interval_is_zero) {
  resonate::kernel::system_config cfg;
  cfg.settings.task_resend_ms = 0;
  kernel_harness h(cfg);
  auto r = create_req("p", h.now + 60'000);
  r.tags["resonate:invoke"] = "poll://any@g";
  ASSERT_EQ(h.call(r).status, q::status::created);
  h.now += 30'000;
  h.run();
  EXPECT_EQ(h.store.sent.size(), 1u);
}

TEST_F(kernel_tasks, a_create_without_the_tag_or_a_duplicate_create_makes_no_task) {
  ASSERT_EQ(h.call(create_req("plain", later())).status, q::status::created);
  auto dup = invoked("plain");
  EXPECT_EQ(h.call(dup).status, q::status::promise_already_exists);
  EXPECT_TRUE(h.store.tasks.empty());
  EXPECT_TRUE(h.store.sent.empty());
}

TEST_F(kernel_tasks, a_delayed_task_waits_for_its_delay) {
  auto req = invoked("p");
  req.tags["resonate:delay"] = std::to_string(h.now + 5000);
  ASSERT_EQ(h.call(req).status, q::status::created);
  EXPECT_EQ(task("__invoke:p").state, T::init);
  advance(2000);
  EXPECT_TRUE(h.store.sent.empty());
  advance(4000);
  EXPECT_EQ(h.store.sent.size(), 1u);
  EXPECT_EQ(task("__invoke:p").state, T::enqueued);
}

TEST_F(kernel_tasks, a_failed_send_is_retried_after_the_time_to_retry) {
  h.store.send_succeeds = false;
  ASSERT_EQ(h.call(invoked("p")).status, q::status::created);
  EXPECT_EQ(task("__invoke:p").state, T::init);
  EXPECT_EQ(task("__invoke:p").attempt, 1);
  auto retry_at = task("__invoke:p").expires_at;
  EXPECT_GE(retry_at, h.now + 12'000);  // 15 s, jittered by +-20%
  EXPECT_LT(retry_at, h.now + 18'000);
  h.store.send_succeeds = true;
  advance(retry_at - h.now - 1000);
  EXPECT_EQ(h.store.sent.size(), 1u);
  advance(2'000);
  EXPECT_EQ(h.store.sent.size(), 2u);
  EXPECT_EQ(task("__invoke:p").state, T::enqueued);
}

TEST_F(kernel_tasks, claim_refuses_in_the_spec_order) {
  ASSERT_EQ(h.call(invoked("p")).status, q::status::created);
  EXPECT_EQ(claim("nope", 1).status, q::status::task_not_found);
  EXPECT_EQ(claim("__invoke:p", 2).status, q::status::task_invalid_counter);
  auto ok = claim("__invoke:p", 1);
  ASSERT_EQ(ok.status, q::status::created);
  auto& c = std::get<q::claimed_task_response>(ok.payload);
  EXPECT_EQ(c.task.state, T::claimed);
  EXPECT_EQ(c.task.process_id, std::optional<std::string>("w1"));
  EXPECT_EQ(c.task.expires_at, h.now + 10'000);
  ASSERT_TRUE(c.root);
  EXPECT_EQ(c.root->id, "p");
  EXPECT_FALSE(c.leaf);
  EXPECT_EQ(claim("__invoke:p", 2).status, q::status::task_already_claimed);  // before counter
  EXPECT_EQ(task("__invoke:p").state, T::claimed);
  ASSERT_EQ(h.call(q::complete_task_request{"__invoke:p", 1}).status, q::status::created);
  EXPECT_EQ(claim("__invoke:p", 1).status, q::status::task_already_completed);
}

TEST_F(kernel_tasks, complete_and_drop_follow_their_tables) {
  h.store.send_succeeds = false;  // keep it INIT
  ASSERT_EQ(h.call(invoked("p")).status, q::status::created);
  EXPECT_EQ(h.call(q::complete_task_request{"__invoke:p", 1}).status, q::status::task_invalid_state);
  EXPECT_EQ(h.call(q::drop_task_request{"__invoke:p", 1}).status, q::status::ok);  // no-op
  EXPECT_EQ(h.call(q::complete_task_request{"x", 1}).status, q::status::task_not_found);
  ASSERT_EQ(claim("__invoke:p", 1).status, q::status::created);
  EXPECT_EQ(h.call(q::drop_task_request{"__invoke:p", 7}).status, q::status::task_invalid_counter);
  EXPECT_EQ(h.call(q::complete_task_request{"__invoke:p", 7}).status,
            q::status::task_invalid_counter);
  ASSERT_EQ(h.call(q::drop_task_request{"__invoke:p", 1}).status, q::status::created);
  EXPECT_EQ(task("__invoke:p").state, T::init);
  EXPECT_EQ(task("__invoke:p").counter, 2);
  EXPECT_FALSE(task("__invoke:p").process_id);
  ASSERT_EQ(claim("__invoke:p", 2).status, q::status::created);
  auto done = h.call(q::complete_task_request{"__invoke:p", 2});
  ASSERT_EQ(done.status, q::status::created);
  EXPECT_EQ(std::get<q::task_response>(done.payload).task.completed_on, h.now);
  // Already completed: 200 whatever the counter.
  EXPECT_EQ(h.call(q::complete_task_request{"__invoke:p", 99}).status, q::status::ok);
}

TEST_F(kernel_tasks, an_expired_lease_goes_back_to_init_with_a_higher_counter) {
  ASSERT_EQ(h.call(invoked("p")).status, q::status::created);
  ASSERT_EQ(claim("__invoke:p", 1, "w1", 1000).status, q::status::created);
  advance(500);
  EXPECT_EQ(task("__invoke:p").state, T::claimed);
  advance(1500);  // lease passed; TimeoutTasks resets, EnqueueTasks resends
  EXPECT_EQ(task("__invoke:p").counter, 2);
  EXPECT_EQ(task("__invoke:p").state, T::enqueued);
  ASSERT_EQ(h.store.sent.size(), 2u);
  EXPECT_EQ(h.store.sent[1].task.counter, 2);
  // The first worker's late complete is refused.
  EXPECT_EQ(h.call(q::complete_task_request{"__invoke:p", 1}).status,
            q::status::task_invalid_state);
  ASSERT_EQ(claim("__invoke:p", 2, "w2").status, q::status::created);
  EXPECT_EQ(h.call(q::complete_task_request{"__invoke:p", 1}).status,
            q::status::task_invalid_counter);
}

TEST_F(kernel_tasks, heartbeat_extends_the_claimed_tasks_of_that_process) {
  ASSERT_EQ(h.call(invoked("a")).status, q::status::created);
  ASSERT_EQ(h.call(invoked("b")).status, q::status::created);
  ASSERT_EQ(h.call(invoked("c")).status, q::status::created);
  ASSERT_EQ(claim("__invoke:a", 1, "w1", 1000).status, q::status::created);
  ASSERT_EQ(claim("__invoke:b", 1, "w1", 1000).status, q::status::created);
  ASSERT_EQ(claim("__invoke:c", 1, "w2", 1000).status, q::status::created);
  h.now += 800;
  auto r = h.call(q::heartbeat_tasks_request{"w1"});
  ASSERT_EQ(r.status, q::status::ok);
  EXPECT_EQ(std::get<q::count_response>(r.payload).affected, 2);
  EXPECT_EQ(task("__invoke:a").expires_at, h.now + 1000);
  advance(700);
  EXPECT_EQ(task("__invoke:a").counter, 1);
  EXPECT_EQ(task("__invoke:c").counter, 2);
}

TEST_F(kernel_tasks, resolving_the_root_completes_its_task) {
  ASSERT_EQ(h.call(invoked("p")).status, q::status::created);
  ASSERT_EQ(claim("__invoke:p", 1).status, q::status::created);
  ASSERT_EQ(h.call(complete_req("p", S::resolved)).status, q::status::created);
  EXPECT_EQ(task("__invoke:p").state, T::completed);
  EXPECT_EQ(h.call(q::complete_task_request{"__invoke:p", 1}).status, q::status::ok);
}

TEST_F(kernel_tasks, callbacks_follow_the_table_of_4_7) {
  ASSERT_EQ(h.call(create_req("root", later())).status, q::status::created);
  ASSERT_EQ(h.call(create_req("child", later())).status, q::status::created);
  auto first = callback("child", "root");
  ASSERT_EQ(first.status, q::status::created);
  auto& cb = std::get<q::callback_response>(first.payload);
  ASSERT_TRUE(cb.callback);
  EXPECT_EQ(cb.callback->id, "__resume:root:child");
  EXPECT_EQ(cb.callback->created_on, h.now);
  EXPECT_EQ(cb.promise.id, "child");
  auto again = callback("child", "root");
  EXPECT_EQ(again.status, q::status::ok);
  EXPECT_FALSE(std::get<q::callback_response>(again.payload).callback);
  EXPECT_EQ(callback("missing", "root").status, q::status::promise_not_found);
  ASSERT_EQ(h.call(complete_req("child", S::resolved)).status, q::status::created);
  auto settled = callback("child", "root");
  EXPECT_EQ(settled.status, q::status::ok);
  EXPECT_FALSE(std::get<q::callback_response>(settled.payload).callback);
  EXPECT_TRUE(h.store.callbacks.empty());
}

TEST_F(kernel_tasks, a_resume_waits_while_its_root_has_a_claimed_task) {
  ASSERT_EQ(h.call(invoked("root")).status, q::status::created);
  ASSERT_EQ(claim("__invoke:root", 1).status, q::status::created);
  ASSERT_EQ(h.call(create_req("child", later())).status, q::status::created);
  ASSERT_EQ(callback("child", "root").status, q::status::created);
  ASSERT_EQ(h.call(complete_req("child", S::resolved)).status, q::status::created);
  auto& resume = task("__resume:root:child");
  EXPECT_EQ(resume.state, T::init);
  EXPECT_EQ(resume.root_promise_id, "root");
  EXPECT_EQ(h.store.sent.size(), 1u);  // only the invoke so far
  // The worker finishes its task: the resume goes out at once (kicked), not at
  // the next background period.
  ASSERT_EQ(h.call(q::complete_task_request{"__invoke:root", 1}).status, q::status::created);
  ASSERT_EQ(h.store.sent.size(), 2u);
  EXPECT_EQ(h.store.sent[1].task.id, "__resume:root:child");
  ASSERT_EQ(claim("__resume:root:child", 1).status, q::status::created);
  auto c = claim("__resume:root:child", 1);  // already claimed
  EXPECT_EQ(c.status, q::status::task_already_claimed);
}

TEST_F(kernel_tasks, claim_of_a_resume_returns_root_and_leaf) {
  ASSERT_EQ(h.call(create_req("root", later())).status, q::status::created);
  ASSERT_EQ(h.call(create_req("child", later())).status, q::status::created);
  ASSERT_EQ(callback("child", "root").status, q::status::created);
  ASSERT_EQ(h.call(complete_req("child", S::resolved)).status, q::status::created);
  auto c = claim("__resume:root:child", 1);
  ASSERT_EQ(c.status, q::status::created);
  auto& r = std::get<q::claimed_task_response>(c.payload);
  ASSERT_TRUE(r.root && r.leaf);
  EXPECT_EQ(r.root->id, "root");
  EXPECT_EQ(r.leaf->id, "child");
  EXPECT_EQ(r.leaf->state, S::resolved);
}

TEST_F(kernel_tasks, a_task_whose_root_settled_is_completed_not_sent) {
  h.store.send_succeeds = false;
  ASSERT_EQ(h.call(create_req("root", later())).status, q::status::created);
  ASSERT_EQ(h.call(create_req("child", later())).status, q::status::created);
  ASSERT_EQ(callback("child", "root").status, q::status::created);
  ASSERT_EQ(h.call(complete_req("child", S::resolved)).status, q::status::created);
  EXPECT_EQ(task("__resume:root:child").attempt, 1);  // one failed send
  ASSERT_EQ(h.call(complete_req("root", S::resolved)).status, q::status::created);
  EXPECT_EQ(task("__resume:root:child").state, T::completed);
}

TEST_F(kernel_tasks, a_timed_out_promise_turns_its_callbacks_into_tasks) {
  ASSERT_EQ(h.call(create_req("root", later())).status, q::status::created);
  ASSERT_EQ(h.call(create_req("child", h.now + 1000)).status, q::status::created);
  ASSERT_EQ(callback("child", "root").status, q::status::created);
  advance(2000);
  EXPECT_EQ(h.store.promises.at("child").state, S::rejected_timedout);
  EXPECT_EQ(task("__resume:root:child").state, T::enqueued);
}

TEST_F(kernel_tasks, create_promise_and_task_claims_the_invoke_task) {
  q::create_promise_and_task_request req{invoked("p"), "w9", 5000};
  auto r = h.call(req);
  ASSERT_EQ(r.status, q::status::created);
  auto& out = std::get<q::promise_and_task_response>(r.payload);
  ASSERT_TRUE(out.task);
  EXPECT_EQ(out.task->state, T::claimed);
  EXPECT_EQ(out.task->process_id, std::optional<std::string>("w9"));
  EXPECT_EQ(out.task->expires_at, h.now + 5000);
  EXPECT_EQ(task("__invoke:p").state, T::claimed);
  EXPECT_TRUE(h.store.sent.empty());
  // No router match: created, no task.
  q::create_promise_and_task_request plain{create_req("q", later()), "w9", 5000};
  auto r2 = h.call(plain);
  ASSERT_EQ(r2.status, q::status::created);
  EXPECT_FALSE(std::get<q::promise_and_task_response>(r2.payload).task);
  // Deduplicated: 200 with no task.
  req.promise.idempotency_key = "k";
  q::create_promise_and_task_request keyed{invoked("k"), "w9", 5000};
  keyed.promise.idempotency_key = "k";
  ASSERT_EQ(h.call(keyed).status, q::status::created);
  auto dup = h.call(keyed);
  ASSERT_EQ(dup.status, q::status::ok);
  EXPECT_FALSE(std::get<q::promise_and_task_response>(dup.payload).task);
}

// A resume callback may name a root that does not exist yet (the reference
// does not check, 4.7); once that root is created with an invoke while the
// resume is out, the invoke waits: at most one active task per root (2.5).
TEST_F(kernel_tasks, an_invoke_waits_while_its_new_root_already_has_an_active_task) {
  ASSERT_EQ(h.call(create_req("child", later())).status, q::status::created);
  ASSERT_EQ(callback("child", "root").status, q::status::created);
  ASSERT_EQ(h.call(complete_req("child", S::resolved)).status, q::status::created);
  ASSERT_EQ(task("__resume:root:child").state, T::enqueued);
  ASSERT_EQ(h.store.sent.size(), 1u);

  ASSERT_EQ(h.call(invoked("root")).status, q::status::created);
  EXPECT_EQ(task("__invoke:root").state, T::init);
  advance(2000);
  EXPECT_EQ(h.store.sent.size(), 1u);  // neither sent at once nor by EnqueueTasks

  ASSERT_EQ(claim("__resume:root:child", 1).status, q::status::created);
  ASSERT_EQ(h.call(q::complete_task_request{"__resume:root:child", 1}).status,
            q::status::created);
  ASSERT_EQ(h.store.sent.size(), 2u);  // the root is free: the invoke goes out
  EXPECT_EQ(h.store.sent[1].task.id, "__invoke:root");
  EXPECT_EQ(task("__invoke:root").state, T::enqueued);
}

TEST_F(kernel_tasks, create_promise_and_task_does_not_claim_for_a_root_with_an_active_task) {
  ASSERT_EQ(h.call(create_req("child", later())).status, q::status::created);
  ASSERT_EQ(callback("child", "root").status, q::status::created);
  ASSERT_EQ(h.call(complete_req("child", S::resolved)).status, q::status::created);
  ASSERT_EQ(task("__resume:root:child").state, T::enqueued);

  q::create_promise_and_task_request req{invoked("root"), "w9", 5000};
  auto r = h.call(req);
  ASSERT_EQ(r.status, q::status::created);
  EXPECT_FALSE(std::get<q::promise_and_task_response>(r.payload).task);
  auto& t = task("__invoke:root");
  EXPECT_EQ(t.state, T::init);
  EXPECT_FALSE(t.process_id);
  EXPECT_EQ(t.ttl, 0);
  EXPECT_EQ(t.expires_at, 0);
  EXPECT_EQ(h.store.sent.size(), 1u);
}

// EnqueueTasks may read a new INIT task while the create's own send is out and
// resume only after that send has been recorded (the AIO runs and completes a
// tick's submissions in any order): whatever the interleaving, the message
// goes out once.
TEST(kernel_tasks_interleaving, a_scan_overlapping_an_immediate_send_does_not_send_it_again) {
  for (bool run_reversed : {false, true}) {
    for (bool complete_reversed : {false, true}) {
      for (int lag = 0; lag < 8; ++lag) {
        kernel_harness h(without_resend());
        auto step = [&] {
          auto out = h.sys.tick(h.now);
          if (run_reversed) std::reverse(out.begin(), out.end());
          auto done = h.store.process(out);
          if (run_reversed != complete_reversed) std::reverse(done.begin(), done.end());
          for (auto& cqe : done) h.sys.complete(std::move(cqe));
          return out.size();
        };
        for (int i = 0; i < 50 && (step() > 0 || h.sys.has_work()); ++i) {
        }  // the first background pass, at start
        h.now += 500;
        auto req = create_req("p", h.now + 60'000);
        req.tags["resonate:invoke"] = "poll://any@g";
        h.submit(req);
        for (int i = 0; i < lag; ++i) step();
        h.now += 1000;  // the background jobs fall due at this step
        for (int i = 0; i < 50 && (step() > 0 || h.sys.has_work()); ++i) {
        }
        std::string where = "lag " + std::to_string(lag) + " run_reversed " +
                            std::to_string(run_reversed) + " complete_reversed " +
                            std::to_string(complete_reversed);
        EXPECT_EQ(h.store.sent.size(), 1u) << where;
        EXPECT_EQ(h.store.tasks.at("__invoke:p").state, T::enqueued) << where;
      }
    }
  }
}

TEST_F(kernel_tasks, a_valid_fence_is_a_claimed_task_with_its_counter) {
  ASSERT_EQ(h.call(invoked("root")).status, q::status::created);
  ASSERT_EQ(claim("__invoke:root", 1).status, q::status::created);
  auto child = create_req("child", later());
  child.fence_token = q::fence{"__invoke:root", 1};
  EXPECT_EQ(h.call(child).status, q::status::created);
  auto stale = create_req("child2", later());
  stale.fence_token = q::fence{"__invoke:root", 2};
  EXPECT_EQ(h.call(stale).status, q::status::task_precondition_failed);
  EXPECT_FALSE(h.store.promises.count("child2"));
}

TEST(task_domain, clamp_add_saturates) {
  using resonate::kernel::domain::clamp_add;
  EXPECT_EQ(clamp_add(10, 5), 15);
  EXPECT_EQ(clamp_add(std::numeric_limits<int64_t>::max() - 1, 5),
            std::numeric_limits<int64_t>::max());
}

TEST(task_domain, retry_delay_backs_off_with_a_bounded_deterministic_jitter) {
  using resonate::kernel::domain::retry_delay;
  EXPECT_EQ(retry_delay(0, 3, "t", 1), 0);
  for (int64_t attempt = 1; attempt <= 6; ++attempt) {
    int64_t factor = attempt == 1 ? 1 : attempt == 2 ? 2 : 4;
    auto d = retry_delay(1000, attempt, "__invoke:x", 1);
    EXPECT_GE(d, 800 * factor) << attempt;
    EXPECT_LT(d, 1200 * factor) << attempt;
    EXPECT_EQ(d, retry_delay(1000, attempt, "__invoke:x", 1));  // replayable
  }
  // Different tasks spread out.
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) seen.insert(retry_delay(15000, 1, "t" + std::to_string(i), 1));
  EXPECT_GT(seen.size(), 15u);
}

TEST(task_domain, delay_tag_parses_or_is_zero) {
  using resonate::kernel::domain::delay_of;
  EXPECT_EQ(delay_of({{"resonate:delay", "1234"}}), 1234);
  EXPECT_EQ(delay_of({{"resonate:delay", "12x"}}), 0);
  EXPECT_EQ(delay_of({}), 0);
}

// Notify tasks never become active, so a root's second notification need not
// wait for another pass: one pass of EnqueueTasks sends every notification of
// a settled promise. (It sent one per root per pass, so N subscribers on one
// promise took N signal periods, one second each by default.)
TEST_F(kernel_tasks, every_notification_of_a_promise_goes_out_in_one_pass) {
  ASSERT_EQ(h.call(create_req("p", later())).status, q::status::created);
  for (const char* sub : {"s1", "s2", "s3"}) {
    q::create_callback_request r;
    r.id = q::notify_callback_id("p", sub);
    r.promise_id = "p";
    r.root_promise_id = "p";
    r.recv = "\"poll://any@g\"";
    r.mesg = q::message{q::message_type::notify, {}, "p", "p"};
    r.timeout = later();
    ASSERT_EQ(h.call(r).status, q::status::created) << sub;
  }
  ASSERT_EQ(h.call(complete_req("p", S::resolved)).status, q::status::created);
  h.run();  // no time passes: the kicked pass alone
  for (const char* sub : {"s1", "s2", "s3"})
    EXPECT_EQ(task(q::notify_callback_id("p", sub)).state, T::completed) << sub;
}
