#include "api_gateway/rest_v1/route_binding.hpp"

#include <type_traits>

#include "api_gateway/rest_v1/errors.hpp"
#include "api_gateway/rest_v1/json_reader.hpp"
#include "api_gateway/transport/http_util.hpp"
#include "codecs/url.hpp"

namespace resonate::api_gateway {

using codecs::iequals;

namespace json = boost::json;

namespace {

std::string field_name(std::string_view owner, std::string_view path) {
  std::string out(owner);
  out.push_back('.');
  out.append(path);
  return out;
}

}  // namespace

std::optional<http_response> bind_idempotency_headers(const http_request& req,
                                                      std::optional<std::string>& key,
                                                      bool& strict) {
  if (auto k = req.header("Idempotency-Key")) key = std::string(*k);
  // gin binds an empty header value as the zero value, so "Strict:" is false.
  if (auto s = req.header("Strict"); s && !s->empty()) {
    auto b = parse_go_bool(*s);
    if (!b) {
      std::string msg = "strconv.ParseBool: parsing \"";
      msg.append(*s);
      msg += "\": invalid syntax";
      return validation_error(msg);
    }
    strict = *b;
  }
  return std::nullopt;
}

std::optional<http_response> bind_fence_headers(const http_request& req,
                                                std::optional<queues::fence>& fence) {
  int64_t counter = 0;
  if (auto c = req.header("Task-Counter"); c && !c->empty()) {
    std::string err;
    auto v = parse_go_int64(*c, err);
    if (!v) return validation_error(err);
    counter = *v;
  }
  if (auto task_id = req.header("Task-Id"); task_id && !task_id->empty()) {
    fence = queues::fence{std::string(*task_id), counter};
  }
  return std::nullopt;
}

queues::header_map bind_trace_headers(const http_request& req) {
  queues::header_map head;
  auto parent = req.header("Traceparent");
  if (!parent || parent->empty()) return head;
  head.emplace("traceparent", std::string(*parent));
  if (auto state = req.header("Tracestate"); state && !state->empty()) {
    head.emplace("tracestate", std::string(*state));
  }
  return head;
}

std::optional<http_response> parse_object_body(const http_request& req, const char* go_type,
                                               body_arena& arena, json::value& body) {
  std::string error;
  if (!parse_json_body(req.body, body, &arena.mr, error)) return validation_error(error);
  if (!body.is_object()) {
    return validation_error(std::string("json: cannot unmarshal ") + json_kind_name(body) +
                            " into Go value of type " + go_type);
  }
  return std::nullopt;
}

bool read_string_field(const json::value& v, std::string& out, std::string_view owner,
                       std::string_view path, std::string& error) {
  if (v.is_null()) return true;
  if (!v.is_string()) {
    error = unmarshal_error(v, field_name(owner, path), "string");
    return false;
  }
  out.assign(v.get_string().data(), v.get_string().size());
  return true;
}

bool read_int_field(const json::value& v, int64_t& out, std::string_view owner,
                    std::string_view path, std::string_view go_type, std::string& error) {
  if (v.is_null()) return true;
  if (!json_to_int64(v, out)) {
    error = unmarshal_error(v, field_name(owner, path), go_type);
    return false;
  }
  return true;
}

std::optional<http_response> read_flat_body(const http_request& req, const char* go_type,
                                            std::string_view owner,
                                            std::initializer_list<body_field> fields) {
  body_arena arena;
  json::value body;
  if (auto err = parse_object_body(req, go_type, arena, body)) return err;
  std::string error;
  for (const auto& kv : body.get_object()) {
    for (const auto& f : fields) {
      if (!iequals(kv.key(), f.key)) continue;
      bool ok = std::visit(
        [&](auto* out) {
          if constexpr (std::is_same_v<decltype(out), std::string*>) {
            return read_string_field(kv.value(), *out, owner, f.key, error);
          } else {
            return read_int_field(kv.value(), *out, owner, f.key, f.go_int_type, error);
          }
        },
        f.out);
      if (!ok) return validation_error(error);
      break;
    }
  }
  return std::nullopt;
}

bool read_create_promise_fields(const json::object& obj, std::string_view prefix,
                                queues::create_promise_request& out, std::string& error) {
  constexpr std::string_view owner = "createPromiseBody";
  std::string path(prefix);
  auto at = [&](std::string_view key) -> const std::string& {
    path.resize(prefix.size());
    path.append(key);
    return path;
  };
  for (const auto& kv : obj) {
    const auto& v = kv.value();
    if (iequals(kv.key(), "id")) {
      if (!read_string_field(v, out.id, owner, at("id"), error)) return false;
    } else if (iequals(kv.key(), "timeout")) {
      if (!read_int_field(v, out.timeout, owner, at("timeout"), "int64", error)) return false;
    } else if (iequals(kv.key(), "param")) {
      out.param = {};
      if (!decode_value(v, out.param, field_name(owner, at("param")), at("param"), error)) {
        return false;
      }
    } else if (iequals(kv.key(), "tags")) {
      out.tags.clear();
      if (!decode_string_map(v, out.tags, field_name(owner, at("tags")), error)) return false;
    }
  }
  return true;
}

}  // namespace resonate::api_gateway
