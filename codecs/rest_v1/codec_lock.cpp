#include "codecs/rest_v1/codec_lock.hpp"

#include "codecs/json_writer.hpp"

namespace resonate::codecs::rest_v1 {

void append_lock_json(std::string& out, const queues::lock_record& l) {
  out.append(R"({"resourceId":)");
  json_append_string(out, l.resource_id);
  out.append(R"(,"executionId":)");
  json_append_string(out, l.execution_id);
  out.append(R"(,"processId":)");
  json_append_string(out, l.process_id);
  out.append(R"(,"ttl":)");
  json_append_int(out, l.ttl);
  out.append(R"(,"expiresAt":)");
  json_append_int(out, l.expires_at);
  out.push_back('}');
}

}  // namespace resonate::codecs::rest_v1
