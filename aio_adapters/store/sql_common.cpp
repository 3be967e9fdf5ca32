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

std::string wrapping_add_sql(std::string_view a, std::string_view b, std::string_view headroom) {
  // Past the headroom, a + b - 2^64 computed as (a - 2^63) + (b - 2^63): both
  // halves and their sum stay in range.
  std::string min_offset = " - 9223372036854775807 - 1)";
  std::string out = "CASE WHEN ";
  out.append(b).append(" > ").append(headroom).append(" THEN (").append(a).append(min_offset);
  out.append(" + (").append(b).append(min_offset).append(" ELSE ").append(a).append(" + ");
  out.append(b).append(" END");
  return out;
}

}  // namespace resonate::aio_adapters::store
