// GET /promises/*id (REST v1 4.5): read, and time the promise out if it is due.
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/promise.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

root_task read_promise(context& c, q::request r, const settings&) {
  auto req = std::get<q::read_promise_request>(std::move(r.payload));
  for (;;) {
    q::store_transaction tx{std::nullopt, {q::read_promise_cmd{req.id}}};
    auto io = c.store(std::move(tx));
    auto done = co_await io;
    if (auto failure = store_failure(done)) co_return std::move(*failure);
    auto& rows = std::get<q::query_promises_result>(done.store().results.at(0)).records;
    if (rows.empty()) co_return q::response::failure(q::status::promise_not_found);
    auto promise = std::move(rows.front());
    if (domain::is_timed_out(promise, c.now())) {
      auto step = apply_lazy_timeout(c, std::move(promise), std::nullopt);
      auto outcome = co_await std::move(step);
      if (std::holds_alternative<lazy_timeout_race>(outcome)) continue;
      if (auto* failure = std::get_if<q::response>(&outcome)) co_return std::move(*failure);
      promise = std::get<q::promise_record>(std::move(outcome));
    }
    co_return q::response{q::status::ok, q::promise_response{std::move(promise)}, {}};
  }
}

}  // namespace resonate::kernel::coroutines
