// The kind -> operation table of the 2026 state machine, and the clock the
// triggers read.
#include "kernel/v2026/engine.hpp"

#include <boost/json/parse.hpp>

#include <string_view>

#include "kernel/v2026/ops.hpp"

namespace resonate::kernel::v2026 {

namespace q = resonate::queues;
namespace json = boost::json;

namespace {

struct entry {
  std::string_view kind;
  op_fn fn;
};

constexpr entry operations[] = {
  {"promise.get", &promise_get},
  {"promise.create", &promise_create},
  {"promise.settle", &promise_settle},
  {"promise.register_callback", &promise_register_callback},
  {"promise.register_listener", &promise_register_listener},
  {"promise.search", &promise_search},
  {"task.get", &task_get},
  {"task.create", &task_create},
  {"task.acquire", &task_acquire},
  {"task.release", &task_release},
  {"task.fulfill", &task_fulfill},
  {"task.suspend", &task_suspend},
  {"task.fence", &task_fence},
  {"task.heartbeat", &task_heartbeat},
  {"task.halt", &task_halt},
  {"task.continue", &task_continue},
  {"task.search", &task_search},
  {"schedule.get", &schedule_get},
  {"schedule.create", &schedule_create},
  {"schedule.delete", &schedule_delete},
  {"schedule.search", &schedule_search},
  {"debug.reset", &debug_reset},
  {"debug.snap", &debug_snap},
  {"debug.tick", &tick},
  {"tick", &tick},
};

}  // namespace

q::v2026_result apply(database& db, const q::v2026_cmd& cmd) {
  op_fn fn = nullptr;
  for (const auto& e : operations) {
    if (e.kind == cmd.kind) fn = e.fn;
  }
  if (!fn) return failure(400, "Unknown operation: " + cmd.kind);
  json::object data;
  if (!cmd.data_json.empty()) {
    auto v = json::parse(cmd.data_json);
    if (v.is_object()) data = std::move(v.as_object());
  }
  // debug.tick fires due schedules too; the running server's tick leaves them
  // to REST v1's schedule job.
  if (cmd.kind == "debug.tick") data["schedules"] = true;
  db.query("UPDATE clock26 SET now = $1", {cmd.now});
  op o{db, cmd.now};
  auto result = fn(o, data);
  result.outbox = o.outbox;
  if (o.wake_at != std::numeric_limits<int64_t>::max()) result.wake_at = o.wake_at;
  return result;
}

}  // namespace resonate::kernel::v2026
