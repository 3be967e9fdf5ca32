#pragma once

// Promise rules of REST v1 (spec sections 2.2, 4.1-4.4) as pure functions, so the
// decision tables are tested directly and every coroutine uses the same ones.

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "queues/aio.hpp"
#include "queues/api.hpp"
#include "queues/records.hpp"

namespace resonate::kernel::domain {

/// A pending promise is timed out iff timeout <= now.
inline bool is_timed_out(const queues::promise_record& p, int64_t now) {
  return p.state == queues::promise_state::pending && p.timeout <= now;
}

/// The record a pending promise becomes when its timeout passes: the timed-out
/// state (or RESOLVED with resonate:timeout=true), empty value, no complete key,
/// completedOn = timeout.
queues::promise_record timed_out(queues::promise_record p);

/// The completion transaction (spec 4.4): the command that moves a promise out
/// of PENDING (only if its timeout is after `timeout_after`) and, in the store,
/// completes its tasks and turns its callbacks into tasks. Every path that
/// completes a promise (complete, lazy timeout, background timeout) uses it.
queues::update_promise_cmd completion_command(const std::string& id, queues::promise_state state,
                                              queues::value val, std::optional<std::string> ikey,
                                              int64_t completed_on, int64_t now,
                                              int64_t timeout_after =
                                                std::numeric_limits<int64_t>::min());

/// The same for a timeout transition of `p` observed at `now`.
queues::update_promise_cmd timeout_command(const queues::promise_record& p, int64_t now);

/// Both keys non-null and equal.
bool ikey_match(const std::optional<std::string>& request_key,
                const std::optional<std::string>& stored_key);

/// Create on an existing promise (already timed out if it was due): 200 or 409.
queues::status create_existing_status(const queues::create_promise_request& req,
                                      const queues::promise_record& stored);

/// Complete on a promise that is no longer pending-before-timeout. `stored` is the
/// record after any lazy timeout; `timed_out_now` says the timeout was observed by
/// this very request (spec 4.3 rows 3-5).
queues::status complete_settled_status(const queues::complete_promise_request& req,
                                       const queues::promise_record& stored, bool timed_out_now);

/// The 403 code for "already <state>".
queues::status already_status(queues::promise_state s);

}  // namespace resonate::kernel::domain
