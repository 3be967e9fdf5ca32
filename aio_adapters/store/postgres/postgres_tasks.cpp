// The PostgreSQL store's task commands (REST v1 4.10) and the fence check (4.13).

#include <limits>

#include "aio_adapters/store/postgres/postgres_commands.hpp"
#include "aio_adapters/store/sql_common.hpp"
#include "aio_adapters/store/string_map_json.hpp"

namespace resonate::aio_adapters::store::postgres_dialect {

namespace {

const std::string columns(task_columns);

const prepared_statement statements[] = {
  {"task_read", "SELECT " + columns + " FROM tasks WHERE id = $1"},
  // INIT tasks due by $1 whose root has nothing ENQUEUED or CLAIMED; of those,
  // the oldest per root.
  {"task_enqueueable",
   "SELECT DISTINCT ON (t.root_promise_id) " + columns + " FROM tasks AS t "
   "WHERE t.state = 1 AND t.expires_at <= $1 AND NOT EXISTS (SELECT 1 FROM tasks AS a "
   "WHERE a.root_promise_id = t.root_promise_id AND a.state IN (2, 4)) "
   "ORDER BY t.root_promise_id, t.sort_id LIMIT $2"},
  {"task_expired", "SELECT " + columns + " FROM tasks WHERE state IN (2, 4) "
                   "AND ((expires_at <> 0 AND expires_at <= $1) OR timeout <= $1) "
                   "ORDER BY root_promise_id, sort_id LIMIT $2"},
  {"task_create",
   "INSERT INTO tasks (id, process_id, state, root_promise_id, recv, mesg, timeout, counter, "
   "attempt, ttl, expires_at, created_on, completed_on) "
   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING"},
  {"task_update",
   "UPDATE tasks SET process_id = $2, state = $3, counter = $4, attempt = $5, ttl = $6, "
   "expires_at = $7, completed_on = $8 WHERE id = $1 AND (state & $9) <> 0 AND counter = $10"},
  {"task_heartbeat",
   "UPDATE tasks SET expires_at = CASE WHEN ttl > $2 THEN 9223372036854775807 "
   "ELSE $3::bigint + ttl END WHERE process_id = $1 AND state = 4"},
  {"fence_check", "SELECT COUNT(*) FROM tasks WHERE id = $1 AND counter = $2 AND state = 4"},
};

q::task_record read_task_row(const pqxx::row& row) {
  q::task_record t;
  t.id = text_of(row[tcol_id]);
  t.process_id = optional_text_of(row[tcol_process_id]);
  t.state = task_state_from_db(row[tcol_state].as<int64_t>());
  t.root_promise_id = text_of(row[tcol_root_promise_id]);
  t.recv = bytes_of(row[tcol_recv]);
  t.mesg = decode_message(bytes_of(row[tcol_mesg]));
  t.timeout = row[tcol_timeout].as<int64_t>();
  t.counter = row[tcol_counter].as<int64_t>();
  t.attempt = row[tcol_attempt].as<int64_t>();
  t.ttl = row[tcol_ttl].as<int64_t>();
  t.expires_at = row[tcol_expires_at].as<int64_t>();
  t.created_on = optional_int_of(row[tcol_created_on]);
  t.completed_on = optional_int_of(row[tcol_completed_on]);
  t.sort_id = row[tcol_sort_id].as<int64_t>();
  return t;
}

q::query_tasks_result read_task_rows(const pqxx::result& rows) {
  q::query_tasks_result r;
  r.records.reserve(rows.size());
  for (const auto& row : rows) r.records.push_back(read_task_row(row));
  return r;
}

q::alter_result altered(const pqxx::result& r) {
  return q::alter_result{static_cast<int64_t>(r.affected_rows())};
}

}  // namespace

std::span<const prepared_statement> task_statements() { return statements; }

q::store_result run(pqxx::transaction_base& tx, const q::read_task_cmd& cmd) {
  return read_task_rows(tx.exec_prepared("task_read", cmd.id));
}

q::store_result run(pqxx::transaction_base& tx, const q::read_enqueueable_tasks_cmd& cmd) {
  return read_task_rows(tx.exec_prepared("task_enqueueable", cmd.time, sql_limit(cmd.limit)));
}

q::store_result run(pqxx::transaction_base& tx, const q::read_expired_tasks_cmd& cmd) {
  return read_task_rows(tx.exec_prepared("task_expired", cmd.time, sql_limit(cmd.limit)));
}

q::store_result run(pqxx::transaction_base& tx, const q::create_task_cmd& cmd) {
  const auto& t = cmd.task;
  auto recv = bytes_param(t.recv);
  auto mesg_text = encode_message(t.mesg);
  auto mesg = bytes_param(mesg_text);
  return altered(tx.exec_prepared("task_create", t.id, t.process_id, static_cast<int>(t.state),
                                  t.root_promise_id, recv, mesg, t.timeout, t.counter, t.attempt,
                                  t.ttl, t.expires_at, t.created_on, t.completed_on));
}

q::store_result run(pqxx::transaction_base& tx, const q::update_task_cmd& cmd) {
  return altered(tx.exec_prepared("task_update", cmd.id, cmd.process_id,
                                  static_cast<int>(cmd.state), cmd.counter, cmd.attempt, cmd.ttl,
                                  cmd.expires_at, cmd.completed_on,
                                  static_cast<int>(cmd.current_states), cmd.current_counter));
}

q::store_result run(pqxx::transaction_base& tx, const q::heartbeat_tasks_cmd& cmd) {
  return altered(
    tx.exec_prepared("task_heartbeat", cmd.process_id, ttl_headroom(cmd.time), cmd.time));
}

bool fence_holds(pqxx::transaction_base& tx, const q::fence& f) {
  auto r = tx.exec_prepared1("fence_check", f.task_id, f.task_counter);
  return r[0].as<int64_t>() == 1;
}

}  // namespace resonate::aio_adapters::store::postgres_dialect
