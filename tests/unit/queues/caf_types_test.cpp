// Every type that crosses an actor boundary must survive CAF's binary
// serialisation unchanged, or a remote node sees something else.
#include "queues/caf_types.hpp"

#include <gtest/gtest.h>

namespace q = resonate::queues;

namespace {

template <class T>
T roundtrip(T x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  auto err = sink(x);
  EXPECT_FALSE(err);
  T y{};
  caf::binary_deserializer source{nullptr, buf};
  err = source(y);
  EXPECT_FALSE(err);
  return y;
}

q::promise_record sample_promise() {
  q::promise_record p;
  p.id = "a/b:c";
  p.state = q::promise_state::rejected_canceled;
  p.param = {{{"h", "v"}}, std::string("\0bytes", 6)};
  p.val = {{}, "x"};
  p.timeout = 1234567890123;
  p.idempotency_key_for_create = "ik";
  p.tags = {{"resonate:timeout", "true"}};
  p.created_on = 5;
  p.sort_id = 99;
  return p;
}

}  // namespace

TEST(caf_types, request_with_every_payload_roundtrips) {
  q::create_promise_request create{"p",         "key", true, {{{"a", "b"}}, "data"}, 77,
                                   {{"t", "1"}}, q::fence{"__invoke:p", 3},
                                   {{"traceparent", "00-1"}}};
  q::request r{"rid", create};
  auto back = roundtrip(r);
  EXPECT_EQ(back.request_id, "rid");
  ASSERT_EQ(back.get_kind(), q::kind::create_promise);
  auto& c = std::get<q::create_promise_request>(back.payload);
  EXPECT_EQ(c.id, "p");
  EXPECT_EQ(c.idempotency_key, std::optional<std::string>("key"));
  EXPECT_TRUE(c.strict);
  EXPECT_EQ(c.param.data, "data");
  EXPECT_EQ(c.tags.at("t"), "1");
  ASSERT_TRUE(c.fence_token);
  EXPECT_EQ(c.fence_token->task_counter, 3);
  EXPECT_EQ(c.trace.at("traceparent"), "00-1");

  q::request s{"", q::search_promises_request{"x*", 1, {}, 10, std::nullopt}};
  auto sb = roundtrip(s);
  EXPECT_EQ(std::get<q::search_promises_request>(sb.payload).sort_id, std::nullopt);
  EXPECT_EQ(std::get<q::search_promises_request>(sb.payload).limit, 10);
}

TEST(caf_types, response_and_aio_envelopes_roundtrip) {
  q::response resp{q::status::created, q::promise_response{sample_promise()}, ""};
  auto rb = roundtrip(resp);
  EXPECT_EQ(rb.status, q::status::created);
  EXPECT_EQ(std::get<q::promise_response>(rb.payload).promise, sample_promise());

  q::aio_sqe sqe{42, q::store_transaction{std::nullopt,
                                          {q::read_promise_cmd{"a"},
                                           q::update_promise_cmd{"a", q::promise_state::resolved,
                                                                 {}, std::nullopt, 9}}}};
  auto sb = roundtrip(std::vector<q::aio_sqe>{sqe});
  ASSERT_EQ(sb.size(), 1u);
  EXPECT_EQ(sb[0].id, 42u);
  ASSERT_EQ(sb[0].kind(), q::aio_kind::store);
  ASSERT_EQ(sb[0].tx().commands.size(), 2u);
  EXPECT_EQ(std::get<q::update_promise_cmd>(sb[0].tx().commands[1]).completed_on, 9);

  q::aio_cqe cqe{42, q::aio_error{q::status::aio_store_error, "boom"},
                 q::store_completion{true, {q::query_promises_result{{sample_promise()}, 99},
                                            q::alter_result{1}}}};
  auto cb = roundtrip(std::vector<q::aio_cqe>{cqe});
  ASSERT_TRUE(cb[0].error);
  EXPECT_EQ(cb[0].error->code, q::status::aio_store_error);
  EXPECT_EQ(cb[0].error->message, "boom");
  EXPECT_EQ(std::get<q::query_promises_result>(cb[0].store().results[0]).records[0],
            sample_promise());
  EXPECT_EQ(std::get<q::alter_result>(cb[0].store().results[1]).rows_affected, 1);
}

TEST(caf_types, task_messages_and_the_other_aio_kinds_roundtrip) {
  q::task_record t;
  t.id = "__resume:r:c";
  t.state = q::task_state::claimed;
  t.process_id = "w";
  t.mesg = q::message{q::message_type::resume, {{"traceparent", "x"}}, "r", "c"};
  q::aio_sqe send{7, q::send_submission{t, sample_promise(), std::nullopt}};
  q::aio_sqe route{8, q::route_submission{"p", {{"resonate:invoke", "default"}}}};
  auto back = roundtrip(std::vector<q::aio_sqe>{send, route});
  ASSERT_EQ(back.size(), 2u);
  ASSERT_EQ(back[0].kind(), q::aio_kind::sender);
  EXPECT_EQ(std::get<q::send_submission>(back[0].payload).task, t);
  EXPECT_EQ(std::get<q::route_submission>(back[1].payload).tags.at("resonate:invoke"), "default");

  q::aio_cqe sent{7, std::nullopt, q::send_completion{true, 15000, 60000, ""}};
  auto sb = roundtrip(std::vector<q::aio_cqe>{sent});
  EXPECT_EQ(std::get<q::send_completion>(sb[0].completion).time_to_claim, 60000);

  q::response claimed{q::status::created,
                      q::claimed_task_response{t, sample_promise(), std::nullopt}, ""};
  auto cr = roundtrip(claimed);
  EXPECT_EQ(std::get<q::claimed_task_response>(cr.payload).task.mesg, t.mesg);
}

TEST(caf_types, counts_by_state_roundtrip) {
  q::aio_sqe sqe{7, q::store_transaction{std::nullopt, {q::count_tasks_by_state_cmd{},
                                                        q::count_promises_by_state_cmd{}}}};
  auto sb = roundtrip(std::vector<q::aio_sqe>{sqe});
  ASSERT_EQ(sb.size(), 1u);
  ASSERT_EQ(sb[0].tx().commands.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<q::count_tasks_by_state_cmd>(sb[0].tx().commands[0]));
  EXPECT_TRUE(std::holds_alternative<q::count_promises_by_state_cmd>(sb[0].tx().commands[1]));

  const std::map<int64_t, int64_t> counts{{1, 3}, {4, 1}, {16, 1234567890123}};
  q::aio_cqe cqe{7, std::nullopt,
                 q::store_completion{true, {q::state_counts_result{counts}, q::alter_result{2}}}};
  auto cb = roundtrip(std::vector<q::aio_cqe>{cqe});
  ASSERT_EQ(cb.size(), 1u);
  ASSERT_EQ(cb[0].store().results.size(), 2u);
  EXPECT_EQ(std::get<q::state_counts_result>(cb[0].store().results[0]).counts, counts);
  EXPECT_EQ(std::get<q::alter_result>(cb[0].store().results[1]).rows_affected, 2);
}
