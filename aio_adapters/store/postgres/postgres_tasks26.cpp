// The PostgreSQL store's commands on protocol 2026-04-01's tasks: read one,
// read a branch (preload), the guarded write of the typed task operations
// (kernel/coroutines/task26.cpp) and the registrations (callbacks,
// listeners), each one statement.
//
// The write is a guarded UPDATE: under READ COMMITTED it waits for a
// concurrent writer of the row and then re-checks `state` and `version` on
// the row as that writer left it, so of two operations that read the same
// version only one takes effect. The background pass's write also re-checks
// that the timer it found due still is (timer_due_by): a heartbeat that
// renewed the lease meanwhile keeps the version, and wins. The promises a suspend awaits are locked
// by the batch first (batch_lock_calls, in id order), so the statement's check that they are
// pending sees every settlement committed before, and none can commit after it without finding the
// callbacks.

#include "aio_adapters/store/postgres/postgres_commands.hpp"
#include "aio_adapters/store/sql_common.hpp"
#include "codecs/json_writer.hpp"

namespace resonate::aio_adapters::store::postgres_dialect {

namespace {

const std::string select_tasks =
  "SELECT id, state, version, address, pid, ttl, resumes, timer_type, timer_at FROM tasks26 ";

const std::string awaited_ids = "jsonb_array_elements_text($11::jsonb) AS a(id)";

const prepared_statement statements[] = {
  {"task26_read", select_tasks + "WHERE id = $1"},
  // task.search: keyset paging on the primary key, as the promise search.
  {"task26_search",
   select_tasks + "WHERE id > $1 AND ($2::bigint IS NULL OR state = $2) ORDER BY id LIMIT $3"},
  // Without a branch given, the branch is that of the promise left out, as
  // its tags have it (the preload of a task.acquire that read nothing before).
  {"task26_branch",
   "SELECT " + std::string(promise_columns) +
     " FROM promises WHERE id IN (SELECT id FROM branches26 WHERE branch = COALESCE($1::text, "
     "(SELECT tags->>'resonate:branch' FROM promises WHERE id = $2)) AND id <> $2) ORDER BY id"},
  {"task26_write",
   "WITH w AS (UPDATE tasks26 SET state = $2, version = $3, pid = $4, ttl = $5, resumes = $6, "
   "timer_type = $7, timer_at = $8 WHERE id = $1 AND state = $9 AND version = $10 "
   "AND ($14::bigint IS NULL OR EXISTS (SELECT 1 FROM promises AS own WHERE own.id = $1 "
   "AND own.state = 1 AND own.timeout > $14)) "
   "AND ($15::bigint IS NULL OR (timer_at IS NOT NULL AND timer_at <= $15)) "
   "AND NOT EXISTS (SELECT 1 FROM " +
     awaited_ids +
     " WHERE NOT EXISTS (SELECT 1 FROM promises AS p WHERE p.id = a.id AND p.state = 1)) "
     "RETURNING id, version, address), "
     "cb AS (INSERT INTO callbacks26 (awaited, awaiter) SELECT a.id, w.id FROM w, " +
     awaited_ids +
     " ON CONFLICT DO NOTHING RETURNING 1), "
     "ex AS (INSERT INTO outbox_execute26 (id, version, address) SELECT id, version, address "
     "FROM w WHERE $12::boolean ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
     "address = excluded.address RETURNING 1), "
     "dx AS (DELETE FROM outbox_execute26 WHERE id = $1 AND $13::boolean "
     "AND EXISTS (SELECT 1 FROM w) RETURNING 1) "
     "SELECT count(*) FROM w"},
  // The registrations: only while the promises they name are pending (the
  // batch locked them first: batch_lock_calls).
  {"register26_callback",
   "INSERT INTO callbacks26 (awaited, awaiter) SELECT $1::text, $2::text "
   "WHERE EXISTS (SELECT 1 FROM promises WHERE id = $1 AND state = 1) "
   "AND EXISTS (SELECT 1 FROM promises WHERE id = $2 AND state = 1) ON CONFLICT DO NOTHING"},
  {"register26_listener",
   "INSERT INTO listeners26 (promise_id, address) SELECT $1::text, $2::text "
   "WHERE EXISTS (SELECT 1 FROM promises WHERE id = $1 AND state = 1) ON CONFLICT DO NOTHING"},
};

std::string json_array(const std::vector<std::string>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    codecs::json_append_string(out, ids[i]);
  }
  out += ']';
  return out;
}

}  // namespace

std::span<const prepared_statement> task26_statements() {
  return statements;
}

pg_call call_of(const q::read_task26_cmd& cmd) {
  auto c = prepared("task26_read");
  c.params.add(cmd.id);
  return c;
}

pg_call call_of(const q::search_tasks26_cmd& cmd) {
  auto c = prepared("task26_search");
  c.params.add(cmd.after_id)
    .add(cmd.state ? std::optional<int64_t>(static_cast<int64_t>(*cmd.state)) : std::nullopt)
    .add(cmd.limit);
  return c;
}

pg_call call_of(const q::read_branch26_cmd& cmd) {
  auto c = prepared("task26_branch");
  c.params.add(cmd.branch).add(cmd.except_id);
  return c;
}

pg_call call_of(const q::write_task26_cmd& cmd) {
  const auto& t = cmd.task;
  auto c = prepared("task26_write");
  c.params.add(t.id)
    .add(static_cast<int64_t>(t.state))
    .add(t.version)
    .add(t.pid)
    .add(t.ttl)
    .add(t.resumes)
    .add(t.timer ? std::optional<int64_t>(static_cast<int64_t>(*t.timer)) : std::nullopt)
    .add(t.timer_at)
    .add(static_cast<int64_t>(cmd.current_state))
    .add(cmd.current_version)
    .add(json_array(cmd.awaited))
    .add(cmd.send_execute)
    .add(cmd.drop_execute)
    .add(cmd.promise_due_after)
    .add(cmd.timer_due_by);
  return c;
}

pg_call call_of(const q::register26_cmd& cmd) {
  auto c = prepared(cmd.awaiter ? "register26_callback" : "register26_listener");
  c.params.add(cmd.awaited).add(cmd.awaiter ? *cmd.awaiter : cmd.address);
  return c;
}

q::store_result result_of(const q::search_tasks26_cmd&, const pg_result& r) {
  return result_of(q::read_task26_cmd{}, r);
}

q::store_result result_of(const q::read_task26_cmd&, const pg_result& r) {
  q::query_tasks26_result out;
  for (int i = 0; i < r.rows(); ++i) {
    q::task26_record t;
    t.id = std::string(r.text(i, 0));
    t.state = static_cast<q::task26_state>(r.int64(i, 1));
    t.version = r.int64(i, 2);
    t.address = std::string(r.text(i, 3));
    t.pid = r.optional_text(i, 4);
    t.ttl = r.optional_int64(i, 5);
    t.resumes = r.int64(i, 6);
    if (auto type = r.optional_int64(i, 7)) t.timer = static_cast<q::task26_timer>(*type);
    t.timer_at = r.optional_int64(i, 8);
    out.records.push_back(std::move(t));
  }
  return out;
}

q::store_result result_of(const q::read_branch26_cmd&, const pg_result& r) {
  return read_promise_rows(r);
}

q::store_result result_of(const q::write_task26_cmd&, const pg_result& r) {
  return q::alter_result{r.int64(0, 0)};
}

q::store_result result_of(const q::register26_cmd&, const pg_result& r) {
  return q::alter_result{r.affected_rows()};
}

}  // namespace resonate::aio_adapters::store::postgres_dialect
