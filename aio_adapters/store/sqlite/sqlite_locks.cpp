// The SQLite store's lock commands (REST v1 4.9).

#include "aio_adapters/store/sql_common.hpp"
#include "aio_adapters/store/sqlite/sqlite_commands.hpp"

namespace resonate::aio_adapters::store::sqlite_dialect {

namespace {

const std::string select_lock =
  "SELECT " + std::string(lock_columns) + " FROM locks WHERE resource_id = ?";
// Refreshes only a lock of the same execution; another's, even expired, stays.
const std::string acquire =
  "INSERT INTO locks (resource_id, execution_id, process_id, ttl, expires_at) "
  "VALUES (?, ?, ?, ?, ?) ON CONFLICT(resource_id) DO UPDATE SET "
  "process_id = excluded.process_id, ttl = excluded.ttl, expires_at = excluded.expires_at "
  "WHERE execution_id = excluded.execution_id";
const std::string release = "DELETE FROM locks WHERE resource_id = ? AND execution_id = ?";
const std::string heartbeat = "UPDATE locks SET expires_at = " +
                              wrapping_add_sql("?1", "ttl", "?2") + " WHERE process_id = ?3";
const std::string expire = "DELETE FROM locks WHERE expires_at <= ?";

}  // namespace

q::store_result run(sqlite_connection& c, const q::read_lock_cmd& cmd) {
  auto st = c.prepare(select_lock);
  st.bind_text(cmd.resource_id);
  q::query_locks_result r;
  while (st.step()) {
    r.records.push_back(q::lock_record{st.column_text(0), st.column_text(1), st.column_text(2),
                                       st.column_int(3), st.column_int(4)});
  }
  return r;
}

q::store_result run(sqlite_connection& c, const q::acquire_lock_cmd& cmd) {
  const auto& l = cmd.lock;
  auto st = c.prepare(acquire);
  st.bind_text(l.resource_id)
    .bind_text(l.execution_id)
    .bind_text(l.process_id)
    .bind_int(l.ttl)
    .bind_int(l.expires_at);
  st.run();
  return q::alter_result{c.changes()};
}

q::store_result run(sqlite_connection& c, const q::release_lock_cmd& cmd) {
  auto st = c.prepare(release);
  st.bind_text(cmd.resource_id).bind_text(cmd.execution_id);
  st.run();
  return q::alter_result{c.changes()};
}

q::store_result run(sqlite_connection& c, const q::heartbeat_locks_cmd& cmd) {
  auto st = c.prepare(heartbeat);
  st.bind_int(cmd.time).bind_int(ttl_headroom(cmd.time)).bind_text(cmd.process_id);
  st.run();
  return q::alter_result{c.changes()};
}

q::store_result run(sqlite_connection& c, const q::timeout_locks_cmd& cmd) {
  auto st = c.prepare(expire);
  st.bind_int(cmd.time);
  st.run();
  return q::alter_result{c.changes()};
}

}  // namespace resonate::aio_adapters::store::sqlite_dialect
