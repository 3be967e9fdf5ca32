// resonate_storage_bench: what SQLite itself can do on this machine, with the
// server's promise row shape and pragmas, as a yardstick for the server's
// throughput.
//
// For synchronous=NORMAL (the server's default, WAL) and FULL (the server's
// --aio-store-sqlite-power-durable equivalent) it measures:
//   commit-each   one INSERT per transaction ("one commit per request")
//   batch-N       N INSERTs per transaction (what a group-committing store can do)
// and, for NORMAL, the same for the create+complete mix (INSERT, then UPDATE of
// the same row to RESOLVED), which is the statement mix the server executes.
//
// Each case runs for a fixed time on a fresh database file and prints one
// `RESULT` line.

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "aio_adapters/store/migrations/migrations.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

const char* kInsert =
    "INSERT INTO promises (id, state, param_headers, param_data, timeout, idempotency_key_for_create, tags, "
    "created_on) VALUES (?, 1, ?, ?, ?, ?, ?, ?)";
const char* kComplete =
    "UPDATE promises SET state = 2, value_headers = ?, value_data = ?, idempotency_key_for_complete = ?, "
    "completed_on = ? WHERE id = ? AND state = 1";

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

void exec(sqlite3* db, const char* sql) { check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db, sql); }

int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct bench_case {
  std::string sync;     // NORMAL or FULL
  int per_txn;          // rows (or promises) per transaction
  bool with_complete;   // INSERT + UPDATE per promise
};

struct outcome {
  uint64_t rows = 0;       // statements (promise operations) executed
  uint64_t commits = 0;
  double seconds = 0;
};

outcome run_case(const std::filesystem::path& dir, const bench_case& bc, double seconds) {
  auto file = dir / ("storage-bench-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(file);
  std::filesystem::remove(file.string() + "-wal");
  std::filesystem::remove(file.string() + "-shm");
  sqlite3* db = nullptr;
  check(sqlite3_open(file.c_str(), &db), db, "open");
  exec(db, "PRAGMA journal_mode=WAL");
  exec(db, ("PRAGMA synchronous=" + bc.sync).c_str());
  // The server's own schema, from the migrations embedded in its store adapter,
  // so the limits are measured on the same tables and indexes.
  for (const auto& m : resonate::aio_adapters::store::migrations::embedded_migrations(
         resonate::aio_adapters::store::migrations::dialect::sqlite))
    exec(db, std::string(m.sql).c_str());

  sqlite3_stmt* ins = nullptr;
  sqlite3_stmt* upd = nullptr;
  sqlite3_stmt* begin = nullptr;
  sqlite3_stmt* commit = nullptr;
  check(sqlite3_prepare_v2(db, kInsert, -1, &ins, nullptr), db, "prepare insert");
  check(sqlite3_prepare_v2(db, kComplete, -1, &upd, nullptr), db, "prepare update");
  check(sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, nullptr), db, "prepare begin");
  check(sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr), db, "prepare commit");

  auto step = [&](sqlite3_stmt* st, const char* what) {
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) check(rc == SQLITE_ROW ? SQLITE_DONE : rc, db, what);
    sqlite3_reset(st);
  };

  static const char kParam[] = "{\"input\":\"some bytes of a typical small param\"}";
  static const char kValue[] = "{\"ok\":true}";
  outcome out;
  uint64_t seq = 0;
  auto t0 = clock_type::now();
  auto deadline = t0 + std::chrono::duration<double>(seconds);
  while (clock_type::now() < deadline) {
    step(begin, "begin");
    for (int i = 0; i < bc.per_txn; ++i) {
      std::string id = "p-" + std::to_string(seq++);
      int64_t now = epoch_ms();
      sqlite3_bind_text(ins, 1, id.c_str(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(ins, 2, "{}", 2, SQLITE_STATIC);
      sqlite3_bind_blob(ins, 3, kParam, sizeof kParam - 1, SQLITE_STATIC);
      sqlite3_bind_int64(ins, 4, now + 3600000);
      sqlite3_bind_null(ins, 5);
      sqlite3_bind_text(ins, 6, "{}", 2, SQLITE_STATIC);
      sqlite3_bind_int64(ins, 7, now);
      step(ins, "insert");
      out.rows++;
      if (bc.with_complete) {
        // In the commit-each variant the complete is its own transaction.
        if (bc.per_txn == 1) {
          step(commit, "commit");
          out.commits++;
          step(begin, "begin");
        }
        sqlite3_bind_text(upd, 1, "{}", 2, SQLITE_STATIC);
        sqlite3_bind_blob(upd, 2, kValue, sizeof kValue - 1, SQLITE_STATIC);
        sqlite3_bind_null(upd, 3);
        sqlite3_bind_int64(upd, 4, now);
        sqlite3_bind_text(upd, 5, id.c_str(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
        step(upd, "update");
        if (sqlite3_changes(db) != 1) throw std::runtime_error("update touched no row");
        out.rows++;
      }
    }
    step(commit, "commit");
    out.commits++;
  }
  out.seconds = std::chrono::duration<double>(clock_type::now() - t0).count();

  sqlite3_finalize(ins);
  sqlite3_finalize(upd);
  sqlite3_finalize(begin);
  sqlite3_finalize(commit);
  sqlite3_close(db);
  std::filesystem::remove(file);
  std::filesystem::remove(file.string() + "-wal");
  std::filesystem::remove(file.string() + "-shm");
  return out;
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: resonate_storage_bench [--dir DIR] [--seconds S] [--batch N[,N...]]\n"
               "  DIR defaults to $TMPDIR or /tmp (use the filesystem the server stores on)\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  double seconds = 1.5;
  std::vector<int> batches{64, 1000};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) usage();
    std::string v = argv[++i];
    if (a == "--dir") dir = v;
    else if (a == "--seconds") seconds = std::atof(v.c_str());
    else if (a == "--batch") {
      batches.clear();
      size_t pos = 0;
      while (pos <= v.size()) {
        auto comma = v.find(',', pos);
        if (comma == std::string::npos) comma = v.size();
        int n = std::atoi(v.substr(pos, comma - pos).c_str());
        if (n < 1) usage();
        batches.push_back(n);
        pos = comma + 1;
      }
    } else usage();
  }
  if (seconds <= 0) usage();

  std::vector<bench_case> cases;
  for (const char* sync : {"NORMAL", "FULL"}) {
    cases.push_back({sync, 1, false});
    for (int b : batches) cases.push_back({sync, b, false});
  }
  // The server's statement mix, at its default durability.
  cases.push_back({"NORMAL", 1, true});
  cases.push_back({"NORMAL", batches.front(), true});

  std::printf("SQLite %s, WAL, dir %s, %.1f s per case\n", sqlite3_libversion(), dir.c_str(), seconds);
  try {
    // Unreported warm-up: page cache, file creation, CPU frequency.
    run_case(dir, {"NORMAL", 1, false}, std::min(seconds, 0.3));
    for (const auto& bc : cases) {
      outcome o = run_case(dir, bc, seconds);
      double rows_s = static_cast<double>(o.rows) / o.seconds;
      double commits_s = static_cast<double>(o.commits) / o.seconds;
      std::string mode = bc.per_txn == 1 ? "commit-each" : "batch-" + std::to_string(bc.per_txn);
      const char* what = bc.with_complete ? "insert+update" : "insert";
      std::printf("  %-6s %-13s %-12s %10.0f rows/s  %9.0f commits/s\n", bc.sync.c_str(), what, mode.c_str(), rows_s,
                  commits_s);
      std::printf("RESULT storage=sqlite sync=%s stmt=%s mode=%s rows_per_txn=%d rows_per_s=%.0f commits_per_s=%.0f\n",
                  bc.sync.c_str(), what, mode.c_str(), bc.per_txn, rows_s, commits_s);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "resonate_storage_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
