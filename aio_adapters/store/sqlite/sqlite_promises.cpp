// The SQLite store's promise commands, including the completion transaction
// of REST v1 4.4 (update_promise_cmd). A create and a completion that take
// effect run protocol 2026-04-01's step after them (promise26_created,
// promise26_settled), whichever protocol wrote.

#include <algorithm>

#include "aio_adapters/store/sql_common.hpp"
#include "aio_adapters/store/sqlite/sqlite_commands.hpp"
#include "aio_adapters/store/string_map_json.hpp"

namespace resonate::aio_adapters::store::sqlite_dialect {

namespace {

const std::string select_promise =
  "SELECT " + std::string(promise_columns) + " FROM promises WHERE id = ?";
const std::string select_timedout = "SELECT " + std::string(promise_columns) +
                                    " FROM promises WHERE state = 1 AND timeout <= ?"
                                    " ORDER BY timeout, sort_id LIMIT ?";
const std::string insert_promise =
  "INSERT INTO promises (id, state, param_headers, param_data, timeout, "
  "idempotency_key_for_create, tags, created_on) VALUES (?, 1, ?, ?, ?, ?, ?, ?) "
  "ON CONFLICT(id) DO NOTHING";
const std::string update_promise =
  "UPDATE promises SET state = ?, value_headers = ?, value_data = ?, "
  "idempotency_key_for_complete = ?, completed_on = ? WHERE id = ? AND state = 1 AND timeout > ?";
// Protocol 2026-04-01's fence (q::task26_fence) on either write: the task
// `?` acquired at version `?`, its own promise pending with its timeout
// after `?`.
const std::string fence_holds =
  " AND EXISTS (SELECT 1 FROM tasks26 WHERE id = ? AND state = 1 AND version = ? "
  "AND EXISTS (SELECT 1 FROM promises AS own WHERE own.id = tasks26.id AND own.state = 1 "
  "AND own.timeout > ?))";
const std::string insert_fenced_promise =
  "INSERT INTO promises (id, state, param_headers, param_data, timeout, "
  "idempotency_key_for_create, tags, created_on) SELECT ?, 1, ?, ?, ?, ?, ?, ? WHERE true" +
  fence_holds + " ON CONFLICT(id) DO NOTHING";
const std::string update_fenced_promise = update_promise + fence_holds;

// Searches with many tags or unusual keys get one-off statements so the cache
// stays bounded.
constexpr size_t max_cached_search_tags = 4;

q::promise_record read_promise_row(const sqlite_statement& st) {
  q::promise_record p;
  p.id = st.column_text(col_id);
  p.state = promise_state_from_db(st.column_int(col_state));
  p.param = decode_value(st.column_optional_text(col_param_headers),
                         st.column_optional_blob(col_param_data));
  p.val = decode_value(st.column_optional_text(col_value_headers),
                       st.column_optional_blob(col_value_data));
  p.timeout = st.column_int(col_timeout);
  p.idempotency_key_for_create = st.column_optional_text(col_ikey_create);
  p.idempotency_key_for_complete = st.column_optional_text(col_ikey_complete);
  p.tags = decode_string_map(st.column_text(col_tags));
  p.created_on = st.column_optional_int(col_created_on);
  p.completed_on = st.column_optional_int(col_completed_on);
  p.sort_id = st.column_int(col_sort_id);
  return p;
}

std::optional<q::promise_record> select_one(sqlite_connection& c, const std::string& id) {
  auto st = c.prepare(select_promise);
  st.bind_text(id);
  if (!st.step()) return std::nullopt;
  return read_promise_row(st);
}

}  // namespace

q::query_promises_result read_promise_rows(sqlite_statement& st) {
  q::query_promises_result r;
  while (st.step()) r.records.push_back(read_promise_row(st));
  if (!r.records.empty()) r.last_sort_id = r.records.back().sort_id;
  return r;
}

q::store_result run(sqlite_connection& c, const q::read_promise_cmd& cmd) {
  q::query_promises_result r;
  if (auto p = select_one(c, cmd.id)) r.records.push_back(std::move(*p));
  return r;
}

q::store_result run(sqlite_connection& c, const q::read_timedout_promises_cmd& cmd) {
  auto st = c.prepare(select_timedout);
  st.bind_int(cmd.time).bind_int(sql_limit(cmd.limit));
  return read_promise_rows(st);
}

q::store_result run(sqlite_connection& c, const q::search_promises_cmd& cmd) {
  std::string sql = "SELECT " + std::string(promise_columns) + " FROM promises WHERE id LIKE ?";
  // As of a time, an overdue pending promise counts as the state its timeout
  // gives it (timed_out_state: resolved for the timer and timeout tags).
  sql += cmd.as_of ? " AND ((CASE WHEN state = 1 AND timeout <= ? THEN (CASE WHEN"
                     " json_extract(tags, '$.\"resonate:timer\"') = 'true' OR"
                     " json_extract(tags, '$.\"resonate:timeout\"') = 'true'"
                     " THEN 2 ELSE 16 END) ELSE state END) & ?) != 0"
                   : " AND (state & ?) != 0";
  if (cmd.by_id)
    sql += " AND id > ?";
  else if (cmd.sort_id)
    sql += " AND sort_id < ?";
  bool cacheable = cmd.tags.size() <= max_cached_search_tags;
  for (const auto& [key, _] : cmd.tags) {
    if (key.find('"') == std::string::npos) {
      // The quoted path label keeps dots in keys literal.
      sql += " AND json_extract(tags, ?) = ?";
    } else {
      // A JSON path label cannot contain '"'; match such keys through json_each.
      sql +=
        " AND EXISTS (SELECT 1 FROM json_each(promises.tags) AS t"
        " WHERE t.key = ? AND t.value = ?)";
      cacheable = false;
    }
  }
  sql += cmd.by_id ? " ORDER BY id LIMIT ?" : " ORDER BY sort_id DESC LIMIT ?";

  auto st = cacheable ? c.prepare(sql) : c.prepare_once(sql);
  st.bind_text(like_pattern(cmd.id));
  if (cmd.as_of) st.bind_int(*cmd.as_of);
  st.bind_int(cmd.states);
  if (cmd.by_id)
    st.bind_text(cmd.after_id);
  else if (cmd.sort_id)
    st.bind_int(*cmd.sort_id);
  for (const auto& [key, val] : cmd.tags) {
    if (key.find('"') == std::string::npos) {
      st.bind_text("$.\"" + key + "\"");
    } else {
      st.bind_text(key);
    }
    st.bind_text(val);
  }
  st.bind_int(sql_limit(cmd.limit));
  return read_promise_rows(st);
}

q::store_result run(sqlite_connection& c, const q::create_promise_cmd& cmd) {
  q::promise_write_result r;
  {
    auto st = c.prepare(cmd.fence ? insert_fenced_promise : insert_promise);
    st.bind_text(cmd.id)
      .bind_text(encode_value_headers(cmd.param))
      .bind_optional_blob(value_data_column(cmd.param))
      .bind_int(cmd.timeout)
      .bind_text(cmd.idempotency_key)
      .bind_text(encode_string_map(cmd.tags))
      .bind_int(cmd.created_on);
    if (cmd.fence) {
      st.bind_text(cmd.fence->task_id).bind_int(cmd.fence->version).bind_int(cmd.fence->as_of);
    }
    st.run();
    r.rows_affected = c.changes();
  }
  if (r.rows_affected == 1) promise26_created(c, cmd);
  if (cmd.task && r.rows_affected == 1) {
    const auto& t = cmd.task->task;
    r.root_busy = root_has_active_task(c, t.root_promise_id);
    r.tasks_created = insert_task(c, r.root_busy ? q::waiting_for_root(t) : t);
  }
  if (cmd.read_back) r.row = select_one(c, cmd.id);
  return r;
}

q::store_result run(sqlite_connection& c, const q::update_promise_cmd& cmd) {
  q::promise_write_result r;
  {
    auto st = c.prepare(cmd.fence ? update_fenced_promise : update_promise);
    st.bind_int(static_cast<int64_t>(cmd.state))
      .bind_text(encode_value_headers(cmd.val))
      .bind_optional_blob(value_data_column(cmd.val))
      .bind_text(cmd.idempotency_key)
      .bind_int(cmd.completed_on)
      .bind_text(cmd.id)
      .bind_int(cmd.timeout_after);
    if (cmd.fence) {
      st.bind_text(cmd.fence->task_id).bind_int(cmd.fence->version).bind_int(cmd.fence->as_of);
    }
    st.run();
    r.rows_affected = c.changes();
  }
  if (r.rows_affected == 1) {
    // Completing first, creating second: the new tasks stay INIT.
    complete_tasks_of_root(c, cmd.id, cmd.now);
    r.tasks_created = callbacks_to_tasks(c, cmd.id, cmd.now);
    // The chain's "now": the operation's time, or the settlement time when it
    // is later (a timeout settles at the promise's deadline, in the past).
    r.messages_queued = promise26_settled(c, cmd.id, std::max(cmd.now, cmd.completed_on));
  }
  if (cmd.read_back) r.row = select_one(c, cmd.id);
  return r;
}

q::store_result run(sqlite_connection& c, const q::ping_cmd&) {
  auto st = c.prepare("SELECT 1");
  st.run();
  return q::alter_result{0};
}

}  // namespace resonate::aio_adapters::store::sqlite_dialect
