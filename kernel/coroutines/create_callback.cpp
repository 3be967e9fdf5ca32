// POST /promises/callback/*id and /promises/subscribe/*id (REST v1 4.7): one
// transaction, under the request's fence, inserts the callback if the promise is
// pending and no callback has its id, and reads the promise. Inserted -> 201
// with the callback; promise missing -> 404; otherwise (settled, or the callback
// exists) -> 200 with `callback: null`. No lazy timeout here: a callback on a
// pending promise past its timeout becomes a task when the timeout is applied.
#include "kernel/coroutines/coroutines.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

root_task create_callback(context& c, q::request r, const settings&) {
  auto req = std::get<q::create_callback_request>(std::move(r.payload));
  q::callback_record cb{req.id,   req.promise_id, req.root_promise_id, req.recv,
                        req.mesg, req.timeout,    c.now()};
  q::store_transaction tx{req.fence_token, {}};
  tx.commands.emplace_back(q::create_callback_cmd{cb});
  tx.commands.emplace_back(q::read_promise_cmd{req.promise_id});
  auto io = c.store(std::move(tx));
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  bool inserted = std::get<q::alter_result>(done.store().results.at(0)).rows_affected == 1;
  auto& rows = std::get<q::query_promises_result>(done.store().results.at(1)).records;
  if (rows.empty()) co_return q::response::failure(q::status::promise_not_found);
  q::callback_response out;
  out.promise = std::move(rows.front());
  if (inserted) {
    out.callback = std::move(cb);
    co_return q::response{q::status::created, std::move(out), {}};
  }
  co_return q::response{q::status::ok, std::move(out), {}};
}

}  // namespace resonate::kernel::coroutines
