#pragma once

// Moves WAL checkpoints off the writer. With SQLite's automatic checkpoints the
// writer copies pages back into the database and fsyncs every ~1000 pages, in
// the middle of a batch, which shows up as latency spikes for every request of
// that batch. Here a second connection on its own thread checkpoints
// (PASSIVE: never blocks the writer) once the writer has added about 1 MiB of
// frames, or a second after its last commit. Each checkpoint fsyncs the WAL and
// the database; every 10 ms, as before, that was a hundred pairs of fsyncs a
// second under load and a quarter of the server's system time, and a page
// written in every batch (an index root) was copied back each time.
//
// Under a steady write load a concurrent checkpoint never copies the very last
// frames, and the WAL file only starts over once everything is copied. So the
// writer calls after_commit() with the WAL size it just saw; past a threshold it
// checkpoints the short remainder itself, between two batches, and its next
// write starts the WAL over.

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace resonate::aio_adapters::store {

class wal_checkpointer {
public:
  /// Opens its own connection to `path`; throws std::runtime_error if it cannot.
  wal_checkpointer(const std::string& path, std::chrono::milliseconds interval);
  ~wal_checkpointer();
  wal_checkpointer(const wal_checkpointer&) = delete;
  wal_checkpointer& operator=(const wal_checkpointer&) = delete;

  /// Called by the writer, on its connection, after each commit.
  void after_commit(sqlite3* writer);

  /// Installs the hook on the writer connection that tracks the WAL size.
  void watch(sqlite3* writer);

  /// Whether a database path has a WAL to checkpoint (not an in-memory one).
  static bool applies_to(const std::string& path);

private:
  void loop();
  static int record_wal_size(void* self, sqlite3*, const char*, int frames);

  sqlite3* db_ = nullptr;
  int writer_wal_frames_ = 0;       // WAL size after the writer's last commit (writer thread only)
  std::atomic<int> new_frames_{0};  // frames the writer added since the last checkpoint
  std::chrono::milliseconds interval_;
  std::mutex checkpoint_mu_;  // one checkpoint at a time: background or writer
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace resonate::aio_adapters::store
