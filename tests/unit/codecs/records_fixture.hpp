#pragma once

// A record with every field set, for the codec tests and the gateway's reply tests.

#include <string>

#include "queues/records.hpp"

namespace resonate::test {

inline queues::promise_record full_promise() {
  queues::promise_record p;
  p.id = "a/b";
  p.state = queues::promise_state::resolved;
  p.param = {{{"h1", "v1"}}, std::string("\x00\xff", 2)};
  p.val = {{}, "hi"};
  p.timeout = 1000;
  p.idempotency_key_for_create = "ck";
  p.idempotency_key_for_complete = "";
  p.tags = {{"x", "1"}};
  p.created_on = 10;
  p.completed_on = 20;
  p.sort_id = 99;
  return p;
}

}  // namespace resonate::test
