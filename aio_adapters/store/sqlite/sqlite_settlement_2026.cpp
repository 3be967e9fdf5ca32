// Protocol 2026-04-01's step after a promise write, SQLite dialect: the task
// of a targeted promise when the promise is created, the settlement chain
// (spec 2.6) when it leaves pending. The store's own create and completion
// commands run it, for REST v1 and protocol 2026 writes alike, with the
// operation's time as a parameter (migration 006 dropped the triggers that
// did this, and the clock row they read). PostgreSQL runs the same steps as
// the functions of its migration 006.

#include <array>

#include "aio_adapters/store/sqlite/sqlite_commands.hpp"

namespace resonate::aio_adapters::store::sqlite_dialect {

namespace {

std::optional<std::string> tag(const q::tag_map& tags, const char* key) {
  auto it = tags.find(key);
  if (it == tags.end()) return std::nullopt;
  return it->second;
}

// ?1 = the settled promise, ?2 = now. In this order: drop its timeout; fulfil
// its task and drop the task's own callbacks; count a resume on the awaiters
// that are not suspended; resume the suspended awaiters whose own promise is
// still pending and not timed out (execute to the awaiter's address; pending,
// same version, retry timer); drop the callbacks on it; unblock the listeners.
struct chain_step {
  const char* sql;
  bool binds_now;  ///< takes ?2 too
  bool queues;     ///< its changes are messages queued (executes, unblocks)
};
constexpr std::array<chain_step, 9> settlement_chain = {{
  {"DELETE FROM promise_timeouts26 WHERE id = ?1", false, false},
  {"UPDATE tasks26 SET state = 4, pid = NULL, ttl = NULL, resumes = 0, timer_type = NULL, "
   "timer_at = NULL WHERE id = ?1 AND state <> 4",
   false, false},
  {"DELETE FROM callbacks26 WHERE awaiter = ?1", false, false},
  {"UPDATE tasks26 SET resumes = resumes + 1 WHERE state IN (0, 1, 3) "
   "AND id IN (SELECT awaiter FROM callbacks26 WHERE awaited = ?1)",
   false, false},
  {"INSERT INTO outbox_execute26 (id, version, address) "
   "SELECT t.id, t.version, t.address FROM tasks26 t JOIN promises p ON p.id = t.id "
   "WHERE t.state = 2 AND p.state = 1 AND p.timeout > ?2 "
   "AND t.id IN (SELECT awaiter FROM callbacks26 WHERE awaited = ?1) "
   "ON CONFLICT (id) DO UPDATE SET version = excluded.version, address = excluded.address",
   true, true},
  {"UPDATE tasks26 SET state = 0, resumes = 1, timer_type = 0, timer_at = ?2 + 30000 "
   "WHERE state = 2 AND id IN (SELECT awaiter FROM callbacks26 WHERE awaited = ?1) "
   "AND id IN (SELECT id FROM promises WHERE state = 1 AND timeout > ?2)",
   true, false},
  {"DELETE FROM callbacks26 WHERE awaited = ?1", false, false},
  {"INSERT INTO outbox_unblock26 (promise_id, address) "
   "SELECT promise_id, address FROM listeners26 WHERE promise_id = ?1 ON CONFLICT DO NOTHING",
   false, true},
  {"DELETE FROM listeners26 WHERE promise_id = ?1", false, false},
}};

}  // namespace

void promise26_created(sqlite_connection& c, const q::create_promise_cmd& cmd) {
  if (auto branch = tag(cmd.tags, "resonate:branch")) {
    auto st = c.prepare("INSERT INTO branches26 (branch, id) VALUES (?, ?) ON CONFLICT DO NOTHING");
    st.bind_text(*branch).bind_text(cmd.id);
    st.run();
  }
  auto target = tag(cmd.tags, "resonate:target");
  if (!target) return;
  // A promise created at or past its timeout (protocol 2026 creates it at
  // its timeout, and times it out next) never was pending at a time that
  // counts: its task is fulfilled from the start and nothing is sent for it.
  if (cmd.created_on >= cmd.timeout) {
    auto st = c.prepare(
      "INSERT INTO tasks26 (id, state, version, address) VALUES (?, 4, 0, ?) "
      "ON CONFLICT DO NOTHING");
    st.bind_text(cmd.id).bind_text(*target);
    st.run();
    return;
  }
  {
    auto st = c.prepare(
      "INSERT INTO tasks26 (id, state, version, address, timer_type, timer_at) "
      "VALUES (?, 0, 0, ?, 0, ?) ON CONFLICT DO NOTHING");
    st.bind_text(cmd.id).bind_text(*target).bind_int(cmd.created_on + 30000);
    st.run();
    if (c.changes() == 0) return;  // an older task of this id: nothing is new
  }
  {
    auto st = c.prepare(
      "INSERT INTO outbox_execute26 (id, version, address) VALUES (?, 0, ?) "
      "ON CONFLICT (id) DO UPDATE SET version = excluded.version, address = excluded.address");
    st.bind_text(cmd.id).bind_text(*target);
    st.run();
  }
  auto st =
    c.prepare("INSERT INTO promise_timeouts26 (id, timeout) VALUES (?, ?) ON CONFLICT DO NOTHING");
  st.bind_text(cmd.id).bind_int(cmd.timeout);
  st.run();
}

int64_t promise26_settled(sqlite_connection& c, const std::string& id, int64_t now) {
  // A promise this protocol never touched (every REST v1 promise without a
  // 2026 listener or callback) costs one statement.
  {
    auto probe = c.prepare(
      "SELECT EXISTS (SELECT 1 FROM tasks26 WHERE id = ?1) "
      "OR EXISTS (SELECT 1 FROM callbacks26 WHERE awaited = ?1) "
      "OR EXISTS (SELECT 1 FROM listeners26 WHERE promise_id = ?1) "
      "OR EXISTS (SELECT 1 FROM promise_timeouts26 WHERE id = ?1)");
    probe.bind_text(id);
    if (!probe.step() || probe.column_int(0) == 0) return 0;
  }
  int64_t queued = 0;
  for (const auto& step : settlement_chain) {
    auto st = c.prepare(step.sql);
    st.bind_text(id);
    if (step.binds_now) st.bind_int(now);
    st.run();
    if (step.queues) queued += c.changes();
  }
  return queued;
}

}  // namespace resonate::aio_adapters::store::sqlite_dialect
