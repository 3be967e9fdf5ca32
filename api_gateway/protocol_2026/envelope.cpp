#include "api_gateway/protocol_2026/envelope.hpp"

#include <algorithm>
#include <array>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "codecs/json_writer.hpp"

namespace resonate::api_gateway::protocol_2026 {

using codecs::json_append_int;
using codecs::json_append_string;

namespace json = boost::json;

namespace {

// Spec 1.9, every kind the SDK or an operator may send. The checks of
// parse_envelope run in the reference's order (spec 1.7, "all"): envelope,
// kind, data, version, known kind.
constexpr std::array<std::string_view, 26> kinds = {
  "promise.get",
  "promise.create",
  "promise.settle",
  "promise.register_callback",
  "promise.register_listener",
  "promise.search",
  "task.get",
  "task.create",
  "task.acquire",
  "task.release",
  "task.fulfill",
  "task.suspend",
  "task.fence",
  "task.heartbeat",
  "task.halt",
  "task.continue",
  "task.search",
  "schedule.get",
  "schedule.create",
  "schedule.delete",
  "schedule.search",
  "debug.start",
  "debug.stop",
  "debug.reset",
  "debug.tick",
  "debug.snap",
};

/// A string member of `o`, if it is one.
std::optional<std::string> string_at(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().as_string());
}

}  // namespace

bool known_kind(std::string_view kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

int kind_index(std::string_view kind) {
  auto it = std::find(kinds.begin(), kinds.end(), kind);
  return it == kinds.end() ? -1 : static_cast<int>(it - kinds.begin());
}

std::string_view kind_at(int index) {
  return index >= 0 && index < static_cast<int>(kinds.size()) ? kinds[index] : "unknown";
}

std::variant<envelope, envelope_error> parse_envelope(std::string_view body) {
  envelope_error err{"unknown", "0", 400, {}};
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec || !doc.is_object()) {
    err.message = ec ? "Invalid request body: " + ec.message()
                     : std::string("Invalid request body: not a JSON object");
    return err;
  }
  const auto& root = doc.as_object();
  // Salvage what can be echoed before judging the rest.
  auto kind = string_at(root, "kind");
  if (kind) err.kind = *kind;
  const auto* head = root.if_contains("head");
  if (head && head->is_object()) {
    if (auto corr = string_at(head->as_object(), "corrId")) err.corr_id = *corr;
  }

  if (!kind || kind->empty()) {
    err.message = "Invalid request: 'kind' must be a non-empty string";
    return err;
  }
  if (!head || !head->is_object()) {
    err.message = "Invalid 'head' field — must be an object";
    return err;
  }
  const auto& h = head->as_object();
  if (!string_at(h, "corrId")) {
    err.message = "Invalid 'head.corrId' field — must be a string";
    return err;
  }
  const auto* data = root.if_contains("data");
  if (!data || !data->is_object()) {
    err.message = "Invalid 'data' field — must be an object";
    return err;
  }
  auto v = string_at(h, "version");
  if (!v || *v != version) {
    err.message = "Unsupported protocol version '" + v.value_or("") + "', supported versions: [\"" +
                  std::string(version) + "\"]";
    return err;
  }
  if (!known_kind(*kind)) {
    err.message = "Unknown operation: " + *kind;
    return err;
  }
  return envelope{std::move(*kind), err.corr_id, h, data->as_object()};
}

std::string encode_response(std::string_view kind, std::string_view corr_id, unsigned status,
                            std::string_view data_json) {
  std::string out;
  out.reserve(64 + kind.size() + corr_id.size() + data_json.size());
  out += "{\"kind\":";
  json_append_string(out, kind);
  out += ",\"head\":{\"corrId\":";
  json_append_string(out, corr_id);
  out += ",\"status\":";
  json_append_int(out, status);
  out += ",\"version\":";
  json_append_string(out, version);
  out += "},\"data\":";
  out += data_json;
  out += '}';
  return out;
}

std::string encode_error(std::string_view kind, std::string_view corr_id, unsigned status,
                         std::string_view message) {
  std::string data;
  json_append_string(data, message);
  return encode_response(kind, corr_id, status, data);
}

}  // namespace resonate::api_gateway::protocol_2026
