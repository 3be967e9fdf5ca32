// PATCH /promises/*id (REST v1 4.3): read, decide by the table, write the
// completion transaction guarded by `state = PENDING`; a lost race starts over.
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/promise.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

root_task complete_promise(context& c, q::request r, const settings&) {
  auto req = std::get<q::complete_promise_request>(std::move(r.payload));
  const q::response fence_failed =
    q::response::failure(q::status::task_precondition_failed, "the fencing token is invalid");
  for (;;) {
    q::store_transaction read{req.fence_token, {q::read_promise_cmd{req.id}}};
    auto read_io = c.store(std::move(read));
    auto read_done = co_await read_io;
    if (auto failure = store_failure(read_done)) co_return std::move(*failure);
    if (!read_done.completion.valid) co_return fence_failed;
    auto& rows = std::get<q::query_promises_result>(read_done.completion.results.at(0)).records;
    if (rows.empty()) co_return q::response::failure(q::status::promise_not_found);
    auto promise = std::move(rows.front());

    bool timed_out_now = false;
    if (promise.state == q::promise_state::pending) {
      if (c.now() < promise.timeout) {
        q::store_transaction write{req.fence_token,
                                   domain::completion_commands(req.id, req.state, req.val,
                                                               req.idempotency_key, c.now())};
        write.commands.emplace_back(q::read_promise_cmd{req.id});
        auto write_io = c.store(std::move(write));
        auto write_done = co_await write_io;
        if (auto failure = store_failure(write_done)) co_return std::move(*failure);
        if (!write_done.completion.valid) co_return fence_failed;
        auto& results = write_done.completion.results;
        if (std::get<q::alter_result>(results.front()).rows_affected == 0) continue;
        auto& after = std::get<q::query_promises_result>(results.back()).records;
        if (after.empty()) continue;
        co_return q::response{q::status::created, q::promise_response{std::move(after.front())},
                              {}};
      }
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
