#pragma once

#include <cstdint>
#include <string_view>

namespace resonate::queues {

/// The internal status code of a kernel outcome (REST v1 spec section 3.1).
/// The HTTP status is always `code / 100`.
enum class status : uint32_t {
  ok = 20000,
  created = 20100,
  no_content = 20400,

  field_validation_error = 40000,
  unauthorized = 40100,
  forbidden = 40300,
  promise_already_resolved = 40301,
  promise_already_rejected = 40302,
  promise_already_canceled = 40303,
  promise_already_timedout = 40304,
  lock_already_acquired = 40305,
  task_already_claimed = 40306,
  task_already_completed = 40307,
  task_invalid_counter = 40308,
  task_invalid_state = 40309,
  promise_not_found = 40400,
  schedule_not_found = 40401,
  lock_not_found = 40402,
  task_not_found = 40403,
  recv_not_found = 40404,
  promise_already_exists = 40900,
  schedule_already_exists = 40901,
  task_precondition_failed = 41200,

  internal_server_error = 50000,
  aio_echo_error = 50001,
  aio_match_error = 50002,
  aio_queue_error = 50003,
  aio_store_error = 50004,
  system_shutting_down = 50300,
  api_submission_queue_full = 50301,
  aio_submission_queue_full = 50302,
  scheduler_queue_full = 50303,
  /// Not in the reference: the store kept losing write conflicts with
  /// concurrent transactions (deadlock, serialisation failure) and gave up on
  /// this request after rerunning its batch; nothing of it was written.
  aio_store_conflict = 50304,
};

/// HTTP status for an internal code (integer division by 100).
constexpr int http_code(status s) { return static_cast<int>(static_cast<uint32_t>(s) / 100); }

/// True for 2xx outcomes.
constexpr bool is_success(status s) { return http_code(s) / 100 == 2; }

/// The status text that the reference server puts in `error.message`.
std::string_view status_text(status s);

}  // namespace resonate::queues
