#include "aio_adapters/store/sqlite/sqlite_store.hpp"

#include <exception>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "aio_adapters/store/interactive.hpp"
#include "aio_adapters/store/migrations/migrations.hpp"
#include "aio_adapters/store/sql_session.hpp"
#include "aio_adapters/store/sqlite/sqlite_commands.hpp"

namespace resonate::aio_adapters::store {

namespace q = resonate::queues;

sqlite_store::sqlite_store(const sqlite_options& opts) : conn_(opts.path) {
  sqlite3_busy_timeout(conn_.handle(), opts.busy_timeout_ms);
  // WAL is persistent and ignored (stays "memory") for in-memory databases.
  conn_.exec("PRAGMA journal_mode=WAL");
  conn_.exec(opts.power_durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  // Id patterns match case-sensitively, as in PostgreSQL, and `LIKE 'p%'` can
  // then use the index on id.
  conn_.exec("PRAGMA case_sensitive_like=ON");
  conn_.exec("PRAGMA foreign_keys=OFF");
  migrate();
  if (wal_checkpointer::applies_to(opts.path)) {
    checkpointer_ = std::make_unique<wal_checkpointer>(opts.path, std::chrono::milliseconds(10));
    checkpointer_->watch(conn_.handle());
  }
}

void sqlite_store::migrate() {
  auto files = migrations::embedded_migrations(migrations::dialect::sqlite);
  conn_.exec("BEGIN IMMEDIATE");
  try {
    conn_.exec("CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY)");
    int64_t current = 0;
    {
      auto st = conn_.prepare_once("SELECT COALESCE(MAX(id), 0) FROM migrations");
      if (st.step()) current = st.column_int(0);
    }
    for (const auto& m : migrations::pending_migrations(files, current)) {
      conn_.exec(std::string(m.file.sql));
      conn_.prepare_once("INSERT INTO migrations (id) VALUES (?)").bind_int(m.version).run();
    }
    conn_.exec("COMMIT");
  } catch (const std::exception& e) {
    rollback();
    throw std::runtime_error(std::string("sqlite store: migration failed: ") + e.what());
  }
}

void sqlite_store::execute_sql(const std::string& sql) {
  conn_.exec("BEGIN IMMEDIATE");
  try {
    conn_.exec(sql);
    conn_.exec("COMMIT");
  } catch (...) {
    rollback();
    throw;
  }
}

std::string sqlite_store::query_value(const std::string& sql) {
  auto st = conn_.prepare_once(sql);
  return st.step() ? st.column_blob(0) : std::string{};
}

q::aio_results sqlite_store::process(q::aio_batch batch) {
  return run_batch(*this, batch);
}

// Transaction control goes through cached statements too: they run per batch
// and per submission.

void sqlite_store::begin() {
  conn_.prepare("BEGIN IMMEDIATE").run();
}

void sqlite_store::commit() {
  conn_.prepare("COMMIT").run();
  if (checkpointer_) checkpointer_->after_commit(conn_.handle());
}

void sqlite_store::rollback() noexcept {
  if (conn_.in_transaction()) sqlite3_exec(conn_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void sqlite_store::savepoint() {
  conn_.prepare("SAVEPOINT submission").run();
}

void sqlite_store::release_savepoint() {
  conn_.prepare("RELEASE submission").run();
}

void sqlite_store::rollback_to_savepoint() {
  conn_.exec("ROLLBACK TO submission; RELEASE submission");
}

bool sqlite_store::fence_holds(const q::fence& f) {
  return sqlite_dialect::fence_holds(conn_, f);
}

namespace {

/// The open transaction as protocol_2026.cpp sees it.
class sqlite_sql_session final : public sql_session {
public:
  sqlite_sql_session(sqlite_connection& conn, store_session& session)
    : conn_(conn), session_(session) {}

  std::vector<sql_row> query(std::string_view sql, const std::vector<sql_param>& params) override {
    auto st = conn_.prepare(sqlite_placeholders(sql));
    for (const auto& p : params) {
      if (const auto* i = std::get_if<int64_t>(&p))
        st.bind_int(*i);
      else if (const auto* t = std::get_if<std::string>(&p))
        st.bind_text(*t);
      else
        st.bind_null();
    }
    std::vector<sql_row> rows;
    while (st.step()) {
      sql_row r;
      int n = st.column_count();
      r.cols.reserve(n);
      for (int i = 0; i < n; ++i) r.cols.push_back(st.column_optional_text(i));
      rows.push_back(std::move(r));
    }
    return rows;
  }

  q::store_result run(const q::store_command& cmd) override { return session_.run(cmd); }

  /// One after the other: the one connection has no round trip to save.
  std::vector<q::store_result> run_all(const std::vector<q::store_command>& cmds) override {
    std::vector<q::store_result> out;
    out.reserve(cmds.size());
    for (const auto& c : cmds) out.push_back(session_.run(c));
    return out;
  }

  std::string_view now_ms_sql() const override {
    return "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
  }
  std::string_view for_share_sql() const override { return ""; }

private:
  sqlite_connection& conn_;
  store_session& session_;
};

}  // namespace

q::store_result sqlite_store::run(const q::store_command& cmd) {
  if (q::is_interactive(cmd)) {
    sqlite_sql_session db(conn_, *this);
    return run_interactive(db, cmd);
  }
  return std::visit(
    [this](const auto& c) -> q::store_result {
      using T = std::decay_t<decltype(c)>;
      if constexpr (is_interactive_command_v<T>) {
        throw std::logic_error("unreachable");
      } else {
        return sqlite_dialect::run(conn_, c);
      }
    },
    cmd);
}

bool sqlite_store::in_transaction() const {
  return conn_.in_transaction();
}

std::unique_ptr<store> make_sqlite_store(const sqlite_options& opts) {
  try {
    return std::make_unique<sqlite_store>(opts);
  } catch (const std::runtime_error&) {
    throw;
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("sqlite store: ") + e.what());
  }
}

}  // namespace resonate::aio_adapters::store
