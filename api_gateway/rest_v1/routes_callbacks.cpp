// POST /promises/callback/*id, POST /promises/subscribe/*id and their deprecated
// forms POST /callbacks and POST /subscriptions (REST v1 3.3, 4.7): binding and
// validation with the reference server's rules and messages, and the reply encoder.

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "api_gateway/rest_v1/errors.hpp"
#include "api_gateway/rest_v1/route_binding.hpp"
#include "api_gateway/rest_v1/router.hpp"
#include "codecs/rest_v1/codec_promise.hpp"
#include "codecs/rest_v1/codec_task.hpp"
#include "codecs/url.hpp"

namespace resonate::api_gateway {

using codecs::iequals;
using codecs::rest_v1::append_callback_json;
using codecs::rest_v1::append_promise_json;

namespace json = boost::json;

namespace {

/// The fields both bodies share; `key` is the body's own id field (rootPromiseId for a
/// callback, the subscription id for a subscription).
struct callback_body {
  std::string key;
  std::string promise_id;
  std::optional<std::string> recv;  ///< raw JSON; nullopt when absent or null
  bool recv_is_receiver = false;    ///< a string (logical) or an object (physical)
  int64_t timeout = 0;
};

/// Go's `required` on recv, then the receiver shape (REST v1 2.8) that the reference only
/// finds out about when it tries to deliver.
void check_recv(const callback_body& body, std::vector<std::string>& failures) {
  if (!body.recv) {
    failures.emplace_back("The field recv is required.");
  } else if (!body.recv_is_receiver) {
    failures.emplace_back("The field recv must be a string or an object.");
  }
}

/// Reads `{<key_name>, "promiseId", "recv", "timeout"}` of the Go struct `owner`.
std::optional<http_response> read_callback_body(const http_request& req, const char* go_type,
                                                std::string_view owner, std::string_view key_name,
                                                callback_body& out) {
  body_arena arena;
  json::value body;
  if (auto err = parse_object_body(req, go_type, arena, body)) return err;
  std::string error;
  for (const auto& kv : body.get_object()) {
    const auto& v = kv.value();
    bool ok = true;
    if (iequals(kv.key(), key_name)) {
      ok = read_string_field(v, out.key, owner, key_name, error);
    } else if (iequals(kv.key(), "promiseId")) {
      ok = read_string_field(v, out.promise_id, owner, "promiseId", error);
    } else if (iequals(kv.key(), "recv")) {
      // Go keeps the raw bytes (json.RawMessage); a re-serialisation is the same JSON.
      // `null` would pass Go's `required` and later crash its sender: treat it as absent.
      if (v.is_null()) {
        out.recv.reset();
      } else {
        out.recv = json::serialize(v);
      }
      out.recv_is_receiver = v.is_string() || v.is_object();
    } else if (iequals(kv.key(), "timeout")) {
      ok = read_int_field(v, out.timeout, owner, "timeout", "int64", error);
    }
    if (!ok) return validation_error(error);
  }
  return std::nullopt;
}

/// The promise a callback or subscription is for: the path's on the new routes (even when
/// empty), the body's on the deprecated ones.
std::string promise_of(std::optional<std::string_view> path_id, std::string body_id) {
  return path_id ? std::string(*path_id) : std::move(body_id);
}

}  // namespace

std::optional<http_response> parse_create_callback(const http_request& req,
                                                   std::optional<std::string_view> path_id,
                                                   queues::create_callback_request& out) {
  std::optional<queues::fence> fence;
  if (auto err = bind_fence_headers(req, fence)) return err;
  callback_body body;
  if (auto err = read_callback_body(req, "http.createCallbackBody", "createCallbackBody",
                                    "rootPromiseId", body)) {
    return err;
  }
  std::vector<std::string> failures;
  if (body.key.empty()) failures.emplace_back("The field rootpromiseid is required.");
  check_recv(body, failures);
  if (!failures.empty()) return validation_error(failures);

  std::string promise = promise_of(path_id, std::move(body.promise_id));
  // The kernel's Validate() in the reference: a ServerError detail, not a field error.
  if (promise == body.key) {
    return kernel_error(queues::status::field_validation_error,
                        "promise and root promise must be different");
  }
  out.id = queues::resume_callback_id(body.key, promise);
  out.mesg.type = queues::message_type::resume;
  out.mesg.head = bind_trace_headers(req);
  out.mesg.root = body.key;
  out.mesg.leaf = promise;
  out.root_promise_id = std::move(body.key);
  out.promise_id = std::move(promise);
  out.recv = std::move(*body.recv);
  out.timeout = body.timeout;
  out.fence_token = std::move(fence);
  return std::nullopt;
}

std::optional<http_response> parse_create_subscription(const http_request& req,
                                                       std::optional<std::string_view> path_id,
                                                       queues::create_callback_request& out) {
  callback_body body;
  // The Go field is `Id` with the JSON name "Id"; keys match case-insensitively anyway.
  if (auto err = read_callback_body(req, "http.createSubscriptionBody", "createSubscriptionBody",
                                    "Id", body)) {
    return err;
  }
  std::vector<std::string> failures;
  if (body.key.empty()) failures.emplace_back("The field id is required.");
  check_recv(body, failures);
  if (!failures.empty()) return validation_error(failures);

  std::string promise = promise_of(path_id, std::move(body.promise_id));
  out.id = queues::notify_callback_id(promise, body.key);
  out.mesg.type = queues::message_type::notify;
  out.mesg.head = bind_trace_headers(req);
  out.mesg.root = promise;
  out.mesg.leaf.clear();
  out.root_promise_id = promise;
  out.promise_id = std::move(promise);
  out.recv = std::move(*body.recv);
  out.timeout = body.timeout;
  return std::nullopt;
}

http_response encode_callback_reply(const queues::response& res) {
  if (!queues::is_success(res.status)) return kernel_error(res.status, res.error);
  const auto* c = std::get_if<queues::callback_response>(&res.payload);
  if (!c) {
    return kernel_error(queues::status::internal_server_error, "missing callback in response");
  }
  http_response out;
  out.status = static_cast<unsigned>(queues::http_code(res.status));
  out.body.reserve(320);
  out.body.append(R"({"callback":)");
  if (c->callback) {
    append_callback_json(out.body, *c->callback);
  } else {
    out.body.append("null");
  }
  out.body.append(R"(,"promise":)");
  append_promise_json(out.body, c->promise);
  out.body.push_back('}');
  return out;
}

}  // namespace resonate::api_gateway
