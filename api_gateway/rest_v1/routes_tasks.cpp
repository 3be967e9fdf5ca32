// POST /tasks/{claim,complete,drop,heartbeat} (REST v1 3.3, 4.10): binding and
// validation with the reference server's rules and messages, and the reply
// encoders. The GET forms are assembled in router.cpp from the path segments.

#include "api_gateway/rest_v1/errors.hpp"
#include "api_gateway/rest_v1/route_binding.hpp"
#include "api_gateway/rest_v1/router.hpp"
#include "api_gateway/transport/http_util.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/rest_v1/codec_promise.hpp"
#include "codecs/rest_v1/codec_task.hpp"

namespace resonate::api_gateway {

using codecs::json_append_int;
using codecs::json_append_string;
using codecs::rest_v1::append_promise_json;
using codecs::rest_v1::append_task_json;

namespace {

/// The union of the task bodies' fields. Go declares `counter` as `int` (hence the type
/// name in its errors) and `ttl` as `int64`.
struct task_body {
  std::string id;
  int64_t counter = 0;
  std::string process_id;
  int64_t ttl = 0;
};

/// `binding:"required"` on id and counter (so a zero counter is missing).
void check_id_counter(const task_body& b, std::vector<std::string>& failures) {
  if (b.id.empty()) failures.emplace_back("The field id is required.");
  if (b.counter == 0) failures.emplace_back("The field counter is required.");
}

void append_promise_ref(std::string& out, const std::string& id,
                        const std::optional<queues::promise_record>& data,
                        std::string_view system_url) {
  out.append(R"({"data":)");
  if (data) {
    append_promise_json(out, *data);
  } else {
    out.append("null");
  }
  // Plain string formatting, as the reference does: the id is not URL-escaped.
  std::string href(system_url);
  href += "/promises/";
  href += id;
  out.append(R"(,"href":)");
  json_append_string(out, href);
  out.append(R"(,"id":)");
  json_append_string(out, id);
  out.push_back('}');
}

}  // namespace

http_response with_status(const queues::response& res) {
  http_response out;
  out.status = static_cast<unsigned>(queues::http_code(res.status));
  return out;
}

std::optional<http_response> parse_claim_task(const http_request& req,
                                              queues::claim_task_request& out) {
  task_body b;
  if (auto err = read_flat_body(req, "http.claimTaskBody", "claimTaskBody",
                                {{"id", &b.id},
                                 {"counter", &b.counter, "int"},
                                 {"processId", &b.process_id},
                                 {"ttl", &b.ttl}})) {
    return err;
  }
  std::vector<std::string> failures;
  check_id_counter(b, failures);
  if (b.process_id.empty()) failures.emplace_back("The field processid is required.");
  if (b.ttl < 0) failures.emplace_back("The field ttl must be be at least length 0.");
  if (!failures.empty()) return validation_error(failures);
  out.id = std::move(b.id);
  out.counter = b.counter;
  out.process_id = std::move(b.process_id);
  out.ttl = b.ttl;
  return std::nullopt;
}

/// Complete and drop take the same body, `{id, counter}`, under their own Go type names.
template <class Request>
std::optional<http_response> parse_id_counter(const http_request& req, const char* go_type,
                                              const char* type, Request& out) {
  task_body b;
  if (auto err =
        read_flat_body(req, go_type, type, {{"id", &b.id}, {"counter", &b.counter, "int"}})) {
    return err;
  }
  std::vector<std::string> failures;
  check_id_counter(b, failures);
  if (!failures.empty()) return validation_error(failures);
  out.id = std::move(b.id);
  out.counter = b.counter;
  return std::nullopt;
}

std::optional<http_response> parse_complete_task(const http_request& req,
                                                 queues::complete_task_request& out) {
  return parse_id_counter(req, "http.completeTaskBody", "completeTaskBody", out);
}

std::optional<http_response> parse_drop_task(const http_request& req,
                                             queues::drop_task_request& out) {
  return parse_id_counter(req, "http.dropTaskBody", "dropTaskBody", out);
}

std::optional<http_response> parse_heartbeat_tasks(const http_request& req,
                                                   queues::heartbeat_tasks_request& out) {
  task_body b;
  if (auto err = read_flat_body(req, "http.heartbeatTaskBody", "heartbeatTaskBody",
                                {{"processId", &b.process_id}})) {
    return err;
  }
  if (b.process_id.empty()) return validation_error("The field processid is required.");
  out.process_id = std::move(b.process_id);
  return std::nullopt;
}

std::optional<http_response> parse_task_counter(std::string_view text, std::string_view message,
                                                int64_t& out) {
  std::string ignored;
  auto v = parse_go_int64(text, ignored);  // Atoi on a 64-bit Go: the same accept set
  if (!v) return validation_error(message);
  out = *v;
  return std::nullopt;
}

http_response encode_claim_reply(const queues::response& res, std::string_view system_url) {
  if (!queues::is_success(res.status)) return kernel_error(res.status, res.error);
  http_response out = with_status(res);
  const auto* c = std::get_if<queues::claimed_task_response>(&res.payload);
  // Any other success writes Go's JSON of a nil value.
  if (res.status != queues::status::created || !c) {
    out.body = "null";
    return out;
  }
  const auto& mesg = c->task.mesg;
  out.body.reserve(600);
  out.body.append(R"({"promises":{)");
  if (mesg.type == queues::message_type::resume) {
    out.body.append(R"("leaf":)");
    append_promise_ref(out.body, mesg.leaf, c->leaf, system_url);
    out.body.push_back(',');
  }
  out.body.append(R"("root":)");
  append_promise_ref(out.body, mesg.root, c->root, system_url);
  out.body.append(R"(},"type":")");
  out.body.append(queues::to_string(mesg.type));
  out.body.append("\"}");
  return out;
}

http_response encode_task_reply(const queues::response& res) {
  if (!queues::is_success(res.status)) return kernel_error(res.status, res.error);
  const auto* t = std::get_if<queues::task_response>(&res.payload);
  if (!t) return kernel_error(queues::status::internal_server_error, "missing task in response");
  http_response out = with_status(res);
  append_task_json(out.body, t->task);
  return out;
}

http_response encode_drop_reply(const queues::response& res) {
  if (!queues::is_success(res.status)) return kernel_error(res.status, res.error);
  http_response out = with_status(res);
  out.content_type = {};  // gin's c.Status(): no body, no Content-Type
  return out;
}

http_response encode_count_reply(const queues::response& res, std::string_view key) {
  if (!queues::is_success(res.status)) return kernel_error(res.status, res.error);
  const auto* n = std::get_if<queues::count_response>(&res.payload);
  if (!n) return kernel_error(queues::status::internal_server_error, "missing count in response");
  http_response out = with_status(res);
  out.body.append("{");
  json_append_string(out.body, key);
  out.body.push_back(':');
  json_append_int(out.body, n->affected);
  out.body.push_back('}');
  return out;
}

http_response encode_heartbeat_reply(const queues::response& res) {
  return encode_count_reply(res, "tasksAffected");
}

}  // namespace resonate::api_gateway
