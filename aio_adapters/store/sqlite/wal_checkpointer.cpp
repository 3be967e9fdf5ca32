#include "aio_adapters/store/sqlite/wal_checkpointer.hpp"

#include <stdexcept>

namespace resonate::aio_adapters::store {

namespace {
// About 16 MiB of 4 KiB pages.
constexpr int restart_frames = 4000;
// About 1 MiB: what the background thread lets gather before it copies.
constexpr int checkpoint_frames = 256;
// Frames fewer than that still go back to the database this long after.
constexpr auto checkpoint_delay = std::chrono::seconds(1);
}  // namespace

int wal_checkpointer::record_wal_size(void* self, sqlite3*, const char*, int frames) {
  auto* me = static_cast<wal_checkpointer*>(self);
  // The WAL starts over (fewer frames than last time) once fully copied.
  const int added = frames >= me->writer_wal_frames_ ? frames - me->writer_wal_frames_ : frames;
  me->writer_wal_frames_ = frames;
  me->new_frames_.fetch_add(added, std::memory_order_relaxed);
  return SQLITE_OK;
}

void wal_checkpointer::watch(sqlite3* writer) {
  // Replaces SQLite's automatic checkpoint hook on this connection.
  sqlite3_wal_hook(writer, &record_wal_size, this);
}

void wal_checkpointer::after_commit(sqlite3* writer) {
  if (writer_wal_frames_ <= restart_frames) return;
  // Mostly copied already by the background thread: this finishes the rest.
  // Waiting for a background pass that is under way keeps the two from
  // colliding (PASSIVE would answer BUSY and the WAL would keep growing).
  std::lock_guard guard{checkpoint_mu_};
  if (sqlite3_wal_checkpoint_v2(writer, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) ==
      SQLITE_OK) {
    writer_wal_frames_ = 0;
    new_frames_.store(0, std::memory_order_relaxed);
  }
}

bool wal_checkpointer::applies_to(const std::string& path) {
  return !path.empty() && path != ":memory:" && path.find("mode=memory") == std::string::npos &&
         path.rfind("file::memory:", 0) != 0;
}

wal_checkpointer::wal_checkpointer(const std::string& path, std::chrono::milliseconds interval)
  : interval_(interval) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("sqlite store: cannot open checkpoint connection: " + msg);
  }
  // A fresh connection has not looked at the file yet and would not know it is
  // in WAL mode (its checkpoints would silently do nothing).
  sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
  thread_ = std::thread([this] { loop(); });
}

wal_checkpointer::~wal_checkpointer() {
  {
    std::lock_guard guard{mu_};
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  sqlite3_close(db_);
}

void wal_checkpointer::loop() {
  std::unique_lock lock{mu_};
  auto last = std::chrono::steady_clock::now();
  while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
    const int added = new_frames_.load(std::memory_order_relaxed);
    const auto now = std::chrono::steady_clock::now();
    if (added < checkpoint_frames && (added == 0 || now - last < checkpoint_delay)) continue;
    new_frames_.fetch_sub(added, std::memory_order_relaxed);
    last = now;
    lock.unlock();
    // SQLITE_BUSY (another checkpoint running) is fine: the next round catches up.
    {
      std::lock_guard guard{checkpoint_mu_};
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    lock.lock();
  }
}

}  // namespace resonate::aio_adapters::store
