#include "aio_adapters/store/sqlite/sqlite_store.hpp"

#include <exception>
#include <utility>

#include "aio_adapters/store/migrations/migrations.hpp"
#include "aio_adapters/store/sql_common.hpp"
#include "aio_adapters/store/string_map_json.hpp"

namespace resonate::aio_adapters::store {

namespace q = resonate::queues;

namespace {

const std::string select_promise =
  "SELECT " + std::string(promise_columns) + " FROM promises WHERE id = ?";
const std::string select_timedout = "SELECT " + std::string(promise_columns) +
                                    " FROM promises WHERE state = 1 AND timeout <= ?"
                                    " ORDER BY timeout, sort_id LIMIT ?";
const std::string insert_promise =
  "INSERT INTO promises (id, state, param_headers, param_data, timeout, "
  "idempotency_key_for_create, tags, created_on) VALUES (?, 1, ?, ?, ?, ?, ?, ?) "
  "ON CONFLICT(id) DO NOTHING";
const std::string update_promise =
  "UPDATE promises SET state = ?, value_headers = ?, value_data = ?, "
  "idempotency_key_for_complete = ?, completed_on = ? WHERE id = ? AND state = 1 AND timeout > ?";
const std::string fence_check =
  "SELECT COUNT(*) FROM tasks WHERE id = ? AND counter = ? AND state = 4";

// Searches with many tags or unusual keys get one-off statements so the cache
// stays bounded.
constexpr size_t max_cached_search_tags = 4;

q::promise_record read_promise_row(const sqlite_statement& st) {
  q::promise_record p;
  p.id = st.column_text(col_id);
  p.state = promise_state_from_db(st.column_int(col_state));
  p.param.headers = decode_string_map(st.column_text(col_param_headers));
  p.param.data = st.column_blob(col_param_data);
  p.val.headers = decode_string_map(st.column_text(col_value_headers));
  p.val.data = st.column_blob(col_value_data);
  p.timeout = st.column_int(col_timeout);
  p.idempotency_key_for_create = st.column_optional_text(col_ikey_create);
  p.idempotency_key_for_complete = st.column_optional_text(col_ikey_complete);
  p.tags = decode_string_map(st.column_text(col_tags));
  p.created_on = st.column_optional_int(col_created_on);
  p.completed_on = st.column_optional_int(col_completed_on);
  p.sort_id = st.column_int(col_sort_id);
  return p;
}

q::query_promises_result read_promise_rows(sqlite_statement& st) {
  q::query_promises_result r;
  while (st.step()) r.records.push_back(read_promise_row(st));
  if (!r.records.empty()) r.last_sort_id = r.records.back().sort_id;
  return r;
}


}  // namespace

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
    if (conn_.in_transaction()) sqlite3_exec(conn_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw std::runtime_error(std::string("sqlite store: migration failed: ") + e.what());
  }
}

void sqlite_store::execute_sql(const std::string& sql) {
  conn_.exec("BEGIN IMMEDIATE");
  try {
    conn_.exec(sql);
    conn_.exec("COMMIT");
  } catch (...) {
    if (conn_.in_transaction()) sqlite3_exec(conn_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

namespace {

/// Thrown out of an optimistic attempt when one submission failed: the batch is
/// then run again with a savepoint around each submission.
struct submission_failed {};

}  // namespace

bool sqlite_store::run_batch(const q::aio_batch& batch, q::aio_results& out, bool isolated) {
  // Transaction control goes through cached statements too: they run per batch
  // and per submission.
  conn_.prepare("BEGIN IMMEDIATE").run();
  for (size_t i = 0; i < batch.size(); ++i) {
    auto& cqe = out[i];
    cqe.error.reset();
    cqe.completion = {};
    const auto& tx = batch[i].tx;
    if (isolated) {
      try {
        conn_.prepare("SAVEPOINT submission").run();
      } catch (const std::exception& e) {
        cqe.error = e.what();
        continue;
      }
    }
    try {
      if (tx.fence_token && !fence_holds(*tx.fence_token)) {
        cqe.completion.valid = false;
      } else {
        cqe.completion.results.reserve(tx.commands.size());
        for (const auto& cmd : tx.commands) cqe.completion.results.push_back(run(cmd));
      }
      if (isolated) conn_.prepare("RELEASE submission").run();
    } catch (const std::exception& e) {
      if (!isolated) {
        if (conn_.in_transaction()) sqlite3_exec(conn_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw submission_failed{};
      }
      cqe.error = e.what();
      cqe.completion = {};
      if (!conn_.in_transaction()) {
        // Some errors (disk full, I/O) make SQLite roll back the whole
        // transaction: the earlier submissions are gone too.
        fail_all(out, std::string("transaction rolled back: ") + e.what());
        return false;
      }
      sqlite3_exec(conn_.handle(), "ROLLBACK TO submission; RELEASE submission", nullptr, nullptr,
                   nullptr);
    }
  }
  try {
    conn_.prepare("COMMIT").run();
    if (checkpointer_) checkpointer_->after_commit(conn_.handle());
  } catch (const std::exception& e) {
    if (conn_.in_transaction()) sqlite3_exec(conn_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    fail_all(out, std::string("commit failed: ") + e.what());
    return false;
  }
  return true;
}

q::aio_results sqlite_store::process(q::aio_batch batch) {
  q::aio_results out;
  try {
    out.resize(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) out[i].id = batch[i].id;
    if (batch.empty()) return out;
    // Failures are rare: the batch first runs without savepoints; if any
    // submission fails, that transaction rolls back whole and the batch runs
    // again with one savepoint each, so the failure stays with its submission.
    try {
      run_batch(batch, out, /*isolated=*/false);
    } catch (const submission_failed&) {
      run_batch(batch, out, /*isolated=*/true);
    }
  } catch (const std::exception& e) {
    if (conn_.in_transaction()) sqlite3_exec(conn_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    fail_all(out, e.what());
  } catch (...) {
    if (conn_.in_transaction()) sqlite3_exec(conn_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    fail_all(out, "unknown error in sqlite store");
  }
  return out;
}

bool sqlite_store::fence_holds(const q::fence& f) {
  auto st = conn_.prepare(fence_check);
  st.bind_text(f.task_id).bind_int(f.task_counter);
  return st.step() && st.column_int(0) == 1;
}

q::store_result sqlite_store::run(const q::store_command& cmd) {
  return std::visit([this](const auto& c) { return run(c); }, cmd);
}

q::store_result sqlite_store::run(const q::read_promise_cmd& cmd) {
  auto st = conn_.prepare(select_promise);
  st.bind_text(cmd.id);
  q::query_promises_result r;
  if (st.step()) r.records.push_back(read_promise_row(st));
  return r;
}

q::store_result sqlite_store::run(const q::read_timedout_promises_cmd& cmd) {
  auto st = conn_.prepare(select_timedout);
  st.bind_int(cmd.time).bind_int(sql_limit(cmd.limit));
  return read_promise_rows(st);
}

q::store_result sqlite_store::run(const q::search_promises_cmd& cmd) {
  std::string sql = "SELECT " + std::string(promise_columns) +
                    " FROM promises WHERE id LIKE ? AND (state & ?) != 0";
  if (cmd.sort_id) sql += " AND sort_id < ?";
  bool cacheable = cmd.tags.size() <= max_cached_search_tags;
  for (const auto& [key, _] : cmd.tags) {
    if (key.find('"') == std::string::npos) {
      // The quoted path label keeps dots in keys literal.
      sql += " AND json_extract(tags, ?) = ?";
    } else {
      // A JSON path label cannot contain '"'; match such keys through json_each.
      sql += " AND EXISTS (SELECT 1 FROM json_each(promises.tags) AS t"
             " WHERE t.key = ? AND t.value = ?)";
      cacheable = false;
    }
  }
  sql += " ORDER BY sort_id DESC LIMIT ?";

  auto st = cacheable ? conn_.prepare(sql) : conn_.prepare_once(sql);
  st.bind_text(like_pattern(cmd.id)).bind_int(cmd.states);
  if (cmd.sort_id) st.bind_int(*cmd.sort_id);
  for (const auto& [key, val] : cmd.tags) {
    if (key.find('"') == std::string::npos) {
      st.bind_text("$.\"" + key + "\"");
    } else {
      st.bind_text(key);
    }
    st.bind_text(val);
  }
  st.bind_int(sql_limit(cmd.limit));
  return read_promise_rows(st);
}

q::store_result sqlite_store::run(const q::create_promise_cmd& cmd) {
  auto st = conn_.prepare(insert_promise);
  st.bind_text(cmd.id)
    .bind_text(encode_string_map(cmd.param.headers))
    .bind_blob(cmd.param.data)
    .bind_int(cmd.timeout)
    .bind_text(cmd.idempotency_key)
    .bind_text(encode_string_map(cmd.tags))
    .bind_int(cmd.created_on);
  st.run();
  return q::alter_result{conn_.changes()};
}

q::store_result sqlite_store::run(const q::update_promise_cmd& cmd) {
  auto st = conn_.prepare(update_promise);
  st.bind_int(static_cast<int64_t>(cmd.state))
    .bind_text(encode_string_map(cmd.val.headers))
    .bind_blob(cmd.val.data)
    .bind_text(cmd.idempotency_key)
    .bind_int(cmd.completed_on)
    .bind_text(cmd.id)
    .bind_int(cmd.timeout_after);
  st.run();
  return q::alter_result{conn_.changes()};
}

q::store_result sqlite_store::run(const q::ping_cmd&) {
  auto st = conn_.prepare("SELECT 1");
  st.run();
  return q::alter_result{0};
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
