// task.create, task.fence and task.search of protocol 2026-04-01 (spec 1.9,
// 2.3, 2.4), still run inside the store transaction; the other task kinds are
// typed kernel operations (kernel/coroutines/task26.cpp, kernel/domain/task26.*).
// One task per targeted promise, its id the promise's. The version counts
// acquires only; the fence is "acquired, its promise still pending, and this
// version" (409 otherwise). Every kind first materialises the timeouts of the
// ids it names (2.1), so a task whose promise just timed out is already
// fulfilled (by the settlement chain) when the fence is checked.
#include "codecs/json_writer.hpp"
#include "codecs/protocol_2026/records.hpp"
#include "kernel/domain/task26.hpp"
#include "kernel/v2026/ops.hpp"

namespace resonate::kernel::v2026 {

namespace q = resonate::queues;
namespace json = boost::json;
using codecs::protocol_2026::append_promises;
using codecs::protocol_2026::append_task;
using codecs::protocol_2026::task_state_from_name;

namespace {

bool pending(const std::optional<q::promise_record>& p) {
  return p && p->state == q::promise_state::pending;
}

/// The fence of spec 2.3: the task, or the answer that refuses the request.
struct fenced {
  std::optional<task_row> task;
  std::optional<q::v2026_result> refusal;
};

/// `own`: the task's promise as the operation materialised it.
fenced check_fence(op& o, const std::string& id, const std::optional<q::promise_record>& own,
                   int64_t version, std::string_view conflict) {
  auto t = o.read_task(id);
  if (!t) return {std::nullopt, failure(404, "Task not found")};
  if (t->state != task_state::acquired || !pending(own) || t->version != version) {
    return {std::nullopt, failure(409, conflict)};
  }
  return {std::move(t), std::nullopt};
}

/// acquired at version+1 by pid for ttl, its lease timer at now+ttl, resumes cleared.
void acquire(op& o, task_row& t, const json::object& data) {
  t = domain::acquired(std::move(t), string_field(data, "pid"), int_field(data, "ttl"), o.now);
  o.write_task(t);
}

/// {"task":T,"promise":P,"preload":[...]}
std::string claimed_data(op& o, const task_row& t, const q::promise_record& p, bool with_preload) {
  std::string out = "{\"task\":";
  append_task(out, t);
  out += ",\"promise\":";
  codecs::protocol_2026::append_promise(out, p);
  out += ",\"preload\":";
  append_promises(out, with_preload ? o.preload(p) : std::vector<q::promise_record>{});
  out += '}';
  return out;
}

}  // namespace

/// Ordered by id after the cursor, as promise.search. States are as stored:
/// every timer that moves a task (retry, lease, its promise's timeout) is
/// armed and run by the background pass, not on access.
q::v2026_result task_search(op& o, const json::object& data) {
  auto limit = search_limit(data, 100);
  auto tasks = o.search_tasks(string_field(data, "cursor"),
                              task_state_from_name(string_field(data, "state")), limit + 1);
  return answer(200, page_data("tasks", tasks, limit, append_task));
}

q::v2026_result task_create(op& o, const json::object& data) {
  const auto& action = object_field(object_field(data, "action"), "data");
  auto id = string_field(action, "id");
  auto existing_promise = o.materialise(id);
  if (auto t = o.read_task(id)) {
    // A task.create on an existing task: a pending one is acquired, a fulfilled
    // one is reported, any other is a conflict (the SDK then listens instead).
    if (!existing_promise) return failure(409, "Task already exists");
    if (t->state == task_state::pending) {
      acquire(o, *t, data);
      return answer(200, claimed_data(o, *t, *existing_promise, true));
    }
    if (t->state == task_state::fulfilled) {
      return answer(200, claimed_data(o, *t, *existing_promise, true));
    }
    return failure(409, "Task already exists");
  }
  if (existing_promise) {
    if (!existing_promise->tags.count("resonate:target")) {
      return failure(422, "The promise does not have a resonate:target tag");
    }
    return failure(409, "Promise already exists");
  }
  auto p = create_promise(o, action);
  auto t = o.read_task(id);
  if (!t) return failure(422, "The promise does not have a resonate:target tag");
  if (p.state != q::promise_state::pending) return answer(200, claimed_data(o, *t, p, false));
  // The caller is the worker: no execute goes out for this task.
  o.remove_execute(id);
  t->version = 0;
  acquire(o, *t, data);
  return answer(200, claimed_data(o, *t, p, true));
}

q::v2026_result task_fence(op& o, const json::object& data) {
  auto id = string_field(data, "id");
  const auto& action = object_field(data, "action");
  const auto& inner = object_field(action, "data");
  auto read = o.materialise_all({id, string_field(inner, "id")});
  auto& own = read[0];
  auto& target = read[1];
  auto f = check_fence(o, id, own, int_field(data, "version", -1), "Version mismatch");
  if (f.refusal) return std::move(*f.refusal);
  // Both promises are held (engine.cpp) and read already: the action decides
  // on them as read.
  auto kind = string_field(action, "kind");
  q::v2026_result result;
  if (kind == "promise.create") {
    result = promise_create_as_of(o, inner, target);
  } else if (auto settled = settle_promise_as_of(o, inner, std::move(target))) {
    result = answer(200, promise_data(*settled));
  } else {
    result = failure(404, "Promise not found");
  }
  // The inner answer is an envelope of its own, echoing the action's head.
  const auto& head = object_field(action, "head");
  std::string out = "{\"action\":{\"kind\":";
  codecs::json_append_string(out, kind);
  out += ",\"head\":{";
  if (const auto* c = head.if_contains("corrId"); c && c->is_string()) {
    out += "\"corrId\":";
    codecs::json_append_string(out, c->as_string());
    out += ',';
  }
  out += "\"status\":";
  codecs::json_append_int(out, result.status);
  if (const auto* v = head.if_contains("version"); v && v->is_string()) {
    out += ",\"version\":";
    codecs::json_append_string(out, v->as_string());
  }
  out += "},\"data\":";
  out += result.data_json;
  // The SDK re-fences what it does not find here; an empty preload is correct
  // and saves reading the branch on every child create.
  out += "},\"preload\":[]}";
  return answer(200, std::move(out));
}

}  // namespace resonate::kernel::v2026
