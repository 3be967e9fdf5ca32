#pragma once

// SQL shared by both dialects: the promise and task column lists, the search
// pattern, and small value helpers.

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "queues/aio.hpp"
#include "queues/records.hpp"

namespace resonate::aio_adapters::store {

/// The SELECT list every promise query uses, in the order the row readers expect.
inline constexpr std::string_view promise_columns =
  "id, state, param_headers, param_data, value_headers, value_data, timeout, "
  "idempotency_key_for_create, idempotency_key_for_complete, tags, created_on, "
  "completed_on, sort_id";

/// Column positions within promise_columns.
enum promise_column : int {
  col_id,
  col_state,
  col_param_headers,
  col_param_data,
  col_value_headers,
  col_value_data,
  col_timeout,
  col_ikey_create,
  col_ikey_complete,
  col_tags,
  col_created_on,
  col_completed_on,
  col_sort_id,
  promise_column_count,
};

/// The SELECT list every task query uses, in the order the row readers expect.
inline constexpr std::string_view task_columns =
  "id, process_id, state, root_promise_id, recv, mesg, timeout, counter, attempt, ttl, "
  "expires_at, created_on, completed_on, sort_id";

/// Column positions within task_columns.
enum task_column : int {
  tcol_id,
  tcol_process_id,
  tcol_state,
  tcol_root_promise_id,
  tcol_recv,
  tcol_mesg,
  tcol_timeout,
  tcol_counter,
  tcol_attempt,
  tcol_ttl,
  tcol_expires_at,
  tcol_created_on,
  tcol_completed_on,
  tcol_sort_id,
};

/// The task states as stored (REST v1 2.4).
inline constexpr int64_t task_init = 1;
inline constexpr int64_t task_enqueued = 2;
inline constexpr int64_t task_claimed = 4;
inline constexpr int64_t task_completed = 8;

/// The LIKE pattern of a search id: `*` becomes `%`, nothing else is escaped.
std::string like_pattern(std::string_view id);

/// The state stored in the database; throws std::runtime_error on a value that
/// is not one of the five state bits.
queues::promise_state promise_state_from_db(int64_t v);

/// The task state stored in the database; throws std::runtime_error likewise.
queues::task_state task_state_from_db(int64_t v);

/// A LIMIT that the database accepts (negative means none in SQLite but is an
/// error in PostgreSQL; the gateway validates, this only keeps both alike).
inline int64_t sql_limit(int64_t limit) { return limit < 0 ? 0 : limit; }

/// The largest ttl for which `time + ttl` does not overflow: heartbeats set
/// `expires_at = ttl > headroom ? INT64_MAX : time + ttl`.
inline int64_t ttl_headroom(int64_t time) {
  constexpr auto max = std::numeric_limits<int64_t>::max();
  return time > 0 ? max - time : max;
}

/// The SELECT list every lock query uses, in lock_record's order.
inline constexpr std::string_view lock_columns =
  "resource_id, execution_id, process_id, ttl, expires_at";

/// SQL for `a + b` with Go's int64 arithmetic: on overflow it wraps instead of
/// failing (PostgreSQL) or turning into a REAL (SQLite). `b` must be >= 0 and
/// `headroom` the placeholder of ttl_headroom(a).
std::string wrapping_add_sql(std::string_view a, std::string_view b, std::string_view headroom);

}  // namespace resonate::aio_adapters::store

namespace resonate::aio_adapters::store {

/// The SELECT list of a full schedule, in the order of schedule_column.
inline constexpr std::string_view schedule_columns =
  "id, description, cron, tags, promise_id, promise_timeout, promise_param_headers, "
  "promise_param_data, promise_tags, last_run_time, next_run_time, idempotency_key, "
  "created_on, sort_id";

/// The SELECT list of a schedule search (REST v1 3.3: partial records); the
/// missing columns are selected as their empty values so one row reader serves.
inline constexpr std::string_view schedule_search_columns =
  "id, NULL, cron, tags, '', 0, NULL, NULL, NULL, last_run_time, next_run_time, "
  "idempotency_key, created_on, sort_id";

enum schedule_column : int {
  scol_id,
  scol_description,
  scol_cron,
  scol_tags,
  scol_promise_id,
  scol_promise_timeout,
  scol_param_headers,
  scol_param_data,
  scol_promise_tags,
  scol_last_run_time,
  scol_next_run_time,
  scol_ikey,
  scol_created_on,
  scol_sort_id,
  schedule_column_count,
};

}  // namespace resonate::aio_adapters::store
