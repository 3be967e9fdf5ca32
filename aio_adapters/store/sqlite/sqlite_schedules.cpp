// The SQLite store's schedule commands (REST v1 4.8, 5.x).

#include "aio_adapters/store/sql_common.hpp"
#include "aio_adapters/store/sqlite/sqlite_commands.hpp"
#include "aio_adapters/store/string_map_json.hpp"

namespace resonate::aio_adapters::store::sqlite_dialect {

namespace {

const std::string select_schedule =
  "SELECT " + std::string(schedule_columns) + " FROM schedules WHERE id = ?";
const std::string insert_schedule =
  "INSERT INTO schedules (id, description, cron, tags, promise_id, promise_timeout, "
  "promise_param_headers, promise_param_data, promise_tags, next_run_time, idempotency_key, "
  "created_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING";
const std::string delete_schedule = "DELETE FROM schedules WHERE id = ?";
const std::string select_due = "SELECT " + std::string(schedule_columns) +
                               " FROM schedules WHERE next_run_time <= ?"
                               " ORDER BY next_run_time, sort_id LIMIT ?";
const std::string update_schedule =
  "UPDATE schedules SET last_run_time = next_run_time, next_run_time = ? "
  "WHERE id = ? AND next_run_time = ?";

q::schedule_record read_schedule_row(const sqlite_statement& st) {
  q::schedule_record s;
  s.id = st.column_text(scol_id);
  s.description = st.column_text(scol_description);
  s.cron = st.column_text(scol_cron);
  s.tags = decode_string_map(st.column_text(scol_tags));
  s.promise_id = st.column_text(scol_promise_id);
  s.promise_timeout = st.column_int(scol_promise_timeout);
  s.promise_param = decode_value(st.column_optional_text(scol_param_headers),
                                 st.column_optional_blob(scol_param_data));
  s.promise_tags = decode_string_map(st.column_text(scol_promise_tags));
  s.last_run_time = st.column_optional_int(scol_last_run_time);
  s.next_run_time = st.column_int(scol_next_run_time);
  s.idempotency_key = st.column_optional_text(scol_ikey);
  s.created_on = st.column_optional_int(scol_created_on).value_or(0);
  s.sort_id = st.column_int(scol_sort_id);
  return s;
}

q::query_schedules_result read_schedule_rows(sqlite_statement& st) {
  q::query_schedules_result r;
  while (st.step()) r.records.push_back(read_schedule_row(st));
  if (!r.records.empty()) r.last_sort_id = r.records.back().sort_id;
  return r;
}

}  // namespace

q::store_result run(sqlite_connection& c, const q::read_schedule_cmd& cmd) {
  auto st = c.prepare(select_schedule);
  st.bind_text(cmd.id);
  return read_schedule_rows(st);
}

q::store_result run(sqlite_connection& c, const q::search_schedules_cmd& cmd) {
  std::string sql = "SELECT " +
                    std::string(cmd.by_id ? schedule_columns : schedule_search_columns) +
                    " FROM schedules WHERE id LIKE ?";
  if (cmd.by_id)
    sql += " AND id > ?";
  else if (cmd.sort_id)
    sql += " AND sort_id < ?";
  // Tags match through json_each so any key, quotes and dots included, is literal.
  const std::string each =
    cmd.by_id ? "json_each(schedules.promise_tags)" : "json_each(schedules.tags)";
  for (size_t i = 0; i < cmd.tags.size(); ++i) {
    sql += " AND EXISTS (SELECT 1 FROM " + each + " AS t WHERE t.key = ? AND t.value = ?)";
  }
  sql += cmd.by_id ? " ORDER BY id LIMIT ?" : " ORDER BY sort_id DESC LIMIT ?";
  auto st = cmd.tags.size() <= 4 ? c.prepare(sql) : c.prepare_once(sql);
  st.bind_text(like_pattern(cmd.id));
  if (cmd.by_id)
    st.bind_text(cmd.after_id);
  else if (cmd.sort_id)
    st.bind_int(*cmd.sort_id);
  for (const auto& [key, val] : cmd.tags) st.bind_text(key).bind_text(val);
  st.bind_int(sql_limit(cmd.limit));
  return read_schedule_rows(st);
}

q::store_result run(sqlite_connection& c, const q::create_schedule_cmd& cmd) {
  const auto& s = cmd.schedule;
  q::schedule_write_result r;
  {
    auto st = c.prepare(insert_schedule);
    st.bind_text(s.id)
      .bind_text(s.description)
      .bind_text(s.cron)
      .bind_text(encode_string_map(s.tags))
      .bind_text(s.promise_id)
      .bind_int(s.promise_timeout)
      .bind_text(encode_value_headers(s.promise_param))
      .bind_optional_blob(value_data_column(s.promise_param))
      .bind_text(encode_string_map(s.promise_tags))
      .bind_int(s.next_run_time)
      .bind_text(s.idempotency_key)
      .bind_int(s.created_on);
    st.run();
    r.rows_affected = c.changes();
  }
  auto st = c.prepare(select_schedule);
  st.bind_text(s.id);
  if (st.step()) r.row = read_schedule_row(st);
  return r;
}

q::store_result run(sqlite_connection& c, const q::delete_schedule_cmd& cmd) {
  auto st = c.prepare(delete_schedule);
  st.bind_text(cmd.id);
  st.run();
  return q::alter_result{c.changes()};
}

q::store_result run(sqlite_connection& c, const q::read_due_schedules_cmd& cmd) {
  auto st = c.prepare(select_due);
  st.bind_int(cmd.time).bind_int(sql_limit(cmd.limit));
  return read_schedule_rows(st);
}

q::store_result run(sqlite_connection& c, const q::update_schedule_cmd& cmd) {
  auto st = c.prepare(update_schedule);
  st.bind_int(cmd.next_run_time).bind_text(cmd.id).bind_int(cmd.current_next_run_time);
  st.run();
  return q::alter_result{c.changes()};
}

}  // namespace resonate::aio_adapters::store::sqlite_dialect
