#include "codecs/rest_v1/codec_promise.hpp"

#include "codecs/base64.hpp"
#include "codecs/json_writer.hpp"

namespace resonate::codecs::rest_v1 {

void append_value_json(std::string& out, const queues::value& v) {
  out.push_back('{');
  bool comma = false;
  if (!v.headers.empty()) {
    out.append(R"("headers":)");
    json_append_string_map(out, v.headers);
    comma = true;
  }
  if (!v.data.empty()) {
    if (comma) out.push_back(',');
    out.append(R"("data":")");
    base64_encode_append(out, v.data);  // the base64 alphabet never needs escaping
    out.push_back('"');
  }
  out.push_back('}');
}

void append_promise_json(std::string& out, const queues::promise_record& p) {
  out.append(R"({"id":)");
  json_append_string(out, p.id);
  out.append(R"(,"state":")");
  out.append(queues::to_rest_string(p.state));
  out.append(R"(","param":)");
  append_value_json(out, p.param);
  out.append(R"(,"value":)");
  append_value_json(out, p.val);
  out.append(R"(,"timeout":)");
  json_append_int(out, p.timeout);
  if (p.idempotency_key_for_create) {
    out.append(R"(,"idempotencyKeyForCreate":)");
    json_append_string(out, *p.idempotency_key_for_create);
  }
  if (p.idempotency_key_for_complete) {
    out.append(R"(,"idempotencyKeyForComplete":)");
    json_append_string(out, *p.idempotency_key_for_complete);
  }
  if (!p.tags.empty()) {
    out.append(R"(,"tags":)");
    json_append_string_map(out, p.tags);
  }
  if (p.created_on) {
    out.append(R"(,"createdOn":)");
    json_append_int(out, *p.created_on);
  }
  if (p.completed_on) {
    out.append(R"(,"completedOn":)");
    json_append_int(out, *p.completed_on);
  }
  out.push_back('}');
}

std::string promise_json(const queues::promise_record& p) {
  std::string out;
  out.reserve(160 + p.id.size() + p.param.data.size() * 4 / 3 + p.val.data.size() * 4 / 3);
  append_promise_json(out, p);
  return out;
}

}  // namespace resonate::codecs::rest_v1
