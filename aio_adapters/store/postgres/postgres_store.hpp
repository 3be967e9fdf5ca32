#pragma once

// The PostgreSQL store: one connection per store object (the server makes one
// per worker thread), one transaction per batch (the batch logic is
// batch_runner's; this class supplies the PostgreSQL primitives).

#include <memory>
#include <string>

#include "aio_adapters/store/store.hpp"

namespace resonate::aio_adapters::store {

class postgres_store final : public store {
public:
  /// Connects, applies the embedded migrations and prepares the statements.
  /// Throws std::runtime_error when it cannot, or when the database is newer
  /// than the binary.
  explicit postgres_store(const postgres_options& opts);
  ~postgres_store() override;

  /// Never throws. A connection that broke before or during the optimistic pass
  /// is replaced and the batch rerun on the new one; a break during the rerun or
  /// the commit fails the batch (the next batch reconnects).
  queues::aio_results process(queues::aio_batch batch) override;

  /// Runs raw SQL in its own transaction, outside any batch. For tools and tests
  /// (seeding task rows, installing triggers); throws std::runtime_error on failure.
  void execute_sql(const std::string& sql);

  /// The first column of the first row of a query as text ("" for none or
  /// NULL), outside any batch. For tools and tests; throws std::runtime_error.
  std::string query_value(const std::string& sql);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace resonate::aio_adapters::store
