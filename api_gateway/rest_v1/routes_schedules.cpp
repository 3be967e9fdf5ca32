// POST /schedules, GET /schedules (search), GET and DELETE /schedules/*id
// (REST v1 3.3, 4.8): binding and validation, and the reply encoders. The cron
// expression and the promise id template are validated by the kernel (it owns
// the cron parser and the server's time zone) with the spec's 400 wording.

#include <boost/json/value.hpp>

#include "api_gateway/rest_v1/cursor.hpp"
#include "api_gateway/rest_v1/errors.hpp"
#include "api_gateway/rest_v1/json_reader.hpp"
#include "api_gateway/rest_v1/route_binding.hpp"
#include "api_gateway/rest_v1/router.hpp"
#include "codecs/rest_v1/codec_schedule.hpp"
#include "codecs/url.hpp"

namespace resonate::api_gateway {

using codecs::iequals;
using codecs::parse_query;
using codecs::query_first;
using codecs::rest_v1::append_schedule_json;

namespace json = boost::json;

std::optional<http_response> parse_create_schedule(const http_request& req,
                                                   queues::create_schedule_request& out) {
  // Only Idempotency-Key is a header of this route (no Strict); present but
  // empty is the non-null "".
  std::optional<std::string> key;
  if (auto k = req.header("Idempotency-Key")) key = std::string(*k);

  body_arena arena;
  json::value body;
  if (auto err = parse_object_body(req, "http.createScheduleBody", arena, body)) return err;
  constexpr std::string_view owner = "createScheduleBody";
  std::string error;
  // Go's decoder: keys match ignoring case; `description` and `idempotencyKey`
  // are not fields (spec 11: the key is `desc`, the idempotency key the header's).
  for (const auto& kv : body.get_object()) {
    const auto& v = kv.value();
    bool ok = true;
    if (iequals(kv.key(), "id")) {
      ok = read_string_field(v, out.id, owner, "id", error);
    } else if (iequals(kv.key(), "desc")) {
      ok = read_string_field(v, out.description, owner, "desc", error);
    } else if (iequals(kv.key(), "cron")) {
      ok = read_string_field(v, out.cron, owner, "cron", error);
    } else if (iequals(kv.key(), "tags")) {
      out.tags.clear();
      ok = decode_string_map(v, out.tags, "createScheduleBody.tags", error);
    } else if (iequals(kv.key(), "promiseId")) {
      ok = read_string_field(v, out.promise_id, owner, "promiseId", error);
    } else if (iequals(kv.key(), "promiseTimeout")) {
      ok = read_int_field(v, out.promise_timeout, owner, "promiseTimeout", "int64", error);
    } else if (iequals(kv.key(), "promiseParam")) {
      out.promise_param = {};
      ok = decode_value(v, out.promise_param, "createScheduleBody.promiseParam", "promiseParam",
                        error);
    } else if (iequals(kv.key(), "promiseTags")) {
      out.promise_tags.clear();
      ok = decode_string_map(v, out.promise_tags, "createScheduleBody.promiseTags", error);
    }
    if (!ok) return validation_error(error);
  }
  std::vector<std::string> failures;
  if (out.id.empty()) failures.emplace_back("The field id is required.");
  if (out.cron.empty()) failures.emplace_back("The field cron is required.");
  if (out.promise_id.empty()) failures.emplace_back("The field promiseid is required.");
  if (!failures.empty()) return validation_error(failures);
  out.idempotency_key = std::move(key);
  return std::nullopt;
}

std::optional<http_response> parse_search_schedules(std::string_view query,
                                                    queues::search_schedules_request& out) {
  auto pairs = parse_query(query);
  if (const auto* cursor = query_first(pairs, "cursor"); cursor && !cursor->empty()) {
    std::string error;
    auto next = decode_schedule_cursor(*cursor, error);
    if (!next) return validation_error(error);
    out = std::move(*next);
    return std::nullopt;
  }
  // The promise search's rules without `state`: drop any state parameter (the
  // schedule search has no such field, so the reference ignores it) and reuse them.
  std::string without_state;
  size_t start = 0;
  while (start <= query.size()) {
    auto end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    auto part = query.substr(start, end - start);
    auto key = part.substr(0, part.find('='));
    if (key != "state" && !part.empty()) {
      if (!without_state.empty()) without_state.push_back('&');
      without_state.append(part);
    }
    start = end + 1;
  }
  queues::search_promises_request promise_form;
  if (auto err = parse_search_promises(without_state, promise_form)) return err;
  out = queues::search_schedules_request{std::move(promise_form.id), std::move(promise_form.tags),
                                         promise_form.limit, promise_form.sort_id};
  return std::nullopt;
}

http_response encode_schedule_reply(const queues::response& res) {
  if (!queues::is_success(res.status)) return kernel_error(res.status, res.error);
  if (res.status == queues::status::no_content) return with_status(res);  // DELETE: no body
  const auto* s = std::get_if<queues::schedule_response>(&res.payload);
  if (!s) return kernel_error(queues::status::internal_server_error, "missing schedule");
  http_response out = with_status(res);
  append_schedule_json(out.body, s->schedule);
  return out;
}

http_response encode_search_schedules_reply(const queues::response& res) {
  if (!queues::is_success(res.status)) return kernel_error(res.status, res.error);
  const auto* s = std::get_if<queues::search_schedules_response>(&res.payload);
  if (!s) return kernel_error(queues::status::internal_server_error, "missing search result");
  http_response out = with_status(res);
  out.body.append(R"({"cursor":)");
  if (s->next) {
    out.body.push_back('"');
    out.body.append(encode_schedule_cursor(*s->next));
    out.body.push_back('"');
  } else {
    out.body.append("null");
  }
  out.body.append(R"(,"schedules":[)");
  bool first = true;
  for (const auto& sched : s->schedules) {
    if (!first) out.body.push_back(',');
    first = false;
    append_schedule_json(out.body, sched);
  }
  out.body.append("]}");
  return out;
}

}  // namespace resonate::api_gateway
