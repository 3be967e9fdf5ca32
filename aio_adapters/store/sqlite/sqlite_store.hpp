#pragma once

#include <memory>

#include "aio_adapters/store/sqlite/wal_checkpointer.hpp"

// The SQLite store: one connection, WAL, one transaction per batch and one
// savepoint per submission.

#include <string>

#include "aio_adapters/store/sqlite/sqlite_connection.hpp"
#include "aio_adapters/store/store.hpp"

namespace resonate::aio_adapters::store {

class sqlite_store final : public store {
public:
  /// Opens the database and applies the embedded migrations. Throws
  /// std::runtime_error when it cannot, or when the database is newer than the binary.
  explicit sqlite_store(const sqlite_options& opts);

  queues::aio_results process(queues::aio_batch batch) override;

  /// Runs raw SQL in its own transaction, outside any batch. For tools and tests
  /// (seeding task rows, installing triggers); throws sqlite_error on failure.
  void execute_sql(const std::string& sql);

private:
  void migrate();
  /// One attempt at a batch in one transaction; `isolated` puts a savepoint around
  /// each submission. Returns false when it had to fail every submission.
  bool run_batch(const queues::aio_batch& batch, queues::aio_results& out, bool isolated);
  bool fence_holds(const queues::fence& f);
  queues::store_result run(const queues::store_command& cmd);
  queues::store_result run(const queues::read_promise_cmd& cmd);
  queues::store_result run(const queues::read_timedout_promises_cmd& cmd);
  queues::store_result run(const queues::search_promises_cmd& cmd);
  queues::store_result run(const queues::create_promise_cmd& cmd);
  queues::store_result run(const queues::update_promise_cmd& cmd);
  queues::store_result run(const queues::ping_cmd& cmd);

  sqlite_connection conn_;
  std::unique_ptr<wal_checkpointer> checkpointer_;  // null for in-memory databases
};

}  // namespace resonate::aio_adapters::store
