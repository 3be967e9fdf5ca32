#include "api_gateway/protocol_2026/decode.hpp"

#include "api_gateway/protocol_2026/validate.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/protocol_2026/records.hpp"

namespace resonate::api_gateway::protocol_2026 {

using codecs::json_append_int;
using codecs::json_append_string;
using codecs::protocol_2026::append_promise;
using codecs::protocol_2026::append_promises;
using codecs::protocol_2026::append_schedule;
using codecs::protocol_2026::append_task;
using codecs::protocol_2026::message_body;
using codecs::protocol_2026::promise_state_from_name;
using codecs::protocol_2026::settle_state;
using codecs::protocol_2026::tags_from_json;
using codecs::protocol_2026::task_state_from_name;
using codecs::protocol_2026::value_from_json;

namespace q = resonate::queues;
namespace json = boost::json;

namespace {

// validate() checked every field read here: present where required, of its
// type and range.
std::string string_at(const json::object& d, std::string_view key) {
  const auto* v = d.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string{};
}

int64_t version_at(const json::object& d) {
  return integer_of(d.if_contains("version")).value_or(-1);
}

const json::object& object_in(const json::object& d, std::string_view key) {
  static const json::object empty;
  const auto* v = d.if_contains(key);
  return v && v->is_object() ? v->as_object() : empty;
}

q::value value_at(const json::object& d, std::string_view key) {
  auto v = value_from_json(d.if_contains(key));
  return v ? std::move(*v) : q::value{};
}

q::tag_map tags_at(const json::object& d, std::string_view key) {
  auto t = tags_from_json(d.if_contains(key));
  return t ? std::move(*t) : q::tag_map{};
}

q::promise26_create_request create_at(const json::object& d, std::optional<int64_t> debug_time) {
  q::promise26_create_request r;
  r.id = string_at(d, "id");
  r.param = value_at(d, "param");
  r.timeout_at = integer_of(d.if_contains("timeoutAt")).value_or(0);
  auto tags = tags_from_json(d.if_contains("tags"));
  if (tags) r.tags = std::move(*tags);
  r.debug_time = debug_time;
  return r;
}

q::promise26_settle_request settle_at(const json::object& d, std::optional<int64_t> debug_time) {
  q::promise26_settle_request r;
  r.id = string_at(d, "id");
  r.state = settle_state(string_at(d, "state")).value_or(q::promise_state::resolved);
  r.val = value_at(d, "value");
  r.debug_time = debug_time;
  return r;
}

}  // namespace

std::optional<q::request_payload> decode_typed(const envelope& env,
                                               std::optional<int64_t> debug_time) {
  const auto& d = env.data;
  if (env.kind == "promise.get") {
    return q::promise26_get_request{string_at(d, "id"), debug_time};
  }
  if (env.kind == "promise.create") return create_at(d, debug_time);
  if (env.kind == "promise.settle") return settle_at(d, debug_time);
  if (env.kind == "promise.register_callback") {
    return q::promise26_register_callback_request{string_at(d, "awaited"), string_at(d, "awaiter"),
                                                  debug_time};
  }
  if (env.kind == "promise.register_listener") {
    return q::promise26_register_listener_request{string_at(d, "awaited"), string_at(d, "address"),
                                                  debug_time};
  }
  if (env.kind == "task.create") {
    q::task26_create_request r;
    r.pid = string_at(d, "pid");
    r.ttl = integer_of(d.if_contains("ttl")).value_or(0);
    r.action = create_at(object_in(object_in(d, "action"), "data"), debug_time);
    r.debug_time = debug_time;
    return r;
  }
  if (env.kind == "task.fence") {
    const auto& action = object_in(d, "action");
    q::task26_fence_request r;
    r.id = string_at(d, "id");
    r.version = version_at(d);
    if (string_at(action, "kind") == "promise.create") {
      r.create = create_at(object_in(action, "data"), debug_time);
    } else {
      r.settle = settle_at(object_in(action, "data"), debug_time);
    }
    r.debug_time = debug_time;
    return r;
  }
  if (env.kind == "task.get") return q::task26_get_request{string_at(d, "id"), debug_time};
  if (env.kind == "task.search") {
    // validate() checked the fields; a null one is an absent one.
    q::task26_search_request r;
    r.state = task_state_from_name(string_at(d, "state"));
    r.limit = integer_of(d.if_contains("limit")).value_or(100);
    r.cursor = string_at(d, "cursor");
    r.debug_time = debug_time;
    return r;
  }
  if (env.kind == "task.acquire") {
    return q::task26_acquire_request{string_at(d, "id"), version_at(d), string_at(d, "pid"),
                                     integer_of(d.if_contains("ttl")).value_or(0), debug_time};
  }
  if (env.kind == "task.release") {
    return q::task26_release_request{string_at(d, "id"), version_at(d), debug_time};
  }
  if (env.kind == "task.fulfill") {
    const auto& settle = object_in(object_in(d, "action"), "data");
    q::task26_fulfill_request r;
    r.id = string_at(d, "id");
    r.version = version_at(d);
    r.state = settle_state(string_at(settle, "state")).value_or(q::promise_state::resolved);
    r.val = value_at(settle, "value");
    r.debug_time = debug_time;
    return r;
  }
  if (env.kind == "task.suspend") {
    q::task26_suspend_request r;
    r.id = string_at(d, "id");
    r.version = version_at(d);
    if (const auto* actions = d.if_contains("actions"); actions && actions->is_array()) {
      for (const auto& a : actions->as_array()) {
        if (a.is_object())
          r.awaited.push_back(string_at(object_in(a.as_object(), "data"), "awaited"));
      }
    }
    r.debug_time = debug_time;
    return r;
  }
  if (env.kind == "task.heartbeat") {
    q::task26_heartbeat_request r;
    r.pid = string_at(d, "pid");
    if (const auto* tasks = d.if_contains("tasks"); tasks && tasks->is_array()) {
      for (const auto& t : tasks->as_array()) {
        if (t.is_object())
          r.tasks.push_back({string_at(t.as_object(), "id"), version_at(t.as_object())});
      }
    }
    r.debug_time = debug_time;
    return r;
  }
  if (env.kind == "task.halt") return q::task26_halt_request{string_at(d, "id"), debug_time};
  if (env.kind == "task.continue")
    return q::task26_continue_request{string_at(d, "id"), debug_time};
  if (env.kind == "promise.search") {
    // validate() checked the fields; a null one is an absent one. No state:
    // every state.
    q::promise26_search_request r;
    r.state = promise_state_from_name(string_at(d, "state"));
    r.tags = tags_at(d, "tags");
    r.limit = integer_of(d.if_contains("limit")).value_or(100);
    r.cursor = string_at(d, "cursor");
    r.debug_time = debug_time;
    return r;
  }
  if (env.kind == "schedule.get") return q::schedule26_get_request{string_at(d, "id"), debug_time};
  if (env.kind == "schedule.create") {
    q::schedule26_create_request r;
    r.id = string_at(d, "id");
    r.cron = string_at(d, "cron");
    r.promise_id = string_at(d, "promiseId");
    r.promise_timeout = integer_of(d.if_contains("promiseTimeout")).value_or(0);
    r.promise_param = value_at(d, "promiseParam");
    r.promise_tags = tags_at(d, "promiseTags");
    r.debug_time = debug_time;
    return r;
  }
  if (env.kind == "schedule.delete") {
    return q::schedule26_delete_request{string_at(d, "id"), debug_time};
  }
  if (env.kind == "schedule.search") {
    // As promise.search; the default page is 10 (spec 1.9).
    q::schedule26_search_request r;
    r.tags = tags_at(d, "tags");
    r.limit = integer_of(d.if_contains("limit")).value_or(10);
    r.cursor = string_at(d, "cursor");
    r.debug_time = debug_time;
    return r;
  }
  if (auto op = debug_op_of(env.kind)) return q::debug26_request{*op, debug_time};
  return std::nullopt;
}

std::optional<q::debug26_op> debug_op_of(std::string_view kind) {
  if (kind == "debug.start") return q::debug26_op::start;
  if (kind == "debug.stop") return q::debug26_op::stop;
  if (kind == "debug.reset") return q::debug26_op::reset;
  if (kind == "debug.snap") return q::debug26_op::snap;
  if (kind == "debug.tick") return q::debug26_op::tick;
  return std::nullopt;
}

std::string encode_task26(std::string_view kind, std::string_view corr_id,
                          const q::task26_response& r) {
  if (r.status != 200 && r.status != 300) return encode_error(kind, corr_id, r.status, r.message);
  std::string data = "{";
  auto field = [&](const char* name) {
    if (data.size() > 1) data += ',';
    data += '"';
    data += name;
    data += "\":";
  };
  if (r.task) {
    field("task");
    append_task(data, *r.task);
  }
  if (r.promise) {
    field("promise");
    append_promise(data, *r.promise);
  }
  if (r.preload) {
    field("preload");
    append_promises(data, *r.preload);
  }
  data += '}';
  return encode_response(kind, corr_id, r.status, data);
}

namespace {

/// A *.search page (spec 1.9): `{"<field>":[...]}` with each row written by
/// `append`, and `"cursor"` only when more remain.
template <class Row, class Append>
std::string page_response(std::string_view kind, std::string_view corr_id, std::string_view field,
                          const std::vector<Row>& rows, const std::optional<std::string>& cursor,
                          Append append) {
  std::string data = "{\"";
  data += field;
  data += "\":[";
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i) data += ',';
    append(data, rows[i]);
  }
  data += ']';
  if (cursor) {
    data += ",\"cursor\":";
    json_append_string(data, *cursor);
  }
  data += '}';
  return encode_response(kind, corr_id, 200, data);
}

}  // namespace

std::string encode_task26_search(std::string_view kind, std::string_view corr_id,
                                 const q::task26_search_response& r) {
  return page_response(kind, corr_id, "tasks", r.tasks, r.cursor, append_task);
}

fence_echo fence_echo_of(const envelope& env) {
  const auto& action = object_in(env.data, "action");
  const auto& head = object_in(action, "head");
  fence_echo e;
  e.before_status = "{\"kind\":";
  json_append_string(e.before_status, string_at(action, "kind"));
  e.before_status += ",\"head\":{";
  if (const auto* c = head.if_contains("corrId"); c && c->is_string()) {
    e.before_status += "\"corrId\":";
    json_append_string(e.before_status, c->as_string());
    e.before_status += ',';
  }
  e.before_status += "\"status\":";
  if (const auto* v = head.if_contains("version"); v && v->is_string()) {
    e.after_status = ",\"version\":";
    json_append_string(e.after_status, v->as_string());
  }
  e.after_status += "},\"data\":";
  return e;
}

std::string encode_fence26(std::string_view kind, std::string_view corr_id, const fence_echo& echo,
                           const q::task26_fence_response& r) {
  if (r.status != 200) return encode_error(kind, corr_id, r.status, r.message);
  std::string data = "{\"action\":";
  data += echo.before_status;
  json_append_int(data, r.action.status);
  data += echo.after_status;
  if (r.action.status == 200 && r.action.promise) {
    data += "{\"promise\":";
    append_promise(data, *r.action.promise);
    data += '}';
  } else {
    json_append_string(data, r.action.message);
  }
  // The SDK re-fences what it does not find here; an empty preload is correct
  // and saves reading the branch on every child create.
  data += "},\"preload\":[]}";
  return encode_response(kind, corr_id, r.status, data);
}

std::string encode_promise26(std::string_view kind, std::string_view corr_id,
                             const q::promise26_response& r) {
  if (r.status != 200 || !r.promise) return encode_error(kind, corr_id, r.status, r.message);
  std::string data = "{\"promise\":";
  append_promise(data, *r.promise);
  data += '}';
  return encode_response(kind, corr_id, r.status, data);
}

namespace {

/// debug.snap's data (spec 1.9): every part of the snapshot in the kernel's
/// order; a task timer without its type is a retry; the messages with the
/// bodies the sender would send, but an empty head.
std::string snap_data(const q::snapshot26& s) {
  std::string out = "{\"promises\":";
  append_promises(out, s.promises);
  out += ",\"promiseTimeouts\":[";
  for (size_t i = 0; i < s.promise_timeouts.size(); ++i) {
    if (i) out += ',';
    out += "{\"id\":";
    json_append_string(out, s.promise_timeouts[i].id);
    out += ",\"timeout\":";
    json_append_int(out, s.promise_timeouts[i].timeout);
    out += '}';
  }
  out += "],\"callbacks\":[";
  for (size_t i = 0; i < s.callbacks.size(); ++i) {
    if (i) out += ',';
    out += "{\"awaiter\":";
    json_append_string(out, s.callbacks[i].awaiter);
    out += ",\"awaited\":";
    json_append_string(out, s.callbacks[i].awaited);
    out += '}';
  }
  out += "],\"listeners\":[";
  for (size_t i = 0; i < s.listeners.size(); ++i) {
    if (i) out += ',';
    out += "{\"id\":";
    json_append_string(out, s.listeners[i].promise_id);
    out += ",\"address\":";
    json_append_string(out, s.listeners[i].address);
    out += '}';
  }
  out += "],\"tasks\":[";
  for (size_t i = 0; i < s.tasks.size(); ++i) {
    if (i) out += ',';
    append_task(out, s.tasks[i]);
  }
  out += "],\"taskTimeouts\":[";
  bool first = true;
  for (const auto& t : s.tasks) {
    if (!t.timer_at) continue;
    if (!first) out += ',';
    first = false;
    out += "{\"id\":";
    json_append_string(out, t.id);
    out += ",\"type\":";
    json_append_int(out, static_cast<int64_t>(t.timer.value_or(q::task26_timer::retry)));
    out += ",\"timeout\":";
    json_append_int(out, *t.timer_at);
    out += '}';
  }
  out += "],\"messages\":[";
  for (size_t i = 0; i < s.messages.size(); ++i) {
    if (i) out += ',';
    out += "{\"address\":";
    json_append_string(out, s.messages[i].address);
    out += ",\"message\":";
    out += message_body(s.messages[i], {});
    out += '}';
  }
  out += "]}";
  return out;
}

}  // namespace

std::string encode_promise26_search(std::string_view kind, std::string_view corr_id,
                                    const q::promise26_search_response& r) {
  return page_response(kind, corr_id, "promises", r.promises, r.cursor, append_promise);
}

std::string encode_schedule26(std::string_view kind, std::string_view corr_id,
                              const q::schedule26_response& r) {
  if (r.status != 200) return encode_error(kind, corr_id, r.status, r.message);
  if (!r.schedule) return encode_response(kind, corr_id, 200, "{}");
  std::string data = "{\"schedule\":";
  append_schedule(data, *r.schedule);
  data += '}';
  return encode_response(kind, corr_id, 200, data);
}

std::string encode_schedule26_search(std::string_view kind, std::string_view corr_id,
                                     const q::schedule26_search_response& r) {
  return page_response(kind, corr_id, "schedules", r.schedules, r.cursor, append_schedule);
}

std::string encode_debug26(std::string_view kind, std::string_view corr_id, q::debug26_op op,
                           const q::debug26_response& r) {
  if (op == q::debug26_op::tick) return encode_response(kind, corr_id, 200, "[]");
  if (op != q::debug26_op::snap) return encode_response(kind, corr_id, 200, "{}");
  if (!r.snap) return encode_error(kind, corr_id, 500, "Internal error: no snapshot");
  return encode_response(kind, corr_id, 200, snap_data(*r.snap));
}

}  // namespace resonate::api_gateway::protocol_2026
