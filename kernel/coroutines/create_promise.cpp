// POST /promises (REST v1 4.2).
//
// One store round trip on the common path: the transaction inserts the promise
// if absent (ON CONFLICT DO NOTHING) and reads the row back. An insert that took
// effect is a 201 with the stored row; otherwise the row read back is the
// existing promise and the decision table of 4.2 applies to it, after a lazy
// timeout if it is due. Both commands run under the request's fence.
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/promise.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

root_task create_promise(context& c, q::request r, const settings&) {
  auto req = std::get<q::create_promise_request>(std::move(r.payload));
  for (;;) {
    q::store_transaction tx;
    tx.fence_token = req.fence_token;
    tx.commands.emplace_back(q::create_promise_cmd{req.id, req.param, req.timeout,
                                                   req.idempotency_key, req.tags, c.now()});
    tx.commands.emplace_back(q::read_promise_cmd{req.id});
    auto io = c.store(std::move(tx));
    auto done = co_await io;
    if (auto failure = store_failure(done)) co_return std::move(*failure);
    auto inserted = std::get<q::alter_result>(done.completion.results.at(0)).rows_affected == 1;
    auto& rows = std::get<q::query_promises_result>(done.completion.results.at(1)).records;
    if (rows.empty())  // deleted between insert and read: impossible today, but safe to retry
      continue;
    auto promise = std::move(rows.front());
    if (inserted) {
      count_created_promise();
      co_return q::response{q::status::created, q::promise_response{std::move(promise)}, {}};
    }

    if (domain::is_timed_out(promise, c.now())) {
      auto step = apply_lazy_timeout(c, std::move(promise), req.fence_token);
      auto outcome = co_await std::move(step);
      if (std::holds_alternative<lazy_timeout_race>(outcome)) continue;
      if (auto* failure = std::get_if<q::response>(&outcome)) co_return std::move(*failure);
      promise = std::get<q::promise_record>(std::move(outcome));
    }
    auto status = domain::create_existing_status(req, promise);
    if (status != q::status::ok) co_return q::response::failure(status);
    co_return q::response{status, q::promise_response{std::move(promise)}, {}};
  }
}

}  // namespace resonate::kernel::coroutines
