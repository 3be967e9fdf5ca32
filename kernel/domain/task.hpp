#pragma once

// Task rules of REST v1 (spec sections 2.5, 4.10) as pure functions: the order
// in which claim, complete and drop refuse, and the update each transition
// writes (always guarded by the state and counter it was decided on).

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "queues/aio.hpp"
#include "queues/records.hpp"

namespace resonate::kernel::domain {

/// now + ttl, clamped to INT64_MAX instead of overflowing.
inline int64_t clamp_add(int64_t now, int64_t ttl) {
  if (ttl > 0 && now > std::numeric_limits<int64_t>::max() - ttl)
    return std::numeric_limits<int64_t>::max();
  return now + ttl;
}

/// Why a claim of `t` with `counter` is refused, in the spec's order (404 is the
/// caller's): already claimed 40306, completed or timed out 40307, counter 40308.
std::optional<queues::status> claim_refusal(const queues::task_record& t, int64_t counter);

/// Complete: nullopt -> go ahead; ok -> already COMPLETED/TIMEDOUT (200 + task);
/// otherwise 40309 (INIT/ENQUEUED) or 40308 (counter).
std::optional<queues::status> complete_refusal(const queues::task_record& t, int64_t counter);

/// Drop: nullopt -> go ahead; ok -> no-op (200); otherwise 40308.
std::optional<queues::status> drop_refusal(const queues::task_record& t, int64_t counter);

/// The guarded updates of each transition (spec 2.5). Each returns the command
/// and leaves the record as it will be after it took effect in `t`.
queues::update_task_cmd claim_update(queues::task_record& t, std::string process_id, int64_t ttl,
                                     int64_t now);
queues::update_task_cmd complete_update(queues::task_record& t, int64_t now);
/// CLAIMED -> INIT with counter + 1 (drop).
queues::update_task_cmd drop_update(queues::task_record& t);
/// ENQUEUED/CLAIMED past its deadline: back to INIT with counter + 1 while
/// now < timeout, else TIMEDOUT (completedOn = timeout).
queues::update_task_cmd expire_update(queues::task_record& t, int64_t now);
/// An INIT task EnqueueTasks decided not to send: TIMEDOUT or COMPLETED.
queues::update_task_cmd timeout_init_update(queues::task_record& t);
queues::update_task_cmd complete_init_update(queues::task_record& t, int64_t now);
/// After a send: notify -> COMPLETED (no completedOn); success -> ENQUEUED
/// (claim deadline now + ttc, or none); failure -> INIT, attempt + 1, retry
/// after retry_delay() (0: at once).
queues::update_task_cmd after_send_update(queues::task_record& t,
                                          const queues::send_completion& sent, int64_t now);

/// How long a task waits after its `attempt`-th failed send (attempt >= 1): the
/// plugin's time to retry, doubled per further failure up to 4x, times a jitter
/// in [0.8, 1.2) that is a hash of the task (so receivers that come back are not
/// hit by every waiting task at once, and a replayed run retries identically).
/// 0 when ttr is 0.
int64_t retry_delay(int64_t ttr, int64_t attempt, const std::string& task_id, int64_t counter);

/// The `resonate:delay` tag as epoch ms (0 when absent or not a number).
int64_t delay_of(const queues::tag_map& tags);

/// The invoke task a new promise gets when the router matched it: INIT, counter
/// 1, not before `resonate:delay`.
queues::task_record invoke_task(const std::string& promise_id, int64_t promise_timeout,
                                const queues::tag_map& tags, std::string recv,
                                queues::header_map head, int64_t now);

}  // namespace resonate::kernel::domain
