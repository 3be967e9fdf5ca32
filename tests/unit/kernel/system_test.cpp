// The kernel's request coroutines against the decision tables of REST v1 (4.2,
// 4.3, 4.5, 4.6), driven by tick(now) with a fake store.
#include <gtest/gtest.h>

#include "queues/metrics.hpp"
#include "tests/unit/kernel/harness.hpp"

namespace q = resonate::queues;
using resonate::tests::complete_req;
using resonate::tests::create_req;
using resonate::tests::kernel_harness;
using resonate::tests::promise_of;
using S = q::promise_state;

namespace {

struct kernel_system : ::testing::Test {
  kernel_harness h;
  int64_t later() const { return h.now + 60'000; }
};

}  // namespace

TEST_F(kernel_system, create_new_promise_is_201_pending_with_created_on) {
  auto req = create_req("p", later(), "ik");
  req.param = {{{"a", "b"}}, "data"};
  req.tags = {{"t", "1"}};
  auto r = h.call(req);
  ASSERT_EQ(r.status, q::status::created);
  auto& p = promise_of(r);
  EXPECT_EQ(p.state, S::pending);
  EXPECT_EQ(p.param.data, "data");
  EXPECT_EQ(p.tags.at("t"), "1");
  EXPECT_EQ(p.created_on, h.now);
  EXPECT_EQ(p.idempotency_key_for_create, std::optional<std::string>("ik"));
  EXPECT_FALSE(p.completed_on);
}

TEST_F(kernel_system, create_existing_dedups_only_on_matching_key) {
  ASSERT_EQ(h.call(create_req("p", later(), "k1")).status, q::status::created);
  EXPECT_EQ(h.call(create_req("p", later(), "k1")).status, q::status::ok);
  EXPECT_EQ(h.call(create_req("p", later(), "k2")).status, q::status::promise_already_exists);
  EXPECT_EQ(h.call(create_req("p", later())).status, q::status::promise_already_exists);
  ASSERT_EQ(h.call(create_req("n", later())).status, q::status::created);
  EXPECT_EQ(h.call(create_req("n", later())).status, q::status::promise_already_exists);
}

TEST_F(kernel_system, strict_create_dedups_only_while_pending) {
  ASSERT_EQ(h.call(create_req("p", later(), "k")).status, q::status::created);
  ASSERT_EQ(h.call(complete_req("p", S::resolved)).status, q::status::created);
  EXPECT_EQ(h.call(create_req("p", later(), "k", true)).status, q::status::promise_already_exists);
  EXPECT_EQ(h.call(create_req("p", later(), "k", false)).status, q::status::ok);
}

TEST_F(kernel_system, create_on_due_promise_times_it_out_first) {
  ASSERT_EQ(h.call(create_req("p", h.now + 10, "k")).status, q::status::created);
  h.now += 10;
  auto r = h.call(create_req("p", later(), "k", true));
  EXPECT_EQ(r.status, q::status::promise_already_exists);
  EXPECT_EQ(h.store.promises.at("p").state, S::rejected_timedout);
  EXPECT_EQ(h.store.promises.at("p").completed_on, h.now);  // = timeout
}

TEST_F(kernel_system, create_with_elapsed_timeout_is_201_pending_then_times_out_on_read) {
  auto r = h.call(create_req("p", 0));
  ASSERT_EQ(r.status, q::status::created);
  EXPECT_EQ(promise_of(r).state, S::pending);
  auto read = h.call(q::read_promise_request{"p"});
  ASSERT_EQ(read.status, q::status::ok);
  EXPECT_EQ(promise_of(read).state, S::rejected_timedout);
  EXPECT_EQ(promise_of(read).completed_on, 0);
  EXPECT_EQ(promise_of(read).val, q::value{});
}

TEST_F(kernel_system, read_missing_is_404) {
  EXPECT_EQ(h.call(q::read_promise_request{"nope"}).status, q::status::promise_not_found);
}

TEST_F(kernel_system, timeout_tag_resolves_instead_of_rejecting) {
  auto req = create_req("p", h.now + 5);
  req.tags = {{"resonate:timeout", "true"}};
  ASSERT_EQ(h.call(req).status, q::status::created);
  h.now += 5;
  auto read = h.call(q::read_promise_request{"p"});
  EXPECT_EQ(promise_of(read).state, S::resolved);
  EXPECT_EQ(promise_of(read).completed_on, h.now);
}

TEST_F(kernel_system, complete_pending_is_201_with_value_and_key) {
  ASSERT_EQ(h.call(create_req("p", later())).status, q::status::created);
  auto req = complete_req("p", S::rejected_canceled, "ck");
  req.val = {{{"h", "v"}}, "bytes"};
  auto r = h.call(req);
  ASSERT_EQ(r.status, q::status::created);
  auto& p = promise_of(r);
  EXPECT_EQ(p.state, S::rejected_canceled);
  EXPECT_EQ(p.val.data, "bytes");
  EXPECT_EQ(p.idempotency_key_for_complete, std::optional<std::string>("ck"));
  EXPECT_EQ(p.completed_on, h.now);
}

TEST_F(kernel_system, complete_missing_is_404) {
  EXPECT_EQ(h.call(complete_req("x", S::resolved)).status, q::status::promise_not_found);
}

TEST_F(kernel_system, complete_after_timeout_follows_the_table) {
  auto tagged = create_req("tagged", h.now + 1);
  tagged.tags = {{"resonate:timeout", "true"}};
  ASSERT_EQ(h.call(tagged).status, q::status::created);
  ASSERT_EQ(h.call(create_req("strict", h.now + 1)).status, q::status::created);
  ASSERT_EQ(h.call(create_req("lenient", h.now + 1)).status, q::status::created);
  h.now += 1;
  EXPECT_EQ(h.call(complete_req("tagged", S::resolved, "k", false)).status,
            q::status::promise_already_resolved);
  EXPECT_EQ(h.store.promises.at("tagged").state, S::resolved);
  EXPECT_EQ(h.call(complete_req("strict", S::resolved, std::nullopt, true)).status,
            q::status::promise_already_timedout);
  auto lenient = h.call(complete_req("lenient", S::resolved));
  ASSERT_EQ(lenient.status, q::status::ok);
  EXPECT_EQ(promise_of(lenient).state, S::rejected_timedout);
  // Afterwards: the timed-out promise stays lenient to non-strict completes only.
  EXPECT_EQ(h.call(complete_req("strict", S::resolved)).status, q::status::ok);
  EXPECT_EQ(h.call(complete_req("strict", S::resolved, std::nullopt, true)).status,
            q::status::promise_already_timedout);
  EXPECT_EQ(h.call(complete_req("tagged", S::resolved)).status,
            q::status::promise_already_resolved);
}

TEST_F(kernel_system, complete_settled_dedups_by_key_and_strictness) {
  ASSERT_EQ(h.call(create_req("p", later())).status, q::status::created);
  ASSERT_EQ(h.call(complete_req("p", S::rejected, "k")).status, q::status::created);
  EXPECT_EQ(h.call(complete_req("p", S::rejected, "k", true)).status, q::status::ok);
  EXPECT_EQ(h.call(complete_req("p", S::resolved, "k", true)).status,
            q::status::promise_already_rejected);
  EXPECT_EQ(h.call(complete_req("p", S::resolved, "k", false)).status, q::status::ok);
  EXPECT_EQ(h.call(complete_req("p", S::rejected, "other")).status,
            q::status::promise_already_rejected);
  EXPECT_EQ(h.call(complete_req("p", S::rejected)).status, q::status::promise_already_rejected);
  EXPECT_EQ(h.store.promises.at("p").state, S::rejected);
}

TEST_F(kernel_system, already_codes_per_state) {
  for (auto [id, state, code] : {std::tuple{"r", S::resolved, q::status::promise_already_resolved},
                                 {"j", S::rejected, q::status::promise_already_rejected},
                                 {"c", S::rejected_canceled, q::status::promise_already_canceled}}) {
    ASSERT_EQ(h.call(create_req(id, later())).status, q::status::created);
    ASSERT_EQ(h.call(complete_req(id, state)).status, q::status::created);
    EXPECT_EQ(h.call(complete_req(id, S::resolved, "x", true)).status, code) << id;
  }
}

TEST_F(kernel_system, invalid_fence_is_412_and_changes_nothing) {
  auto req = create_req("p", later());
  req.fence_token = q::fence{"__invoke:root", 1};
  EXPECT_EQ(h.call(req).status, q::status::task_precondition_failed);
  EXPECT_TRUE(h.store.promises.empty());
  h.store.put_task("__invoke:root", 1, q::task_state::claimed);
  EXPECT_EQ(h.call(req).status, q::status::created);
  auto done = complete_req("p", S::resolved);
  done.fence_token = q::fence{"__invoke:root", 2};
  EXPECT_EQ(h.call(done).status, q::status::task_precondition_failed);
  EXPECT_EQ(h.store.promises.at("p").state, S::pending);
}

TEST_F(kernel_system, search_pages_newest_first_with_next_request) {
  for (auto id : {"a1", "a2", "a3", "b1", "a4"})
    ASSERT_EQ(h.call(create_req(id, later())).status, q::status::created);
  q::search_promises_request s;
  s.id = "a*";
  s.limit = 2;
  auto page1 = h.call(s);
  auto& r1 = std::get<q::search_promises_response>(page1.payload);
  ASSERT_EQ(r1.promises.size(), 2u);
  EXPECT_EQ(r1.promises[0].id, "a4");
  EXPECT_EQ(r1.promises[1].id, "a3");
  ASSERT_TRUE(r1.next);
  auto page2 = h.call(*r1.next);
  auto& r2 = std::get<q::search_promises_response>(page2.payload);
  ASSERT_EQ(r2.promises.size(), 2u);
  EXPECT_EQ(r2.promises[1].id, "a1");
  ASSERT_TRUE(r2.next);  // full page: a cursor even though nothing follows
  auto page3 = h.call(*r2.next);
  auto& r3 = std::get<q::search_promises_response>(page3.payload);
  EXPECT_TRUE(r3.promises.empty());
  EXPECT_FALSE(r3.next);
}

TEST_F(kernel_system, search_times_out_due_promises_before_answering) {
  ASSERT_EQ(h.call(create_req("d", h.now + 1)).status, q::status::created);
  h.now += 1;
  q::search_promises_request s;
  s.id = "*";
  s.states = q::mask_of(S::pending);
  auto r = h.call(s);
  EXPECT_TRUE(std::get<q::search_promises_response>(r.payload).promises.empty());
  s.states = q::mask_of(S::rejected_timedout);
  r = h.call(s);
  ASSERT_EQ(std::get<q::search_promises_response>(r.payload).promises.size(), 1u);
}

TEST_F(kernel_system, store_error_is_500_and_a_full_aio_queue_is_503) {
  h.run();  // let the first background pass finish
  auto i = h.submit(create_req("p", later()));
  auto out = h.sys.tick(h.now);
  ASSERT_EQ(out.size(), 1u);
  auto failed = q::aio_cqe::failure(out[0].id, q::status::aio_store_error, "disk on fire");
  h.sys.complete(failed);
  h.run();
  EXPECT_TRUE(h.store.promises.empty());
  EXPECT_EQ(h.responses[i]->status, q::status::aio_store_error);

  kernel_harness tiny{resonate::kernel::system_config{1000, 1000, 1, 1000, 1000, 1000, {}}};
  tiny.run();
  auto a = tiny.submit(create_req("a", later()));
  auto b = tiny.submit(create_req("b", later()));
  tiny.run();
  EXPECT_EQ(tiny.responses[a]->status, q::status::created);
  EXPECT_EQ(tiny.responses[b]->status, q::status::aio_submission_queue_full);
}

TEST_F(kernel_system, bounded_queues_answer_503) {
  kernel_harness small{resonate::kernel::system_config{2, 1, 1000, 1000, 1000, 1000, {}}};
  auto a = small.submit(create_req("a", later()));
  auto b = small.submit(create_req("b", later()));
  auto c = small.submit(create_req("c", later()));  // api queue holds 2
  ASSERT_TRUE(small.responses[c]);
  EXPECT_EQ(small.responses[c]->status, q::status::api_submission_queue_full);
  small.run();
  EXPECT_EQ(small.responses[a]->status, q::status::created);
  EXPECT_EQ(small.responses[b]->status, q::status::scheduler_queue_full);  // 1 coroutine max
}

TEST_F(kernel_system, shutdown_rejects_new_requests_and_finishes_in_flight_ones) {
  auto a = h.submit(create_req("a", later()));
  auto out = h.sys.tick(h.now);
  h.sys.shutdown();
  auto b = h.submit(create_req("b", later()));
  EXPECT_EQ(h.responses[b]->status, q::status::system_shutting_down);
  EXPECT_FALSE(h.sys.done());
  for (auto& cqe : h.store.process(out)) h.sys.complete(std::move(cqe));
  h.run();
  EXPECT_EQ(h.responses[a]->status, q::status::created);
  EXPECT_TRUE(h.sys.done());
}

TEST_F(kernel_system, background_job_times_out_due_promises_once_per_period) {
  for (int i = 0; i < 250; ++i)
    ASSERT_EQ(h.call(create_req("p" + std::to_string(i), h.now + 5)).status, q::status::created);
  ASSERT_EQ(h.call(create_req("alive", later())).status, q::status::created);
  h.now += 5;
  h.run();  // the job ran at the first tick (last = 0) with nothing due; not yet again
  EXPECT_EQ(h.store.promises.at("p0").state, S::pending);
  h.now += 1000;
  h.run();
  for (int i = 0; i < 250; ++i)
    EXPECT_EQ(h.store.promises.at("p" + std::to_string(i)).state, S::rejected_timedout) << i;
  EXPECT_EQ(h.store.promises.at("alive").state, S::pending);
}

TEST_F(kernel_system, promises_total_counts_creates_and_each_completion_once) {
  auto& reg = q::metrics::global();
  auto& created = reg.get_counter("promises_total", "state=\"created\"");
  auto& resolved = reg.get_counter("promises_total", "state=\"resolved\"");
  auto& timedout = reg.get_counter("promises_total", "state=\"rejected_timedout\"");
  auto c0 = created.value.load(), r0 = resolved.value.load(), t0 = timedout.value.load();
  ASSERT_EQ(h.call(create_req("m", later(), "k")).status, q::status::created);
  ASSERT_EQ(h.call(create_req("m", later(), "k")).status, q::status::ok);  // dedup: not counted
  ASSERT_EQ(h.call(complete_req("m", S::resolved, "k")).status, q::status::created);
  ASSERT_EQ(h.call(complete_req("m", S::resolved, "k")).status, q::status::ok);
  ASSERT_EQ(h.call(create_req("t", h.now + 1)).status, q::status::created);
  h.now += 1;
  ASSERT_EQ(h.call(q::read_promise_request{"t"}).status, q::status::ok);
  EXPECT_EQ(created.value.load() - c0, 2u);
  EXPECT_EQ(resolved.value.load() - r0, 1u);
  EXPECT_EQ(timedout.value.load() - t0, 1u);
}
