#include "codecs/rest_v1/codec_task.hpp"

#include "codecs/json_writer.hpp"

namespace resonate::codecs::rest_v1 {

void append_task_json(std::string& out, const queues::task_record& t) {
  out.append(R"({"id":)");
  json_append_string(out, t.id);
  out.append(R"(,"counter":)");
  json_append_int(out, t.counter);
  out.append(R"(,"timeout":)");
  json_append_int(out, t.timeout);
  out.append(R"(,"rootPromiseId":)");
  json_append_string(out, t.root_promise_id);
  if (t.process_id) {
    out.append(R"(,"processId":)");
    json_append_string(out, *t.process_id);
  }
  if (t.created_on) {
    out.append(R"(,"createdOn":)");
    json_append_int(out, *t.created_on);
  }
  if (t.completed_on) {
    out.append(R"(,"completedOn":)");
    json_append_int(out, *t.completed_on);
  }
  out.push_back('}');
}

void append_callback_json(std::string& out, const queues::callback_record& c) {
  out.append(R"({"id":)");
  json_append_string(out, c.id);
  out.append(R"(,"promiseId":)");
  json_append_string(out, c.promise_id);
  out.append(R"(,"rootPromiseId":"","timeout":)");
  json_append_int(out, c.timeout);
  out.append(R"(,"createdOn":)");
  json_append_int(out, c.created_on);
  out.push_back('}');
}

}  // namespace resonate::codecs::rest_v1
