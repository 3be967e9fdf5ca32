// The PostgreSQL store's promise commands. A write with read_back and the
// completion transaction of REST v1 4.4 are each one statement: a
// data-modifying CTE whose result is the row after the write (or the row as
// it is, when the write did not take effect).

#include <algorithm>
#include <string_view>
#include <vector>

#include "aio_adapters/store/postgres/postgres_commands.hpp"
#include "aio_adapters/store/sql_common.hpp"
#include "aio_adapters/store/string_map_json.hpp"

namespace resonate::aio_adapters::store::postgres_dialect {

namespace {

const std::string columns(promise_columns);

// Rows of a write statement: the promise columns, then `written` (1 if the
// write took effect), `tasks` (tasks created) and `busy` (1 if the new task's
// root already had an active task). The second branch gives the row as it is
// when the write did not take effect, only if read back ($rb); it sees the row
// as of the statement's start, which the coroutines already treat as "look
// again" if another connection changed it meanwhile.
std::string write_result(const std::string& read_back_param, const std::string& tasks_expr,
                         const std::string& busy_expr = "0::bigint") {
  return "SELECT " + columns + ", 1::bigint, " + tasks_expr + ", " + busy_expr +
         " FROM w UNION ALL SELECT " + columns + ", 0, 0, 0 FROM promises WHERE " +
         read_back_param + "::boolean AND id = $1 AND NOT EXISTS (SELECT 1 FROM w)";
}

const std::string insert_promise =
  "w AS (INSERT INTO promises (id, state, param_headers, param_data, timeout, "
  "idempotency_key_for_create, tags, created_on) "
  "VALUES ($1, 1, $2::jsonb, $3, $4, $5, $6::jsonb, $7) ON CONFLICT (id) DO NOTHING "
  "RETURNING " +
  columns + ")";

// Protocol 2026-04-01's fence (q::task26_fence) with its parameters from
// `first`: the task acquired at a version, its own promise pending with its
// timeout after a time; the task row held FOR SHARE until the end (a
// settlement of its promise updates it too, so none can slip past).
std::string fence_holds(int first) {
  auto at = [&](int k) { return "$" + std::to_string(first + k); };
  return "EXISTS (SELECT 1 FROM tasks26 AS t WHERE t.id = " + at(0) +
         "::text AND t.state = 1 AND t.version = " + at(1) +
         "::bigint AND EXISTS (SELECT 1 FROM promises AS own WHERE own.id = t.id "
         "AND own.state = 1 AND own.timeout > " +
         at(2) + "::bigint) FOR SHARE OF t)";
}

// The same behind protocol 2026-04-01's fence (create_promise_cmd::fence, $9-$11).
const std::string insert_fenced_promise =
  "w AS (INSERT INTO promises (id, state, param_headers, param_data, timeout, "
  "idempotency_key_for_create, tags, created_on) "
  "SELECT $1::text, 1, $2::jsonb, $3::bytea, $4::bigint, $5::text, $6::jsonb, $7::bigint "
  "WHERE " +
  fence_holds(9) + " ON CONFLICT (id) DO NOTHING RETURNING " + columns + ")";

// The completion transaction: the guarded update; only if it took effect
// (EXISTS w), the root's open tasks complete, the callbacks move into new
// INIT tasks (column defaults: counter 1, attempt 0, ttl 0, expires_at 0).
// All parts see the same snapshot, so `c` does not complete the tasks `n`
// creates. No ON CONFLICT on `n`: a task with a callback's id means a bug.
// `guard` narrows the update further (protocol 2026's fence).
std::string update_statement(const std::string& guard) {
  return "WITH w AS (UPDATE promises SET state = $2, value_headers = $3::jsonb, value_data = $4, "
         "idempotency_key_for_complete = $5, completed_on = $6 "
         "WHERE id = $1 AND state = 1 AND timeout > $7" +
         guard + " RETURNING " + columns +
         "), "
         "c AS (UPDATE tasks SET state = 8, completed_on = $8 WHERE root_promise_id = $1 "
         "AND state IN (1, 2, 4) AND EXISTS (SELECT 1 FROM w) RETURNING 1), "
         "d AS (DELETE FROM callbacks WHERE promise_id = $1 AND EXISTS (SELECT 1 FROM w) "
         "RETURNING id, recv, mesg, timeout, root_promise_id), "
         "n AS (INSERT INTO tasks (id, recv, mesg, timeout, root_promise_id, created_on) "
         "SELECT id, recv, mesg, timeout, root_promise_id, $8 FROM d ORDER BY id RETURNING 1) " +
         write_result("$9", "(SELECT count(*) FROM n)");
}

const prepared_statement statements[] = {
  {"promise_read", "SELECT " + columns + " FROM promises WHERE id = $1"},
  {"promise_timedout", "SELECT " + columns +
                         " FROM promises WHERE state = 1 AND timeout <= $1"
                         " ORDER BY timeout, sort_id LIMIT $2"},
  {"promise_create", "WITH " + insert_promise + " " + write_result("$8", "0::bigint")},
  {"promise_create_fenced",
   "WITH " + insert_fenced_promise + " " + write_result("$8", "0::bigint")},
  // The task goes in only if the promise row did (CreatePromiseAndTask); a
  // CLAIMED one goes in as INIT, without process or lease, when its root
  // already has an active task (`b`; q::waiting_for_root).
  {"promise_create_task",
   "WITH " + insert_promise +
     ", b AS (SELECT EXISTS (SELECT 1 FROM tasks WHERE "
     "root_promise_id = $12::text AND state IN (2, 4)) AS busy), "
     "h AS (SELECT b.busy AND $11::integer = 4 AS held FROM b), "
     "t AS (INSERT INTO tasks (id, process_id, state, "
     "root_promise_id, recv, mesg, timeout, counter, attempt, ttl, expires_at, created_on, "
     "completed_on) SELECT $9::text, CASE WHEN h.held THEN NULL ELSE $10::text END, "
     "CASE WHEN h.held THEN 1 ELSE $11::integer END, $12::text, $13::bytea, $14::bytea, "
     "$15::bigint, $16::integer, $17::integer, CASE WHEN h.held THEN 0 ELSE $18::bigint END, "
     "CASE WHEN h.held THEN 0 ELSE $19::bigint END, $20::bigint, $21::bigint FROM h "
     "WHERE EXISTS (SELECT 1 FROM w) ON CONFLICT (id) DO NOTHING RETURNING 1) " +
     write_result("$8", "(SELECT count(*) FROM t)", "(SELECT busy::int::bigint FROM b)")},
  // Locks the promise a completion decides on, ahead of the completion
  // statement (lock_of; postgres_commands.hpp): that statement's snapshot then
  // holds every callback committed before the lock was granted, and no
  // registration can commit one after it (they lock the promise FOR SHARE).
  {"promise_lock", "SELECT 1 FROM promises WHERE id = $1 FOR NO KEY UPDATE"},
  {"promise_update", update_statement("")},
  // Behind protocol 2026-04-01's fence (update_promise_cmd::fence): the task
  // is held FOR SHARE after the promise (lock order: promises, then tasks),
  // and a release or acquire committed while this waited is seen.
  {"promise_update_fenced", update_statement(" AND " + fence_holds(10))},
  // Protocol 2026-04-01's step after a create and after a completion
  // (follow_up_of; the functions are migration 006's).
  {"promise26_created", "SELECT promise26_created($1)"},
  {"promise26_settled", "SELECT promise26_settled($1, $2)"},
  {"ping", "SELECT 1"},
};

q::promise_record read_promise_row(const pg_result& r, int i) {
  q::promise_record p;
  p.id = std::string(r.text(i, col_id));
  p.state = promise_state_from_db(r.int64(i, col_state));
  p.param =
    decode_value(r.optional_text(i, col_param_headers), r.optional_bytes(i, col_param_data));
  p.val = decode_value(r.optional_text(i, col_value_headers), r.optional_bytes(i, col_value_data));
  p.timeout = r.int64(i, col_timeout);
  p.idempotency_key_for_create = r.optional_text(i, col_ikey_create);
  p.idempotency_key_for_complete = r.optional_text(i, col_ikey_complete);
  p.tags = decode_string_map(r.text(i, col_tags));
  p.created_on = r.optional_int64(i, col_created_on);
  p.completed_on = r.optional_int64(i, col_completed_on);
  p.sort_id = r.int64(i, col_sort_id);
  return p;
}

// The result of a write statement (see write_result).
q::promise_write_result write_outcome(const pg_result& rows, bool read_back) {
  q::promise_write_result r;
  if (rows.empty()) return r;
  r.rows_affected = rows.int64(0, promise_column_count);
  r.tasks_created = rows.int64(0, promise_column_count + 1);
  r.root_busy = rows.int64(0, promise_column_count + 2) != 0;
  if (read_back) r.row = read_promise_row(rows, 0);
  return r;
}

// The promise columns of an insert: $1 id .. $7 created_on.
void add_promise_params(pg_params& p, const q::create_promise_cmd& cmd) {
  p.add(cmd.id)
    .add(encode_value_headers(cmd.param))
    .add_optional_bytes(value_data_column(cmd.param))
    .add(cmd.timeout)
    .add(cmd.idempotency_key)
    .add(encode_string_map(cmd.tags))
    .add(cmd.created_on);
}

}  // namespace

q::query_promises_result read_promise_rows(const pg_result& r) {
  q::query_promises_result out;
  out.records.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.records.push_back(read_promise_row(r, i));
  if (!out.records.empty()) out.last_sort_id = out.records.back().sort_id;
  return out;
}

std::span<const prepared_statement> promise_statements() {
  return statements;
}

pg_call call_of(const q::read_promise_cmd& cmd) {
  auto c = prepared("promise_read");
  c.params.add(cmd.id);
  return c;
}

q::store_result result_of(const q::read_promise_cmd&, const pg_result& r) {
  q::query_promises_result out;
  for (int i = 0; i < r.rows(); ++i) out.records.push_back(read_promise_row(r, i));
  return out;
}

pg_call call_of(const q::read_timedout_promises_cmd& cmd) {
  auto c = prepared("promise_timedout");
  c.params.add(cmd.time).add(sql_limit(cmd.limit));
  return c;
}

q::store_result result_of(const q::read_timedout_promises_cmd&, const pg_result& r) {
  return read_promise_rows(r);
}

pg_call call_of(const q::search_promises_cmd& cmd) {
  // An unnamed statement rather than a prepared one: the planner then sees the
  // pattern and can use the prefix index for `id LIKE 'p%'`.
  pg_call c;
  c.sql = "SELECT " + columns + " FROM promises WHERE id LIKE $1 ESCAPE ''";
  c.params.add(like_pattern(cmd.id));
  int next = 2;
  if (cmd.as_of) {
    // An overdue pending promise counts as the state its timeout gives it
    // (timed_out_state: resolved for the timer and timeout tags).
    c.sql += " AND ((CASE WHEN state = 1 AND timeout <= $" + std::to_string(next++) +
             " THEN (CASE WHEN tags->>'resonate:timer' = 'true' OR"
             " tags->>'resonate:timeout' = 'true' THEN 2 ELSE 16 END) ELSE "
             "state END)";
    c.params.add(*cmd.as_of);
  } else {
    c.sql += " AND (state";
  }
  c.sql += " & $" + std::to_string(next++) + ") <> 0";
  c.params.add(static_cast<int64_t>(cmd.states));
  if (!cmd.tags.empty()) {
    c.sql += " AND tags @> $" + std::to_string(next++) + "::jsonb";
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

q::store_result result_of(const q::search_promises_cmd&, const pg_result& r) {
  return read_promise_rows(r);
}

pg_call call_of(const q::create_promise_cmd& cmd) {
  if (cmd.task && cmd.fence) throw std::logic_error("a fenced create has no REST v1 task");
  auto c = prepared(cmd.task    ? "promise_create_task"
                    : cmd.fence ? "promise_create_fenced"
                                : "promise_create");
  add_promise_params(c.params, cmd);
  c.params.add(cmd.read_back);
  if (cmd.task) add_task_row_params(c.params, cmd.task->task);
  if (cmd.fence) c.params.add(cmd.fence->task_id).add(cmd.fence->version).add(cmd.fence->as_of);
  return c;
}

q::store_result result_of(const q::create_promise_cmd& cmd, const pg_result& r) {
  return write_outcome(r, cmd.read_back);
}

pg_call call_of(const q::update_promise_cmd& cmd) {
  auto c = prepared(cmd.fence ? "promise_update_fenced" : "promise_update");
  c.params.add(cmd.id)
    .add(static_cast<int64_t>(cmd.state))
    .add(encode_value_headers(cmd.val))
    .add_optional_bytes(value_data_column(cmd.val))
    .add(cmd.idempotency_key)
    .add(cmd.completed_on)
    .add(cmd.timeout_after)
    .add(cmd.now)
    .add(cmd.read_back);
  if (cmd.fence) c.params.add(cmd.fence->task_id).add(cmd.fence->version).add(cmd.fence->as_of);
  return c;
}

std::vector<pg_call> batch_lock_calls(const q::aio_batch& batch, std::set<std::string>& ids_out) {
  std::vector<std::string_view> ids;
  for (const auto& sqe : batch) {
    if (sqe.kind() != q::aio_kind::store) continue;
    for (const auto& cmd : sqe.tx().commands) {
      if (const auto* u = std::get_if<q::update_promise_cmd>(&cmd)) ids.push_back(u->id);
      if (const auto* c = std::get_if<q::create_callback_cmd>(&cmd)) {
        ids.push_back(c->callback.promise_id);
      }
      // Protocol 2026's registrations (task.suspend's callbacks, the
      // promise.register_* kinds).
      if (const auto* w = std::get_if<q::write_task26_cmd>(&cmd)) {
        ids.insert(ids.end(), w->awaited.begin(), w->awaited.end());
      }
      if (const auto* g = std::get_if<q::register26_cmd>(&cmd)) {
        ids.push_back(g->awaited);
        if (g->awaiter) ids.push_back(*g->awaiter);
      }
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  // One statement per row rather than one `id = ANY(..) ORDER BY id`: a
  // prepared statement gets a generic plan, which for an array may be a scan
  // of the whole table (measured: 1 worker fell from 10,000 to 3,800 ops/s).
  std::vector<pg_call> calls;
  calls.reserve(ids.size());
  for (auto id : ids) {
    ids_out.emplace(id);
    auto c = prepared("promise_lock");
    c.params.add(id);
    calls.push_back(std::move(c));
  }
  return calls;
}

pg_call promise_lock_call(const std::string& id) {
  auto c = prepared("promise_lock");
  c.params.add(id);
  return c;
}

std::optional<pg_call> lock_of(const q::update_promise_cmd& cmd) {
  return promise_lock_call(cmd.id);
}

bool has_follow_up(const q::create_promise_cmd& cmd) {
  // Only a promise with a branch or a target has anything of protocol
  // 2026-04-01 to create: a plain REST v1 create costs no statement more.
  return cmd.tags.count("resonate:target") || cmd.tags.count("resonate:branch");
}

pg_call follow_up_of(const q::create_promise_cmd& cmd) {
  auto c = prepared("promise26_created");
  c.params.add(cmd.id);
  return c;
}

pg_call follow_up_of(const q::update_promise_cmd& cmd) {
  // The chain's "now": the operation's time, or the settlement time when it
  // is later (a timeout settles at the promise's deadline, in the past).
  auto c = prepared("promise26_settled");
  c.params.add(cmd.id).add(std::max(cmd.now, cmd.completed_on));
  return c;
}

q::store_result result_of(const q::update_promise_cmd& cmd, const pg_result& r) {
  return write_outcome(r, cmd.read_back);
}

void follow_up_result(const q::update_promise_cmd&, const pg_result& r, q::store_result& result) {
  if (r.rows() > 0) {
    std::get<q::promise_write_result>(result).messages_queued = r.optional_int64(0, 0).value_or(0);
  }
}

pg_call call_of(const q::ping_cmd&) {
  return prepared("ping");
}

q::store_result result_of(const q::ping_cmd&, const pg_result&) {
  return q::alter_result{0};
}

}  // namespace resonate::aio_adapters::store::postgres_dialect
