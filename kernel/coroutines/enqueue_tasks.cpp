// Background EnqueueTasks (REST v1 4.10): INIT tasks that may go out (one per
// root, none while the root has an ENQUEUED or CLAIMED task) are timed out,
// completed (their root settled, unless they notify), or sent; the outcome of
// every send is written in one transaction, each update guarded by the task's
// INIT state and counter. Up to task_max_iterations batches per run.
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/task.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

root_task enqueue_tasks(context& c, const settings& s) {
  for (int64_t i = 0; i < s.task_max_iterations; ++i) {
    auto scan_io =
      c.store(q::store_transaction{std::nullopt,
                                   {q::read_enqueueable_tasks_cmd{c.now(), s.task_batch_size}}});
    auto scanned = co_await scan_io;
    if (auto failure = store_failure(scanned)) co_return std::move(*failure);
    auto& found = std::get<q::query_tasks_result>(scanned.store().results.at(0)).records;
    std::vector<q::task_record> due;
    for (auto& t : found)
      if (!c.shared().tasks_in_send.count(t.id)) due.push_back(std::move(t));
    if (due.empty()) break;
    bool full = static_cast<int64_t>(found.size()) >= s.task_batch_size;

    // Their root promises (for notify: the promise itself, the message's root).
    q::store_transaction reads;
    for (auto& t : due) reads.commands.emplace_back(q::read_promise_cmd{t.mesg.root});
    auto read_io = c.store(std::move(reads));
    auto roots = co_await read_io;
    if (auto failure = store_failure(roots)) co_return std::move(*failure);

    q::store_transaction settle;
    std::vector<std::pair<q::task_record, std::optional<q::promise_record>>> to_send;
    for (size_t k = 0; k < due.size(); ++k) {
      auto& t = due[k];
      auto& rows = std::get<q::query_promises_result>(roots.store().results.at(k)).records;
      std::optional<q::promise_record> root;
      if (!rows.empty()) root = std::move(rows.front());
      if (c.now() >= t.timeout) {
        settle.commands.emplace_back(domain::timeout_init_update(t));
        count_tasks("timedout");
      } else if (root && root->state != q::promise_state::pending &&
                 t.mesg.type != q::message_type::notify) {
        settle.commands.emplace_back(domain::complete_init_update(t, c.now()));
        count_tasks("completed");
      } else {
        to_send.emplace_back(std::move(t), std::move(root));
      }
    }
    if (!settle.commands.empty()) {
      auto settle_io = c.store(std::move(settle));
      auto settled = co_await settle_io;
      if (auto failure = store_failure(settled)) co_return std::move(*failure);
    }
    auto sending = deliver_tasks(c, std::move(to_send));
    auto failure = co_await std::move(sending);
    if (failure) co_return std::move(*failure);
    if (!full) break;
  }
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

}  // namespace resonate::kernel::coroutines
