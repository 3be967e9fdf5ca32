// POST /promises (REST v1 4.2), and POST /promises/task (create_promise_and_task.cpp).
//
// One store round trip on the common path: the transaction inserts the promise
// if absent (ON CONFLICT DO NOTHING) and reads the row back. An insert that took
// effect is a 201 with the stored row; otherwise the row read back is the
// existing promise and the decision table of 4.2 applies to it, after a lazy
// timeout if it is due. Both run under the request's fence.
//
// A promise with a tag the router reads asks the router first; when it matches,
// the invoke task is inserted in the same command (only if the promise row is
// new), and its message is sent right after the commit (deliver_soon) unless
// the store says its root already has an active task.
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/coroutines/create_steps.hpp"
#include "kernel/domain/promise.hpp"
#include "kernel/domain/task.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

task<create_outcome> create_or_find(context& c, const q::create_promise_request& req,
                                    std::optional<q::task_record> task,
                                    std::optional<q::fence> fence,
                                    std::vector<q::store_command> extra) {
  for (;;) {
    q::create_promise_cmd cmd{req.id,   req.param, req.timeout, req.idempotency_key,
                              req.tags, c.now(),   std::nullopt, /*read_back=*/true};
    if (task) cmd.task = q::create_task_cmd{*task};
    q::store_transaction tx{fence, {std::move(cmd)}};
    for (const auto& e : extra) tx.commands.push_back(e);
    auto io = c.store(std::move(tx));
    auto done = co_await io;
    if (auto failure = store_failure(done)) co_return create_outcome{std::move(*failure)};
    auto& w = std::get<q::promise_write_result>(done.store().results.at(0));
    if (!w.row) continue;  // deleted between insert and read: impossible today, but safe to retry
    auto promise = std::move(*w.row);
    if (w.rows_affected == 1) {
      count_created_promise();
      if (task) count_tasks("created");
      co_return create_outcome{created_promise{std::move(promise), w.root_busy}};
    }

    if (domain::is_timed_out(promise, c.now())) {
      auto step = apply_lazy_timeout(c, std::move(promise), fence);
      auto outcome = co_await std::move(step);
      if (std::holds_alternative<lazy_timeout_race>(outcome)) continue;
      if (auto* failure = std::get_if<q::response>(&outcome))
        co_return create_outcome{std::move(*failure)};
      promise = std::get<q::promise_record>(std::move(outcome));
    }
    auto status = domain::create_existing_status(req, promise);
    if (status != q::status::ok) co_return create_outcome{q::response::failure(status)};
    co_return create_outcome{existing_promise{std::move(promise)}};
  }
}

task<create_outcome> create_routed(context& c, const q::create_promise_request& req,
                                   const settings& s, std::optional<q::fence> fence,
                                   std::vector<q::store_command> extra) {
  auto routing = route_promise(c, req.id, req.tags, s);
  auto recv = co_await std::move(routing);
  std::optional<q::task_record> task;
  if (recv) task = domain::invoke_task(req.id, req.timeout, req.tags, std::move(*recv), req.trace,
                                       c.now());
  // Held from before the write to the send: no other task of this root goes
  // out in between (shared_state::roots_held).
  auto hold = task ? root_hold(c.shared(), req.id) : root_hold();

  auto step = create_or_find(c, req, task, std::move(fence), std::move(extra));
  auto outcome = co_await std::move(step);
  if (auto* made = std::get_if<created_promise>(&outcome)) {
    // Sent at once unless delayed, already past its timeout or its root busy
    // (EnqueueTasks handles those, and anything this send does not get through).
    // The hold passes to the sending coroutine.
    if (task && hold.held() && !made->root_busy && task->expires_at <= c.now() &&
        c.now() < task->timeout)
      deliver_soon(c, std::move(*task), made->promise, std::move(hold), s);
  }
  co_return outcome;
}

root_task create_promise(context& c, q::request r, const settings& s) {
  auto req = std::get<q::create_promise_request>(std::move(r.payload));
  auto step = create_routed(c, req, s, req.fence_token);
  auto outcome = co_await std::move(step);
  if (auto* failure = std::get_if<q::response>(&outcome)) co_return std::move(*failure);
  if (auto* found = std::get_if<existing_promise>(&outcome))
    co_return q::response{q::status::ok, q::promise_response{std::move(found->promise)}, {}};
  auto& created = std::get<created_promise>(outcome).promise;
  co_return q::response{q::status::created, q::promise_response{std::move(created)}, {}};
}

}  // namespace resonate::kernel::coroutines
