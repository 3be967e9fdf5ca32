// The PostgreSQL store's schedule commands (REST v1 4.8, 5.x). Each is one
// statement; the create inserts and reads back in one round trip.

#include "aio_adapters/store/postgres/postgres_commands.hpp"
#include "aio_adapters/store/sql_common.hpp"
#include "aio_adapters/store/string_map_json.hpp"

namespace resonate::aio_adapters::store::postgres_dialect {

namespace {

const std::string columns(schedule_columns);

const prepared_statement statements[] = {
  {"schedule_read", "SELECT " + columns + " FROM schedules WHERE id = $1"},
  // The inserted row (flag 1) or, on a conflict, the existing one (flag 0): the
  // outer SELECT sees the snapshot before the insert, so exactly one row comes back.
  {"schedule_create",
   "WITH w AS (INSERT INTO schedules (id, description, cron, tags, promise_id, "
   "promise_timeout, promise_param_headers, promise_param_data, promise_tags, next_run_time, "
   "idempotency_key, created_on) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::jsonb, $8, "
   "$9::jsonb, $10, $11, $12) ON CONFLICT (id) DO NOTHING RETURNING " +
     columns + ") SELECT " + columns + ", 1::bigint FROM w UNION ALL SELECT " + columns +
     ", 0::bigint FROM schedules WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM w)"},
  {"schedule_delete", "DELETE FROM schedules WHERE id = $1"},
  {"schedule_due", "SELECT " + columns +
                     " FROM schedules WHERE next_run_time <= $1"
                     " ORDER BY next_run_time, sort_id LIMIT $2"},
  {"schedule_update",
   "UPDATE schedules SET last_run_time = next_run_time, next_run_time = $1 "
   "WHERE id = $2 AND next_run_time = $3"},
};

q::schedule_record read_schedule_row(const pg_result& r, int i) {
  q::schedule_record s;
  s.id = std::string(r.text(i, scol_id));
  s.description = std::string(r.text(i, scol_description));
  s.cron = std::string(r.text(i, scol_cron));
  s.tags = decode_string_map(r.text(i, scol_tags));
  s.promise_id = std::string(r.text(i, scol_promise_id));
  s.promise_timeout = r.int64(i, scol_promise_timeout);
  s.promise_param =
    decode_value(r.optional_text(i, scol_param_headers), r.optional_bytes(i, scol_param_data));
  s.promise_tags = decode_string_map(r.text(i, scol_promise_tags));
  s.last_run_time = r.optional_int64(i, scol_last_run_time);
  s.next_run_time = r.int64(i, scol_next_run_time);
  s.idempotency_key = r.optional_text(i, scol_ikey);
  s.created_on = r.optional_int64(i, scol_created_on).value_or(0);
  s.sort_id = r.int64(i, scol_sort_id);
  return s;
}

q::query_schedules_result read_schedule_rows(const pg_result& r) {
  q::query_schedules_result out;
  for (int i = 0; i < r.rows(); ++i) out.records.push_back(read_schedule_row(r, i));
  if (!out.records.empty()) out.last_sort_id = out.records.back().sort_id;
  return out;
}

q::store_result altered(const pg_result& r) {
  return q::alter_result{r.affected_rows()};
}

}  // namespace

std::span<const prepared_statement> schedule_statements() {
  return statements;
}

pg_call call_of(const q::read_schedule_cmd& cmd) {
  auto c = prepared("schedule_read");
  c.params.add(cmd.id);
  return c;
}

pg_call call_of(const q::search_schedules_cmd& cmd) {
  // Unnamed, as the promise search: the planner sees the pattern.
  pg_call c;
  c.sql = "SELECT " + std::string(cmd.by_id ? schedule_columns : schedule_search_columns) +
          " FROM schedules WHERE id LIKE $1 ESCAPE ''";
  c.params.add(like_pattern(cmd.id));
  int next = 2;
  if (!cmd.tags.empty()) {
    c.sql += cmd.by_id ? " AND promise_tags @> $" : " AND tags @> $";
    c.sql += std::to_string(next++) + "::jsonb";
    c.params.add(encode_string_map(cmd.tags));
  }
  if (cmd.by_id) {
    c.sql += " AND id > $" + std::to_string(next++);
    c.params.add(cmd.after_id);
  } else if (cmd.sort_id) {
    c.sql += " AND sort_id < $" + std::to_string(next++);
    c.params.add(*cmd.sort_id);
  }
  c.sql += cmd.by_id ? " ORDER BY id LIMIT $" : " ORDER BY sort_id DESC LIMIT $";
  c.sql += std::to_string(next);
  c.params.add(sql_limit(cmd.limit));
  return c;
}

pg_call call_of(const q::create_schedule_cmd& cmd) {
  const auto& s = cmd.schedule;
  auto c = prepared("schedule_create");
  c.params.add(s.id)
    .add(s.description)
    .add(s.cron)
    .add(encode_string_map(s.tags))
    .add(s.promise_id)
    .add(s.promise_timeout)
    .add(encode_value_headers(s.promise_param))
    .add_optional_bytes(value_data_column(s.promise_param))
    .add(encode_string_map(s.promise_tags))
    .add(s.next_run_time)
    .add(s.idempotency_key)
    .add(s.created_on);
  return c;
}

pg_call call_of(const q::delete_schedule_cmd& cmd) {
  auto c = prepared("schedule_delete");
  c.params.add(cmd.id);
  return c;
}

pg_call call_of(const q::read_due_schedules_cmd& cmd) {
  auto c = prepared("schedule_due");
  c.params.add(cmd.time).add(sql_limit(cmd.limit));
  return c;
}

pg_call call_of(const q::update_schedule_cmd& cmd) {
  auto c = prepared("schedule_update");
  c.params.add(cmd.next_run_time).add(cmd.id).add(cmd.current_next_run_time);
  return c;
}

q::store_result result_of(const q::read_schedule_cmd&, const pg_result& r) {
  return read_schedule_rows(r);
}
q::store_result result_of(const q::search_schedules_cmd&, const pg_result& r) {
  return read_schedule_rows(r);
}
q::store_result result_of(const q::create_schedule_cmd&, const pg_result& r) {
  q::schedule_write_result out;
  if (r.empty()) return out;
  out.rows_affected = r.int64(0, schedule_column_count);
  out.row = read_schedule_row(r, 0);
  return out;
}
q::store_result result_of(const q::delete_schedule_cmd&, const pg_result& r) {
  return altered(r);
}
q::store_result result_of(const q::read_due_schedules_cmd&, const pg_result& r) {
  return read_schedule_rows(r);
}
q::store_result result_of(const q::update_schedule_cmd&, const pg_result& r) {
  return altered(r);
}

}  // namespace resonate::aio_adapters::store::postgres_dialect
