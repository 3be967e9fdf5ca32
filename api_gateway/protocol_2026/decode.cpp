#include "api_gateway/protocol_2026/decode.hpp"

#include "api_gateway/protocol_2026/validate.hpp"
#include "codecs/protocol_2026/records.hpp"

namespace resonate::api_gateway::protocol_2026 {

using codecs::protocol_2026::append_promise;
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
  return std::nullopt;
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
