// Protocol 2026-04-01's commands that need a statement's answer before the
// next (queues::is_interactive), one SQL text for both dialects (sql_session.hpp):
//
//  - the outbox (spec 2.7, 3.3): rows written in the transaction of the state
//    change (by the store's task writes and its settlement chain), taken by
//    the kernel's drain after commit and deleted once handed to the sender
//    (ack_outbox_cmd). execute is keyed by task id, unblock by (promise,
//    address); an unblock's promise is read when it is taken (a settled
//    promise does not change). A message that found no stream waits in
//    outbox_parked26 (migration 005) until one that can take it connects;
//  - the background pass's reads (spec 4.2): the promise timeouts and task
//    timers due, and the earliest timer after them;
//  - debug.snap's rows of the protocol's own tables and debug.reset (spec 1.9).
//
// Every decision on these rows (time a promise out, take a lapsed lease back,
// resend an execute) is the kernel's, written back with the store's typed
// commands.

#include "aio_adapters/store/protocol_2026.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <utility>

namespace resonate::aio_adapters::store {

namespace q = resonate::queues;

namespace {

/// The rows with these ids, one `Read{id}` each, all in one round trip (in
/// the order given; nullopt for one that is gone).
template <class Read, class Result>
auto read_each(sql_session& db, const std::vector<std::string>& ids) {
  std::vector<q::store_command> reads;
  reads.reserve(ids.size());
  for (const auto& id : ids) reads.emplace_back(Read{id});
  std::vector<std::optional<typename decltype(Result::records)::value_type>> out;
  out.reserve(ids.size());
  for (auto& r : db.run_all(reads)) {
    auto& rows = std::get<Result>(r).records;
    out.push_back(rows.empty() ? std::nullopt : std::optional(std::move(rows.front())));
  }
  return out;
}

auto read_promises(sql_session& db, const std::vector<std::string>& ids) {
  return read_each<q::read_promise_cmd, q::query_promises_result>(db, ids);
}

auto read_tasks(sql_session& db, const std::vector<std::string>& ids) {
  return read_each<q::read_task26_cmd, q::query_tasks26_result>(db, ids);
}

/// Column 0 of every row.
std::vector<std::string> first_column(const std::vector<sql_row>& rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(r.text(0));
  return out;
}

// -- the outbox ----------------------------------------------------------------------

// The parked messages a stream of (group, id) can take: its unicast address,
// the group's anycast, and every anycast that prefers some id in the group
// (`poll://any@G/...` falls back to any stream of G). The prefix is compared
// with substr, not LIKE (no escaping of % and _) nor a range (PostgreSQL
// orders text by the database's collation, which may ignore punctuation).
constexpr const char* parked_for_stream =
  "(address = $1 OR address = $2 OR substr(address, 1, length(CAST($3 AS TEXT))) = $3)";

std::vector<sql_param> stream_params(const q::stream_address& s) {
  return {"poll://uni@" + s.group + "/" + s.id, "poll://any@" + s.group,
          "poll://any@" + s.group + "/"};
}

void unpark(sql_session& db, const q::stream_address& stream) {
  auto params = stream_params(stream);
  // An execute goes back only while its task is still pending at that
  // version (else the worker would get a stale execute), and never over a
  // newer execute queued meanwhile.
  db.query(std::string("INSERT INTO outbox_execute26 (id, version, address) "
                       "SELECT id, version, address FROM outbox_parked26 WHERE version >= 0 AND ") +
             parked_for_stream +
             " AND EXISTS (SELECT 1 FROM tasks26 t WHERE t.id = outbox_parked26.id "
             "AND t.version = outbox_parked26.version AND t.state = 0) "
             "ON CONFLICT (id) DO NOTHING",
           params);
  db.query(std::string("INSERT INTO outbox_unblock26 (promise_id, address) "
                       "SELECT id, address FROM outbox_parked26 WHERE version < 0 AND ") +
             parked_for_stream + " ON CONFLICT DO NOTHING",
           params);
  db.query(std::string("DELETE FROM outbox_parked26 WHERE ") + parked_for_stream, params);
}

q::outbox_result take_outbox(sql_session& db, const q::take_outbox_cmd& cmd) {
  q::outbox_result out;
  for (const auto& stream : cmd.connected) unpark(db, stream);
  if (cmd.parked_before > 0) {
    db.query("DELETE FROM outbox_parked26 WHERE parked_at < $1", {cmd.parked_before});
  }
  for (const auto& r : db.query(
         "SELECT id, version, address FROM outbox_execute26 ORDER BY id LIMIT $1", {cmd.limit})) {
    q::outbox_message m;
    m.id = r.text(0);
    m.version = r.int64(1);
    m.address = r.text(2);
    out.messages.push_back(std::move(m));
  }
  auto unblocks = db.query(
    "SELECT promise_id, address FROM outbox_unblock26 ORDER BY promise_id, address LIMIT $1",
    {cmd.limit});
  auto promises = read_promises(db, first_column(unblocks));  // one round trip for all
  for (size_t k = 0; k < unblocks.size(); ++k) {
    if (!promises[k]) continue;  // deleted meanwhile (debug.reset): nothing to say
    out.messages.push_back(
      q::outbox_message{unblocks[k].text(0), -1, unblocks[k].text(1), std::move(promises[k])});
  }
  return out;
}

void remove_from_outbox(sql_session& db, const q::outbox_message& m) {
  if (m.version >= 0) {
    db.query("DELETE FROM outbox_execute26 WHERE id = $1 AND version = $2", {m.id, m.version});
  } else {
    db.query("DELETE FROM outbox_unblock26 WHERE promise_id = $1 AND address = $2",
             {m.id, m.address});
  }
}

int64_t ack_outbox(sql_session& db, const q::ack_outbox_cmd& cmd) {
  int64_t n = 0;
  for (const auto& m : cmd.messages) {
    remove_from_outbox(db, m);
    ++n;
  }
  for (const auto& m : cmd.parked) {
    remove_from_outbox(db, m);
    // A message parked again keeps its first time, so that the age limit
    // counts from when it first found no stream.
    db.query(
      "INSERT INTO outbox_parked26 (id, address, version, parked_at) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (id, address) DO UPDATE SET version = excluded.version",
      {m.id, m.address, m.version, cmd.now});
    ++n;
  }
  if (!cmd.parked.empty()) {
    // At most max_parked rows: the oldest beyond that go.
    db.query(
      "DELETE FROM outbox_parked26 WHERE parked_at <= (SELECT parked_at FROM outbox_parked26 "
      "ORDER BY parked_at DESC LIMIT 1 OFFSET $1)",
      {cmd.max_parked});
  }
  return n;
}

// -- the background pass -------------------------------------------------------------

q::due26_result read_due(sql_session& db, const q::read_due26_cmd& cmd) {
  q::due26_result out;
  // Promise timeouts: those of pending promises only, so that `limit` counts
  // what the pass can act on (a settlement deletes its promise's row in its
  // own transaction; the join only guards against a row left behind). Each
  // promise is read as the store's own read gives it, all in one round trip.
  auto due_promises =
    first_column(db.query("SELECT t.id FROM promise_timeouts26 t JOIN promises p ON p.id = t.id "
                          "WHERE t.timeout <= $1 AND p.state = 1 ORDER BY t.timeout, t.id LIMIT $2",
                          {cmd.now, cmd.limit}));
  for (auto& p : read_promises(db, due_promises)) {
    if (!p || p->state != q::promise_state::pending || p->timeout > cmd.now) continue;
    out.promises.push_back(std::move(*p));
  }
  // Task timers (a pending task's retry, an acquired task's lease), whatever
  // the task's state: which of them the kernel acts on is its decision. Each
  // task as the store's own read gives it, all in one round trip.
  auto due_tasks = first_column(
    db.query("SELECT id FROM tasks26 WHERE timer_at <= $1 ORDER BY timer_at, id LIMIT $2",
             {cmd.now, cmd.limit}));
  for (auto& t : read_tasks(db, due_tasks)) {
    if (!t || !t->timer_at || *t->timer_at > cmd.now) continue;
    out.tasks.push_back(std::move(*t));
  }
  // The running server's pass sleeps until the earliest timer left after now
  // (what is due now is this pass's to handle, or the next pass's when more
  // than `limit` are).
  for (const char* sql : {"SELECT min(timeout) FROM promise_timeouts26 WHERE timeout > $1",
                          "SELECT min(timer_at) FROM tasks26 WHERE timer_at > $1"}) {
    for (const auto& r : db.query(sql, {cmd.now})) {
      if (r.is_null(0)) continue;
      auto at = r.int64(0);
      out.next_at = out.next_at ? std::min(*out.next_at, at) : at;
    }
  }
  return out;
}

// -- debug ---------------------------------------------------------------------------

q::snapshot26_result read_snapshot(sql_session& db) {
  q::snapshot26_result out;
  for (const auto& r : db.query("SELECT id, timeout FROM promise_timeouts26 ORDER BY id", {})) {
    out.promise_timeouts.push_back(q::promise_timeout26{r.text(0), r.int64(1)});
  }
  for (const auto& r :
       db.query("SELECT awaiter, awaited FROM callbacks26 ORDER BY awaited, awaiter", {})) {
    out.callbacks.push_back(q::callback26{r.text(0), r.text(1)});
  }
  for (const auto& r :
       db.query("SELECT promise_id, address FROM listeners26 ORDER BY promise_id, address", {})) {
    out.listeners.push_back(q::listener26{r.text(0), r.text(1)});
  }
  return out;
}

// Every table of both protocols (not `migrations`). The statements count no
// rows through sql_session: rows_affected is 0.
q::alter_result reset_store(sql_session& db) {
  for (const char* table : {"promises", "callbacks", "tasks", "schedules", "locks", "tasks26",
                            "callbacks26", "listeners26", "promise_timeouts26", "outbox_execute26",
                            "outbox_unblock26", "outbox_parked26", "branches26"}) {
    db.query(std::string("DELETE FROM ") + table, {});
  }
  return q::alter_result{0};
}

}  // namespace

q::store_result run_protocol_2026(sql_session& db, const q::store_command& cmd) {
  if (const auto* c = std::get_if<q::take_outbox_cmd>(&cmd)) return take_outbox(db, *c);
  if (const auto* c = std::get_if<q::ack_outbox_cmd>(&cmd)) {
    return q::alter_result{ack_outbox(db, *c)};
  }
  if (const auto* c = std::get_if<q::read_due26_cmd>(&cmd)) return read_due(db, *c);
  if (std::holds_alternative<q::read_snapshot26_cmd>(cmd)) return read_snapshot(db);
  if (std::holds_alternative<q::reset_store_cmd>(cmd)) return reset_store(db);
  throw std::logic_error("not a protocol 2026 command");
}

std::string sqlite_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;
  for (char ch : sql) {
    if (quote) {
      if (ch == quote) quote = 0;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
    } else if (ch == '$') {
      ch = '?';
    }
    out += ch;
  }
  return out;
}

}  // namespace resonate::aio_adapters::store
