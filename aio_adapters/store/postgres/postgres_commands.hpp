#pragma once

// The PostgreSQL store's commands, split by family: postgres_promises.cpp,
// postgres_tasks.cpp, postgres_callbacks.cpp, postgres_locks.cpp. Every command
// is ONE statement (PostgreSQL is bound by round trips, not by SQL work), given
// as two halves so that a batch can be pipelined: `call_of` builds the
// statement and its parameters, `result_of` reads its result. Both throw on
// failure (the batch runner catches).

#include <span>
#include <string>

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

// -- promises (postgres_promises.cpp) -------------------------------------------------
pg_call call_of(const q::read_promise_cmd& cmd);
pg_call call_of(const q::read_timedout_promises_cmd& cmd);
pg_call call_of(const q::search_promises_cmd& cmd);
pg_call call_of(const q::create_promise_cmd& cmd);
pg_call call_of(const q::update_promise_cmd& cmd);
pg_call call_of(const q::ping_cmd& cmd);
q::store_result result_of(const q::read_promise_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::read_timedout_promises_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::search_promises_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::create_promise_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::update_promise_cmd& cmd, const pg_result& r);
q::store_result result_of(const q::ping_cmd& cmd, const pg_result& r);

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
inline pg_call prepared(const char* name) { return pg_call{name, {}, {}}; }

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
