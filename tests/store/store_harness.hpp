#pragma once

// Backends for the store case table: SQLite in memory, SQLite in a temp file,
// and PostgreSQL in a fresh schema per test (when RESONATE_TEST_PG is set).

#include <memory>
#include <optional>
#include <string>

#include "aio_adapters/store/store.hpp"

namespace resonate::aio_adapters::store::test {

enum class backend { sqlite_memory, sqlite_file, postgres };

const char* backend_name(backend b);

/// The PostgreSQL conninfo from RESONATE_TEST_PG, if set and not empty.
std::optional<std::string> postgres_conninfo();

class harness {
public:
  virtual ~harness() = default;
  virtual backend kind() const = 0;
  /// The store under test.
  virtual store& get() = 0;
  /// Raw SQL through the store's own connection (seeding rows, triggers).
  virtual void exec_sql(const std::string& sql) = 0;
  /// The first column of the first row of a query as text ("" for none or NULL).
  virtual std::string query_value(const std::string& sql) = 0;
  /// True when the database outlives the store object (reopen is meaningful).
  virtual bool persistent() const = 0;
  /// Destroys the store object and opens a new one on the same database;
  /// throws what the store constructor throws.
  virtual void reopen() = 0;
  /// The database file of a file-backed SQLite store, else empty.
  virtual std::string sqlite_path() const { return {}; }
  /// Breaks the store's current connection from outside (PostgreSQL only).
  virtual void kill_connection() {}
  /// A second store on the same database, a writer concurrent with get()
  /// (PostgreSQL only; null for SQLite, whose one connection is its one writer).
  /// `idle_in_transaction_timeout_ms` as postgres_options has it.
  virtual std::unique_ptr<store> another_store(int64_t idle_in_transaction_timeout_ms = 0) {
    (void)idle_in_transaction_timeout_ms;
    return nullptr;
  }
};

/// Creates the backend; for postgres the caller must have checked postgres_conninfo().
std::unique_ptr<harness> make_harness(backend b);

}  // namespace resonate::aio_adapters::store::test
