#pragma once

// The store adapter's pure core: a batch of logical transactions in, one
// completion per submission out. The CAF actor around it (actors/) only moves
// batches; all database work happens here, on the calling thread.

#include <memory>
#include <string>

#include "queues/aio.hpp"

namespace resonate::aio_adapters::store {

class store {
public:
  virtual ~store() = default;

  /// Executes every store submission of `batch` inside ONE database transaction
  /// (group commit; see batch_runner.hpp). A failing command fails only its own
  /// submission (`aio_cqe::error`, status aio_store_error), never the others.
  /// Completions are returned only after COMMIT succeeded; if the commit itself
  /// fails, every completion carries the error. A submission of another kind
  /// (router, sender) is answered with an aio_store_error. Never throws.
  virtual queues::aio_results process(queues::aio_batch batch) = 0;
};

struct sqlite_options {
  std::string path = "resonate.db";  ///< ":memory:" for an in-memory database
  bool power_durable = false;        ///< synchronous=FULL instead of NORMAL (WAL)
  int busy_timeout_ms = 5000;        ///< how long to wait for another writer's lock
};

struct postgres_options {
  std::string conninfo;        ///< libpq connection string
  bool power_durable = false;  ///< synchronous_commit=on instead of off
  /// Send a batch's statements without waiting for each result (libpq pipeline
  /// mode: one round trip per batch plus one per fenced submission). Off: one
  /// round trip per statement, as before; for comparisons.
  bool pipeline = true;
  /// PostgreSQL ends a session that sits this long inside a transaction
  /// (idle_in_transaction_session_timeout; 0: never). Several nodes set it:
  /// a node frozen (SIGSTOP, `podman pause`) in the middle of a background
  /// transaction holds its lease row FOR SHARE, and no other node could take
  /// the lease over until the session ends.
  int64_t idle_in_transaction_timeout_ms = 0;
};

/// Opens the database and applies the embedded migrations. Throws std::runtime_error
/// with a clear message when the database cannot be opened or migrated.
std::unique_ptr<store> make_sqlite_store(const sqlite_options& opts);
std::unique_ptr<store> make_postgres_store(const postgres_options& opts);

}  // namespace resonate::aio_adapters::store
