// The one registration table: request kind -> coroutine.
#include "kernel/coroutines/coroutines.hpp"

namespace resonate::kernel::coroutines {

table request_table() {
  using queues::kind;
  table t{};
  t[static_cast<size_t>(kind::read_promise)] = &read_promise;
  t[static_cast<size_t>(kind::search_promises)] = &search_promises;
  t[static_cast<size_t>(kind::create_promise)] = &create_promise;
  t[static_cast<size_t>(kind::complete_promise)] = &complete_promise;
  t[static_cast<size_t>(kind::ready)] = &ready;
  t[static_cast<size_t>(kind::create_promise_and_task)] = &create_promise_and_task;
  t[static_cast<size_t>(kind::create_callback)] = &create_callback;
  t[static_cast<size_t>(kind::claim_task)] = &claim_task;
  t[static_cast<size_t>(kind::complete_task)] = &complete_task;
  t[static_cast<size_t>(kind::drop_task)] = &drop_task;
  t[static_cast<size_t>(kind::heartbeat_tasks)] = &heartbeat_tasks;
  t[static_cast<size_t>(kind::acquire_lock)] = &acquire_lock;
  t[static_cast<size_t>(kind::release_lock)] = &release_lock;
  t[static_cast<size_t>(kind::heartbeat_locks)] = &heartbeat_locks;
  t[static_cast<size_t>(kind::create_schedule)] = &create_schedule;
  t[static_cast<size_t>(kind::read_schedule)] = &read_schedule;
  t[static_cast<size_t>(kind::search_schedules)] = &search_schedules;
  t[static_cast<size_t>(kind::delete_schedule)] = &delete_schedule;
  return t;
}

}  // namespace resonate::kernel::coroutines
