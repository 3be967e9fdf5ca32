#include "api_gateway/protocol_2026/validate.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string_view>

#include "codecs/address.hpp"
#include "codecs/protocol_2026/records.hpp"

namespace resonate::api_gateway::protocol_2026 {

using codecs::protocol_2026::promise_state_from_name;
using codecs::protocol_2026::settle_state;
using codecs::protocol_2026::tags_from_json;
using codecs::protocol_2026::task_state_names;
using codecs::protocol_2026::value_from_json;

namespace json = boost::json;

namespace {

using check = std::optional<std::string>;

const json::value* at(const json::object& o, std::string_view key) {
  return o.if_contains(key);
}

/// An integer field >= min (integer_of: fractions floored, nothing past int64).
bool int64_at_least(const json::value* v, int64_t min) {
  auto n = integer_of(v);
  return n && *n >= min;
}

const json::object* object_at(const json::object& o, std::string_view key) {
  const auto* v = at(o, key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

bool non_empty_string(const json::value* v) {
  return v && v->is_string() && !v->as_string().empty();
}

std::string_view string_or_empty(const json::value* v) {
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view{};
}

check required_string(const json::object& o, std::string_view key, const char* message) {
  if (!non_empty_string(at(o, key))) return std::string(message);
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> integer_of(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (!v->is_double()) return std::nullopt;
  constexpr double two_to_63 = 9223372036854775808.0;
  const double d = std::floor(v->as_double());
  if (!(d >= -two_to_63 && d < two_to_63)) return std::nullopt;  // NaN fails too
  return static_cast<int64_t>(d);
}

bool valid_address(std::string_view a) {
  return codecs::protocol_2026_address(a);
}

namespace {

check promise_create_data(const json::object& d) {
  const auto* id = at(d, "id");
  if (!non_empty_string(id)) return "Promise ID is required";
  if (std::string_view(id->as_string()).find('\0') != std::string_view::npos) {
    return "Promise ID must not contain null bytes";
  }
  if (!int64_at_least(at(d, "timeoutAt"), 0))
    return "Invalid 'timeoutAt' — must be a non-negative integer";
  if (at(d, "param") && !value_from_json(at(d, "param")))
    return "Invalid 'param' — must be a value";
  if (at(d, "tags") && !tags_from_json(at(d, "tags"))) {
    return "Invalid 'tags' — must be an object of strings";
  }
  if (const auto* tags = object_at(d, "tags")) {
    const auto* target = at(*tags, "resonate:target");
    if (target && !valid_address(string_or_empty(target))) return "Invalid resonate:target address";
  }
  return std::nullopt;
}

check promise_settle_data(const json::object& d) {
  if (auto e = required_string(d, "id", "Promise ID is required")) return e;
  if (!settle_state(string_or_empty(at(d, "state")))) {
    return "Invalid 'state' — must be resolved, rejected or rejected_canceled";
  }
  if (at(d, "value") && !value_from_json(at(d, "value")))
    return "Invalid 'value' — must be a value";
  return std::nullopt;
}

check version_at(const json::object& d) {
  if (!int64_at_least(at(d, "version"), 0))
    return "Invalid 'version' — must be a non-negative integer";
  return std::nullopt;
}

check task_id_version(const json::object& d) {
  if (auto e = required_string(d, "id", "Task ID is required")) return e;
  return version_at(d);
}

/// promise.search, task.search, schedule.search (spec 1.7, 1.9). A null field
/// is an absent one, as the reference's optional fields take it.
check search_data(std::string_view kind, const json::object& d) {
  auto given = [&](std::string_view key) -> const json::value* {
    const auto* v = at(d, key);
    return v && !v->is_null() ? v : nullptr;
  };
  if (const auto* l = given("limit")) {
    if (!l->is_int64() || l->as_int64() < 1 || l->as_int64() > 1000) {
      return "Invalid 'limit' — must be between 1 and 1000";
    }
  }
  // The cursor is the last id of the page before: any string will do.
  if (const auto* c = given("cursor"); c && !c->is_string())
    return "Invalid 'cursor' — must be a string";
  if (kind == "task.search") {
    if (const auto* s = given("state")) {
      auto name = string_or_empty(s);
      if (std::find(std::begin(task_state_names), std::end(task_state_names), name) ==
          std::end(task_state_names)) {
        return "Invalid 'state' — must be pending, acquired, suspended, halted "
               "or fulfilled";
      }
    }
    return std::nullopt;
  }
  if (kind == "promise.search") {
    if (const auto* s = given("state"); s && !promise_state_from_name(string_or_empty(s))) {
      return "Invalid 'state' — must be pending, resolved, rejected, "
             "rejected_canceled or "
             "rejected_timedout";
    }
  }
  if (const auto* t = given("tags"); t && !tags_from_json(t)) {
    return "Invalid 'tags' — must be an object of strings";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> validate(const envelope& e) {
  const auto& d = e.data;
  const auto& k = e.kind;
  if (k == "promise.get" || k == "task.get" || k == "task.halt" || k == "task.continue" ||
      k == "schedule.get" || k == "schedule.delete") {
    return required_string(d, "id", "ID is required");
  }
  if (k == "promise.create") return promise_create_data(d);
  if (k == "promise.settle") return promise_settle_data(d);
  if (k == "promise.register_callback") {
    if (auto x = required_string(d, "awaited", "Awaited ID is required")) return x;
    if (auto x = required_string(d, "awaiter", "Awaiter ID is required")) return x;
    if (string_or_empty(at(d, "awaited")) == string_or_empty(at(d, "awaiter"))) {
      return "Awaited and awaiter must be different";
    }
    return std::nullopt;
  }
  if (k == "promise.register_listener") {
    if (auto x = required_string(d, "awaited", "Awaited ID is required")) return x;
    if (!valid_address(string_or_empty(at(d, "address")))) return "Invalid listener address";
    return std::nullopt;
  }
  if (k == "task.create") {
    if (auto x = required_string(d, "pid", "Process ID is required")) return x;
    if (!int64_at_least(at(d, "ttl"), 1)) return "Invalid 'ttl' — must be a positive integer";
    const auto* action = object_at(d, "action");
    const auto* inner = action ? object_at(*action, "data") : nullptr;
    if (!inner) return "Invalid 'action' — must be a promise.create";
    if (auto x = promise_create_data(*inner)) return x;
    const auto* tags = object_at(*inner, "tags");
    if (!tags || !non_empty_string(at(*tags, "resonate:target"))) {
      return "Action must have a resonate:target tag";
    }
    return std::nullopt;
  }
  if (k == "task.acquire") {
    if (auto x = task_id_version(d)) return x;
    if (auto x = required_string(d, "pid", "Process ID is required")) return x;
    if (!int64_at_least(at(d, "ttl"), 1)) return "Invalid 'ttl' — must be a positive integer";
    return std::nullopt;
  }
  if (k == "task.release") return task_id_version(d);
  if (k == "task.fulfill") {
    if (auto x = task_id_version(d)) return x;
    const auto* action = object_at(d, "action");
    const auto* inner = action ? object_at(*action, "data") : nullptr;
    if (!inner) return "Invalid 'action' — must be a promise.settle";
    if (auto x = promise_settle_data(*inner)) return x;
    if (string_or_empty(at(*inner, "id")) != string_or_empty(at(d, "id"))) {
      return "Action ID must match the task ID";
    }
    return std::nullopt;
  }
  if (k == "task.suspend") {
    if (auto x = task_id_version(d)) return x;
    const auto* actions = at(d, "actions");
    if (!actions || !actions->is_array() || actions->as_array().empty()) {
      return "Actions list must not be empty";
    }
    auto id = string_or_empty(at(d, "id"));
    for (const auto& a : actions->as_array()) {
      const auto* inner = a.is_object() ? object_at(a.as_object(), "data") : nullptr;
      if (!inner || !non_empty_string(at(*inner, "awaited"))) return "Awaited ID is required";
      if (string_or_empty(at(*inner, "awaiter")) != id)
        return "Awaiter must be the suspending task";
      if (string_or_empty(at(*inner, "awaited")) == id) return "Task cannot await its own promise";
    }
    return std::nullopt;
  }
  if (k == "task.fence") {
    if (auto x = task_id_version(d)) return x;
    const auto* action = object_at(d, "action");
    const auto* inner = action ? object_at(*action, "data") : nullptr;
    auto kind = action ? string_or_empty(at(*action, "kind")) : std::string_view{};
    if (!inner || (kind != "promise.create" && kind != "promise.settle")) {
      return "Invalid fence action kind";
    }
    if (auto x =
          kind == "promise.create" ? promise_create_data(*inner) : promise_settle_data(*inner)) {
      return x;
    }
    if (string_or_empty(at(*inner, "id")) == string_or_empty(at(d, "id"))) {
      return "Action ID must not equal the task ID";
    }
    return std::nullopt;
  }
  if (k == "task.heartbeat") {
    if (auto x = required_string(d, "pid", "Process ID is required")) return x;
    const auto* tasks = at(d, "tasks");
    if (!tasks || !tasks->is_array()) return "Invalid 'tasks' — must be a list";
    for (const auto& t : tasks->as_array()) {
      if (!t.is_object() || !non_empty_string(at(t.as_object(), "id")) ||
          !int64_at_least(at(t.as_object(), "version"), 0)) {
        return "Invalid 'tasks' — every entry needs an id and a version";
      }
    }
    return std::nullopt;
  }
  if (k == "schedule.create") {
    if (auto x = required_string(d, "id", "Schedule ID is required")) return x;
    if (auto x = required_string(d, "cron", "Cron expression is required")) return x;
    if (auto x = required_string(d, "promiseId", "Promise ID is required")) return x;
    if (!int64_at_least(at(d, "promiseTimeout"), 0)) {
      return "Invalid 'promiseTimeout' — must be a non-negative integer";
    }
    if (at(d, "promiseParam") && !value_from_json(at(d, "promiseParam"))) {
      return "Invalid 'promiseParam' — must be a value";
    }
    auto tags = tags_from_json(at(d, "promiseTags"));
    if (!tags) return "Invalid 'promiseTags' — must be an object of strings";
    if (!tags->count("resonate:target")) return "promiseTags must include a resonate:target tag";
    return std::nullopt;
  }
  if (k == "debug.tick") {
    const auto* t = at(d, "time");
    if (!t || !t->is_int64()) return "Invalid 'time' — must be an integer";
    return std::nullopt;
  }
  if (k == "promise.search" || k == "task.search" || k == "schedule.search") {
    return search_data(k, d);
  }
  return std::nullopt;
}

}  // namespace resonate::api_gateway::protocol_2026
