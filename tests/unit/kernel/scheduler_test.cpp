// The coroutine life cycle: created, running, suspended on the AIO, done.
#include <gtest/gtest.h>

#include "kernel/scheduler.hpp"

namespace q = resonate::queues;
using namespace resonate::kernel;

namespace {

task<int> child(context& c, int x) {
  q::store_transaction tx{std::nullopt, {q::ping_cmd{}}};
  auto io = c.store(std::move(tx));
  auto done = co_await io;
  co_return x + static_cast<int>(done.store().results.size());
}

root_task parent(context& c, std::vector<std::string>* trace) {
  trace->push_back("start");
  auto t = child(c, 40);
  int v = co_await std::move(t);
  trace->push_back("child=" + std::to_string(v));
  auto t2 = child(c, 1);
  v += co_await std::move(t2);
  co_return q::response{q::status::ok, q::count_response{v}, {}};
}

q::aio_cqe answer(const q::aio_sqe& sqe) {
  q::aio_cqe cqe{sqe.id, std::nullopt, {}};
  cqe.store().results.push_back(q::alter_result{0});
  cqe.store().results.push_back(q::alter_result{0});
  return cqe;
}

}  // namespace

TEST(scheduler, coroutine_suspends_on_each_io_and_finishes_with_its_result) {
  scheduler s{{}};
  std::vector<std::string> trace;
  std::optional<q::response> result;
  ASSERT_TRUE(s.add("p", [&](context& c) { return parent(c, &trace); },
                    [&](q::response r) { result = std::move(r); }));
  EXPECT_TRUE(trace.empty());  // created: not started until run
  s.run_until_blocked(1);
  EXPECT_EQ(trace, std::vector<std::string>{"start"});
  auto first = s.take_submissions();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(s.aio_in_flight(), 1u);
  s.complete(answer(first[0]));
  s.run_until_blocked(2);
  EXPECT_EQ(trace.back(), "child=42");
  auto second = s.take_submissions();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_FALSE(result);
  s.complete(answer(second[0]));
  s.run_until_blocked(3);
  ASSERT_TRUE(result);
  EXPECT_EQ(std::get<q::count_response>(result->payload).affected, 45);
  EXPECT_EQ(s.size(), 0u);
}

TEST(scheduler, admission_is_bounded_for_requests_but_not_background_jobs) {
  scheduler s{{1, 10}};
  std::vector<std::string> trace;
  EXPECT_TRUE(s.add("a", [&](context& c) { return parent(c, &trace); }, nullptr));
  EXPECT_FALSE(s.add("b", [&](context& c) { return parent(c, &trace); }, nullptr));
  EXPECT_TRUE(s.add("bg", [&](context& c) { return parent(c, &trace); }, nullptr, false));
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.counted_size(), 1u);
}

TEST(scheduler, unknown_completion_ids_are_ignored) {
  scheduler s{{}};
  s.complete(q::aio_cqe{12345, std::nullopt, {}});
  s.run_until_blocked(1);
  EXPECT_EQ(s.size(), 0u);
}
