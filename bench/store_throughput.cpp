// resonate_store_bench: the store adapter alone, without HTTP or the kernel:
// how many create+complete pairs per second one store object (one database
// connection) commits, by batch size.
//
// Each step hands the store one batch of B submissions: B creates of fresh ids
// (create_promise_cmd with read_back, as the create coroutine sends it), then
// one batch of B completes of those ids (update_promise_cmd with read_back).
// A pair is one create plus one complete.
//
//   resonate_store_bench [--store postgres|sqlite] [--seconds S] [--batch N[,N...]]
//
// On PostgreSQL each batch size runs twice, alternating: with the batch
// pipelined (the default) and with one round trip per statement (the path
// before pipelining), so that both see the same machine load.
//
// PostgreSQL: RESONATE_TEST_PG (libpq conninfo); the run uses a schema of its
// own (bench_<pid>), dropped at the end. SQLite: a file in $TMPDIR or /tmp.

#include <libpq-fe.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "aio_adapters/store/store.hpp"

namespace {

namespace q = resonate::queues;
namespace st = resonate::aio_adapters::store;
using clock_type = std::chrono::steady_clock;

void admin(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("cannot connect: " + msg);
  }
  PGresult* r = PQexec(c, sql.c_str());
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string msg = PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
  if (!ok) throw std::runtime_error(sql + ": " + msg);
}

void check(const q::aio_results& out) {
  for (const auto& cqe : out) {
    if (cqe.error) throw std::runtime_error("submission failed: " + cqe.error->message);
    const auto& r = std::get<q::promise_write_result>(cqe.store().results.at(0));
    if (r.rows_affected != 1 || !r.row) throw std::runtime_error("write did not take effect");
  }
}

struct outcome {
  uint64_t pairs = 0;
  uint64_t batches = 0;
  double seconds = 0;
};

outcome run_case(st::store& s, int batch, double seconds, uint64_t& seq) {
  outcome o;
  auto t0 = clock_type::now();
  auto deadline = t0 + std::chrono::duration<double>(seconds);
  while (clock_type::now() < deadline) {
    auto base = seq;
    seq += static_cast<uint64_t>(batch);
    q::aio_batch creates;
    q::aio_batch completes;
    for (int i = 0; i < batch; ++i) {
      auto id = "bench-" + std::to_string(base + static_cast<uint64_t>(i));
      q::create_promise_cmd c;
      c.id = id;
      c.param.data = "{\"input\":\"some bytes of a typical small param\"}";
      c.timeout = 4102444800000;
      c.created_on = 1;
      c.read_back = true;
      creates.push_back(q::aio_sqe{base + static_cast<uint64_t>(i), q::store_transaction{{}, {c}}});
      q::update_promise_cmd u;
      u.id = id;
      u.state = q::promise_state::resolved;
      u.val.data = "{\"ok\":true}";
      u.completed_on = 2;
      u.now = 2;
      u.read_back = true;
      completes.push_back(
        q::aio_sqe{base + static_cast<uint64_t>(i), q::store_transaction{{}, {u}}});
    }
    check(s.process(std::move(creates)));
    check(s.process(std::move(completes)));
    o.pairs += static_cast<uint64_t>(batch);
    o.batches += 2;
  }
  o.seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  return o;
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: resonate_store_bench [--store postgres|sqlite] [--seconds S] "
               "[--batch N[,N...]]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string kind = "postgres";
  double seconds = 3;
  std::vector<int> batches{1, 8, 64, 256};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    std::string v = argv[i + 1];
    if (a == "--store") {
      kind = v;
    } else if (a == "--seconds") {
      seconds = std::atof(v.c_str());
    } else if (a == "--batch") {
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
    } else {
      usage();
    }
  }
  if (argc % 2 == 0 || seconds <= 0 || (kind != "postgres" && kind != "sqlite")) usage();

  std::string schema = "bench_" + std::to_string(::getpid());
  std::string base;
  std::filesystem::path file;
  try {
    std::unique_ptr<st::store> s;
    std::unique_ptr<st::store> sequential;  // postgres: the same, one round trip per statement
    if (kind == "postgres") {
      const char* env = std::getenv("RESONATE_TEST_PG");
      if (env == nullptr || *env == '\0') throw std::runtime_error("RESONATE_TEST_PG is not set");
      base = env;
      admin(base, "CREATE SCHEMA " + schema);
      st::postgres_options opts;
      opts.conninfo = base + " options='-csearch_path=" + schema + "'";
      s = st::make_postgres_store(opts);
      opts.pipeline = false;
      sequential = st::make_postgres_store(opts);
    } else {
      const char* tmp = std::getenv("TMPDIR");
      file = std::filesystem::path(tmp != nullptr ? tmp : "/tmp") / (schema + ".db");
      st::sqlite_options opts;
      opts.path = file.string();
      s = st::make_sqlite_store(opts);
    }
    uint64_t seq = 0;
    run_case(*s, 8, 0.5, seq);  // unreported warm-up
    std::printf("store %s, %.1f s per case, one connection\n", kind.c_str(), seconds);
    for (int b : batches) {
      for (auto* store : {s.get(), sequential.get()}) {
        if (store == nullptr) continue;
        const char* mode =
          store != s.get() ? "per-statement" : sequential ? "pipelined" : "default";
        auto o = run_case(*store, b, seconds, seq);
        double pairs_s = static_cast<double>(o.pairs) / o.seconds;
        double batch_ms = o.seconds * 1000 / static_cast<double>(o.batches);
        std::printf("  batch %4d  %-13s %9.0f pairs/s  %9.0f submissions/s  %8.3f ms/batch\n",
                    b, mode, pairs_s, 2 * pairs_s, batch_ms);
        std::printf("RESULT store=%s mode=%s batch=%d pairs_per_s=%.0f ms_per_batch=%.3f\n",
                    kind.c_str(), mode, b, pairs_s, batch_ms);
        std::fflush(stdout);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "resonate_store_bench: %s\n", e.what());
    if (!base.empty()) {
      admin(base, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS " + schema +
                    " CASCADE");
    }
    return 1;
  }
  const std::string drop = "SET client_min_messages = warning; DROP SCHEMA IF EXISTS ";
  if (!base.empty()) admin(base, drop + schema + " CASCADE");
  if (!file.empty()) {
    std::filesystem::remove(file);
    std::filesystem::remove(file.string() + "-wal");
    std::filesystem::remove(file.string() + "-shm");
  }
  return 0;
}
