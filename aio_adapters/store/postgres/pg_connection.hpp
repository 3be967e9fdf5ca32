#pragma once

// A thin RAII layer over libpq for the PostgreSQL store: prepared statements,
// text parameters (bytea in binary), text results, errors as exceptions, and
// libpq's pipeline mode (send many statements, then read their results in
// order: one round trip for all of them).

#include <libpq-fe.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace resonate::aio_adapters::store {

/// A PostgreSQL failure. `broken`: the connection is gone (or the outcome of
/// a commit is unknown); nothing more can run on it.
class pg_error : public std::runtime_error {
public:
  pg_error(const std::string& what, bool broken, std::string sqlstate = {})
    : std::runtime_error(what), broken_(broken), sqlstate_(std::move(sqlstate)) {}
  bool broken() const { return broken_; }
  /// The server's SQLSTATE (e.g. "40P01"), empty when the failure is not the server's.
  const std::string& sqlstate() const { return sqlstate_; }
  /// A deadlock (40P01) or a serialisation failure (40001): the server aborted
  /// the statement because of concurrent transactions; running it again in a
  /// new transaction may succeed.
  bool conflict() const { return sqlstate_ == "40P01" || sqlstate_ == "40001"; }

private:
  bool broken_;
  std::string sqlstate_;
};

/// The result of one statement (text format).
class pg_result {
public:
  pg_result() = default;
  explicit pg_result(PGresult* r) : r_(r, &PQclear) {}

  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  int columns() const { return r_ ? PQnfields(r_.get()) : 0; }
  bool empty() const { return rows() == 0; }
  int64_t affected_rows() const;
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string_view text(int row, int col) const;  ///< NULL -> ""
  std::optional<std::string> optional_text(int row, int col) const;
  std::optional<std::string> optional_bytes(int row, int col) const;  ///< NULL -> nullopt
  int64_t int64(int row, int col) const;  ///< throws on NULL or not a number
  std::optional<int64_t> optional_int64(int row, int col) const;
  std::string bytes(int row, int col) const;  ///< a bytea (hex output) as raw bytes

private:
  std::shared_ptr<PGresult> r_;
};

/// The parameters of one statement: text, except bytea values (binary).
class pg_params {
public:
  pg_params& add(int64_t v);
  pg_params& add(bool v);
  pg_params& add(std::string_view text);
  pg_params& add(const std::string& text) { return add(std::string_view(text)); }
  pg_params& add(const char* text) { return add(std::string_view(text)); }
  pg_params& add(const std::optional<std::string>& text);  ///< NULL when absent
  pg_params& add(const std::optional<int64_t>& v);         ///< NULL when absent
  pg_params& add_bytes(std::string_view bytes);
  pg_params& add_optional_bytes(std::optional<std::string_view> bytes);  ///< NULL: absent

  int size() const { return static_cast<int>(values_.size()); }
  /// Pointers into this object: valid until it changes or dies.
  std::vector<const char*> values() const;
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

private:
  pg_params& push(std::optional<std::string> v, int format);

  std::deque<std::optional<std::string>> values_;  // deque: stable addresses
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

/// One statement to run: a prepared statement by name, or SQL text (an
/// unnamed statement, planned with the parameter values).
struct pg_call {
  std::string statement;  ///< prepared statement name, if `sql` is empty
  std::string sql;
  pg_params params;
};

class pg_connection {
public:
  /// Connects; throws pg_error when it cannot.
  explicit pg_connection(const std::string& conninfo);
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;
  ~pg_connection();

  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  void set_notice_processor(PQnoticeProcessor f) { PQsetNoticeProcessor(conn_, f, nullptr); }

  void prepare(const std::string& name, const std::string& sql);
  /// Runs one or more statements without parameters (simple query protocol).
  void exec_simple(const std::string& sql);
  /// Runs one statement and waits for its result: one round trip.
  pg_result exec(const pg_call& call);

  // -- pipeline mode ------------------------------------------------------------------
  // Statements are sent without waiting; their results come back in the order
  // sent. receive() sends a sync point first if statements are waiting for one,
  // so everything sent so far goes in one round trip. After an error, the
  // server skips the statements up to the next sync (they throw "aborted").

  void enter_pipeline();
  /// Sends a statement; `internal`: its result is consumed by receive() itself
  /// (BEGIN), only an error is reported.
  void send(const pg_call& call, bool internal = false);
  void send_simple_internal(const char* sql);
  /// The result of the next non-internal statement sent; throws pg_error when
  /// it failed, or an internal statement sent before it did.
  pg_result receive();
  /// Consumes the result of the next non-internal statement, which an earlier
  /// failure aborted; only a broken connection throws.
  void receive_aborted();
  /// Consumes every outstanding result (errors are reported by the first one
  /// that failed, after all are consumed) and leaves pipeline mode.
  void finish_pipeline();
  /// Like finish_pipeline, but ignores errors (for a rollback). Never throws.
  void abandon_pipeline() noexcept;
  bool in_pipeline() const { return PQpipelineStatus(conn_) != PQ_PIPELINE_OFF; }

private:
  enum class entry { result, internal, sync };
  [[noreturn]] void fail(const std::string& context, const PGresult* r = nullptr);
  void sync();
  /// Reads the next entry's result (a query's result plus its end marker).
  pg_result next(entry e);

  PGconn* conn_ = nullptr;
  std::deque<entry> outstanding_;
  bool unsynced_ = false;
};

}  // namespace resonate::aio_adapters::store
