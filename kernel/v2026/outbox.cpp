// The outbox of protocol 2026-04-01 (spec 2.7, 3.3): rows written in the
// transaction of the state change (by the operations and the store's
// settlement chain), read
// by the kernel's drain after commit and deleted once handed to the sender.
// execute is keyed by task id, unblock by (promise, address); an unblock's
// promise is read when it is sent (a settled promise does not change). A
// message that found no stream waits in outbox_parked26 (migration 005) until
// one that can take it connects.
#include "codecs/json_writer.hpp"
#include "codecs/protocol_2026/records.hpp"
#include "kernel/v2026/engine.hpp"
#include "kernel/v2026/state.hpp"

namespace resonate::kernel::v2026 {

namespace q = resonate::queues;
using codecs::json_append_int;
using codecs::json_append_string;

namespace {

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

void unpark(database& db, const q::stream_address& stream) {
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

}  // namespace

q::outbox_result take_outbox(database& db, const q::take_outbox_cmd& cmd) {
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
    m.body = "{\"kind\":\"execute\",\"head\":{";
    if (!cmd.server_url.empty()) {
      m.body += "\"serverUrl\":";
      json_append_string(m.body, cmd.server_url);
    }
    m.body += "},\"data\":{\"task\":{\"id\":";
    json_append_string(m.body, m.id);
    m.body += ",\"version\":";
    json_append_int(m.body, m.version);
    m.body += "}}}";
    out.messages.push_back(std::move(m));
  }
  op o{db};
  for (const auto& r : db.query(
         "SELECT promise_id, address FROM outbox_unblock26 ORDER BY promise_id, address LIMIT $1",
         {cmd.limit})) {
    q::outbox_message m;
    m.id = r.text(0);
    m.address = r.text(1);
    auto p = o.read_promise(m.id);
    if (!p) continue;  // deleted meanwhile (debug.reset): nothing to say
    m.body = "{\"kind\":\"unblock\",\"head\":{},\"data\":{\"promise\":";
    codecs::protocol_2026::append_promise(m.body, *p);
    m.body += "}}";
    out.messages.push_back(std::move(m));
  }
  return out;
}

namespace {

void remove_from_outbox(database& db, const q::outbox_message& m) {
  if (m.version >= 0) {
    db.query("DELETE FROM outbox_execute26 WHERE id = $1 AND version = $2", {m.id, m.version});
  } else {
    db.query("DELETE FROM outbox_unblock26 WHERE promise_id = $1 AND address = $2",
             {m.id, m.address});
  }
}

}  // namespace

int64_t ack_outbox(database& db, const q::ack_outbox_cmd& cmd) {
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

}  // namespace resonate::kernel::v2026
