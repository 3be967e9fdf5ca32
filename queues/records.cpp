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

}  // namespace resonate::queues
