#include "aio_adapters/store/sql_common.hpp"

#include <stdexcept>

namespace resonate::aio_adapters::store {

std::string like_pattern(std::string_view id) {
  std::string out(id);
  for (auto& c : out) {
    if (c == '*') c = '%';
  }
  return out;
}

queues::promise_state promise_state_from_db(int64_t v) {
  switch (v) {
    case 1:
    case 2:
    case 4:
    case 8:
    case 16:
      return static_cast<queues::promise_state>(v);
    default:
      throw std::runtime_error("promise row has invalid state " + std::to_string(v));
  }
}

queues::task_state task_state_from_db(int64_t v) {
  switch (v) {
    case 1:
    case 2:
    case 4:
    case 8:
    case 16:
      return static_cast<queues::task_state>(v);
    default:
      throw std::runtime_error("task row has invalid state " + std::to_string(v));
  }
}

}  // namespace resonate::aio_adapters::store
