#include "queues/records.hpp"

#include <algorithm>
#include <cctype>

namespace resonate::queues {

const char* to_rest_string(promise_state s) {
  switch (s) {
    case promise_state::pending: return "PENDING";
    case promise_state::resolved: return "RESOLVED";
    case promise_state::rejected: return "REJECTED";
    case promise_state::rejected_canceled: return "REJECTED_CANCELED";
    case promise_state::rejected_timedout: return "REJECTED_TIMEDOUT";
  }
  return "PENDING";
}

std::optional<promise_state> promise_state_from_string(std::string_view s) {
  std::string up(s);
  std::transform(up.begin(), up.end(), up.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  for (auto st : {promise_state::pending, promise_state::resolved, promise_state::rejected,
                  promise_state::rejected_canceled, promise_state::rejected_timedout}) {
    if (up == to_rest_string(st)) return st;
  }
  return std::nullopt;
}

const char* to_string(message_type t) {
  switch (t) {
    case message_type::invoke: return "invoke";
    case message_type::resume: return "resume";
    case message_type::notify: return "notify";
  }
  return "invoke";
}

std::string resume_callback_id(const std::string& root, const std::string& promise) {
  return "__resume:" + root + ":" + promise;
}

std::string notify_callback_id(const std::string& promise, const std::string& subscription) {
  return "__notify:" + promise + ":" + subscription;
}

std::string invoke_task_id(const std::string& promise) { return "__invoke:" + promise; }

}  // namespace resonate::queues
