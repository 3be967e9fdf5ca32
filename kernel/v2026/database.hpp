#pragma once

// What the state machine of protocol 2026-04-01 needs of the store it runs in:
// plain statements on its own tables, and the store's own commands for the
// tables it shares with REST v1 (promises, schedules). One SQL text serves both
// dialects: parameters are written $1, $2, ... (the SQLite session rewrites
// them to ?1, ?2, ...), and only syntax both databases share is used (ON
// CONFLICT, UPDATE .. RETURNING (SQLite 3.35+), CAST where PostgreSQL must know a type).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "queues/aio.hpp"

namespace resonate::kernel::v2026 {

/// A statement parameter: NULL, an integer or a text.
using sql_param = std::variant<std::monostate, int64_t, std::string>;

/// One result row, every column as text (NULL: nullopt).
struct sql_row {
  std::vector<std::optional<std::string>> cols;

  bool is_null(size_t i) const { return !cols.at(i).has_value(); }
  const std::string& text(size_t i) const;  ///< throws on NULL
  int64_t int64(size_t i) const;            ///< throws on NULL or not a number
  std::optional<int64_t> optional_int64(size_t i) const;
  std::optional<std::string> optional_text(size_t i) const { return cols.at(i); }
};

/// The open transaction of one store session. Errors are exceptions; the
/// store rolls the operation back (its submission's savepoint) on any.
class database {
public:
  /// Runs one statement inside the transaction and returns its rows (none for
  /// a write).
  virtual std::vector<sql_row> query(std::string_view sql,
                                     const std::vector<sql_param>& params) = 0;
  /// Runs one of the store's own commands inside the transaction.
  virtual queues::store_result run(const queues::store_command& cmd) = 0;
  /// Runs several of them in order, in one round trip where the store can
  /// (PostgreSQL pipelines them); their results in the same order.
  virtual std::vector<queues::store_result> run_all(
    const std::vector<queues::store_command>& cmds) = 0;
  /// Holds the promises with these ids (sorted, no duplicates) until the
  /// transaction ends: no other transaction settles them or registers on them
  /// meanwhile, and what this one reads of them afterwards is current. Every
  /// operation holds the promises it decides on before reading them, in id
  /// order, as REST v1's completions and registrations do.
  virtual void hold_promises(const std::vector<std::string>& ids) = 0;

protected:
  ~database() = default;
};

}  // namespace resonate::kernel::v2026
