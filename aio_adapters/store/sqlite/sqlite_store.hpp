#pragma once

// The SQLite store: one connection, WAL, one transaction per batch (the batch
// logic is batch_runner's; this class supplies the SQLite primitives).

#include <memory>
#include <string>

#include "aio_adapters/store/batch_runner.hpp"
#include "aio_adapters/store/sqlite/sqlite_connection.hpp"
#include "aio_adapters/store/sqlite/wal_checkpointer.hpp"
#include "aio_adapters/store/store.hpp"

namespace resonate::aio_adapters::store {

class sqlite_store final : public store, private store_session {
public:
  /// Opens the database and applies the embedded migrations. Throws
  /// std::runtime_error when it cannot, or when the database is newer than the binary.
  explicit sqlite_store(const sqlite_options& opts);

  queues::aio_results process(queues::aio_batch batch) override;

  /// Runs raw SQL in its own transaction, outside any batch. For tools and tests
  /// (seeding task rows, installing triggers); throws sqlite_error on failure.
  void execute_sql(const std::string& sql);

  /// The first column of the first row of a query (text or bytes; "" for none
  /// or NULL), outside any batch. For tools and tests; throws sqlite_error.
  std::string query_value(const std::string& sql);

private:
  void migrate();

  // store_session
  void begin() override;
  void commit() override;
  void rollback() noexcept override;
  void savepoint() override;
  void release_savepoint() override;
  void rollback_to_savepoint() override;
  bool fence_holds(const queues::fence& f) override;
  queues::store_result run(const queues::store_command& cmd) override;
  bool in_transaction() const override;

  sqlite_connection conn_;
  std::unique_ptr<wal_checkpointer> checkpointer_;  // null for in-memory databases
};

}  // namespace resonate::aio_adapters::store
