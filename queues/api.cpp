#include "queues/api.hpp"

namespace resonate::queues {

const char* kind_name(kind k) {
  switch (k) {
    case kind::read_promise: return "ReadPromise";
    case kind::search_promises: return "SearchPromises";
    case kind::create_promise: return "CreatePromise";
    case kind::complete_promise: return "CompletePromise";
    case kind::create_callback: return "CreateCallback";
    case kind::claim_task: return "ClaimTask";
    case kind::complete_task: return "CompleteTask";
    case kind::drop_task: return "DropTask";
    case kind::heartbeat_tasks: return "HeartbeatTasks";
    case kind::ready: return "Ready";
    case kind::create_promise_and_task: return "CreatePromiseAndTask";
    case kind::acquire_lock: return "AcquireLock";
    case kind::release_lock: return "ReleaseLock";
    case kind::heartbeat_locks: return "HeartbeatLocks";
    case kind::create_schedule: return "CreateSchedule";
    case kind::read_schedule: return "ReadSchedule";
    case kind::search_schedules: return "SearchSchedules";
    case kind::delete_schedule: return "DeleteSchedule";
  }
  return "Unknown";
}

}  // namespace resonate::queues
