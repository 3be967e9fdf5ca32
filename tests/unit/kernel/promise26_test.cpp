// promise.get, promise.create and promise.settle of protocol 2026-04-01 as
// kernel coroutines (kernel/coroutines/promise26.cpp), driven against the
// fake store in virtual time: what each answers, what it stores, the time it
// uses (the kernel's clock, or the request's debug time), and what a store
// failure does.
#include <gtest/gtest.h>

#include <random>

#include "queues/metrics.hpp"
#include "tests/unit/kernel/harness.hpp"

namespace q = resonate::queues;
using resonate::tests::kernel_harness;

namespace {

struct kernel_promise26 : ::testing::Test {
  kernel_harness h;

  q::promise26_create_request create(std::string id, int64_t timeout_at, q::tag_map tags = {}) {
    q::promise26_create_request r;
    r.id = std::move(id);
    r.timeout_at = timeout_at;
    r.tags = std::move(tags);
    r.param.data = "cGFyYW0=";
    r.param.data_present = true;
    return r;
  }
  q::promise26_settle_request settle(std::string id, q::promise_state s, std::string data = "") {
    q::promise26_settle_request r;
    r.id = std::move(id);
    r.state = s;
    if (!data.empty()) {
      r.val.data = std::move(data);
      r.val.data_present = true;
    }
    return r;
  }
  static const q::promise26_response& answer(const q::response& r) {
    return std::get<q::promise26_response>(r.payload);
  }
  static const q::promise_record& promise(const q::response& r) {
    const auto& a = answer(r);
    EXPECT_EQ(a.status, 200) << a.message;
    return *a.promise;
  }
};

}  // namespace

TEST_F(kernel_promise26, create_stores_a_pending_promise_created_now_and_is_idempotent) {
  auto first = h.call(create("p", h.now + 5000));
  const auto& p = promise(first);
  EXPECT_EQ(p.state, q::promise_state::pending);
  EXPECT_EQ(p.created_on, h.now);
  EXPECT_EQ(p.timeout, h.now + 5000);
  EXPECT_EQ(h.store.promises.at("p").param.data, "cGFyYW0=");
  // Again, later, with another timeout and param: the promise as it is.
  h.now += 100;
  auto again_req = create("p", h.now + 9000);
  again_req.param = {};
  auto again = h.call(again_req);
  EXPECT_EQ(promise(again), p);
}

TEST_F(kernel_promise26, a_promise_created_past_its_timeout_is_settled_at_its_timeout) {
  auto r = h.call(create("late", h.now - 10));
  const auto& p = promise(r);
  EXPECT_EQ(p.state, q::promise_state::rejected_timedout);
  EXPECT_EQ(p.created_on, h.now - 10);
  EXPECT_EQ(p.completed_on, h.now - 10);
  EXPECT_EQ(h.store.promises.at("late").state, q::promise_state::rejected_timedout);
  // A timer resolves when it times out.
  auto timer = h.call(create("timer", h.now, {{"resonate:timer", "true"}}));
  EXPECT_EQ(promise(timer).state, q::promise_state::resolved);
}

TEST_F(kernel_promise26, settle_takes_effect_once_and_later_settles_see_the_first_outcome) {
  h.call(create("p", h.now + 5000));
  h.now += 10;
  auto won = h.call(settle("p", q::promise_state::resolved, "MQ=="));
  const auto& p = promise(won);
  EXPECT_EQ(p.state, q::promise_state::resolved);
  EXPECT_EQ(p.val.data, "MQ==");
  EXPECT_EQ(p.completed_on, h.now);
  auto lost = h.call(settle("p", q::promise_state::rejected, "Mg=="));
  EXPECT_EQ(promise(lost), p);
  EXPECT_EQ(h.store.promises.at("p").val.data, "MQ==");
}

TEST_F(kernel_promise26, settle_and_get_of_an_unknown_id_are_404) {
  for (const auto& r : {h.call(settle("nope", q::promise_state::resolved)),
                        h.call(q::promise26_get_request{"nope", std::nullopt})}) {
    EXPECT_EQ(answer(r).status, 404);
    EXPECT_EQ(answer(r).message, "Promise not found");
    EXPECT_FALSE(answer(r).promise);
  }
  EXPECT_TRUE(h.store.promises.empty());
}

TEST_F(kernel_promise26, an_overdue_promise_is_timed_out_by_get_and_by_settle_not_settled) {
  h.call(create("a", h.now + 100));
  h.call(create("b", h.now + 100));
  h.now += 100;  // the timeout is inclusive
  auto got = h.call(q::promise26_get_request{"a", std::nullopt});
  EXPECT_EQ(promise(got).state, q::promise_state::rejected_timedout);
  EXPECT_EQ(promise(got).completed_on, h.now);
  EXPECT_EQ(h.store.promises.at("a").state, q::promise_state::rejected_timedout);
  auto settled = h.call(settle("b", q::promise_state::resolved, "MQ=="));
  EXPECT_EQ(promise(settled).state, q::promise_state::rejected_timedout);
  EXPECT_FALSE(promise(settled).val.has_data());
}

TEST_F(kernel_promise26, the_debug_time_is_the_operations_time) {
  auto req = create("p", 2000);
  req.debug_time = 1000;
  EXPECT_EQ(promise(h.call(req)).created_on, 1000);
  auto before = q::promise26_get_request{"p", 1999};
  EXPECT_EQ(promise(h.call(before)).state, q::promise_state::pending);
  auto s = settle("p", q::promise_state::resolved);
  s.debug_time = 1500;
  EXPECT_EQ(promise(h.call(s)).completed_on, 1500);
}

TEST_F(kernel_promise26, a_store_failure_is_an_error_response_and_changes_nothing) {
  std::mt19937_64 rng{7};
  h.store.rng = &rng;
  h.store.fail_before = 1;
  auto r = h.call(create("p", h.now + 5000));
  EXPECT_NE(r.status, q::status::ok);
  EXPECT_FALSE(std::holds_alternative<q::promise26_response>(r.payload));
  EXPECT_FALSE(r.error.empty());
  EXPECT_TRUE(h.store.promises.empty());
}

// promises_total{state} counts a settlement once, whichever kind made it:
// promise.settle as task.fulfill and task.fence do.
TEST_F(kernel_promise26, a_settle_counts_promises_total_once) {
  auto& resolved = q::metrics::global().get_counter("promises_total", "state=\"resolved\"");
  auto before = resolved.value.load();
  q::promise26_create_request create;
  create.id = "counted";
  create.timeout_at = h.now + 60000;
  h.call(create);
  q::promise26_settle_request settle{"counted", q::promise_state::resolved, {}, std::nullopt};
  ASSERT_EQ(std::get<q::promise26_response>(h.call(settle).payload).status, 200);
  ASSERT_EQ(std::get<q::promise26_response>(h.call(settle).payload).status,
            200);  // settled already
  EXPECT_EQ(resolved.value.load() - before, 1u);
}

// The outbox drain is a store transaction of its own: it runs at once only
// when a settlement's chain queued something (an unblock, a resumed
// awaiter), whichever protocol settled, and not for the execute that
// task.create drops in its own transaction.
TEST_F(kernel_promise26, the_outbox_drain_runs_at_once_only_when_a_settlement_queued_messages) {
  h.call(create("plain", h.now + 60000));
  h.call(create("listened", h.now + 60000, {{"resonate:scope", "global"}}));
  h.call(create("v1", h.now + 60000, {{"resonate:scope", "global"}}));
  for (const char* id : {"listened", "v1"}) {
    auto l = h.call(q::promise26_register_listener_request{id, "poll://uni@g/p", std::nullopt});
    ASSERT_EQ(answer(l).status, 200) << answer(l).message;
  }
  auto takes = [&] { return h.store.outbox_takes; };
  auto before = takes();
  promise(h.call(settle("plain", q::promise_state::resolved)));
  EXPECT_EQ(takes(), before) << "nothing queued, no drain";
  promise(h.call(settle("listened", q::promise_state::resolved)));
  EXPECT_EQ(takes(), before + 1) << "an unblock queued";
  EXPECT_EQ(h.store.unblocks26.size(), 1u);
  // REST v1's completion runs the same chain: its unblock leaves at once too.
  q::complete_promise_request v1;
  v1.id = "v1";
  v1.state = q::promise_state::resolved;
  EXPECT_EQ(h.call(v1).status, q::status::created);
  EXPECT_EQ(takes(), before + 2);
  EXPECT_EQ(h.store.unblocks26.size(), 2u);
  // task.create takes its own task: the execute it dropped needs no drain.
  q::task26_create_request tc{"w1", 5000, create("t", h.now + 60000), std::nullopt};
  tc.action.tags["resonate:target"] = "poll://any@workers";
  auto out = h.call(tc);
  const auto& created = std::get<q::task26_response>(out.payload);
  ASSERT_EQ(created.status, 200) << created.message;
  EXPECT_EQ(takes(), before + 2);
}

TEST_F(kernel_promise26, search_pages_by_id_and_shows_an_overdue_promise_timed_out_unwritten) {
  for (const char* id : {"c", "a", "b"}) promise(h.call(create(id, h.now + 5000)));
  promise(h.call(create("d", h.now + 100)));
  h.now += 100;  // d is past its timeout, still pending as stored
  q::promise26_search_request first;
  first.limit = 2;
  auto page = std::get<q::promise26_search_response>(h.call(first).payload);
  ASSERT_EQ(page.promises.size(), 2u);
  EXPECT_EQ(page.promises[0].id, "a");
  EXPECT_EQ(page.promises[1].id, "b");
  ASSERT_EQ(page.cursor, "b");
  auto next = first;
  next.cursor = *page.cursor;
  page = std::get<q::promise26_search_response>(h.call(next).payload);
  ASSERT_EQ(page.promises.size(), 2u);
  EXPECT_EQ(page.promises[1].id, "d");
  EXPECT_EQ(page.promises[1].state, q::promise_state::rejected_timedout);
  EXPECT_EQ(page.promises[1].completed_on, h.now);
  EXPECT_FALSE(page.cursor) << "nothing left after d";
  EXPECT_EQ(h.store.promises.at("d").state, q::promise_state::pending) << "a search writes nothing";
  // The state filter sees d as it is now.
  q::promise26_search_request pending;
  pending.state = q::promise_state::pending;
  page = std::get<q::promise26_search_response>(h.call(pending).payload);
  EXPECT_EQ(page.promises.size(), 3u);
  q::promise26_search_request timedout;
  timedout.state = q::promise_state::rejected_timedout;
  page = std::get<q::promise26_search_response>(h.call(timedout).payload);
  ASSERT_EQ(page.promises.size(), 1u);
  EXPECT_EQ(page.promises[0].id, "d");
}
