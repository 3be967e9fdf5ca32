// The PostgreSQL store's promise commands. A write with read_back and the
// completion transaction of REST v1 4.4 are each one statement: a
// data-modifying CTE whose result is the row after the write (or the row as
// it is, when the write did not take effect).

#include "aio_adapters/store/postgres/postgres_commands.hpp"
#include "aio_adapters/store/sql_common.hpp"
#include "aio_adapters/store/string_map_json.hpp"

namespace resonate::aio_adapters::store::postgres_dialect {

namespace {

const std::string columns(promise_columns);

// Rows of a write statement: the promise columns, then `written` (1 if the
// write took effect) and `tasks` (tasks created). The second branch gives the
// row as it is when the write did not take effect, only if read back ($rb);
// it sees the row as of the statement's start, which the coroutines already
// treat as "look again" if another connection changed it meanwhile.
std::string write_result(const std::string& read_back_param, const std::string& tasks_expr) {
  return "SELECT " + columns + ", 1::bigint, " + tasks_expr + " FROM w UNION ALL SELECT " +
         columns + ", 0, 0 FROM promises WHERE " + read_back_param +
         "::boolean AND id = $1 AND NOT EXISTS (SELECT 1 FROM w)";
}

const std::string insert_promise =
  "w AS (INSERT INTO promises (id, state, param_headers, param_data, timeout, "
  "idempotency_key_for_create, tags, created_on) "
  "VALUES ($1, 1, $2::jsonb, $3, $4, $5, $6::jsonb, $7) ON CONFLICT (id) DO NOTHING "
  "RETURNING " + columns + ")";

const prepared_statement statements[] = {
  {"promise_read", "SELECT " + columns + " FROM promises WHERE id = $1"},
  {"promise_timedout", "SELECT " + columns +
                         " FROM promises WHERE state = 1 AND timeout <= $1"
                         " ORDER BY timeout, sort_id LIMIT $2"},
  {"promise_create", "WITH " + insert_promise + " " + write_result("$8", "0::bigint")},
  // The task goes in only if the promise row did (CreatePromiseAndTask).
  {"promise_create_task",
   "WITH " + insert_promise + ", t AS (INSERT INTO tasks (id, process_id, state, "
   "root_promise_id, recv, mesg, timeout, counter, attempt, ttl, expires_at, created_on, "
   "completed_on) SELECT $9::text, $10::text, $11::integer, $12::text, $13::bytea, $14::bytea, "
   "$15::bigint, $16::integer, $17::integer, $18::bigint, $19::bigint, $20::bigint, $21::bigint "
   "WHERE EXISTS (SELECT 1 FROM w) ON CONFLICT (id) DO NOTHING RETURNING 1) " +
     write_result("$8", "(SELECT count(*) FROM t)")},
  // The completion transaction: the guarded update; only if it took effect
  // (EXISTS w), the root's open tasks complete, the callbacks move into new
  // INIT tasks (column defaults: counter 1, attempt 0, ttl 0, expires_at 0).
  // All parts see the same snapshot, so `c` does not complete the tasks `n`
  // creates. No ON CONFLICT on `n`: a task with a callback's id means a bug.
  {"promise_update",
   "WITH w AS (UPDATE promises SET state = $2, value_headers = $3::jsonb, value_data = $4, "
   "idempotency_key_for_complete = $5, completed_on = $6 "
   "WHERE id = $1 AND state = 1 AND timeout > $7 RETURNING " + columns + "), "
   "c AS (UPDATE tasks SET state = 8, completed_on = $8 WHERE root_promise_id = $1 "
   "AND state IN (1, 2, 4) AND EXISTS (SELECT 1 FROM w) RETURNING 1), "
   "d AS (DELETE FROM callbacks WHERE promise_id = $1 AND EXISTS (SELECT 1 FROM w) "
   "RETURNING id, recv, mesg, timeout, root_promise_id), "
   "n AS (INSERT INTO tasks (id, recv, mesg, timeout, root_promise_id, created_on) "
   "SELECT id, recv, mesg, timeout, root_promise_id, $8 FROM d ORDER BY id RETURNING 1) " +
     write_result("$9", "(SELECT count(*) FROM n)")},
  {"ping", "SELECT 1"},
};

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

// The result of a write statement (see write_result).
q::promise_write_result write_outcome(const pqxx::result& rows, bool read_back) {
  q::promise_write_result r;
  if (rows.empty()) return r;
  const auto& row = rows[0];
  r.rows_affected = row[promise_column_count].as<int64_t>();
  r.tasks_created = row[promise_column_count + 1].as<int64_t>();
  if (read_back) r.row = read_promise_row(row);
  return r;
}

}  // namespace

std::span<const prepared_statement> promise_statements() { return statements; }

q::store_result run(pqxx::transaction_base& tx, const q::read_promise_cmd& cmd) {
  q::query_promises_result r;
  for (const auto& row : tx.exec_prepared("promise_read", cmd.id)) {
    r.records.push_back(read_promise_row(row));
  }
  return r;
}

q::store_result run(pqxx::transaction_base& tx, const q::read_timedout_promises_cmd& cmd) {
  return read_promise_rows(tx.exec_prepared("promise_timedout", cmd.time, sql_limit(cmd.limit)));
}

q::store_result run(pqxx::transaction_base& tx, const q::search_promises_cmd& cmd) {
  // exec_params (an unnamed statement) rather than a named one: the planner
  // then sees the pattern and can use the prefix index for `id LIKE 'p%'`.
  std::string sql =
    "SELECT " + columns + " FROM promises WHERE id LIKE $1 ESCAPE '' AND (state & $2) <> 0";
  auto pattern = like_pattern(cmd.id);
  auto states = static_cast<int>(cmd.states);
  auto limit = sql_limit(cmd.limit);
  const char* order = " ORDER BY sort_id DESC LIMIT ";
  if (cmd.tags.empty() && !cmd.sort_id) {
    sql += order + std::string("$3");
    return read_promise_rows(tx.exec_params(sql, pattern, states, limit));
  }
  if (cmd.tags.empty()) {
    sql += " AND sort_id < $3" + (order + std::string("$4"));
    return read_promise_rows(tx.exec_params(sql, pattern, states, *cmd.sort_id, limit));
  }
  auto tags = encode_string_map(cmd.tags);
  if (!cmd.sort_id) {
    sql += " AND tags @> $3::jsonb" + (order + std::string("$4"));
    return read_promise_rows(tx.exec_params(sql, pattern, states, tags, limit));
  }
  sql += " AND tags @> $3::jsonb AND sort_id < $4" + (order + std::string("$5"));
  return read_promise_rows(tx.exec_params(sql, pattern, states, tags, *cmd.sort_id, limit));
}

q::store_result run(pqxx::transaction_base& tx, const q::create_promise_cmd& cmd) {
  auto data = bytes_param(cmd.param.data);
  auto headers = encode_string_map(cmd.param.headers);
  auto tags = encode_string_map(cmd.tags);
  if (!cmd.task) {
    return write_outcome(tx.exec_prepared("promise_create", cmd.id, headers, data, cmd.timeout,
                                          cmd.idempotency_key, tags, cmd.created_on,
                                          cmd.read_back),
                         cmd.read_back);
  }
  const auto& t = cmd.task->task;
  auto recv = bytes_param(t.recv);
  auto mesg_text = encode_message(t.mesg);
  auto mesg = bytes_param(mesg_text);
  return write_outcome(
    tx.exec_prepared("promise_create_task", cmd.id, headers, data, cmd.timeout,
                     cmd.idempotency_key, tags, cmd.created_on, cmd.read_back, t.id,
                     t.process_id, static_cast<int>(t.state), t.root_promise_id, recv, mesg,
                     t.timeout, t.counter, t.attempt, t.ttl, t.expires_at, t.created_on,
                     t.completed_on),
    cmd.read_back);
}

q::store_result run(pqxx::transaction_base& tx, const q::update_promise_cmd& cmd) {
  auto data = bytes_param(cmd.val.data);
  return write_outcome(tx.exec_prepared("promise_update", cmd.id, static_cast<int>(cmd.state),
                                        encode_string_map(cmd.val.headers), data,
                                        cmd.idempotency_key, cmd.completed_on, cmd.timeout_after,
                                        cmd.now, cmd.read_back),
                       cmd.read_back);
}

q::store_result run(pqxx::transaction_base& tx, const q::ping_cmd&) {
  tx.exec_prepared("ping");
  return q::alter_result{0};
}

}  // namespace resonate::aio_adapters::store::postgres_dialect
