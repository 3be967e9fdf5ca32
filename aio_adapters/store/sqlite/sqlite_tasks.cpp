// The SQLite store's task commands (REST v1 4.10) and the fence check (4.13).

#include <limits>

#include "aio_adapters/store/sql_common.hpp"
#include "aio_adapters/store/sqlite/sqlite_commands.hpp"
#include "aio_adapters/store/string_map_json.hpp"

namespace resonate::aio_adapters::store::sqlite_dialect {

namespace {

const std::string columns(task_columns);

const std::string select_task = "SELECT " + columns + " FROM tasks WHERE id = ?";
// INIT tasks due by ?1 whose root has nothing ENQUEUED or CLAIMED; of those,
// the oldest per root.
const std::string select_enqueueable =
  "SELECT " + columns + " FROM tasks AS t WHERE t.state = 1 AND t.expires_at <= ?1"
  " AND NOT EXISTS (SELECT 1 FROM tasks AS a WHERE a.root_promise_id = t.root_promise_id"
  " AND a.state IN (2, 4))"
  " AND t.sort_id = (SELECT MIN(b.sort_id) FROM tasks AS b"
  " WHERE b.root_promise_id = t.root_promise_id AND b.state = 1 AND b.expires_at <= ?1)"
  " ORDER BY t.root_promise_id LIMIT ?2";
const std::string select_expired =
  "SELECT " + columns + " FROM tasks WHERE state IN (2, 4)"
  " AND ((expires_at != 0 AND expires_at <= ?1) OR timeout <= ?1)"
  " ORDER BY root_promise_id, sort_id LIMIT ?2";
const std::string insert_task_sql =
  "INSERT INTO tasks (id, process_id, state, root_promise_id, recv, mesg, timeout, counter, "
  "attempt, ttl, expires_at, created_on, completed_on) "
  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING";
const std::string update_task =
  "UPDATE tasks SET process_id = ?, state = ?, counter = ?, attempt = ?, ttl = ?, "
  "expires_at = ?, completed_on = ? WHERE id = ? AND (state & ?) != 0 AND counter = ?";
const std::string heartbeat =
  "UPDATE tasks SET expires_at = CASE WHEN ttl > ?1 THEN ?2 ELSE ?3 + ttl END"
  " WHERE process_id = ?4 AND state = 4";
const std::string active_of_root =
  "SELECT EXISTS (SELECT 1 FROM tasks WHERE root_promise_id = ? AND state IN (2, 4))";
const std::string complete_of_root =
  "UPDATE tasks SET state = 8, completed_on = ? WHERE root_promise_id = ? AND state IN (1, 2, 4)";
const std::string fence_check =
  "SELECT COUNT(*) FROM tasks WHERE id = ? AND counter = ? AND state = 4";

q::task_record read_task_row(const sqlite_statement& st) {
  q::task_record t;
  t.id = st.column_text(tcol_id);
  t.process_id = st.column_optional_text(tcol_process_id);
  t.state = task_state_from_db(st.column_int(tcol_state));
  t.root_promise_id = st.column_text(tcol_root_promise_id);
  t.recv = st.column_blob(tcol_recv);
  t.mesg = decode_message(st.column_blob(tcol_mesg));
  t.timeout = st.column_int(tcol_timeout);
  t.counter = st.column_int(tcol_counter);
  t.attempt = st.column_int(tcol_attempt);
  t.ttl = st.column_int(tcol_ttl);
  t.expires_at = st.column_int(tcol_expires_at);
  t.created_on = st.column_optional_int(tcol_created_on);
  t.completed_on = st.column_optional_int(tcol_completed_on);
  t.sort_id = st.column_int(tcol_sort_id);
  return t;
}

q::query_tasks_result read_task_rows(sqlite_statement& st) {
  q::query_tasks_result r;
  while (st.step()) r.records.push_back(read_task_row(st));
  return r;
}

}  // namespace

q::store_result run(sqlite_connection& c, const q::read_task_cmd& cmd) {
  auto st = c.prepare(select_task);
  st.bind_text(cmd.id);
  return read_task_rows(st);
}

q::store_result run(sqlite_connection& c, const q::read_enqueueable_tasks_cmd& cmd) {
  auto st = c.prepare(select_enqueueable);
  st.bind_int(cmd.time).bind_int(sql_limit(cmd.limit));
  return read_task_rows(st);
}

q::store_result run(sqlite_connection& c, const q::read_expired_tasks_cmd& cmd) {
  auto st = c.prepare(select_expired);
  st.bind_int(cmd.time).bind_int(sql_limit(cmd.limit));
  return read_task_rows(st);
}

q::store_result run(sqlite_connection& c, const q::create_task_cmd& cmd) {
  return q::alter_result{insert_task(c, cmd.task)};
}

q::store_result run(sqlite_connection& c, const q::update_task_cmd& cmd) {
  auto st = c.prepare(update_task);
  st.bind_text(cmd.process_id)
    .bind_int(static_cast<int64_t>(cmd.state))
    .bind_int(cmd.counter)
    .bind_int(cmd.attempt)
    .bind_int(cmd.ttl)
    .bind_int(cmd.expires_at);
  st.bind_int(cmd.completed_on);
  st.bind_text(cmd.id).bind_int(cmd.current_states).bind_int(cmd.current_counter);
  st.run();
  return q::alter_result{c.changes()};
}

q::store_result run(sqlite_connection& c, const q::heartbeat_tasks_cmd& cmd) {
  auto st = c.prepare(heartbeat);
  st.bind_int(ttl_headroom(cmd.time))
    .bind_int(std::numeric_limits<int64_t>::max())
    .bind_int(cmd.time)
    .bind_text(cmd.process_id);
  st.run();
  return q::alter_result{c.changes()};
}

bool fence_holds(sqlite_connection& c, const q::fence& f) {
  auto st = c.prepare(fence_check);
  st.bind_text(f.task_id).bind_int(f.task_counter);
  return st.step() && st.column_int(0) == 1;
}

bool root_has_active_task(sqlite_connection& c, const std::string& root_promise_id) {
  auto st = c.prepare(active_of_root);
  st.bind_text(root_promise_id);
  return st.step() && st.column_int(0) == 1;
}

int64_t insert_task(sqlite_connection& c, const q::task_record& t) {
  auto st = c.prepare(insert_task_sql);
  st.bind_text(t.id)
    .bind_text(t.process_id)
    .bind_int(static_cast<int64_t>(t.state))
    .bind_text(t.root_promise_id)
    .bind_blob(t.recv)
    .bind_blob(encode_message(t.mesg))
    .bind_int(t.timeout)
    .bind_int(t.counter)
    .bind_int(t.attempt)
    .bind_int(t.ttl)
    .bind_int(t.expires_at);
  st.bind_int(t.created_on);
  st.bind_int(t.completed_on);
  st.run();
  return c.changes();
}

int64_t complete_tasks_of_root(sqlite_connection& c, const std::string& root, int64_t now) {
  auto st = c.prepare(complete_of_root);
  st.bind_int(now).bind_text(root);
  st.run();
  return c.changes();
}

}  // namespace resonate::aio_adapters::store::sqlite_dialect
