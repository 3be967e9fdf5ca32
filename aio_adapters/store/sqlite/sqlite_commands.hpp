#pragma once

// The SQLite store's commands, one overload of `run` per command, split by
// family: sqlite_promises.cpp, sqlite_tasks.cpp, sqlite_callbacks.cpp,
// sqlite_locks.cpp. Each runs inside the batch transaction on the store's one
// connection and throws on failure (the batch runner catches).

#include <cstdint>
#include <string>

#include "aio_adapters/store/sqlite/sqlite_connection.hpp"
#include "queues/aio.hpp"

namespace resonate::aio_adapters::store::sqlite_dialect {

namespace q = resonate::queues;

// -- promises (sqlite_promises.cpp) ---------------------------------------------------
q::store_result run(sqlite_connection& c, const q::read_promise_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::read_timedout_promises_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::search_promises_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::create_promise_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::update_promise_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::ping_cmd& cmd);
/// Every row of a statement that selects promise_columns.
q::query_promises_result read_promise_rows(sqlite_statement& st);

// -- tasks (sqlite_tasks.cpp) ---------------------------------------------------------
q::store_result run(sqlite_connection& c, const q::read_task_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::read_enqueueable_tasks_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::read_expired_tasks_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::create_task_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::update_task_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::heartbeat_tasks_cmd& cmd);

/// `SELECT COUNT(*) FROM tasks WHERE id AND counter AND state = CLAIMED` is 1.
bool fence_holds(sqlite_connection& c, const q::fence& f);
/// INSERT .. ON CONFLICT(id) DO NOTHING; the rows inserted (0 or 1).
int64_t insert_task(sqlite_connection& c, const q::task_record& t);
/// Whether a task of this root is ENQUEUED or CLAIMED (2.5: one active per root).
bool root_has_active_task(sqlite_connection& c, const std::string& root_promise_id);
/// INIT/ENQUEUED/CLAIMED tasks of `root` -> COMPLETED at `now`; the rows changed.
int64_t complete_tasks_of_root(sqlite_connection& c, const std::string& root, int64_t now);

// -- callbacks (sqlite_callbacks.cpp) -------------------------------------------------
q::store_result run(sqlite_connection& c, const q::create_callback_cmd& cmd);

/// Every callback on `promise_id` becomes an INIT task created at `now` (in
/// callback id order) and is deleted; the number of tasks created.
int64_t callbacks_to_tasks(sqlite_connection& c, const std::string& promise_id, int64_t now);

// -- protocol 2026-04-01's tasks (sqlite_tasks26.cpp) ---------------------------------
q::store_result run(sqlite_connection& c, const q::read_task26_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::read_branch26_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::search_tasks26_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::write_task26_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::register26_cmd& cmd);

// -- protocol 2026-04-01's step after a promise write (sqlite_settlement_2026.cpp) -------

/// A promise `cmd` just inserted: its branch (preload) and, with a
/// resonate:target, its task, first execute and background timeout.
void promise26_created(sqlite_connection& c, const q::create_promise_cmd& cmd);
/// The promise `id` just left pending, at `now`: the settlement chain (spec
/// 2.6); the executes and unblocks it queued.
int64_t promise26_settled(sqlite_connection& c, const std::string& id, int64_t now);

// -- locks (sqlite_locks.cpp) ---------------------------------------------------------
q::store_result run(sqlite_connection& c, const q::read_lock_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::acquire_lock_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::release_lock_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::heartbeat_locks_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::timeout_locks_cmd& cmd);

// -- schedules (sqlite_schedules.cpp) -------------------------------------------------
q::store_result run(sqlite_connection& c, const q::read_schedule_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::search_schedules_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::create_schedule_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::delete_schedule_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::read_due_schedules_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::update_schedule_cmd& cmd);

// -- counts by state, for the gauges (sqlite_counts.cpp) --------------------------------
q::store_result run(sqlite_connection& c, const q::count_tasks_by_state_cmd& cmd);
q::store_result run(sqlite_connection& c, const q::count_promises_by_state_cmd& cmd);

}  // namespace resonate::aio_adapters::store::sqlite_dialect
