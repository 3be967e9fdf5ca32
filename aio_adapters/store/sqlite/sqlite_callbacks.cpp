// The SQLite store's callback commands (REST v1 4.7) and the conversion of
// callbacks into tasks when their promise completes (4.4).

#include <stdexcept>

#include "aio_adapters/store/sqlite/sqlite_commands.hpp"
#include "aio_adapters/store/string_map_json.hpp"

namespace resonate::aio_adapters::store::sqlite_dialect {

namespace {

const std::string insert_callback =
  "INSERT INTO callbacks (id, promise_id, root_promise_id, recv, mesg, timeout, created_on) "
  "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7"
  " WHERE EXISTS (SELECT 1 FROM promises WHERE id = ?2 AND state = 1)"
  " AND NOT EXISTS (SELECT 1 FROM callbacks WHERE id = ?1)";
// The new tasks take the column defaults: INIT, counter 1, attempt 0, ttl 0,
// expires_at 0. No ON CONFLICT: a task with a callback's id means a bug.
const std::string tasks_from_callbacks =
  "INSERT INTO tasks (id, recv, mesg, timeout, root_promise_id, created_on) "
  "SELECT id, recv, mesg, timeout, root_promise_id, ?1 FROM callbacks WHERE promise_id = ?2 "
  "ORDER BY id";
const std::string delete_callbacks = "DELETE FROM callbacks WHERE promise_id = ?";

}  // namespace

q::store_result run(sqlite_connection& c, const q::create_callback_cmd& cmd) {
  const auto& cb = cmd.callback;
  auto st = c.prepare(insert_callback);
  st.bind_text(cb.id)
    .bind_text(cb.promise_id)
    .bind_text(cb.root_promise_id)
    .bind_blob(cb.recv)
    .bind_blob(encode_message(cb.mesg))
    .bind_int(cb.timeout)
    .bind_int(cb.created_on);
  st.run();
  return q::alter_result{c.changes()};
}

int64_t callbacks_to_tasks(sqlite_connection& c, const std::string& promise_id, int64_t now) {
  int64_t created = 0;
  {
    auto st = c.prepare(tasks_from_callbacks);
    st.bind_int(now).bind_text(promise_id);
    st.run();
    created = c.changes();
  }
  auto st = c.prepare(delete_callbacks);
  st.bind_text(promise_id);
  st.run();
  if (c.changes() != created) {
    throw std::logic_error("callbacks of " + promise_id + ": created " + std::to_string(created) +
                           " tasks but deleted " + std::to_string(c.changes()) + " callbacks");
  }
  return created;
}

}  // namespace resonate::aio_adapters::store::sqlite_dialect
