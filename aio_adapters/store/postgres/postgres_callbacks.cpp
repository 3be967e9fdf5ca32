// The PostgreSQL store's callback commands (REST v1 4.7). Callbacks become
// tasks inside the completion statement (postgres_promises.cpp).

#include "aio_adapters/store/postgres/postgres_commands.hpp"
#include "aio_adapters/store/string_map_json.hpp"

namespace resonate::aio_adapters::store::postgres_dialect {

namespace {

// ON CONFLICT covers a concurrent insert of the same id by another connection,
// which NOT EXISTS cannot see.
const prepared_statement statements[] = {
  {"callback_create",
   "INSERT INTO callbacks (id, promise_id, root_promise_id, recv, mesg, timeout, created_on) "
   "SELECT $1::text, $2::text, $3::text, $4::bytea, $5::bytea, $6::bigint, $7::bigint "
   "WHERE EXISTS (SELECT 1 FROM promises WHERE id = $2 AND state = 1) "
   "AND NOT EXISTS (SELECT 1 FROM callbacks WHERE id = $1) ON CONFLICT (id) DO NOTHING"},
};

}  // namespace

std::span<const prepared_statement> callback_statements() { return statements; }

q::store_result run(pqxx::transaction_base& tx, const q::create_callback_cmd& cmd) {
  const auto& cb = cmd.callback;
  auto recv = bytes_param(cb.recv);
  auto mesg_text = encode_message(cb.mesg);
  auto mesg = bytes_param(mesg_text);
  auto r = tx.exec_prepared("callback_create", cb.id, cb.promise_id, cb.root_promise_id, recv,
                            mesg, cb.timeout, cb.created_on);
  return q::alter_result{static_cast<int64_t>(r.affected_rows())};
}

}  // namespace resonate::aio_adapters::store::postgres_dialect
