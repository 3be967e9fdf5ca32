#include "api_gateway/rest_v1/errors.hpp"

#include "codecs/json_writer.hpp"

namespace resonate::api_gateway {

using codecs::json_append_int;
using codecs::json_append_string;

namespace {

constexpr std::string_view request_error_message =
  "Request errors are not retryable since they are caused by invalid client requests";

void append_detail(std::string& out, std::string_view type, std::string_view message,
                   std::string_view domain, queues::status code) {
  out.append(R"({"@type":)");
  json_append_string(out, type);
  out.append(R"(,"message":)");
  json_append_string(out, message);
  out.append(R"(,"domain":)");
  json_append_string(out, domain);
  out.append(R"(,"metadata":{"url":"https://docs.resonatehq.io/operate/errors#)");
  json_append_int(out, static_cast<int64_t>(code));
  out.append("\"}}");
}

void append_head(std::string& out, queues::status code) {
  out.append(R"({"error":{"code":)");
  json_append_int(out, static_cast<int64_t>(code));
  out.append(R"(,"message":)");
  json_append_string(out, queues::status_text(code));
  out.append(R"(,"details":[)");
}

}  // namespace

http_response validation_error(const std::vector<std::string>& messages) {
  http_response res;
  res.status = 400;
  auto code = queues::status::field_validation_error;
  append_head(res.body, code);
  bool first = true;
  for (const auto& m : messages) {
    if (!first) res.body.push_back(',');
    first = false;
    append_detail(res.body, "FieldValidationError", m, "request", code);
  }
  res.body.append("]}}");
  return res;
}

http_response validation_error(std::string_view message) {
  return validation_error(std::vector<std::string>{std::string(message)});
}

namespace {

http_response error_body(queues::status s, std::string_view error_text, bool request_error) {
  http_response res;
  res.status = static_cast<unsigned>(queues::http_code(s));
  append_head(res.body, s);
  if (request_error) {
    append_detail(res.body, "RequestError", request_error_message, "request", s);
  } else {
    append_detail(res.body, "ServerError", error_text, "server", s);
  }
  res.body.append("]}}");
  return res;
}

}  // namespace

http_response kernel_error(queues::status s, std::string_view error_text) {
  auto code = queues::http_code(s);
  return error_body(s, error_text, code == 403 || code == 404 || code == 409);
}

http_response server_error(queues::status s, std::string_view error_text) {
  return error_body(s, error_text, false);
}

http_response route_not_found() {
  http_response res;
  res.status = 404;
  res.content_type = "text/plain";
  res.body = "404 page not found";
  res.version_header = false;
  return res;
}

http_response body_too_large() {
  http_response res;
  res.status = 413;
  res.content_type = text_content_type;
  res.body = "request body too large";
  res.close = true;
  return res;
}

http_response malformed_request() {
  http_response res;
  res.status = 400;
  res.content_type = text_content_type;
  res.body = "400 Bad Request";
  res.close = true;
  return res;
}

http_response too_many_connections() {
  http_response res =
    kernel_error(queues::status::api_submission_queue_full, "too many open connections");
  res.close = true;
  return res;
}

}  // namespace resonate::api_gateway
