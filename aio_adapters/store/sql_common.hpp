#pragma once

// SQL shared by both dialects: the promise column list and the search pattern.

#include <cstdint>
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
};

/// The LIKE pattern of a search id: `*` becomes `%`, nothing else is escaped.
std::string like_pattern(std::string_view id);

/// The state stored in the database; throws std::runtime_error on a value that
/// is not one of the five state bits.
queues::promise_state promise_state_from_db(int64_t v);

/// A LIMIT that the database accepts (negative means none in SQLite but is an
/// error in PostgreSQL; the gateway validates, this only keeps both alike).
inline int64_t sql_limit(int64_t limit) { return limit < 0 ? 0 : limit; }

/// Marks every completion of a batch as failed with `msg` (nothing committed).
void fail_all(queues::aio_results& out, const std::string& msg);

}  // namespace resonate::aio_adapters::store
