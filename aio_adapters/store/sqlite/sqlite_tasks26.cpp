// The SQLite store's commands on protocol 2026-04-01's tasks: read one, read
// a branch (preload), the guarded write of the typed task operations
// (kernel/coroutines/task26.cpp) and the registrations (callbacks, listeners). The store's one
// connection writes in BEGIN IMMEDIATE transactions, so the guard read and the write that follows
// it see the same rows. The background pass's write holds only while the timer it found due still
// is (timer_due_by): a heartbeat that renewed the lease keeps the version, and wins.

#include "aio_adapters/store/sql_common.hpp"
#include "aio_adapters/store/sqlite/sqlite_commands.hpp"

namespace resonate::aio_adapters::store::sqlite_dialect {

namespace {

const std::string select_tasks =
  "SELECT id, state, version, address, pid, ttl, resumes, timer_type, timer_at FROM tasks26 ";
const std::string select_task = select_tasks + "WHERE id = ?";
// task.search: keyset paging on the primary key, as the promise search.
const std::string search_tasks =
  select_tasks + "WHERE id > ?1 AND (?2 IS NULL OR state = ?2) ORDER BY id LIMIT ?3";

// Without a branch given, the branch is that of the promise left out, as
// its tags have it (the preload of a task.acquire that read nothing before).
const std::string select_branch =
  "SELECT " + std::string(promise_columns) +
  " FROM promises WHERE id IN (SELECT id FROM branches26 WHERE branch = COALESCE(?1, "
  "(SELECT json_extract(tags, '$.\"resonate:branch\"') FROM promises WHERE id = ?2)) "
  "AND id <> ?2) ORDER BY id";

// The registrations: only while the promises they name are pending.
const std::string register_callback =
  "INSERT INTO callbacks26 (awaited, awaiter) SELECT ?1, ?2 "
  "WHERE EXISTS (SELECT 1 FROM promises WHERE id = ?1 AND state = 1) "
  "AND EXISTS (SELECT 1 FROM promises WHERE id = ?2 AND state = 1) ON CONFLICT DO NOTHING";
const std::string register_listener =
  "INSERT INTO listeners26 (promise_id, address) SELECT ?1, ?2 "
  "WHERE EXISTS (SELECT 1 FROM promises WHERE id = ?1 AND state = 1) ON CONFLICT DO NOTHING";

q::task26_record read_task_row(const sqlite_statement& st) {
  q::task26_record t;
  t.id = st.column_text(0);
  t.state = static_cast<q::task26_state>(st.column_int(1));
  t.version = st.column_int(2);
  t.address = st.column_text(3);
  t.pid = st.column_optional_text(4);
  t.ttl = st.column_optional_int(5);
  t.resumes = st.column_int(6);
  if (auto type = st.column_optional_int(7)) t.timer = static_cast<q::task26_timer>(*type);
  t.timer_at = st.column_optional_int(8);
  return t;
}

bool every_pending(sqlite_connection& c, const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    auto st = c.prepare("SELECT 1 FROM promises WHERE id = ? AND state = 1");
    st.bind_text(id);
    if (!st.step()) return false;
  }
  return true;
}

}  // namespace

q::store_result run(sqlite_connection& c, const q::read_task26_cmd& cmd) {
  auto st = c.prepare(select_task);
  st.bind_text(cmd.id);
  q::query_tasks26_result r;
  while (st.step()) r.records.push_back(read_task_row(st));
  return r;
}

q::store_result run(sqlite_connection& c, const q::search_tasks26_cmd& cmd) {
  auto st = c.prepare(search_tasks);
  st.bind_text(cmd.after_id)
    .bind_int(cmd.state ? std::optional<int64_t>(static_cast<int64_t>(*cmd.state)) : std::nullopt)
    .bind_int(cmd.limit);
  q::query_tasks26_result r;
  while (st.step()) r.records.push_back(read_task_row(st));
  return r;
}

q::store_result run(sqlite_connection& c, const q::read_branch26_cmd& cmd) {
  auto st = c.prepare(select_branch);
  st.bind_text(cmd.branch).bind_text(cmd.except_id);
  return read_promise_rows(st);
}

q::store_result run(sqlite_connection& c, const q::write_task26_cmd& cmd) {
  if (!every_pending(c, cmd.awaited)) return q::alter_result{0};
  const auto& t = cmd.task;
  {
    auto st = c.prepare(
      "UPDATE tasks26 SET state = ?, version = ?, pid = ?, ttl = ?, resumes = ?, timer_type = ?, "
      "timer_at = ? WHERE id = ?8 AND state = ? AND version = ? AND (?11 IS NULL OR EXISTS "
      "(SELECT 1 FROM promises WHERE id = ?8 AND state = 1 AND timeout > ?11)) "
      "AND (?12 IS NULL OR (timer_at IS NOT NULL AND timer_at <= ?12))");
    st.bind_int(static_cast<int64_t>(t.state))
      .bind_int(t.version)
      .bind_text(t.pid)
      .bind_int(t.ttl)
      .bind_int(t.resumes)
      .bind_int(t.timer ? std::optional<int64_t>(static_cast<int64_t>(*t.timer)) : std::nullopt)
      .bind_int(t.timer_at)
      .bind_text(t.id)
      .bind_int(static_cast<int64_t>(cmd.current_state))
      .bind_int(cmd.current_version)
      .bind_int(cmd.promise_due_after)
      .bind_int(cmd.timer_due_by);
    st.run();
    if (c.changes() == 0) return q::alter_result{0};
  }
  for (const auto& awaited : cmd.awaited) {
    auto st =
      c.prepare("INSERT INTO callbacks26 (awaited, awaiter) VALUES (?, ?) ON CONFLICT DO NOTHING");
    st.bind_text(awaited).bind_text(t.id);
    st.run();
  }
  if (cmd.send_execute) {
    auto st = c.prepare(
      "INSERT INTO outbox_execute26 (id, version, address) SELECT id, version, address "
      "FROM tasks26 WHERE id = ? "
      "ON CONFLICT (id) DO UPDATE SET version = excluded.version, address = excluded.address");
    st.bind_text(t.id);
    st.run();
  } else if (cmd.drop_execute) {
    auto st = c.prepare("DELETE FROM outbox_execute26 WHERE id = ?");
    st.bind_text(t.id);
    st.run();
  }
  return q::alter_result{1};
}

q::store_result run(sqlite_connection& c, const q::register26_cmd& cmd) {
  auto st = c.prepare(cmd.awaiter ? register_callback : register_listener);
  st.bind_text(cmd.awaited).bind_text(cmd.awaiter ? *cmd.awaiter : cmd.address);
  st.run();
  return q::alter_result{c.changes()};
}

}  // namespace resonate::aio_adapters::store::sqlite_dialect
