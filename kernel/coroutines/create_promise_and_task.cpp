// POST /promises/task (REST v1 3.3, 4.2): create a promise and, when the router
// matches it, its invoke task already CLAIMED by the caller. No fence; on a
// deduplicated create (200), or when the new root already has an active task
// (a callback named it before it existed), the task is null.
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/coroutines/create_steps.hpp"
#include "kernel/domain/task.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

root_task create_promise_and_task(context& c, q::request r, const settings& s) {
  auto req = std::get<q::create_promise_and_task_request>(std::move(r.payload));
  auto& p = req.promise;
  auto routing = route_promise(c, p.id, p.tags, s);
  auto recv = co_await std::move(routing);
  std::optional<q::task_record> task;
  // Held until the CLAIMED task is written: no other task of this root goes
  // out meanwhile; if one is going out now, the task waits as INIT instead.
  auto hold = recv ? root_hold(c.shared(), p.id) : root_hold();
  if (recv) {
    task = domain::invoke_task(p.id, p.timeout, p.tags, std::move(*recv), p.trace, c.now());
    task->state = q::task_state::claimed;
    task->process_id = req.process_id;
    task->ttl = req.ttl;
    task->expires_at = domain::clamp_add(c.now(), req.ttl);
    if (!hold.held()) task = q::waiting_for_root(std::move(*task));
  }

  auto step = create_or_find(c, p, task, std::nullopt);
  auto outcome = co_await std::move(step);
  if (auto* failure = std::get_if<q::response>(&outcome)) co_return std::move(*failure);
  if (auto* found = std::get_if<existing_promise>(&outcome))
    co_return q::response{q::status::ok,
                          q::promise_and_task_response{std::move(found->promise), std::nullopt},
                          {}};
  auto& [created, root_busy] = std::get<created_promise>(outcome);
  // A root with an active task already: the task waits as INIT and is not the
  // caller's; it gets the promise alone, as on a deduplicated create.
  if (root_busy || !hold.held()) task.reset();
  if (task) count_tasks("claimed");
  co_return q::response{q::status::created,
                        q::promise_and_task_response{std::move(created), std::move(task)}, {}};
}

}  // namespace resonate::kernel::coroutines
