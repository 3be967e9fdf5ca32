#pragma once

// One coroutine per operation (one file each), registered in one table.
// Each reads like sequential code: read, decide, write; every co_await on the
// store is a yield to the scheduler.

#include <array>
#include <optional>
#include <string>
#include <variant>

#include "kernel/scheduler.hpp"
#include "queues/api.hpp"

namespace resonate::kernel::coroutines {

/// Settings the coroutines read (from config/, passed in by the composition root).
struct settings {
  int64_t promise_batch_size = 100;
  int64_t promise_max_iterations = 1000;
};

using request_coroutine = root_task (*)(context&, queues::request, const settings&);

/// Request kind -> coroutine. A null entry answers 50000 (not implemented).
using table = std::array<request_coroutine, queues::kind_count>;

/// The table of every operation implemented so far.
table request_table();

// -- request coroutines (one file each) -------------------------------------------
root_task read_promise(context& c, queues::request r, const settings& s);
root_task search_promises(context& c, queues::request r, const settings& s);
root_task create_promise(context& c, queues::request r, const settings& s);
root_task complete_promise(context& c, queues::request r, const settings& s);
root_task ready(context& c, queues::request r, const settings& s);

// -- background coroutines ---------------------------------------------------------
/// Times out every pending promise whose timeout has passed, in batches.
root_task timeout_promises(context& c, const settings& s);

// -- shared steps -------------------------------------------------------------------

/// The error response for a store submission that did not go through (503 when
/// the AIO queue was full, 500 on a store error, 412 when its fence did not
/// hold), or nullopt when the completion is usable.
std::optional<queues::response> store_failure(const queues::aio_cqe& cqe);

/// promises_total{state}: "created" for a create, otherwise the state a
/// promise was completed into (spec section 7).
void count_created_promise();
void count_completed_promises(queues::promise_state state, int64_t n = 1);

/// Outcome of a lazy timeout: the timed-out record, "someone else changed the
/// promise first, start over", or a failure response.
struct lazy_timeout_race {};
using lazy_timeout_result =
  std::variant<queues::promise_record, lazy_timeout_race, queues::response>;

/// Times out every promise of `due` in one transaction (each guarded by
/// `state = PENDING`); a failure response if the store failed.
task<std::optional<queues::response>> apply_timeouts(context& c,
                                                      const std::vector<queues::promise_record>& due);

/// Runs the completion transaction that times out `p` (spec 4.1).
task<lazy_timeout_result> apply_lazy_timeout(context& c, queues::promise_record p,
                                             std::optional<queues::fence> fence);

}  // namespace resonate::kernel::coroutines
