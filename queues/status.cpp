#include "queues/status.hpp"

namespace resonate::queues {

std::string_view status_text(status s) {
  switch (s) {
    case status::ok: return "The request was successful";
    case status::created: return "The request was successful";
    case status::no_content: return "The request was successful";
    case status::field_validation_error: return "The request is invalid";
    case status::unauthorized: return "The request is unauthorized";
    case status::forbidden: return "The request is forbidden";
    case status::promise_already_resolved: return "The promise has already been resolved";
    case status::promise_already_rejected: return "The promise has already been rejected";
    case status::promise_already_canceled: return "The promise has already been canceled";
    case status::promise_already_timedout: return "The promise has already timedout";
    case status::lock_already_acquired: return "The lock is already acquired";
    case status::task_already_claimed: return "The task is already claimed";
    case status::task_already_completed: return "The task is already completed";
    case status::task_invalid_counter: return "The task counter is invalid";
    case status::task_invalid_state: return "The task state is invalid";
    case status::promise_not_found: return "The specified promise was not found";
    case status::schedule_not_found: return "The specified schedule was not found";
    case status::lock_not_found: return "The specified lock was not found";
    case status::task_not_found: return "The specified task was not found";
    case status::recv_not_found: return "The specified recv couldn't be found";
    case status::promise_already_exists: return "The specified promise already exists";
    case status::schedule_already_exists: return "The specified schedule already exists";
    case status::task_precondition_failed: return "The task precondition failed";
    case status::internal_server_error: return "There was an internal server error";
    case status::aio_echo_error: return "There was an error in the echo subsystem";
    case status::aio_match_error: return "There was an error in the router subsystem";
    case status::aio_queue_error: return "There was an error in the queue subsystem";
    case status::aio_store_error: return "There was an error in the store subsystem";
    case status::system_shutting_down: return "The system is shutting down";
    case status::api_submission_queue_full: return "The api submission queue is full";
    case status::aio_submission_queue_full: return "The aio submission queue is full";
    case status::scheduler_queue_full: return "The scheduler queue is full";
    case status::aio_store_conflict: return "The store is busy with conflicting writes";
  }
  return "Unknown status";
}

}  // namespace resonate::queues
