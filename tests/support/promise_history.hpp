#pragma once
// A linearizability check of REST v1 promises under concurrent clients, on one
// server or spread over several nodes: threads create, complete and read a few
// promises at random, each recording what it saw; the history is then checked
// against what any serial order allows (one create and one completion win,
// the final row is the winner's, a thread never sees a completed promise
// pending again, reads and deduplicated answers agree with the final row).
// Used by tests/integration (one server) and tests/cluster (three nodes).
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tests/support/http_client.hpp"

namespace resonate::test {

struct promise_history_options {
  int threads = 6;
  int ops_per_thread = 300;
  int ids = 10;          ///< promises "lin-0" .. "lin-<ids-1>"
  uint32_t seed = 1234;  ///< thread t draws from seed + t
};

struct observed_op {
  int thread = 0;
  std::string op;  ///< create | complete | read
  int status = 0;
  std::string state;  ///< from a 200/201 body
  std::string value;  ///< value.data from a 200/201 body
  std::string ikc;    ///< idempotencyKeyForCreate from a 200/201 body
  int64_t code = 0;   ///< error code of a 403/404/409
  std::string requested_state;
  std::string requested_value;
};

struct promise_history {
  std::map<std::string, std::vector<observed_op>> by_id;  ///< in each thread's program order
  int transport_errors = 0;
  std::vector<std::string> unparsable;  ///< bodies that were not what their status says
};

/// Runs the workload: thread t sends its i-th operation to ports[(t + i) %
/// ports.size()], so that on several nodes one thread's operations alternate
/// between them.
promise_history run_promise_history(const std::vector<uint16_t>& ports,
                                    const promise_history_options& opts = {});

/// What the history breaks, one line per violation; empty when some serial
/// order explains it. `read_final(id)` reads the promise after the run.
std::vector<std::string> check_promise_history(
  const promise_history& history,
  const std::function<http_response(const std::string&)>& read_final,
  const promise_history_options& opts = {});

}  // namespace resonate::test
