// The state a pending promise takes at its timeout (queues::timed_out_state):
// one rule for both protocols, since one store serves them and either
// protocol's loop may be the one that times a promise out.
#include <gtest/gtest.h>

#include "queues/records.hpp"

namespace q = resonate::queues;

namespace {

q::promise_state at_timeout(q::tag_map tags) {
  q::promise_record p;
  p.tags = std::move(tags);
  return q::timed_out_state(p);
}

}  // namespace

TEST(timed_out_state, rejects_unless_a_timeout_or_timer_tag_says_true) {
  EXPECT_EQ(at_timeout({}), q::promise_state::rejected_timedout);
  EXPECT_EQ(at_timeout({{"resonate:timeout", "true"}}), q::promise_state::resolved);  // REST v1
  EXPECT_EQ(at_timeout({{"resonate:timer", "true"}}), q::promise_state::resolved);    // ctx.sleep
  EXPECT_EQ(at_timeout({{"resonate:timer", "false"}}), q::promise_state::rejected_timedout);
  EXPECT_EQ(at_timeout({{"resonate:timeout", "yes"}}), q::promise_state::rejected_timedout);
  EXPECT_EQ(at_timeout({{"resonate:target", "poll://any@g"}, {"resonate:timer", "true"}}),
            q::promise_state::resolved);
}
