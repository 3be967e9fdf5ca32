// The kind -> operation table of the 2026 state machine, and the promises
// each operation holds before it reads anything.
#include "kernel/v2026/engine.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <string_view>
#include <vector>

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
  {"promise.search", &promise_search},
  {"schedule.get", &schedule_get},
  {"schedule.create", &schedule_create},
  {"schedule.delete", &schedule_delete},
  {"schedule.search", &schedule_search},
  {"debug.reset", &debug_reset},
  {"debug.snap", &debug_snap},
  {"debug.tick", &tick},
  {"tick", &tick},
};

void add_id(std::vector<std::string>& ids, const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key); v && v->is_string() && !v->as_string().empty()) {
    ids.emplace_back(v->as_string());
  }
}

const json::object* object_at(const json::value& v, std::string_view key) {
  if (!v.is_object()) return nullptr;
  const auto* f = v.as_object().if_contains(key);
  return f && f->is_object() ? &f->as_object() : nullptr;
}

/// The promises a promise.* or task.* operation decides on: the ids it names,
/// sorted, once each. A task's id is its promise's, so holding the promise
/// holds the task too. Of the kinds still run here only promise.get, create
/// and settle name any (their `id`; the store tests send them); the other
/// fields read are those of the kinds that are typed kernel operations now,
/// and go with this file.
std::vector<std::string> named_promises(std::string_view kind, const json::object& data) {
  std::vector<std::string> ids;
  if (!kind.starts_with("promise.") && !kind.starts_with("task.")) return ids;
  if (kind.ends_with(".search")) return ids;
  add_id(ids, data, "id");
  add_id(ids, data, "awaited");
  add_id(ids, data, "awaiter");
  if (const auto* action = data.if_contains("action")) {
    if (const auto* inner = object_at(*action, "data")) add_id(ids, *inner, "id");
  }
  for (const char* list : {"actions", "tasks"}) {
    const auto* a = data.if_contains(list);
    if (!a || !a->is_array()) continue;
    for (const auto& item : a->as_array()) {
      if (const auto* inner = object_at(item, "data")) add_id(ids, *inner, "awaited");
      if (item.is_object()) add_id(ids, item.as_object(), "id");
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

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
  // debug.tick moves time itself: it arms no timer (the kernel's schedule
  // firer fires the due schedules after this pass).
  if (cmd.kind == "debug.tick") data["debug"] = true;
  // Time is the command's: the store's steps after a promise write take it
  // as a parameter. What keeps concurrent operations apart is the promises
  // each holds (the background pass holds its own, see tick).
  db.hold_promises(named_promises(cmd.kind, data));
  op o{db, cmd.now};
  o.schedule_zone = cmd.schedule_zone;
  auto result = fn(o, data);
  result.outbox = o.outbox;
  if (o.wake_at != std::numeric_limits<int64_t>::max()) result.wake_at = o.wake_at;
  return result;
}

}  // namespace resonate::kernel::v2026
