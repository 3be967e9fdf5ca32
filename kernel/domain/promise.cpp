#include "kernel/domain/promise.hpp"

namespace resonate::kernel::domain {

namespace q = resonate::queues;

q::promise_record timed_out(q::promise_record p) {
  p.state = q::timed_out_state(p);
  p.val = q::value{};
  p.idempotency_key_for_complete.reset();
  p.completed_on = p.timeout;
  return p;
}

q::update_promise_cmd completion_command(const std::string& id, q::promise_state state,
                                         q::value val, std::optional<std::string> ikey,
                                         int64_t completed_on, int64_t now,
                                         int64_t timeout_after) {
  q::update_promise_cmd u;
  u.id = id;
  u.state = state;
  u.val = std::move(val);
  u.idempotency_key = std::move(ikey);
  u.completed_on = completed_on;
  u.timeout_after = timeout_after;
  u.now = now;
  return u;
}

q::update_promise_cmd timeout_command(const q::promise_record& p, int64_t now) {
  return completion_command(p.id, q::timed_out_state(p), q::value{}, std::nullopt, p.timeout, now);
}

bool ikey_match(const std::optional<std::string>& request_key,
                const std::optional<std::string>& stored_key) {
  return request_key && stored_key && *request_key == *stored_key;
}

q::status create_existing_status(const q::create_promise_request& req,
                                 const q::promise_record& stored) {
  if (ikey_match(req.idempotency_key, stored.idempotency_key_for_create) &&
      (!req.strict || stored.state == q::promise_state::pending))
    return q::status::ok;
  return q::status::promise_already_exists;
}

q::status already_status(q::promise_state s) {
  switch (s) {
    case q::promise_state::resolved: return q::status::promise_already_resolved;
    case q::promise_state::rejected: return q::status::promise_already_rejected;
    case q::promise_state::rejected_canceled: return q::status::promise_already_canceled;
    case q::promise_state::rejected_timedout: return q::status::promise_already_timedout;
    case q::promise_state::pending: break;
  }
  return q::status::internal_server_error;
}

q::status complete_settled_status(const q::complete_promise_request& req,
                                  const q::promise_record& stored, bool timed_out_now) {
  if (timed_out_now) {
    // Resolved-on-timeout is never completable; a plain timeout is lenient
    // towards non-strict completes.
    if (stored.state == q::promise_state::resolved) return q::status::promise_already_resolved;
    return req.strict ? q::status::promise_already_timedout : q::status::ok;
  }
  bool match = ikey_match(req.idempotency_key, stored.idempotency_key_for_complete);
  if (req.strict && match && stored.state == req.state) return q::status::ok;
  if (!req.strict && match) return q::status::ok;
  if (!req.strict && stored.state == q::promise_state::rejected_timedout) return q::status::ok;
  return already_status(stored.state);
}

}  // namespace resonate::kernel::domain
