// Background TimeoutTasks (REST v1 4.10): ENQUEUED or CLAIMED tasks past their
// claim or lease deadline go back to INIT with a higher counter (so the late
// holder is fenced off) while their timeout is ahead, else they time out.
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/task.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

root_task timeout_tasks(context& c, const settings& s) {
  for (int64_t i = 0; i < s.task_max_iterations; ++i) {
    auto scan_io = c.store(
      q::store_transaction{std::nullopt, {q::read_expired_tasks_cmd{c.now(), s.task_batch_size}}});
    auto scanned = co_await scan_io;
    if (auto failure = store_failure(scanned)) co_return std::move(*failure);
    auto& due = std::get<q::query_tasks_result>(scanned.store().results.at(0)).records;
    if (due.empty()) break;

    q::store_transaction tx;
    int64_t retried = 0, timedout = 0;
    for (auto& t : due) {
      tx.commands.emplace_back(domain::expire_update(t, c.now()));
      (t.state == q::task_state::init ? retried : timedout) += 1;
    }
    auto io = c.store(std::move(tx));
    auto done = co_await io;
    if (auto failure = store_failure(done)) co_return std::move(*failure);
    count_tasks("retried", retried);
    count_tasks("timedout", timedout);
    if (retried > 0) kick_enqueue(c);
    if (static_cast<int64_t>(due.size()) < s.task_batch_size) break;
  }
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

}  // namespace resonate::kernel::coroutines
