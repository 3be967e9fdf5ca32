#include "aio_adapters/store/postgres/postgres_store.hpp"

#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

#include "aio_adapters/store/batch_runner.hpp"
#include "aio_adapters/store/migrations/migrations.hpp"
#include "aio_adapters/store/postgres/postgres_commands.hpp"
#include "aio_adapters/store/postgres/pqxx.hpp"

namespace resonate::aio_adapters::store {

namespace q = resonate::queues;

namespace {

// Serialises concurrent migrations of several workers or nodes on one database.
constexpr int64_t migration_lock_key = 0x7265736f6e617465;  // "resonate"

}  // namespace

struct postgres_store::impl final : store_session {
  postgres_options opts;
  std::unique_ptr<pqxx::connection> conn;
  std::optional<pqxx::work> tx;

  void connect() {
    tx.reset();
    conn.reset();
    auto c = std::make_unique<pqxx::connection>(opts.conninfo);
    // Durability of a commit against a crash of the server process is given by
    // PostgreSQL's WAL either way; synchronous_commit only decides whether the
    // commit waits for the flush (power loss).
    c->set_variable("synchronous_commit", opts.power_durable ? "on" : "off");
    for (auto family : {postgres_dialect::promise_statements(),
                        postgres_dialect::task_statements(),
                        postgres_dialect::callback_statements()}) {
      for (const auto& st : family) c->prepare(st.name, st.sql);
    }
    conn = std::move(c);
  }

  void migrate() {
    auto files = migrations::embedded_migrations(migrations::dialect::postgres);
    pqxx::work mtx(*conn, "migrate");
    mtx.exec_params("SELECT pg_advisory_xact_lock($1)", migration_lock_key);
    mtx.exec0("CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY)");
    auto current = mtx.exec1("SELECT COALESCE(MAX(id), 0) FROM migrations")[0].as<int64_t>();
    for (const auto& m : migrations::pending_migrations(files, current)) {
      mtx.exec(std::string(m.file.sql));
      mtx.exec_params0("INSERT INTO migrations (id) VALUES ($1)", m.version);
    }
    mtx.commit();
  }

  // store_session. A broken connection (or a commit whose outcome is unknown)
  // ends the batch: nothing more runs on it, and process() reconnects next time.

  std::optional<std::string> broken;

  template <class F>
  auto guarded(F&& f) {
    try {
      return f();
    } catch (const pqxx::broken_connection& e) {
      broken = std::string("postgres connection broken: ") + e.what();
      throw;
    } catch (const pqxx::in_doubt_error& e) {
      broken = std::string("postgres commit outcome unknown: ") + e.what();
      throw;
    }
  }

  void begin() override {
    if (broken) throw std::runtime_error(*broken);
    guarded([&] {
      if (!conn || !conn->is_open()) connect();
      tx.emplace(*conn);
    });
  }

  void commit() override {
    guarded([&] { tx->commit(); });
    tx.reset();
  }

  void rollback() noexcept override {
    try {
      if (tx && !broken) tx->abort();
    } catch (const std::exception&) {
      // the connection is gone; the transaction with it
    }
    tx.reset();
  }

  // Savepoints cost a round trip each; the batch runner uses them only on the
  // rerun after a failure.
  void savepoint() override {
    guarded([&] { tx->exec0("SAVEPOINT submission"); });
  }
  void release_savepoint() override {
    guarded([&] { tx->exec0("RELEASE SAVEPOINT submission"); });
  }
  void rollback_to_savepoint() override {
    guarded([&] {
      tx->exec0("ROLLBACK TO SAVEPOINT submission");
      tx->exec0("RELEASE SAVEPOINT submission");
    });
  }

  bool fence_holds(const q::fence& f) override {
    return guarded([&] { return postgres_dialect::fence_holds(*tx, f); });
  }

  q::store_result run(const q::store_command& cmd) override {
    return guarded([&] {
      return std::visit([this](const auto& c) { return postgres_dialect::run(*tx, c); }, cmd);
    });
  }

  bool in_transaction() const override { return tx.has_value() && !broken; }
};

postgres_store::postgres_store(const postgres_options& opts) : impl_(std::make_unique<impl>()) {
  impl_->opts = opts;
  try {
    impl_->connect();
    impl_->migrate();
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("postgres store: ") + e.what());
  }
}

postgres_store::~postgres_store() = default;

void postgres_store::execute_sql(const std::string& sql) {
  try {
    if (!impl_->conn || !impl_->conn->is_open()) impl_->connect();
    pqxx::work tx(*impl_->conn);
    tx.exec(sql);
    tx.commit();
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("postgres store: ") + e.what());
  }
}

std::string postgres_store::query_value(const std::string& sql) {
  try {
    if (!impl_->conn || !impl_->conn->is_open()) impl_->connect();
    pqxx::nontransaction tx(*impl_->conn);
    auto r = tx.exec(sql);
    if (r.empty() || r[0][0].is_null()) return {};
    return postgres_dialect::text_of(r[0][0]);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("postgres store: ") + e.what());
  }
}

q::aio_results postgres_store::process(q::aio_batch batch) {
  auto out = run_batch(*impl_, batch);
  if (impl_->broken) {
    impl_->tx.reset();
    impl_->conn.reset();  // the next batch reconnects
    impl_->broken.reset();
  }
  return out;
}

std::unique_ptr<store> make_postgres_store(const postgres_options& opts) {
  return std::make_unique<postgres_store>(opts);
}

}  // namespace resonate::aio_adapters::store
