#include "codecs/rest_v1/codec_schedule.hpp"

#include "codecs/json_writer.hpp"
#include "codecs/rest_v1/codec_promise.hpp"

namespace resonate::codecs::rest_v1 {

void append_schedule_json(std::string& out, const queues::schedule_record& s) {
  out.append(R"({"id":)");
  json_append_string(out, s.id);
  if (!s.description.empty()) {
    out.append(R"(,"desc":)");
    json_append_string(out, s.description);
  }
  out.append(R"(,"cron":)");
  json_append_string(out, s.cron);
  out.append(R"(,"tags":)");
  json_append_string_map(out, s.tags);
  out.append(R"(,"promiseId":)");
  json_append_string(out, s.promise_id);
  out.append(R"(,"promiseTimeout":)");
  json_append_int(out, s.promise_timeout);
  out.append(R"(,"promiseParam":)");
  append_value_json(out, s.promise_param);
  if (!s.promise_tags.empty()) {
    out.append(R"(,"promiseTags":)");
    json_append_string_map(out, s.promise_tags);
  }
  if (s.last_run_time) {
    out.append(R"(,"lastRunTime":)");
    json_append_int(out, *s.last_run_time);
  }
  out.append(R"(,"nextRunTime":)");
  json_append_int(out, s.next_run_time);
  if (s.idempotency_key) {
    out.append(R"(,"idempotencyKey":)");
    json_append_string(out, *s.idempotency_key);
  }
  out.append(R"(,"createdOn":)");
  json_append_int(out, s.created_on);
  out.push_back('}');
}

}  // namespace resonate::codecs::rest_v1
