// The PostgreSQL store's callback commands (REST v1 4.7). Callbacks become
// tasks inside the completion statement (postgres_promises.cpp).

#include "aio_adapters/store/postgres/postgres_commands.hpp"
#include "aio_adapters/store/string_map_json.hpp"

namespace resonate::aio_adapters::store::postgres_dialect {

namespace {

// The awaited promise is locked FOR SHARE and its state checked after the
// lock is granted (a locking SELECT re-reads a row it waited for): while a
// completion holds the promise this waits, and then finds it settled and
// inserts nothing; once this holds it, the completion waits for this commit
// and its cascade sees the callback (postgres_commands.hpp). ON CONFLICT
// covers a concurrent insert of the same id by another connection, which NOT
// EXISTS cannot see.
const prepared_statement statements[] = {
  {"callback_create",
   "INSERT INTO callbacks (id, promise_id, root_promise_id, recv, mesg, timeout, created_on) "
   "SELECT $1::text, $2::text, $3::text, $4::bytea, $5::bytea, $6::bigint, $7::bigint "
   "WHERE EXISTS (SELECT 1 FROM promises WHERE id = $2 AND state = 1 FOR SHARE) "
   "AND NOT EXISTS (SELECT 1 FROM callbacks WHERE id = $1) ON CONFLICT (id) DO NOTHING"},
};

}  // namespace

std::span<const prepared_statement> callback_statements() {
  return statements;
}

pg_call call_of(const q::create_callback_cmd& cmd) {
  const auto& cb = cmd.callback;
  auto c = prepared("callback_create");
  c.params.add(cb.id)
    .add(cb.promise_id)
    .add(cb.root_promise_id)
    .add_bytes(cb.recv)
    .add_bytes(encode_message(cb.mesg))
    .add(cb.timeout)
    .add(cb.created_on);
  return c;
}

q::store_result result_of(const q::create_callback_cmd&, const pg_result& r) {
  return q::alter_result{r.affected_rows()};
}

}  // namespace resonate::aio_adapters::store::postgres_dialect
