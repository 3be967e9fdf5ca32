#include "aio_adapters/store/postgres/postgres_store.hpp"

#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

#include "aio_adapters/store/migrations/migrations.hpp"
#include "aio_adapters/store/postgres/pqxx.hpp"
#include "aio_adapters/store/sql_common.hpp"
#include "aio_adapters/store/string_map_json.hpp"

namespace resonate::aio_adapters::store {

namespace q = resonate::queues;

namespace {

// Serialises concurrent migrations of several workers or nodes on one database.
constexpr int64_t migration_lock_key = 0x7265736f6e617465;  // "resonate"

const std::string columns(promise_columns);

// Statement name -> SQL, prepared once per connection.
const std::pair<const char*, std::string> prepared_statements[] = {
  {"promise_read", "SELECT " + columns + " FROM promises WHERE id = $1"},
  {"promise_timedout", "SELECT " + columns +
                         " FROM promises WHERE state = 1 AND timeout <= $1"
                         " ORDER BY timeout, sort_id LIMIT $2"},
  {"promise_create",
   "INSERT INTO promises (id, state, param_headers, param_data, timeout, "
   "idempotency_key_for_create, tags, created_on) "
   "VALUES ($1, 1, $2::jsonb, $3, $4, $5, $6::jsonb, $7) ON CONFLICT (id) DO NOTHING"},
  {"promise_update",
   "UPDATE promises SET state = $2, value_headers = $3::jsonb, value_data = $4, "
   "idempotency_key_for_complete = $5, completed_on = $6 WHERE id = $1 AND state = 1 AND timeout > $7"},
  // A write and the read of the same row in one round trip (see run_all): the
  // row as written if the write took effect, else the row as it is.
  {"promise_create_read",
   "WITH w AS (INSERT INTO promises (id, state, param_headers, param_data, timeout, "
   "idempotency_key_for_create, tags, created_on) "
   "VALUES ($1, 1, $2::jsonb, $3, $4, $5, $6::jsonb, $7) ON CONFLICT (id) DO NOTHING "
   "RETURNING " + columns + ") "
   "SELECT " + columns + ", 1 FROM w UNION ALL SELECT " + columns +
   ", 0 FROM promises WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM w)"},
  {"promise_update_read",
   "WITH w AS (UPDATE promises SET state = $2, value_headers = $3::jsonb, value_data = $4, "
   "idempotency_key_for_complete = $5, completed_on = $6 "
   "WHERE id = $1 AND state = 1 AND timeout > $7 RETURNING " + columns + ") "
   "SELECT " + columns + ", 1 FROM w UNION ALL SELECT " + columns +
   ", 0 FROM promises WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM w)"},
  {"fence_check", "SELECT COUNT(*) FROM tasks WHERE id = $1 AND counter = $2 AND state = 4"},
  {"ping", "SELECT 1"},
};

std::string bytes_of(const pqxx::field& f) {
  if (f.is_null()) return {};
  pqxx::binarystring b(f);
  return b.str();
}

std::string text_of(const pqxx::field& f) {
  if (f.is_null()) return {};
  return std::string(f.c_str(), f.size());
}

std::optional<std::string> optional_text_of(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return text_of(f);
}

std::optional<int64_t> optional_int_of(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<int64_t>();
}

q::promise_record read_promise_row(const pqxx::row& row) {
  q::promise_record p;
  p.id = text_of(row[col_id]);
  p.state = promise_state_from_db(row[col_state].as<int64_t>());
  p.param.headers = decode_string_map(text_of(row[col_param_headers]));
  p.param.data = bytes_of(row[col_param_data]);
  p.val.headers = decode_string_map(text_of(row[col_value_headers]));
  p.val.data = bytes_of(row[col_value_data]);
  p.timeout = row[col_timeout].as<int64_t>();
  p.idempotency_key_for_create = optional_text_of(row[col_ikey_create]);
  p.idempotency_key_for_complete = optional_text_of(row[col_ikey_complete]);
  p.tags = decode_string_map(text_of(row[col_tags]));
  p.created_on = optional_int_of(row[col_created_on]);
  p.completed_on = optional_int_of(row[col_completed_on]);
  p.sort_id = row[col_sort_id].as<int64_t>();
  return p;
}

q::query_promises_result read_promise_rows(const pqxx::result& rows) {
  q::query_promises_result r;
  r.records.reserve(rows.size());
  for (const auto& row : rows) r.records.push_back(read_promise_row(row));
  if (!r.records.empty()) r.last_sort_id = r.records.back().sort_id;
  return r;
}


// Runs the commands of one submission inside the batch transaction.
class command_runner {
public:
  explicit command_runner(pqxx::work& tx) : tx_(tx) {}

  bool fence_holds(const q::fence& f) {
    auto r = tx_.exec_prepared1("fence_check", f.task_id, f.task_counter);
    return r[0].as<int64_t>() == 1;
  }

  q::store_result run(const q::store_command& cmd) {
    return std::visit([this](const auto& c) { return run(c); }, cmd);
  }

  /// Runs a submission's commands in order, one result each. A create or an
  /// update directly followed by a read of the same promise (what the create
  /// and complete coroutines send) goes as one statement: round trips, not
  /// SQL work, bound this store. Within one transaction the results are the
  /// same as running the two commands one after the other; if another
  /// connection changes the row meanwhile, the read shows the row as of the
  /// statement's start, which the coroutines already treat as "look again".
  void run_all(const std::vector<q::store_command>& cmds, std::vector<q::store_result>& out) {
    for (size_t i = 0; i < cmds.size(); ++i) {
      const auto* read = i + 1 < cmds.size() ? std::get_if<q::read_promise_cmd>(&cmds[i + 1])
                                             : nullptr;
      if (read) {
        if (const auto* c = std::get_if<q::create_promise_cmd>(&cmds[i]); c && c->id == read->id) {
          pqxx::binarystring data(c->param.data.data(), c->param.data.size());
          write_then_read(tx_.exec_prepared("promise_create_read", c->id,
                                            encode_string_map(c->param.headers), data, c->timeout,
                                            c->idempotency_key, encode_string_map(c->tags),
                                            c->created_on),
                          out);
          ++i;
          continue;
        }
        if (const auto* u = std::get_if<q::update_promise_cmd>(&cmds[i]); u && u->id == read->id) {
          pqxx::binarystring data(u->val.data.data(), u->val.data.size());
          write_then_read(tx_.exec_prepared("promise_update_read", u->id,
                                            static_cast<int>(u->state),
                                            encode_string_map(u->val.headers), data,
                                            u->idempotency_key, u->completed_on, u->timeout_after),
                          out);
          ++i;
          continue;
        }
      }
      out.push_back(run(cmds[i]));
    }
  }

private:
  // Rows of a fused statement: the promise columns, then 1 if the write took effect.
  static void write_then_read(const pqxx::result& rows, std::vector<q::store_result>& out) {
    q::query_promises_result read;
    int64_t affected = 0;
    for (const auto& row : rows) {
      read.records.push_back(read_promise_row(row));
      affected = row[static_cast<pqxx::row::size_type>(row.size() - 1)].as<int64_t>();
    }
    out.push_back(q::alter_result{affected});
    out.push_back(std::move(read));
  }

  q::store_result run(const q::read_promise_cmd& cmd) {
    q::query_promises_result r;
    for (const auto& row : tx_.exec_prepared("promise_read", cmd.id)) {
      r.records.push_back(read_promise_row(row));
    }
    return r;
  }

  q::store_result run(const q::read_timedout_promises_cmd& cmd) {
    return read_promise_rows(tx_.exec_prepared("promise_timedout", cmd.time, sql_limit(cmd.limit)));
  }

  q::store_result run(const q::search_promises_cmd& cmd) {
    // exec_params (an unnamed statement) rather than a named one: the planner
    // then sees the pattern and can use the prefix index for `id LIKE 'p%'`.
    std::string sql = "SELECT " + columns +
                      " FROM promises WHERE id LIKE $1 ESCAPE '' AND (state & $2) <> 0";
    auto pattern = like_pattern(cmd.id);
    auto states = static_cast<int>(cmd.states);
    auto limit = sql_limit(cmd.limit);
    const char* order = " ORDER BY sort_id DESC LIMIT ";
    if (cmd.tags.empty() && !cmd.sort_id) {
      sql += order + std::string("$3");
      return read_promise_rows(tx_.exec_params(sql, pattern, states, limit));
    }
    if (cmd.tags.empty()) {
      sql += " AND sort_id < $3" + (order + std::string("$4"));
      return read_promise_rows(tx_.exec_params(sql, pattern, states, *cmd.sort_id, limit));
    }
    auto tags = encode_string_map(cmd.tags);
    if (!cmd.sort_id) {
      sql += " AND tags @> $3::jsonb" + (order + std::string("$4"));
      return read_promise_rows(tx_.exec_params(sql, pattern, states, tags, limit));
    }
    sql += " AND tags @> $3::jsonb AND sort_id < $4" + (order + std::string("$5"));
    return read_promise_rows(tx_.exec_params(sql, pattern, states, tags, *cmd.sort_id, limit));
  }

  q::store_result run(const q::create_promise_cmd& cmd) {
    pqxx::binarystring data(cmd.param.data.data(), cmd.param.data.size());
    auto r = tx_.exec_prepared("promise_create", cmd.id, encode_string_map(cmd.param.headers),
                               data, cmd.timeout, cmd.idempotency_key,
                               encode_string_map(cmd.tags), cmd.created_on);
    return q::alter_result{static_cast<int64_t>(r.affected_rows())};
  }

  q::store_result run(const q::update_promise_cmd& cmd) {
    pqxx::binarystring data(cmd.val.data.data(), cmd.val.data.size());
    auto r = tx_.exec_prepared("promise_update", cmd.id, static_cast<int>(cmd.state),
                               encode_string_map(cmd.val.headers), data, cmd.idempotency_key,
                               cmd.completed_on, cmd.timeout_after);
    return q::alter_result{static_cast<int64_t>(r.affected_rows())};
  }

  q::store_result run(const q::ping_cmd&) {
    tx_.exec_prepared("ping");
    return q::alter_result{0};
  }

  pqxx::work& tx_;
};

}  // namespace

struct postgres_store::impl {
  postgres_options opts;
  std::unique_ptr<pqxx::connection> conn;

  void connect() {
    conn.reset();
    auto c = std::make_unique<pqxx::connection>(opts.conninfo);
    // Durability of a commit against a crash of the server process is given by
    // PostgreSQL's WAL either way; synchronous_commit only decides whether the
    // commit waits for the flush (power loss).
    c->set_variable("synchronous_commit", opts.power_durable ? "on" : "off");
    for (const auto& [name, sql] : prepared_statements) c->prepare(name, sql);
    conn = std::move(c);
  }

  void migrate() {
    auto files = migrations::embedded_migrations(migrations::dialect::postgres);
    pqxx::work tx(*conn, "migrate");
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", migration_lock_key);
    tx.exec0("CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY)");
    auto current = tx.exec1("SELECT COALESCE(MAX(id), 0) FROM migrations")[0].as<int64_t>();
    for (const auto& m : migrations::pending_migrations(files, current)) {
      tx.exec(std::string(m.file.sql));
      tx.exec_params0("INSERT INTO migrations (id) VALUES ($1)", m.version);
    }
    tx.commit();
  }
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

namespace {

/// Thrown out of an optimistic attempt when one submission failed: the batch is
/// then run again with a savepoint around each submission.
struct submission_failed {};

}  // namespace

void postgres_store::run_batch(const q::aio_batch& batch, q::aio_results& out, bool isolated) {
  pqxx::work tx(*impl_->conn);
  command_runner runner(tx);
  for (size_t i = 0; i < batch.size(); ++i) {
    auto& cqe = out[i];
    cqe.error.reset();
    cqe.completion = {};
    const auto& sub = batch[i].tx;
    if (isolated) tx.exec0("SAVEPOINT submission");
    try {
      if (sub.fence_token && !runner.fence_holds(*sub.fence_token)) {
        cqe.completion.valid = false;
      } else {
        cqe.completion.results.reserve(sub.commands.size());
        runner.run_all(sub.commands, cqe.completion.results);
      }
      if (isolated) tx.exec0("RELEASE SAVEPOINT submission");
    } catch (const pqxx::broken_connection&) {
      throw;
    } catch (const pqxx::in_doubt_error&) {
      throw;
    } catch (const std::exception& e) {
      if (!isolated) throw submission_failed{};  // tx aborts; rerun isolated
      // Only this submission's work is undone; the batch goes on.
      cqe.error = e.what();
      cqe.completion = {};
      tx.exec0("ROLLBACK TO SAVEPOINT submission");
      tx.exec0("RELEASE SAVEPOINT submission");
    }
  }
  tx.commit();
}

q::aio_results postgres_store::process(q::aio_batch batch) {
  q::aio_results out;
  try {
    out.resize(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) out[i].id = batch[i].id;
    if (batch.empty()) return out;

    if (!impl_->conn || !impl_->conn->is_open()) impl_->connect();

    // Savepoints cost two round trips per submission. Failures are rare, so the
    // batch first runs without them; if any submission fails, that transaction
    // rolls back whole and the batch runs again with one savepoint each, so the
    // failure stays with its own submission.
    try {
      run_batch(batch, out, /*isolated=*/false);
    } catch (const submission_failed&) {
      run_batch(batch, out, /*isolated=*/true);
    }
  } catch (const pqxx::broken_connection& e) {
    impl_->conn.reset();  // the next batch reconnects
    fail_all(out, std::string("postgres connection broken: ") + e.what());
  } catch (const pqxx::in_doubt_error& e) {
    impl_->conn.reset();
    fail_all(out, std::string("postgres commit outcome unknown: ") + e.what());
  } catch (const std::exception& e) {
    fail_all(out, std::string("postgres batch failed: ") + e.what());
  } catch (...) {
    fail_all(out, "postgres batch failed: unknown error");
  }
  return out;
}

std::unique_ptr<store> make_postgres_store(const postgres_options& opts) {
  return std::make_unique<postgres_store>(opts);
}

}  // namespace resonate::aio_adapters::store
