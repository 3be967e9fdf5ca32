#include "api_gateway/protocol_2026/authorize.hpp"

namespace resonate::api_gateway::protocol_2026 {

namespace json = boost::json;

namespace {

std::string_view string_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view{};
}

const json::object* object_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

}  // namespace

std::optional<std::vector<std::string_view>> resource_ids(const envelope& env) {
  const auto& k = env.kind;
  const auto& d = env.data;
  if (k == "promise.register_callback" || k == "promise.register_listener")
    return std::vector{string_at(d, "awaited")};
  if (k == "schedule.create") return std::vector{string_at(d, "promiseId")};
  if (k == "task.create") {
    const auto* action = object_at(d, "action");
    const auto* data = action ? object_at(*action, "data") : nullptr;
    return std::vector{data ? string_at(*data, "id") : std::string_view{}};
  }
  if (k == "task.heartbeat") {
    std::vector<std::string_view> ids;
    if (const auto* ts = d.if_contains("tasks"); ts && ts->is_array()) {
      for (const auto& t : ts->as_array()) {
        ids.push_back(t.is_object() ? string_at(t.as_object(), "id") : std::string_view{});
      }
    }
    return ids;
  }
  if (k.size() > 7 && k.compare(k.size() - 7, 7, ".search") == 0) return std::nullopt;
  if (k.rfind("debug.", 0) == 0) return std::nullopt;
  return std::vector{string_at(d, "id")};  // get, create, settle, acquire, ... (spec 1.8)
}

std::optional<auth_refusal> authorize(const access_control* access, const envelope& env) {
  if (!access || !access->jwt_enabled()) return std::nullopt;
  const auto* token = env.head.if_contains("auth");
  std::string error;
  std::optional<token_claims> claims;
  if (token && token->is_string()) claims = access->verify_token(token->as_string(), error);
  if (!claims) return auth_refusal{401, "Unauthorized"};
  auto ids = resource_ids(env);
  // A kind without resource ids is only for tokens that may touch everything.
  if (!ids) ids = std::vector<std::string_view>{std::string_view{}};
  for (auto id : *ids) {
    if (!prefix_allows(*claims, access_key{access_key::rule::id, id}))
      return auth_refusal{403, "Forbidden"};
  }
  return std::nullopt;
}

}  // namespace resonate::api_gateway::protocol_2026
