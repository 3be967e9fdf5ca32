// debug.* of protocol 2026-04-01 (spec 1.9) that touch the store, and the
// background pass (spec 4.2) that debug.tick and the running server share.
// debug.start and debug.stop only pause and resume the kernel's background
// jobs; the kernel answers them itself.
#include <algorithm>
#include <string>
#include <vector>
#include "codecs/json_writer.hpp"
#include "codecs/protocol_2026/records.hpp"

#include "kernel/domain/task26.hpp"
#include "kernel/v2026/ops.hpp"

namespace resonate::kernel::v2026 {

namespace q = resonate::queues;
namespace json = boost::json;
using codecs::json_append_int;
using codecs::json_append_string;
using codecs::protocol_2026::append_promises;
using codecs::protocol_2026::append_task;

namespace {

std::vector<task_row> all_tasks(op& o) {
  std::vector<task_row> out;
  for (const auto& r : o.db.query("SELECT id FROM tasks26 ORDER BY id", {})) {
    if (auto t = o.read_task(r.text(0))) out.push_back(std::move(*t));
  }
  return out;
}

}  // namespace

q::v2026_result debug_reset(op& o, const json::object&) {
  for (const char* table : {"promises", "callbacks", "tasks", "schedules", "locks", "tasks26",
                            "callbacks26", "listeners26", "promise_timeouts26", "outbox_execute26",
                            "outbox_unblock26", "outbox_parked26", "branches26"}) {
    o.db.query(std::string("DELETE FROM ") + table, {});
  }
  return answer(200, "{}");
}

q::v2026_result debug_snap(op& o, const json::object&) {
  q::search_promises_cmd all;
  all.id = "*";
  all.limit = 1000000;
  auto promises = std::get<q::query_promises_result>(o.db.run(all)).records;
  std::string out = "{\"promises\":";
  append_promises(out, promises);

  out += ",\"promiseTimeouts\":[";
  bool first = true;
  for (const auto& r : o.db.query("SELECT id, timeout FROM promise_timeouts26 ORDER BY id", {})) {
    if (!first) out += ',';
    first = false;
    out += "{\"id\":";
    json_append_string(out, r.text(0));
    out += ",\"timeout\":";
    json_append_int(out, r.int64(1));
    out += '}';
  }
  out += "],\"callbacks\":[";
  first = true;
  for (const auto& r :
       o.db.query("SELECT awaiter, awaited FROM callbacks26 ORDER BY awaited, awaiter", {})) {
    if (!first) out += ',';
    first = false;
    out += "{\"awaiter\":";
    json_append_string(out, r.text(0));
    out += ",\"awaited\":";
    json_append_string(out, r.text(1));
    out += '}';
  }
  out += "],\"listeners\":[";
  first = true;
  for (const auto& r :
       o.db.query("SELECT promise_id, address FROM listeners26 ORDER BY promise_id, address", {})) {
    if (!first) out += ',';
    first = false;
    out += "{\"id\":";
    json_append_string(out, r.text(0));
    out += ",\"address\":";
    json_append_string(out, r.text(1));
    out += '}';
  }
  out += "],\"tasks\":[";
  auto tasks = all_tasks(o);
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (i) out += ',';
    append_task(out, tasks[i]);
  }
  out += "],\"taskTimeouts\":[";
  first = true;
  for (const auto& t : tasks) {
    if (!t.timer_at) continue;
    if (!first) out += ',';
    first = false;
    out += "{\"id\":";
    json_append_string(out, t.id);
    out += ",\"type\":";
    json_append_int(out, static_cast<int64_t>(t.timer.value_or(task26_timer::retry)));
    out += ",\"timeout\":";
    json_append_int(out, *t.timer_at);
    out += '}';
  }
  out += "],\"messages\":[";
  // The outbox as it stands (undelivered); bodies as debug.snap shows them,
  // with an empty head.
  auto queued = take_outbox(o.db, q::take_outbox_cmd{1000000, {}, {}, 0});
  for (size_t i = 0; i < queued.messages.size(); ++i) {
    if (i) out += ',';
    out += "{\"address\":";
    json_append_string(out, queued.messages[i].address);
    out += ",\"message\":";
    out += queued.messages[i].body;
    out += '}';
  }
  out += "]}";
  return answer(200, std::move(out));
}

q::v2026_result tick(op& o, const json::object& data) {
  auto due_promises = o.db.query(
    "SELECT id FROM promise_timeouts26 WHERE timeout <= $1 ORDER BY timeout, id", {o.now});
  auto due_tasks =
    o.db.query("SELECT id FROM tasks26 WHERE timer_at <= $1 ORDER BY timer_at, id", {o.now});
  // Every promise the pass decides on is held first, in id order (as every
  // operation does); each is read again afterwards, as it is now.
  std::vector<std::string> held;
  for (const auto* rows : {&due_promises, &due_tasks}) {
    for (const auto& r : *rows) held.push_back(r.text(0));
  }
  std::sort(held.begin(), held.end());
  held.erase(std::unique(held.begin(), held.end()), held.end());
  o.db.hold_promises(held);
  // 1. Promise timeouts: each settles with its chain (the store's step after
  //    a completion); a task whose own promise and an awaited one both expire
  //    here ends fulfilled, because the chain does not resume an awaiter
  //    whose promise is overdue.
  for (const auto& r : due_promises) o.materialise(r.text(0));
  // 2, 3. Task timers: a pending task's retry re-sends its execute; an
  //    acquired task's lapsed lease makes it pending again (same version).
  for (const auto& r : due_tasks) {
    auto t = o.read_task(r.text(0));
    if (!t || !t->timer_at || *t->timer_at > o.now) continue;
    const bool lease_lapsed = t->timer == task26_timer::lease && t->state == task_state::acquired;
    const bool retry_due = t->timer == task26_timer::retry && t->state == task_state::pending;
    if (!lease_lapsed && !retry_due) continue;
    *t = domain::pending_again(std::move(*t), o.now);
    o.write_task(*t);
    o.enqueue_execute(t->id, t->version, t->address);
  }
  // 4. Schedules fire from the kernel's one schedule firer, after this pass.
  // debug.tick: the test moves time itself, so there is no next timer to find.
  if (const auto* d = data.if_contains("debug"); d && d->is_bool() && d->as_bool()) {
    return answer(200, "[]");
  }
  // The running server's tick sleeps until the earliest timer left.
  for (const char* sql :
       {"SELECT min(timeout) FROM promise_timeouts26", "SELECT min(timer_at) FROM tasks26"}) {
    for (const auto& r : o.db.query(sql, {})) {
      if (!r.is_null(0)) o.arm(r.int64(0));
    }
  }
  return answer(200, "[]");
}

}  // namespace resonate::kernel::v2026
