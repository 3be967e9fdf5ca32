// POST /promises, PATCH /promises/*id, GET /promises: binding and validation
// with the reference server's rules and messages, and the reply encoders.

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>

#include "api_gateway/codec_promise.hpp"
#include "api_gateway/cursor.hpp"
#include "api_gateway/errors.hpp"
#include "api_gateway/http_util.hpp"
#include "api_gateway/json_reader.hpp"
#include "api_gateway/json_writer.hpp"
#include "api_gateway/router.hpp"

namespace resonate::api_gateway {

namespace json = boost::json;

namespace {

/// Headers shared by create and complete, bound before the body as gin does.
struct write_headers {
  std::optional<std::string> idempotency_key;
  bool strict = false;
  std::optional<queues::fence> fence;
};

std::optional<http_response> bind_write_headers(const http_request& req, write_headers& out) {
  if (auto key = req.header("Idempotency-Key")) out.idempotency_key = std::string(*key);
  // gin binds an empty header value as the zero value, so "Strict:" is false.
  if (auto strict = req.header("Strict"); strict && !strict->empty()) {
    auto b = parse_go_bool(*strict);
    if (!b) {
      std::string msg = "strconv.ParseBool: parsing \"";
      msg.append(*strict);
      msg += "\": invalid syntax";
      return validation_error(msg);
    }
    out.strict = *b;
  }
  int64_t counter = 0;
  if (auto c = req.header("Task-Counter"); c && !c->empty()) {
    std::string err;
    auto v = parse_go_int64(*c, err);
    if (!v) return validation_error(err);
    counter = *v;
  }
  if (auto task_id = req.header("Task-Id"); task_id && !task_id->empty()) {
    out.fence = queues::fence{std::string(*task_id), counter};
  }
  return std::nullopt;
}

/// Where the body JSON goes: stack first, heap only for big bodies.
struct body_arena {
  unsigned char buffer[4096];
  json::monotonic_resource mr{buffer, sizeof buffer};
};

// Parses a request body that must be a JSON object (into `arena`); the error
// response otherwise, worded as the reference server's decoder words it.
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

}  // namespace

std::optional<http_response> parse_create_promise(const http_request& req,
                                                  queues::create_promise_request& out) {
  write_headers h;
  if (auto err = bind_write_headers(req, h)) return err;

  body_arena arena;
  json::value body;
  if (auto err = parse_object_body(req, "http.createPromiseBody", arena, body)) return err;
  std::string error;
  for (const auto& kv : body.get_object()) {
    const auto& v = kv.value();
    if (iequals(kv.key(), "id")) {
      if (v.is_null()) continue;
      if (!v.is_string()) {
        return validation_error(unmarshal_error(v, "createPromiseBody.id", "string"));
      }
      out.id.assign(v.get_string().data(), v.get_string().size());
    } else if (iequals(kv.key(), "timeout")) {
      if (v.is_null()) continue;
      if (!json_to_int64(v, out.timeout)) {
        return validation_error(unmarshal_error(v, "createPromiseBody.timeout", "int64"));
      }
    } else if (iequals(kv.key(), "param")) {
      out.param = {};
      if (!decode_value(v, out.param, "createPromiseBody.param", error)) {
        return validation_error(error);
      }
    } else if (iequals(kv.key(), "tags")) {
      out.tags.clear();
      if (!decode_string_map(v, out.tags, "createPromiseBody.tags", error)) {
        return validation_error(error);
      }
    }
  }
  if (out.id.empty()) return validation_error("The field id is required.");
  out.idempotency_key = std::move(h.idempotency_key);
  out.strict = h.strict;
  out.fence_token = std::move(h.fence);
  return std::nullopt;
}

std::optional<http_response> parse_complete_promise(const http_request& req, std::string id,
                                                    queues::complete_promise_request& out) {
  write_headers h;
  if (auto err = bind_write_headers(req, h)) return err;

  body_arena arena;
  json::value body;
  if (auto err = parse_object_body(req, "http.completePromiseBody", arena, body)) return err;
  std::string error;
  std::optional<queues::promise_state> state;
  for (const auto& kv : body.get_object()) {
    const auto& v = kv.value();
    if (iequals(kv.key(), "state")) {
      if (v.is_null()) continue;
      if (!v.is_string()) {
        return validation_error(unmarshal_error(v, "completePromiseBody.state", "string"));
      }
      std::string_view s(v.get_string().data(), v.get_string().size());
      state = queues::promise_state_from_string(s);
      if (!state) {
        std::string msg = "invalid state '";
        msg.append(s);
        msg += "'";
        return validation_error(msg);
      }
    } else if (iequals(kv.key(), "value")) {
      out.val = {};
      if (!decode_value(v, out.val, "completePromiseBody.value", error)) {
        return validation_error(error);
      }
    }
  }
  if (!state) return validation_error("The field state is required.");
  if (*state == queues::promise_state::pending ||
      *state == queues::promise_state::rejected_timedout) {
    return validation_error("the field state must be one of resolved, rejected, rejected_canceled");
  }
  out.id = std::move(id);
  out.state = *state;
  out.idempotency_key = std::move(h.idempotency_key);
  out.strict = h.strict;
  out.fence_token = std::move(h.fence);
  return std::nullopt;
}

std::optional<http_response> parse_search_promises(std::string_view query,
                                                   queues::search_promises_request& out) {
  auto pairs = parse_query(query);

  // A cursor holds the whole next request: every other parameter is ignored.
  if (const auto* cursor = query_first(pairs, "cursor"); cursor && !cursor->empty()) {
    std::string error;
    auto next = decode_cursor(*cursor, error);
    if (!next) return validation_error(error);
    out = std::move(*next);
    return std::nullopt;
  }

  const std::string* id = query_first(pairs, "id");
  const std::string* state = query_first(pairs, "state");
  const std::string* limit_text = query_first(pairs, "limit");

  // Binding: a limit that is not an integer aborts before validation (gin).
  int64_t limit = 0;
  if (limit_text && !limit_text->empty()) {
    std::string err;
    auto v = parse_go_int64(*limit_text, err);
    if (!v) return validation_error(err);
    limit = *v;
  }

  // Validation: one message per failing field, in struct order.
  std::vector<std::string> failures;
  if (id && id->empty()) failures.emplace_back("The field id must be be at least length 1.");
  queues::state_mask states = queues::all_promise_states;
  if (state) {
    if (iequals(*state, "pending")) {
      states = queues::mask_of(queues::promise_state::pending);
    } else if (iequals(*state, "resolved")) {
      states = queues::mask_of(queues::promise_state::resolved);
    } else if (iequals(*state, "rejected")) {
      states = queues::mask_of(queues::promise_state::rejected) |
               queues::mask_of(queues::promise_state::rejected_timedout) |
               queues::mask_of(queues::promise_state::rejected_canceled);
    } else {
      failures.emplace_back("The field state must be one of pending, resolved, or rejected.");
    }
  }
  if (limit < 0) failures.emplace_back("The field limit must be greater than or equal to 0.");
  if (limit > 100) failures.emplace_back("The field limit must be less than or equal to 100.");
  if (!failures.empty()) return validation_error(failures);

  if (!id) return validation_error("the field id is required");

  out.id = *id;
  out.states = states;
  out.limit = limit == 0 ? 100 : limit;
  // deepObject tags: `tags[k]=v`; gin's QueryMap takes the first value per key.
  for (const auto& [k, v] : pairs) {
    if (k.size() < 7 || k.compare(0, 5, "tags[") != 0) continue;
    auto close = k.find(']', 5);
    if (close == std::string::npos || close == 5) continue;
    out.tags.try_emplace(k.substr(5, close - 5), v);
  }
  return std::nullopt;
}

http_response encode_promise_reply(const queues::response& res) {
  if (!queues::is_success(res.status)) return kernel_error(res.status, res.error);
  const auto* p = std::get_if<queues::promise_response>(&res.payload);
  if (!p) return kernel_error(queues::status::internal_server_error, "missing promise in response");
  http_response out;
  out.status = static_cast<unsigned>(queues::http_code(res.status));
  out.body = promise_json(p->promise);
  return out;
}

http_response encode_search_reply(const queues::response& res) {
  if (!queues::is_success(res.status)) return kernel_error(res.status, res.error);
  const auto* s = std::get_if<queues::search_promises_response>(&res.payload);
  if (!s) return kernel_error(queues::status::internal_server_error, "missing search result");
  http_response out;
  out.status = static_cast<unsigned>(queues::http_code(res.status));
  out.body.reserve(64 + s->promises.size() * 200);
  out.body.append(R"({"cursor":)");
  if (s->next) {
    out.body.push_back('"');
    out.body.append(encode_cursor(*s->next));  // base64url and dots: nothing to escape
    out.body.push_back('"');
  } else {
    out.body.append("null");
  }
  out.body.append(R"(,"promises":[)");
  bool first = true;
  for (const auto& p : s->promises) {
    if (!first) out.body.push_back(',');
    first = false;
    append_promise_json(out.body, p);
  }
  out.body.append("]}");
  return out;
}

}  // namespace resonate::api_gateway
