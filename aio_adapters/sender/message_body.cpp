#include "aio_adapters/sender/message_body.hpp"

#include "codecs/json_writer.hpp"
#include "codecs/rest_v1/codec_promise.hpp"

namespace resonate::sender {

namespace {

void append_head(std::string& out, const queues::header_map& head, bool with_head) {
  if (!with_head || head.empty()) return;
  out.append(",\"head\":");
  codecs::json_append_string_map(out, head);
}

}  // namespace

std::string task_href(const std::string& system_url, const char* op,
                      const queues::task_record& task) {
  std::string out = system_url;
  out.append("/tasks/").append(op).push_back('/');
  out.append(task.id).push_back('/');
  out.append(std::to_string(task.counter));
  return out;
}

std::string task_body(const queues::task_record& task, const std::string& system_url,
                      bool with_head) {
  std::string out;
  out.reserve(256 + 4 * task.id.size());
  out.append("{\"type\":");
  codecs::json_append_string(out, queues::to_string(task.mesg.type));
  out.append(",\"task\":{\"id\":");
  codecs::json_append_string(out, task.id);
  out.append(",\"counter\":");
  codecs::json_append_int(out, task.counter);
  out.append(",\"timeout\":");
  codecs::json_append_int(out, task.timeout);
  out.append(",\"rootPromiseId\":");
  codecs::json_append_string(out, task.root_promise_id);
  if (task.process_id) {
    out.append(",\"processId\":");
    codecs::json_append_string(out, *task.process_id);
  }
  if (task.created_on) {
    out.append(",\"createdOn\":");
    codecs::json_append_int(out, *task.created_on);
  }
  if (task.completed_on) {
    out.append(",\"completedOn\":");
    codecs::json_append_int(out, *task.completed_on);
  }
  out.append("},\"href\":{\"base\":");
  codecs::json_append_string(out, system_url);
  out.append(",\"claim\":");
  codecs::json_append_string(out, task_href(system_url, "claim", task));
  out.append(",\"complete\":");
  codecs::json_append_string(out, task_href(system_url, "complete", task));
  out.append(",\"heartbeat\":");
  codecs::json_append_string(out, task_href(system_url, "heartbeat", task));
  out.push_back('}');
  append_head(out, task.mesg.head, with_head);
  out.push_back('}');
  return out;
}

std::string notify_body(const queues::promise_record& promise, const queues::header_map& head,
                        bool with_head) {
  std::string out = "{\"type\":\"notify\",\"promise\":";
  codecs::rest_v1::append_promise_json(out, promise);
  append_head(out, head, with_head);
  out.push_back('}');
  return out;
}

std::optional<std::string> message_body(const queues::send_submission& submission,
                                        const std::string& system_url, bool with_head,
                                        std::string& error) {
  const auto& task = submission.task;
  if (task.mesg.type != queues::message_type::notify) {
    return task_body(task, system_url, with_head);
  }
  if (!submission.promise) {
    error = "notify task " + task.id + " without its promise";
    return std::nullopt;
  }
  return notify_body(*submission.promise, task.mesg.head, with_head);
}

}  // namespace resonate::sender
