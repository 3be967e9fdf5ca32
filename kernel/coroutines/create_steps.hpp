#pragma once

// The create step shared by POST /promises and POST /promises/task.

#include <optional>
#include <variant>

#include "kernel/coroutines/coroutines.hpp"

namespace resonate::kernel::coroutines {

struct created_promise {
  queues::promise_record promise;
  /// Its root already had an active task, so the task went in waiting (INIT):
  /// EnqueueTasks hands it out once the root is free, never this coroutine.
  bool root_busy = false;
};
struct existing_promise {
  queues::promise_record promise;  ///< deduplicated (200): the stored promise
};
using create_outcome = std::variant<created_promise, existing_promise, queues::response>;

/// Inserts the promise (with `task` when given, only if the promise is new) or
/// finds it and applies the decision table of 4.2 (a 409 comes back as a
/// response). Restarts itself on a lost race. `extra` commands go into the same
/// transaction, after the insert (a schedule firing advances its schedule there).
task<create_outcome> create_or_find(context& c, const queues::create_promise_request& req,
                                    std::optional<queues::task_record> task,
                                    std::optional<queues::fence> fence,
                                    std::vector<queues::store_command> extra = {});

/// POST /promises' whole create: asks the router, inserts (with the invoke task
/// when it matches, and `extra` in the same transaction) or finds the promise,
/// and sends a new invoke task's message right after the commit. Schedule
/// firings create their promises through this too (schedule_promises.cpp).
task<create_outcome> create_routed(context& c, const queues::create_promise_request& req,
                                   const settings& s, std::optional<queues::fence> fence,
                                   std::vector<queues::store_command> extra = {});

}  // namespace resonate::kernel::coroutines
