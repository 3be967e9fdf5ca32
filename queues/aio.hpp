#pragma once

// t_aio: what the kernel asks of the AIO adapters and what comes back
// (REST v1 spec section 5.3). A store submission is one logical transaction: a
// list of typed commands, each answered by one result in the same position.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "queues/api.hpp"
#include "queues/records.hpp"

namespace resonate::queues {

// -- store commands -----------------------------------------------------------------

/// SELECT one promise by id.
struct read_promise_cmd {
  std::string id;
};

/// Pending promises whose timeout is <= time (the background timeout scan).
struct read_timedout_promises_cmd {
  int64_t time = 0;
  int64_t limit = 100;
};

/// `id LIKE pattern` (`*` -> `%`), state mask, tag equality, `sort_id < sort_id`,
/// newest first, at most `limit` rows.
struct search_promises_cmd {
  std::string id;
  state_mask states = all_promise_states;
  tag_map tags;
  int64_t limit = 100;
  std::optional<int64_t> sort_id;
};

/// INSERT a pending promise; ON CONFLICT(id) DO NOTHING. Result: rows affected.
struct create_promise_cmd {
  std::string id;
  value param;
  int64_t timeout = 0;
  std::optional<std::string> idempotency_key;
  tag_map tags;
  int64_t created_on = 0;
};

/// UPDATE a promise out of PENDING (`WHERE id = ? AND state = 1 AND timeout > ?`).
/// `timeout_after` lets a complete take effect only before the timeout, in the
/// same statement, so a complete needs no separate read. Result: rows affected.
struct update_promise_cmd {
  std::string id;
  promise_state state = promise_state::resolved;
  value val;
  std::optional<std::string> idempotency_key;
  int64_t completed_on = 0;
  int64_t timeout_after = std::numeric_limits<int64_t>::min();
};

/// `SELECT 1`: readiness probe of the store.
struct ping_cmd {};

using store_command = std::variant<read_promise_cmd, read_timedout_promises_cmd,
                                   search_promises_cmd, create_promise_cmd, update_promise_cmd,
                                   ping_cmd>;

// -- store results ------------------------------------------------------------------

struct query_promises_result {
  std::vector<promise_record> records;
  std::optional<int64_t> last_sort_id;  ///< sort id of the last row, for cursors
};

struct alter_result {
  int64_t rows_affected = 0;
};

using store_result = std::variant<query_promises_result, alter_result>;

/// One logical transaction. If a fence is given, the store checks it first and
/// skips the commands when it does not hold (`valid = false`).
struct store_transaction {
  std::optional<fence> fence_token;
  std::vector<store_command> commands;
};

struct store_completion {
  bool valid = true;
  std::vector<store_result> results;
};

// -- envelopes ----------------------------------------------------------------------

/// An AIO submission: kernel -> adapter. `id` pairs it with its completion.
struct aio_sqe {
  uint64_t id = 0;
  store_transaction tx;
};

/// An AIO completion: adapter -> kernel. `error` is set when the submission
/// failed as a whole (its commands were rolled back).
struct aio_cqe {
  uint64_t id = 0;
  std::optional<std::string> error;
  store_completion completion;
};

using aio_batch = std::vector<aio_sqe>;
using aio_results = std::vector<aio_cqe>;

}  // namespace resonate::queues
