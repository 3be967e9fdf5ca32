#pragma once

// The PostgreSQL store's commands, split by family: postgres_promises.cpp,
// postgres_tasks.cpp, postgres_callbacks.cpp, postgres_locks.cpp. Every command
// is ONE statement (PostgreSQL is bound by round trips, not by SQL work), given
// as two halves so that a batch can be pipelined: `call_of` builds the
// statement and its parameters, `result_of` reads its result. Both throw on
// failure (the batch runner catches).
//
// Concurrent writers (several store workers, several nodes) at READ COMMITTED.
// A statement sees the rows committed when it started; an UPDATE or a locking
// SELECT that waits for a row re-reads only that row after the wait. So:
//  - every read-decide-write locks the rows it decides on: a guarded UPDATE
//    (`WHERE state = .. AND counter = ..`) decides on the row it locks, which
//    makes task claim/complete/drop and a promise's settle take effect once;
//  - a cascade locks its rows in a statement of its own, ahead of it
//    (lock_of): the completion locks the promise (FOR NO KEY UPDATE, as its
//    UPDATE would), and the cascade that follows starts after the lock was
//    granted, so it sees every callback a registration committed meanwhile;
//  - every registration (callback_create) locks the awaited promise FOR SHARE
//    and checks it is still pending after the wait, so a callback either
//    commits before the completion's lock is granted (the cascade turns it into
//    a task) or is never inserted (the promise is settled: 200, callback null);
//  - a fence locks its task FOR SHARE, so the task cannot move on until the
//    fenced submission commits.
// Lock order: promises before tasks, promises by id. A batch first locks
// every promise its completions and registrations decide on, by id
// (batch_lock_calls), so two batches, whatever the order of their
// submissions, wait for each other instead of deadlocking on promises. Then,
// submission by submission: the fence's task, the promise again (held
// already), the completion's root tasks, the new tasks of its callbacks. What
// is left (task rows locked in different orders by two batches, protocol
// 2026-04-01's own statements) may still deadlock: the batch runner reruns
// the batch (40P01, 40001), then fails the submission alone (503).

#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "aio_adapters/store/postgres/pg_connection.hpp"
#include "queues/aio.hpp"

namespace resonate::aio_adapters::store::postgres_dialect {

namespace q = resonate::queues;

/// A statement prepared once per connection.
struct prepared_statement {
  const char* name;
  std::string sql;
};

std::span<const prepared_statement> promise_statements();
std::span<const prepared_statement> task_statements();
std::span<const prepared_statement> callback_statements();
std::span<const prepared_statement> lock_statements();
std::span<const prepared_statement> schedule_statements();
std::span<const prepared_statement> count_statements();
std::span<const prepared_statement> task26_statements();

// -- promises (postgres_promises.cpp) -------------------------------------------------
pg_call call_of(const q::read_promise_cmd& cmd);
pg_call call_of(const q::read_timedout_promises_cmd& cmd);
pg_call call_of(const q::search_promises_cmd& cmd);
pg_call call_of(const q::create_promise_cmd& cmd);
pg_call call_of(const q::update_promise_cmd& cmd);
pg_call call_of(const q::ping_cmd& cmd);
/// The locks every batch takes first: `SELECT .. FROM promises WHERE id = $1
/// FOR NO KEY UPDATE` for each promise the batch's completions and
/// registrations decide on, in id order; adds their ids to `ids`.
std::vector<pg_call> batch_lock_calls(const q::aio_batch& batch, std::set<std::string>& ids);
/// Locks the promise `id` FOR NO KEY UPDATE (as a completion does).
pg_call promise_lock_call(const std::string& id);
/// The statement that locks the rows `cmd` decides on, run ahead of call_of(cmd)
/// as a statement of its own (see the top of this file), or none.
std::optional<pg_call> lock_of(const q::update_promise_cmd& cmd);
template <class C>
std::optional<pg_call> lock_of(const C&) {
  return std::nullopt;
}
/// Whether `cmd` has a statement that runs right after call_of(cmd) as part
/// of the same command: protocol 2026-04-01's step after a promise write (the
/// task of a targeted promise, the settlement chain; migration 006).
bool has_follow_up(const q::create_promise_cmd& cmd);
inline bool has_follow_up(const q::update_promise_cmd&) {
  return true;
}
template <class C>
bool has_follow_up(const C&) {
  return false;
}
/// That statement (only when has_follow_up(cmd)). Its result is read by the
/// command's receive into the command's result (follow_up_result).
pg_call follow_up_of(const q::create_promise_cmd& cmd);
pg_call follow_up_of(const q::update_promise_cmd& cmd);
template <class C>
pg_call follow_up_of(const C&) {
  throw std::logic_error("a command without a follow-up statement");
}
/// What the follow-up statement adds to `result`: the settlement chain's
/// count of messages queued (migration 007); nothing for the others.
void follow_up_result(const q::update_promise_cmd& cmd, const pg_result& r,
                      q::store_result& result);
template <class C>
void follow_up_result(const C&, const pg_result&, q::store_result&) {}
q::store_result result_of(const q::read_promise_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::read_timedout_promises_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::search_promises_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::create_promise_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::update_promise_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::ping_cmd& cmd, const pg_result& r);
/// Every row of a statement that selects promise_columns.
q::query_promises_result read_promise_rows(const pg_result& r);

// -- tasks (postgres_tasks.cpp) -------------------------------------------------------
pg_call call_of(const q::read_task_cmd& cmd);
pg_call call_of(const q::read_enqueueable_tasks_cmd& cmd);
pg_call call_of(const q::read_expired_tasks_cmd& cmd);
pg_call call_of(const q::create_task_cmd& cmd);
pg_call call_of(const q::update_task_cmd& cmd);
pg_call call_of(const q::heartbeat_tasks_cmd& cmd);
/// The 13 parameters of a task row, in the column order of `INSERT INTO tasks (id,
/// process_id, state, root_promise_id, recv, mesg, timeout, counter, attempt, ttl,
/// expires_at, created_on, completed_on)`: the task create and the create with a task.
void add_task_row_params(pg_params& p, const q::task_record& t);
q::store_result result_of(const q::read_task_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::read_enqueueable_tasks_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::read_expired_tasks_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::create_task_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::update_task_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::heartbeat_tasks_cmd& cmd, const pg_result& r);

/// The fence check (4.13): `SELECT COUNT(*) FROM tasks WHERE id AND counter AND
/// state = CLAIMED`; it holds when the count is 1.
pg_call fence_call(const q::fence& f);
bool fence_result(const pg_result& r);

// -- protocol 2026-04-01's tasks (postgres_tasks26.cpp) -------------------------------
pg_call call_of(const q::read_task26_cmd& cmd);
pg_call call_of(const q::read_branch26_cmd& cmd);
pg_call call_of(const q::search_tasks26_cmd& cmd);
pg_call call_of(const q::write_task26_cmd& cmd);
q::store_result result_of(const q::read_task26_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::read_branch26_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::search_tasks26_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::write_task26_cmd& cmd, const pg_result& r);
pg_call call_of(const q::register26_cmd& cmd);
q::store_result result_of(const q::register26_cmd& cmd, const pg_result& r);

// -- callbacks (postgres_callbacks.cpp) -----------------------------------------------
pg_call call_of(const q::create_callback_cmd& cmd);
q::store_result result_of(const q::create_callback_cmd& cmd, const pg_result& r);

// -- locks (postgres_locks.cpp) -------------------------------------------------------
pg_call call_of(const q::read_lock_cmd& cmd);
pg_call call_of(const q::acquire_lock_cmd& cmd);
pg_call call_of(const q::release_lock_cmd& cmd);
pg_call call_of(const q::heartbeat_locks_cmd& cmd);
pg_call call_of(const q::timeout_locks_cmd& cmd);
q::store_result result_of(const q::read_lock_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::acquire_lock_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::release_lock_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::heartbeat_locks_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::timeout_locks_cmd& cmd, const pg_result& r);

/// A call of a prepared statement.
inline pg_call prepared(const char* name) {
  return pg_call{name, {}, {}};
}

// -- schedules (postgres_schedules.cpp) -----------------------------------------------
pg_call call_of(const q::read_schedule_cmd& cmd);
pg_call call_of(const q::search_schedules_cmd& cmd);
pg_call call_of(const q::create_schedule_cmd& cmd);
pg_call call_of(const q::delete_schedule_cmd& cmd);
pg_call call_of(const q::read_due_schedules_cmd& cmd);
pg_call call_of(const q::update_schedule_cmd& cmd);
q::store_result result_of(const q::read_schedule_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::search_schedules_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::create_schedule_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::delete_schedule_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::read_due_schedules_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::update_schedule_cmd& cmd, const pg_result& r);

// -- counts by state, for the gauges (postgres_counts.cpp) ------------------------------
pg_call call_of(const q::count_tasks_by_state_cmd& cmd);
pg_call call_of(const q::count_promises_by_state_cmd& cmd);
q::store_result result_of(const q::count_tasks_by_state_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::count_promises_by_state_cmd& cmd, const pg_result& r);

}  // namespace resonate::aio_adapters::store::postgres_dialect
