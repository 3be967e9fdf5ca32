#pragma once

// The open transaction of a store session as protocol_2026.cpp sees it: plain
// statements on protocol 2026-04-01's own tables, and the store's own commands
// for the tables it shares with REST v1 (promises). One SQL text serves both
// dialects: parameters are written $1, $2, ... (the SQLite session rewrites
// them to ?1, ?2, ...: sqlite_placeholders), and only syntax both databases
// share is used (ON CONFLICT, UPDATE .. RETURNING (SQLite 3.35+), CAST where
// PostgreSQL must know a type).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "queues/aio.hpp"

namespace resonate::aio_adapters::store {

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
/// store rolls the command back (its submission's savepoint) on any.
class sql_session {
public:
  /// Runs one statement inside the transaction and returns its rows (none for
  /// a write).
  virtual std::vector<sql_row> query(std::string_view sql,
                                     const std::vector<sql_param>& params) = 0;
  /// Runs one of the store's own (not interactive) commands inside the
  /// transaction.
  virtual queues::store_result run(const queues::store_command& cmd) = 0;
  /// Runs several of them in order, in one round trip where the store can
  /// (PostgreSQL pipelines them); their results in the same order.
  virtual std::vector<queues::store_result> run_all(
    const std::vector<queues::store_command>& cmds) = 0;

  /// Where the dialects differ: the database's clock in ms since the epoch,
  /// as an SQL expression, and the clause that locks a read row against
  /// writers (none on SQLite, whose one writer holds the database).
  virtual std::string_view now_ms_sql() const = 0;
  virtual std::string_view for_share_sql() const = 0;

protected:
  ~sql_session() = default;
};

}  // namespace resonate::aio_adapters::store
