#include "api_gateway/protocol_2026/decode.hpp"

#include "api_gateway/protocol_2026/validate.hpp"
#include "codecs/protocol_2026/records.hpp"

namespace resonate::api_gateway::protocol_2026 {

using codecs::protocol_2026::append_promise;
using codecs::protocol_2026::append_promises;
using codecs::protocol_2026::append_task;
using codecs::protocol_2026::settle_state;
using codecs::protocol_2026::tags_from_json;
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

}  // namespace

std::optional<q::request_payload> decode_typed(const envelope& env,
                                               std::optional<int64_t> debug_time) {
  const auto& d = env.data;
  if (env.kind == "promise.get") {
    return q::promise26_get_request{string_at(d, "id"), debug_time};
  }
  if (env.kind == "promise.create") {
    q::promise26_create_request r;
    r.id = string_at(d, "id");
    r.param = value_at(d, "param");
    r.timeout_at = integer_of(d.if_contains("timeoutAt")).value_or(0);
    auto tags = tags_from_json(d.if_contains("tags"));
    if (tags) r.tags = std::move(*tags);
    r.debug_time = debug_time;
    return r;
  }
  if (env.kind == "promise.settle") {
    q::promise26_settle_request r;
    r.id = string_at(d, "id");
    r.state = settle_state(string_at(d, "state")).value_or(q::promise_state::resolved);
    r.val = value_at(d, "value");
    r.debug_time = debug_time;
    return r;
  }
  if (env.kind == "task.get") return q::task26_get_request{string_at(d, "id"), debug_time};
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

std::string encode_promise26(std::string_view kind, std::string_view corr_id,
                             const q::promise26_response& r) {
  if (r.status != 200 || !r.promise) return encode_error(kind, corr_id, r.status, r.message);
  std::string data = "{\"promise\":";
  append_promise(data, *r.promise);
  data += '}';
  return encode_response(kind, corr_id, r.status, data);
}

}  // namespace resonate::api_gateway::protocol_2026
