// PATCH /promises/*id (REST v1 4.3).
//
// One store round trip on the common path: the completion transaction, guarded
// by `state = PENDING AND timeout > now`, reading the row back. An
// update that took effect is a 201 with the stored row. Otherwise the row read
// back decides: absent -> 404; still pending -> its timeout has passed, so it is
// timed out first (rows 3-5 of the table); settled -> the dedup rows of the
// table. A lost race on the timeout starts the coroutine over.
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/promise.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

root_task complete_promise(context& c, q::request r, const settings&) {
  auto req = std::get<q::complete_promise_request>(std::move(r.payload));
  for (;;) {
    auto cmd = domain::completion_command(req.id, req.state, req.val, req.idempotency_key, c.now(),
                                          c.now(), c.now());
    cmd.read_back = true;
    q::store_transaction tx{req.fence_token, {std::move(cmd)}};
    auto io = c.store(std::move(tx));
    auto done = co_await io;
    if (auto failure = store_failure(done)) co_return std::move(*failure);
    auto& w = std::get<q::promise_write_result>(done.store().results.at(0));
    bool completed = w.rows_affected == 1;
    if (!w.row) co_return q::response::failure(q::status::promise_not_found);
    auto promise = std::move(*w.row);
    if (completed) {
      count_completed_promises(req.state);
      after_completion(c, w);
      co_return q::response{q::status::created, q::promise_response{std::move(promise)}, {}};
    }

    bool timed_out_now = false;
    if (promise.state == q::promise_state::pending) {
      if (!domain::is_timed_out(promise, c.now())) continue;  // changed under us; look again
      auto step = apply_lazy_timeout(c, std::move(promise), req.fence_token);
      auto outcome = co_await std::move(step);
      if (std::holds_alternative<lazy_timeout_race>(outcome)) continue;
      if (auto* failure = std::get_if<q::response>(&outcome)) co_return std::move(*failure);
      promise = std::get<q::promise_record>(std::move(outcome));
      timed_out_now = true;
    }
    auto status = domain::complete_settled_status(req, promise, timed_out_now);
    if (status != q::status::ok) co_return q::response::failure(status);
    co_return q::response{status, q::promise_response{std::move(promise)}, {}};
  }
}

}  // namespace resonate::kernel::coroutines
