#pragma once

// The pieces every operation of the 2026 state machine shares: reading and
// writing a task row, promises through the store's own commands (so REST v1's
// completion chain and protocol 2026's settlement chain run as for any write),
// materialising a timeout on access (spec 2.1), and the JSON of
// records and answers. Internal to kernel/v2026/.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "kernel/v2026/database.hpp"
#include "queues/aio.hpp"
#include "queues/records.hpp"

namespace resonate::kernel::v2026 {

/// A task as stored in tasks26, and its states and timers (queues/records.hpp).
using task_row = queues::task26_record;
using task_state = queues::task26_state;
using queues::task26_timer;

/// An operation in progress: its store, its time, and whether it queued messages.
struct op {
  database& db;
  int64_t now = 0;
  bool outbox = false;
  /// The configured zone of schedules, by name (v2026_cmd::schedule_zone).
  std::string schedule_zone{};
  /// The earliest timer this operation armed (INT64_MAX: none); see v2026_result.
  int64_t wake_at = std::numeric_limits<int64_t>::max();
  void arm(int64_t at) { wake_at = std::min(wake_at, at); }

  std::optional<queues::promise_record> read_promise(const std::string& id);
  /// The promise as it logically is now: a pending promise past its timeout is
  /// settled first (resolved for a resonate:timer, else rejected_timedout;
  /// settledAt = timeoutAt), with the settlement chain.
  std::optional<queues::promise_record> materialise(const std::string& id);
  /// The same for several promises, read in one round trip (in the order given).
  std::vector<std::optional<queues::promise_record>> materialise_all(
    const std::vector<std::string>& ids);
  /// Takes `id` out of pending (REST v1's completion command: its chain, and the
  /// store's steps after it); the row after the write.
  queues::promise_record settle(const std::string& id, queues::promise_state state,
                                queues::value val, int64_t settled_at);
  /// Inserts a promise unless the id exists; the row as it is after the statement.
  queues::promise_record create(const std::string& id, queues::value param, int64_t timeout_at,
                                queues::tag_map tags, int64_t created_at);

  /// The task, held until the transaction ends (no other writer moves it meanwhile).
  std::optional<task_row> read_task(const std::string& id);
  void write_task(const task_row& t);
  /// Queues execute(version) for the task (replacing an older queued one).
  void enqueue_execute(const std::string& id, int64_t version, const std::string& address);
  void remove_execute(const std::string& id);
};

// -- search pages (spec 1.9) ----------------------------------------------------------

/// The page size of a *.search: data.limit (the gateway checked 1..1000),
/// else `fallback`.
int64_t search_limit(const boost::json::object& data, int64_t fallback);
/// `,"cursor":"<id>"`
void append_cursor(std::string& out, const std::string& id);

/// The answer of a search, `{"<field>":[...],"cursor":..}`, from rows read with
/// limit + 1: the page is the first `limit`, each written by
/// `append(out, row)`, and `cursor` (the last id on it) is there only when a
/// row was left over, i.e. more remain after it.
template <class Row, class Append>
std::string page_data(std::string_view field, std::vector<Row>& rows, int64_t limit,
                      Append append) {
  const bool more = static_cast<int64_t>(rows.size()) > limit;
  if (more) rows.resize(static_cast<size_t>(limit));
  std::string out = "{\"";
  out += field;
  out += "\":[";
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i) out += ',';
    append(out, rows[i]);
  }
  out += ']';
  if (more && !rows.empty()) append_cursor(out, rows.back().id);
  out += '}';
  return out;
}

// -- JSON ---------------------------------------------------------------------------

/// `{"promise":P}`
std::string promise_data(const queues::promise_record& p);

queues::v2026_result answer(uint16_t status, std::string data_json);
/// An error: `data` is the message as a JSON string.
queues::v2026_result failure(uint16_t status, std::string_view message);

// -- request fields (the gateway checked their presence and types) ---------------------

const boost::json::object& object_field(const boost::json::object& o, std::string_view key);
std::string string_field(const boost::json::object& o, std::string_view key);
/// Integers, and doubles floored (spec 7.14); absent or another type: `fallback`.
int64_t int_field(const boost::json::object& o, std::string_view key, int64_t fallback = 0);
queues::value value_field(const boost::json::object& o, std::string_view key);
queues::tag_map tags_field(const boost::json::object& o, std::string_view key);

}  // namespace resonate::kernel::v2026
