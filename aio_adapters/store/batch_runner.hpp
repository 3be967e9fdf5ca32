#pragma once

// The batch logic both stores share. A dialect supplies only its primitives
// (store_session); run_batch decides what runs in which transaction:
//  - an optimistic pass runs every store submission of the batch in one
//    transaction without savepoints (failures are rare, savepoints cost);
//  - if a submission fails, that transaction rolls back and the batch runs
//    again with a savepoint per submission, so the failure stays with its own
//    submission and the others commit;
//  - a fence that does not hold marks its submission `valid = false` and skips
//    its commands;
//  - a failed commit (or a transaction the database aborted) fails them all;
//  - a write conflict with another connection (session.conflict(): deadlock,
//    serialisation failure) reruns the whole batch, up to max_conflict_reruns
//    times; after that the submission that still conflicts fails alone with
//    aio_store_conflict (503) and the others commit.
// Nothing is answered before the commit. A session that pipelines (PostgreSQL)
// gets the optimistic pass as sends followed by receives, so the database sees
// the whole batch in one round trip (plus one per fenced submission, whose
// commands wait for the fence's answer); the rerun is always one command at a
// time.

#include <exception>
#include <string>

#include "queues/aio.hpp"

namespace resonate::aio_adapters::store {

/// The primitives of one database connection. Errors are exceptions
/// (std::exception); run_batch catches them all.
class store_session {
public:
  virtual void begin() = 0;
  virtual void commit() = 0;
  /// Best effort: ends the open transaction, if any, without committing.
  virtual void rollback() noexcept = 0;
  /// SAVEPOINT / RELEASE / ROLLBACK TO (and release) of the one submission savepoint.
  virtual void savepoint() = 0;
  virtual void release_savepoint() = 0;
  virtual void rollback_to_savepoint() = 0;
  /// Locks, right after begin() and in one fixed order, the rows the batch's
  /// commands will decide on, so that two batches wait for each other rather
  /// than deadlock. `wait`: returns once the locks are held, throwing on
  /// failure; otherwise a pipelining session may only send the statement (its
  /// failure then shows at the next result). A single writer needs none.
  virtual void lock_rows(const queues::aio_batch&, bool /*wait*/) {}
  /// True if the fence's task is CLAIMED with exactly that counter.
  virtual bool fence_holds(const queues::fence& f) = 0;
  /// Runs one command inside the open transaction.
  virtual queues::store_result run(const queues::store_command& cmd) = 0;
  /// False once the database has ended the transaction on its own (SQLite
  /// after disk full or I/O errors, PostgreSQL after a broken connection).
  virtual bool in_transaction() const = 0;
  /// True if `e` (thrown by this session) is a write conflict with another
  /// connection that a new transaction may not meet again: a deadlock or a
  /// serialisation failure. A single-connection database never has one.
  virtual bool conflict(const std::exception&) const { return false; }

  // -- pipelining (optional) ----------------------------------------------------------
  /// True if the session can send statements without waiting for their results.
  virtual bool pipelines() const { return false; }
  /// Sends a fence check or a command; the results come back, in the order
  /// sent, from receive_fence() and receive(cmd) (given the same command).
  virtual void send_fence(const queues::fence& f);
  virtual void send(const queues::store_command& cmd);
  virtual bool receive_fence();
  virtual queues::store_result receive(const queues::store_command& cmd);

protected:
  ~store_session() = default;
};

/// How often a batch runs again after a write conflict before the submission
/// that conflicts fails alone.
inline constexpr int max_conflict_reruns = 3;

/// Runs a batch through `s` (see the top of this file). Never throws. One
/// completion per submission, in order, with the submission's id. A submission
/// that is not a store transaction is answered with aio_error{aio_store_error}
/// and takes no part in the transaction.
queues::aio_results run_batch(store_session& s, const queues::aio_batch& batch);

/// Marks every store completion of a batch as failed with `msg` (nothing of it
/// committed): error {aio_store_error, msg}, an empty store completion.
void fail_all(queues::aio_results& out, const queues::aio_batch& batch, const std::string& msg);

}  // namespace resonate::aio_adapters::store
