// task.search of protocol 2026-04-01 (spec 1.9), still run inside the store
// transaction; the other task kinds are typed kernel operations
// (kernel/coroutines/task26.cpp, kernel/domain/task26.*).
#include "codecs/protocol_2026/records.hpp"
#include "kernel/v2026/ops.hpp"

namespace resonate::kernel::v2026 {

namespace q = resonate::queues;
namespace json = boost::json;
using codecs::protocol_2026::append_task;
using codecs::protocol_2026::task_state_from_name;

/// Ordered by id after the cursor, as promise.search. States are as stored:
/// every timer that moves a task (retry, lease, its promise's timeout) is
/// armed and run by the background pass, not on access.
q::v2026_result task_search(op& o, const json::object& data) {
  auto limit = search_limit(data, 100);
  auto tasks = o.search_tasks(string_field(data, "cursor"),
                              task_state_from_name(string_field(data, "state")), limit + 1);
  return answer(200, page_data("tasks", tasks, limit, append_task));
}

}  // namespace resonate::kernel::v2026
