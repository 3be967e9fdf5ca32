// The PostgreSQL store's task commands (REST v1 4.10) and the fence check (4.13).

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
   "SELECT DISTINCT ON (t.root_promise_id) " + columns +
     " FROM tasks AS t "
     "WHERE t.state = 1 AND t.expires_at <= $1 AND NOT EXISTS (SELECT 1 FROM tasks AS a "
     "WHERE a.root_promise_id = t.root_promise_id AND a.state IN (2, 4)) "
     "ORDER BY t.root_promise_id, t.sort_id LIMIT $2"},
  {"task_expired", "SELECT " + columns +
                     " FROM tasks WHERE state IN (2, 4) "
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
  // FOR SHARE: the task stays CLAIMED with this counter until the fenced
  // submission commits (a timeout or drop waits), and a change committed while
  // this waited is seen (the row is re-read after the wait).
  {"fence_check",
   "SELECT COUNT(*) FROM (SELECT 1 FROM tasks WHERE id = $1 AND counter = $2 "
   "AND state = 4 FOR SHARE) AS f"},
};

q::task_record read_task_row(const pg_result& r, int i) {
  q::task_record t;
  t.id = std::string(r.text(i, tcol_id));
  t.process_id = r.optional_text(i, tcol_process_id);
  t.state = task_state_from_db(r.int64(i, tcol_state));
  t.root_promise_id = std::string(r.text(i, tcol_root_promise_id));
  t.recv = r.bytes(i, tcol_recv);
  t.mesg = decode_message(r.bytes(i, tcol_mesg));
  t.timeout = r.int64(i, tcol_timeout);
  t.counter = r.int64(i, tcol_counter);
  t.attempt = r.int64(i, tcol_attempt);
  t.ttl = r.int64(i, tcol_ttl);
  t.expires_at = r.int64(i, tcol_expires_at);
  t.created_on = r.optional_int64(i, tcol_created_on);
  t.completed_on = r.optional_int64(i, tcol_completed_on);
  t.sort_id = r.int64(i, tcol_sort_id);
  return t;
}

q::store_result read_task_rows(const pg_result& r) {
  q::query_tasks_result out;
  out.records.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.records.push_back(read_task_row(r, i));
  return out;
}

q::store_result altered(const pg_result& r) {
  return q::alter_result{r.affected_rows()};
}

}  // namespace

std::span<const prepared_statement> task_statements() {
  return statements;
}

pg_call call_of(const q::read_task_cmd& cmd) {
  auto c = prepared("task_read");
  c.params.add(cmd.id);
  return c;
}

pg_call call_of(const q::read_enqueueable_tasks_cmd& cmd) {
  auto c = prepared("task_enqueueable");
  c.params.add(cmd.time).add(sql_limit(cmd.limit));
  return c;
}

pg_call call_of(const q::read_expired_tasks_cmd& cmd) {
  auto c = prepared("task_expired");
  c.params.add(cmd.time).add(sql_limit(cmd.limit));
  return c;
}

void add_task_row_params(pg_params& p, const q::task_record& t) {
  p.add(t.id)
    .add(t.process_id)
    .add(static_cast<int64_t>(t.state))
    .add(t.root_promise_id)
    .add_bytes(t.recv)
    .add_bytes(encode_message(t.mesg))
    .add(t.timeout)
    .add(t.counter)
    .add(t.attempt)
    .add(t.ttl)
    .add(t.expires_at)
    .add(t.created_on)
    .add(t.completed_on);
}

pg_call call_of(const q::create_task_cmd& cmd) {
  auto c = prepared("task_create");
  add_task_row_params(c.params, cmd.task);
  return c;
}

pg_call call_of(const q::update_task_cmd& cmd) {
  auto c = prepared("task_update");
  c.params.add(cmd.id)
    .add(cmd.process_id)
    .add(static_cast<int64_t>(cmd.state))
    .add(cmd.counter)
    .add(cmd.attempt)
    .add(cmd.ttl)
    .add(cmd.expires_at)
    .add(cmd.completed_on)
    .add(static_cast<int64_t>(cmd.current_states))
    .add(cmd.current_counter);
  return c;
}

pg_call call_of(const q::heartbeat_tasks_cmd& cmd) {
  auto c = prepared("task_heartbeat");
  c.params.add(cmd.process_id).add(ttl_headroom(cmd.time)).add(cmd.time);
  return c;
}

q::store_result result_of(const q::read_task_cmd&, const pg_result& r) {
  return read_task_rows(r);
}
q::store_result result_of(const q::read_enqueueable_tasks_cmd&, const pg_result& r) {
  return read_task_rows(r);
}
q::store_result result_of(const q::read_expired_tasks_cmd&, const pg_result& r) {
  return read_task_rows(r);
}
q::store_result result_of(const q::create_task_cmd&, const pg_result& r) {
  return altered(r);
}
q::store_result result_of(const q::update_task_cmd&, const pg_result& r) {
  return altered(r);
}
q::store_result result_of(const q::heartbeat_tasks_cmd&, const pg_result& r) {
  return altered(r);
}

pg_call fence_call(const q::fence& f) {
  auto c = prepared("fence_check");
  c.params.add(f.task_id).add(f.task_counter);
  return c;
}

bool fence_result(const pg_result& r) {
  return !r.empty() && r.int64(0, 0) == 1;
}

}  // namespace resonate::aio_adapters::store::postgres_dialect
