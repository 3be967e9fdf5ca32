// POST /promises, POST /promises/task, PATCH /promises/*id, GET /promises: binding and validation
// with the reference server's rules and messages, and the reply encoders.

#include <boost/json/value.hpp>

#include "api_gateway/rest_v1/cursor.hpp"
#include "api_gateway/rest_v1/errors.hpp"
#include "api_gateway/rest_v1/json_reader.hpp"
#include "api_gateway/rest_v1/route_binding.hpp"
#include "api_gateway/rest_v1/router.hpp"
#include "api_gateway/transport/http_util.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/rest_v1/codec_promise.hpp"
#include "codecs/rest_v1/codec_task.hpp"
#include "codecs/url.hpp"

namespace resonate::api_gateway {

using codecs::iequals;
using codecs::parse_query;
using codecs::query_first;
using codecs::rest_v1::append_promise_json;
using codecs::rest_v1::append_task_json;
using codecs::rest_v1::promise_json;

namespace json = boost::json;

std::optional<http_response> parse_create_promise(const http_request& req,
                                                  queues::create_promise_request& out) {
  std::optional<std::string> key;
  bool strict = false;
  if (auto err = bind_idempotency_headers(req, key, strict)) return err;
  std::optional<queues::fence> fence;
  if (auto err = bind_fence_headers(req, fence)) return err;

  body_arena arena;
  json::value body;
  if (auto err = parse_object_body(req, "http.createPromiseBody", arena, body)) return err;
  std::string error;
  if (!read_create_promise_fields(body.get_object(), "", out, error)) {
    return validation_error(error);
  }
  if (out.id.empty()) return validation_error("The field id is required.");
  out.idempotency_key = std::move(key);
  out.strict = strict;
  out.fence_token = std::move(fence);
  out.trace = bind_trace_headers(req);
  return std::nullopt;
}

std::optional<http_response> parse_create_promise_and_task(
  const http_request& req, queues::create_promise_and_task_request& out) {
  std::optional<std::string> key;
  bool strict = false;
  if (auto err = bind_idempotency_headers(req, key, strict)) return err;

  body_arena arena;
  json::value body;
  if (auto err = parse_object_body(req, "http.createPromiseAndTaskBody", arena, body)) {
    return err;
  }
  constexpr std::string_view owner = "createPromiseAndTaskBody";
  std::string error;
  for (const auto& kv : body.get_object()) {
    const auto& v = kv.value();
    if (iequals(kv.key(), "promise")) {
      if (v.is_null()) continue;
      if (!v.is_object()) {
        return validation_error(
          unmarshal_error(v, std::string(owner) + ".promise", "http.createPromiseBody"));
      }
      if (!read_create_promise_fields(v.get_object(), "promise.", out.promise, error)) {
        return validation_error(error);
      }
    } else if (iequals(kv.key(), "task")) {
      if (v.is_null()) continue;
      if (!v.is_object()) {
        return validation_error(
          unmarshal_error(v, std::string(owner) + ".task", "http.createPromiseTaskBody"));
      }
      for (const auto& tkv : v.get_object()) {
        constexpr std::string_view task_owner = "createPromiseTaskBody";
        if (iequals(tkv.key(), "processId")) {
          if (!read_string_field(tkv.value(), out.process_id, task_owner, "task.processId",
                                 error)) {
            return validation_error(error);
          }
        } else if (iequals(tkv.key(), "ttl")) {
          if (!read_int_field(tkv.value(), out.ttl, task_owner, "task.ttl", "int64", error)) {
            return validation_error(error);
          }
        }
      }
    }
  }
  // The validator walks the nested structs in field order; `required` on a struct
  // field itself checks nothing, so a missing "promise" reports its id.
  std::vector<std::string> failures;
  if (out.promise.id.empty()) failures.emplace_back("The field id is required.");
  if (out.process_id.empty()) failures.emplace_back("The field processid is required.");
  if (out.ttl < 0) failures.emplace_back("The field ttl must be be at least length 0.");
  if (!failures.empty()) return validation_error(failures);
  out.promise.idempotency_key = std::move(key);
  out.promise.strict = strict;
  out.promise.trace = bind_trace_headers(req);
  return std::nullopt;
}

std::optional<http_response> parse_complete_promise(const http_request& req, std::string id,
                                                    queues::complete_promise_request& out) {
  std::optional<std::string> key;
  bool strict = false;
  if (auto err = bind_idempotency_headers(req, key, strict)) return err;
  std::optional<queues::fence> fence;
  if (auto err = bind_fence_headers(req, fence)) return err;

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
      if (!decode_value(v, out.val, "completePromiseBody.value", "value", error)) {
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
  out.idempotency_key = std::move(key);
  out.strict = strict;
  out.fence_token = std::move(fence);
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

http_response encode_promise_and_task_reply(const queues::response& res) {
  if (!queues::is_success(res.status)) return kernel_error(res.status, res.error);
  const auto* p = std::get_if<queues::promise_and_task_response>(&res.payload);
  if (!p) {
    return kernel_error(queues::status::internal_server_error, "missing promise in response");
  }
  http_response out;
  out.status = static_cast<unsigned>(queues::http_code(res.status));
  out.body.reserve(320);
  out.body.append(R"({"promise":)");
  append_promise_json(out.body, p->promise);
  out.body.append(R"(,"task":)");
  if (p->task) {
    append_task_json(out.body, *p->task);
  } else {
    out.body.append("null");
  }
  out.body.push_back('}');
  return out;
}

}  // namespace resonate::api_gateway
