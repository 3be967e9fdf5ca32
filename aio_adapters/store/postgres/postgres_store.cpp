#include "aio_adapters/store/postgres/postgres_store.hpp"

#include <exception>
#include <optional>
#include <set>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "aio_adapters/store/batch_runner.hpp"
#include "aio_adapters/store/interactive.hpp"
#include "aio_adapters/store/migrations/migrations.hpp"
#include "aio_adapters/store/postgres/pg_connection.hpp"
#include "aio_adapters/store/postgres/postgres_commands.hpp"
#include "aio_adapters/store/sql_session.hpp"

namespace resonate::aio_adapters::store {

namespace q = resonate::queues;

namespace {

// Serialises concurrent migrations of several workers or nodes on one database.
constexpr int64_t migration_lock_key = 0x7265736f6e617465;  // "resonate"

void ignore_notice(void*, const char*) {}

}  // namespace

// The session runs every batch in libpq's pipeline mode. Transaction control
// (BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO) is sent without waiting: it travels
// with the next statement that is waited for, and an error in it shows there.
struct postgres_store::impl final : store_session {
  postgres_options opts;
  std::unique_ptr<pg_connection> conn;
  // Set when the connection broke (or a commit's outcome is unknown): the
  // current attempt ends, and the next begin() (or process()) replaces it.
  std::optional<std::string> broken;
  // The promises lock_rows locked in the open transaction.
  std::set<std::string> locked;

  void connect() {
    open();
    prepare_all();
  }

  void open() {
    conn.reset();
    auto c = std::make_unique<pg_connection>(opts.conninfo);
    c->set_notice_processor(&ignore_notice);
    // Durability of a commit against a crash of the server process is given by
    // PostgreSQL's WAL either way; synchronous_commit only decides whether the
    // commit waits for the flush (power loss).
    c->exec_simple(opts.power_durable ? "SET synchronous_commit = on"
                                      : "SET synchronous_commit = off");
    if (opts.idle_in_transaction_timeout_ms > 0) {
      c->exec_simple("SET idle_in_transaction_session_timeout = " +
                     std::to_string(opts.idle_in_transaction_timeout_ms));
    }
    conn = std::move(c);
  }

  // After the migrations: the statements name the tables.
  void prepare_all() {
    for (auto family :
         {postgres_dialect::promise_statements(), postgres_dialect::task_statements(),
          postgres_dialect::callback_statements(), postgres_dialect::lock_statements(),
          postgres_dialect::schedule_statements(), postgres_dialect::count_statements(),
          postgres_dialect::task26_statements()}) {
      for (const auto& st : family) conn->prepare(st.name, st.sql);
    }
  }

  void migrate() {
    auto files = migrations::embedded_migrations(migrations::dialect::postgres);
    conn->exec_simple("BEGIN");
    try {
      pg_call lock{"", "SELECT pg_advisory_xact_lock($1)", {}};
      lock.params.add(migration_lock_key);
      conn->exec(lock);
      conn->exec_simple("CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY)");
      auto current =
        conn->exec(pg_call{"", "SELECT COALESCE(MAX(id), 0) FROM migrations", {}}).int64(0, 0);
      for (const auto& m : migrations::pending_migrations(files, current)) {
        conn->exec_simple(std::string(m.file.sql));
        pg_call record{"", "INSERT INTO migrations (id) VALUES ($1)", {}};
        record.params.add(m.version);
        conn->exec(record);
      }
      conn->exec_simple("COMMIT");
    } catch (...) {
      rollback();
      throw;
    }
  }

  void ensure_connected() {
    if (!conn || !conn->ok()) connect();
  }

  template <class F>
  auto guarded(F&& f) {
    try {
      return f();
    } catch (const pg_error& e) {
      if (e.broken()) broken = std::string("postgres connection broken: ") + e.what();
      throw;
    }
  }

  // store_session

  // A connection found broken in the optimistic pass is replaced for the
  // rerun: nothing of that pass was committed (COMMIT goes only after every
  // result came back). A break during the rerun or the commit fails the batch.
  void begin() override {
    guarded([&] {
      if (broken) conn.reset();
      broken.reset();
      locked.clear();
      ensure_connected();
      conn->enter_pipeline();
      conn->send_simple_internal("BEGIN");
    });
  }

  void commit() override {
    guarded([&] {
      conn->send_simple_internal("COMMIT");
      conn->finish_pipeline();
    });
  }

  void rollback() noexcept override {
    if (!conn || broken) return;
    if (conn->in_pipeline()) conn->abandon_pipeline();
    try {
      if (conn->ok()) conn->exec_simple("ROLLBACK");
    } catch (const std::exception&) {
      // the connection is gone, and the transaction with it
    }
  }

  void savepoint() override {
    guarded([&] { conn->send_simple_internal("SAVEPOINT submission"); });
  }
  void release_savepoint() override {
    guarded([&] { conn->send_simple_internal("RELEASE SAVEPOINT submission"); });
  }
  void rollback_to_savepoint() override {
    guarded([&] {
      conn->send_simple_internal("ROLLBACK TO SAVEPOINT submission");
      conn->send_simple_internal("RELEASE SAVEPOINT submission");
    });
  }

  void lock_rows(const q::aio_batch& batch, bool wait) override {
    auto locks = postgres_dialect::batch_lock_calls(batch, locked);
    guarded([&] {
      // Sent one after the other: the server runs them in this order (by id).
      for (const auto& lock : locks) conn->send(lock, /*internal=*/!wait);
      if (wait) {
        for (size_t i = 0; i < locks.size(); ++i) conn->receive();
      }
    });
  }

  bool fence_holds(const q::fence& f) override {
    send_fence(f);
    return receive_fence();
  }

  /// The open transaction as protocol_2026.cpp sees it: each statement is
  /// one round trip (its answer decides the next).
  struct interactive_session final : sql_session {
    impl& s;
    explicit interactive_session(impl& session) : s(session) {}

    std::vector<sql_row> query(std::string_view sql,
                               const std::vector<sql_param>& params) override {
      pg_call call{"", std::string(sql), {}};
      for (const auto& p : params) {
        if (const auto* i = std::get_if<int64_t>(&p))
          call.params.add(*i);
        else if (const auto* t = std::get_if<std::string>(&p))
          call.params.add(*t);
        else
          call.params.add(std::optional<std::string>{});
      }
      auto r = s.guarded([&] {
        s.conn->send(call);
        return s.conn->receive();
      });
      std::vector<sql_row> rows(r.rows());
      int cols = r.columns();
      for (int i = 0; i < r.rows(); ++i) {
        rows[i].cols.reserve(cols);
        for (int c = 0; c < cols; ++c) rows[i].cols.push_back(r.optional_text(i, c));
      }
      return rows;
    }

    q::store_result run(const q::store_command& cmd) override { return s.run(cmd); }

    std::string_view now_ms_sql() const override {
      return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
    }
    std::string_view for_share_sql() const override { return " FOR SHARE"; }

    /// Sent together, then every result taken (one round trip), so that the
    /// pipeline stays in step when one fails and aborts the rest.
    std::vector<q::store_result> run_all(const std::vector<q::store_command>& cmds) override {
      for (const auto& c : cmds) s.send(c);
      std::vector<q::store_result> out;
      out.reserve(cmds.size());
      std::optional<pg_error> first;
      for (const auto& c : cmds) {
        try {
          out.push_back(s.receive(c));
        } catch (const pg_error& e) {
          if (e.broken()) throw;
          if (!first) first = e;
        }
      }
      if (first) throw *first;
      return out;
    }
  };

  q::store_result run(const q::store_command& cmd) override {
    if (q::is_interactive(cmd)) {
      interactive_session db(*this);
      return run_interactive(db, cmd);
    }
    send(cmd);
    return receive(cmd);
  }

  bool in_transaction() const override { return conn && conn->ok() && !broken; }

  bool conflict(const std::exception& e) const override {
    const auto* pe = dynamic_cast<const pg_error*>(&e);
    return pe != nullptr && pe->conflict();
  }

  bool pipelines() const override { return opts.pipeline; }

  void send_fence(const q::fence& f) override {
    guarded([&] { conn->send(postgres_dialect::fence_call(f)); });
  }

  void send(const q::store_command& cmd) override {
    if (q::is_interactive(cmd)) throw std::logic_error("an interactive command is run, not sent");
    guarded([&] {
      std::visit(
        [&](const auto& c) {
          if constexpr (!is_interactive_command_v<std::decay_t<decltype(c)>>) {
            // The lock goes first, as a statement of its own; its result is
            // consumed (and an error reported) by the command's receive().
            // Not again for a promise the batch has locked already (lock_rows).
            bool held = false;
            if constexpr (std::is_same_v<std::decay_t<decltype(c)>, q::update_promise_cmd>) {
              held = locked.count(c.id) != 0;
            }
            auto lock = postgres_dialect::lock_of(c);
            if (lock && !held) conn->send(*lock, /*internal=*/true);
            conn->send(postgres_dialect::call_of(c));
            if (postgres_dialect::has_follow_up(c)) conn->send(postgres_dialect::follow_up_of(c));
          }
        },
        cmd);
    });
  }

  bool receive_fence() override {
    return guarded([&] { return postgres_dialect::fence_result(conn->receive()); });
  }

  q::store_result receive(const q::store_command& cmd) override {
    return guarded([&] {
      return std::visit(
        [&](const auto& c) -> q::store_result {
          if constexpr (is_interactive_command_v<std::decay_t<decltype(c)>>) {
            throw std::logic_error("an interactive command is run, not received");
          } else {
            const bool follow_up = postgres_dialect::has_follow_up(c);
            pg_result r;
            try {
              r = conn->receive();
            } catch (const pg_error& e) {
              // The follow-up was aborted with the statement: take its result
              // too, so that the next receive stays in step.
              if (follow_up && !e.broken()) conn->receive_aborted();
              throw;
            }
            auto result = postgres_dialect::result_of(c, r);
            if (follow_up) postgres_dialect::follow_up_result(c, conn->receive(), result);
            return result;
          }
        },
        cmd);
    });
  }
};

postgres_store::postgres_store(const postgres_options& opts) : impl_(std::make_unique<impl>()) {
  impl_->opts = opts;
  try {
    impl_->open();
    impl_->migrate();
    impl_->prepare_all();
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("postgres store: ") + e.what());
  }
}

postgres_store::~postgres_store() = default;

void postgres_store::execute_sql(const std::string& sql) {
  try {
    impl_->ensure_connected();
    impl_->conn->exec_simple("BEGIN; " + sql + "; COMMIT");
  } catch (const std::exception& e) {
    impl_->rollback();
    throw std::runtime_error(std::string("postgres store: ") + e.what());
  }
}

std::string postgres_store::query_value(const std::string& sql) {
  try {
    impl_->ensure_connected();
    auto r = impl_->conn->exec(pg_call{"", sql, {}});
    if (r.empty() || r.is_null(0, 0)) return {};
    return std::string(r.text(0, 0));
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("postgres store: ") + e.what());
  }
}

q::aio_results postgres_store::process(q::aio_batch batch) {
  auto out = run_batch(*impl_, batch);
  if (impl_->broken) {
    impl_->conn.reset();  // the next batch reconnects
    impl_->broken.reset();
  }
  return out;
}

std::unique_ptr<store> make_postgres_store(const postgres_options& opts) {
  return std::make_unique<postgres_store>(opts);
}

}  // namespace resonate::aio_adapters::store
