#pragma once

// A thin RAII layer over the SQLite C API: one connection, a cache of
// persistent prepared statements, and errors as exceptions (caught by the
// store at its process() boundary).

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include <sqlite3.h>

namespace resonate::aio_adapters::store {

/// An SQLite failure; `code` is the extended result code.
class sqlite_error : public std::runtime_error {
public:
  sqlite_error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

private:
  int code_;
};

/// One use of a cached statement: bind, step, read columns. Resets the
/// statement and clears its bindings when it goes out of scope.
class sqlite_statement {
public:
  /// `owned`: finalize on destruction (a one-off statement) instead of resetting.
  sqlite_statement(sqlite3* db, sqlite3_stmt* stmt, bool owned = false)
    : db_(db), stmt_(stmt), owned_(owned) {}
  sqlite_statement(const sqlite_statement&) = delete;
  sqlite_statement& operator=(const sqlite_statement&) = delete;
  ~sqlite_statement();

  /// Binds positions 1, 2, ... in call order.
  sqlite_statement& bind_int(int64_t v);
  sqlite_statement& bind_text(std::string_view v);
  sqlite_statement& bind_text(const std::string& v) { return bind_text(std::string_view(v)); }
  sqlite_statement& bind_text(const std::optional<std::string>& v);  ///< NULL when absent
  sqlite_statement& bind_blob(std::string_view v);                   ///< empty -> zero-length blob
  sqlite_statement& bind_optional_blob(std::optional<std::string_view> v);  ///< NULL: absent
  sqlite_statement& bind_int(const std::optional<int64_t>& v);       ///< NULL when absent
  sqlite_statement& bind_null();

  /// Steps once: true when a row is available, false when done.
  bool step();
  /// Steps to completion; for statements that return no rows.
  void run();

  int column_count() const { return sqlite3_column_count(stmt_); }
  bool is_null(int col) const;
  int64_t column_int(int col) const;
  std::optional<int64_t> column_optional_int(int col) const;
  std::string column_text(int col) const;  ///< NULL -> ""
  std::optional<std::string> column_optional_text(int col) const;
  std::string column_blob(int col) const;  ///< NULL -> ""
  std::optional<std::string> column_optional_blob(int col) const;

private:
  void check_bind(int rc);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool owned_;
  int next_ = 1;
};

/// One open database with a statement cache keyed by SQL text.
class sqlite_connection {
public:
  /// Opens (creating if needed) the database at `path`; ":memory:" works.
  explicit sqlite_connection(const std::string& path);
  sqlite_connection(const sqlite_connection&) = delete;
  sqlite_connection& operator=(const sqlite_connection&) = delete;
  ~sqlite_connection();

  /// Runs one or more statements that take no parameters.
  void exec(const std::string& sql);
  /// Returns the cached statement for `sql`, preparing it on first use.
  sqlite_statement prepare(const std::string& sql);
  /// Prepares `sql` for one use only (rare statement shapes stay out of the cache).
  sqlite_statement prepare_once(const std::string& sql);
  /// Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t changes() const;
  /// True while a transaction is open (false after an automatic rollback).
  bool in_transaction() const;
  sqlite3* handle() const { return db_; }

private:
  struct finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, finalizer>> cache_;
};

/// Throws sqlite_error with the connection's message when rc is an error code.
void check_sqlite(sqlite3* db, int rc, std::string_view context);

}  // namespace resonate::aio_adapters::store
