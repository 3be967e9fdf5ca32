#include <gtest/gtest.h>

#include "kernel/domain/promise.hpp"

namespace q = resonate::queues;
namespace d = resonate::kernel::domain;

TEST(promise_domain, timed_out_boundary_is_inclusive) {
  q::promise_record p;
  p.timeout = 100;
  EXPECT_FALSE(d::is_timed_out(p, 99));
  EXPECT_TRUE(d::is_timed_out(p, 100));
  p.state = q::promise_state::resolved;
  EXPECT_FALSE(d::is_timed_out(p, 1000));
}

TEST(promise_domain, timed_out_record_drops_value_and_complete_key) {
  q::promise_record p;
  p.timeout = 7;
  p.val = {{{"a", "b"}}, "x"};
  p.idempotency_key_for_complete = "k";
  auto t = d::timed_out(p);
  EXPECT_EQ(t.state, q::promise_state::rejected_timedout);
  EXPECT_EQ(t.val, q::value{});
  EXPECT_FALSE(t.idempotency_key_for_complete);
  EXPECT_EQ(t.completed_on, 7);
}

TEST(promise_domain, ikey_match_needs_both_keys) {
  EXPECT_FALSE(d::ikey_match(std::nullopt, std::nullopt));
  EXPECT_FALSE(d::ikey_match(std::string("a"), std::nullopt));
  EXPECT_FALSE(d::ikey_match(std::nullopt, std::string("a")));
  EXPECT_TRUE(d::ikey_match(std::string(""), std::string("")));
  EXPECT_FALSE(d::ikey_match(std::string("a"), std::string("b")));
}
