// The PostgreSQL store's lock commands (REST v1 4.9).

#include "aio_adapters/store/postgres/postgres_commands.hpp"
#include "aio_adapters/store/sql_common.hpp"

namespace resonate::aio_adapters::store::postgres_dialect {

namespace {

const prepared_statement statements[] = {
  {"lock_read", "SELECT " + std::string(lock_columns) + " FROM locks WHERE resource_id = $1"},
  // Refreshes only a lock of the same execution; another's, even expired, stays.
  {"lock_acquire",
   "INSERT INTO locks (resource_id, execution_id, process_id, ttl, expires_at) "
   "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (resource_id) DO UPDATE SET "
   "process_id = EXCLUDED.process_id, ttl = EXCLUDED.ttl, expires_at = EXCLUDED.expires_at "
   "WHERE locks.execution_id = EXCLUDED.execution_id"},
  {"lock_release", "DELETE FROM locks WHERE resource_id = $1 AND execution_id = $2"},
  {"lock_heartbeat",
   "UPDATE locks SET expires_at = " + wrapping_add_sql("$2::bigint", "ttl", "$3::bigint") +
     " WHERE process_id = $1"},
  {"lock_timeout", "DELETE FROM locks WHERE expires_at <= $1"},
};

q::store_result altered(const pg_result& r) {
  return q::alter_result{r.affected_rows()};
}

}  // namespace

std::span<const prepared_statement> lock_statements() {
  return statements;
}

pg_call call_of(const q::read_lock_cmd& cmd) {
  auto c = prepared("lock_read");
  c.params.add(cmd.resource_id);
  return c;
}

pg_call call_of(const q::acquire_lock_cmd& cmd) {
  const auto& l = cmd.lock;
  auto c = prepared("lock_acquire");
  c.params.add(l.resource_id).add(l.execution_id).add(l.process_id).add(l.ttl).add(l.expires_at);
  return c;
}

pg_call call_of(const q::release_lock_cmd& cmd) {
  auto c = prepared("lock_release");
  c.params.add(cmd.resource_id).add(cmd.execution_id);
  return c;
}

pg_call call_of(const q::heartbeat_locks_cmd& cmd) {
  auto c = prepared("lock_heartbeat");
  c.params.add(cmd.process_id).add(cmd.time).add(ttl_headroom(cmd.time));
  return c;
}

pg_call call_of(const q::timeout_locks_cmd& cmd) {
  auto c = prepared("lock_timeout");
  c.params.add(cmd.time);
  return c;
}

q::store_result result_of(const q::read_lock_cmd&, const pg_result& r) {
  q::query_locks_result out;
  for (int i = 0; i < r.rows(); ++i) {
    out.records.push_back(q::lock_record{std::string(r.text(i, 0)), std::string(r.text(i, 1)),
                                         std::string(r.text(i, 2)), r.int64(i, 3), r.int64(i, 4)});
  }
  return out;
}
q::store_result result_of(const q::acquire_lock_cmd&, const pg_result& r) {
  return altered(r);
}
q::store_result result_of(const q::release_lock_cmd&, const pg_result& r) {
  return altered(r);
}
q::store_result result_of(const q::heartbeat_locks_cmd&, const pg_result& r) {
  return altered(r);
}
q::store_result result_of(const q::timeout_locks_cmd&, const pg_result& r) {
  return altered(r);
}

}  // namespace resonate::aio_adapters::store::postgres_dialect
