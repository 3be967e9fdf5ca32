// The outbox of protocol 2026-04-01 (spec 2.7, 3.3): rows written in the
// transaction of the state change (by the operations and the triggers), read
// by the kernel's drain after commit and deleted once handed to the sender.
// execute is keyed by task id, unblock by (promise, address); an unblock's
// promise is read when it is sent (a settled promise does not change).
#include "api_gateway/json_writer.hpp"
#include "api_gateway/protocol_2026/records.hpp"
#include "kernel/v2026/engine.hpp"
#include "kernel/v2026/state.hpp"

namespace resonate::kernel::v2026 {

namespace q = resonate::queues;
using api_gateway::json_append_int;
using api_gateway::json_append_string;

q::outbox_result take_outbox(database& db, const q::take_outbox_cmd& cmd) {
  q::outbox_result out;
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
    api_gateway::protocol_2026::append_promise(m.body, *p);
    m.body += "}}";
    out.messages.push_back(std::move(m));
  }
  return out;
}

int64_t ack_outbox(database& db, const q::ack_outbox_cmd& cmd) {
  int64_t n = 0;
  for (const auto& m : cmd.messages) {
    if (m.version >= 0) {
      db.query("DELETE FROM outbox_execute26 WHERE id = $1 AND version = $2", {m.id, m.version});
    } else {
      db.query("DELETE FROM outbox_unblock26 WHERE promise_id = $1 AND address = $2",
               {m.id, m.address});
    }
    ++n;
  }
  return n;
}

}  // namespace resonate::kernel::v2026
