// Background ResendTasks (REST v1): a message that went out and was not
// claimed is sent again, with the same counter, before its claim deadline.
// The REST-era TypeScript SDK ignores messages for a root it is still
// finishing, and a root's resume leaves a few milliseconds after the worker's
// own complete of that root: without a resend such a resume waited for the
// claim deadline (a minute). Each watched message (shared_state::unclaimed_sends)
// is read back when due; one still ENQUEUED with the same counter is sent again
// as it was, and watched again after twice the wait while that ends before its
// claim deadline. Nothing is written: the task stays ENQUEUED with its deadline.
#include "kernel/coroutines/coroutines.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

root_task resend_tasks(context& c, const settings&) {
  auto& watched = c.shared().unclaimed_sends;
  std::vector<shared_state::unclaimed_send> due;
  while (!watched.empty() && watched.begin()->first <= c.now()) {
    due.push_back(std::move(watched.begin()->second));
    watched.erase(watched.begin());
  }
  if (!watched.empty()) c.shared().run_job_at(resend_tasks_job, watched.begin()->first);
  if (due.empty()) co_return q::response{q::status::ok, q::empty_response{}, {}};

  q::store_transaction reads;
  for (const auto& w : due) reads.commands.emplace_back(q::read_task_cmd{w.task_id});
  auto read_io = c.store(std::move(reads));
  auto read = co_await read_io;
  if (auto failure = store_failure(read)) co_return std::move(*failure);

  struct resend {
    q::task_record task;
    int64_t delay = 0;
  };
  std::vector<resend> still;
  for (size_t k = 0; k < due.size(); ++k) {
    auto& rows = std::get<q::query_tasks_result>(read.store().results.at(k)).records;
    if (rows.empty()) continue;
    auto& t = rows.front();
    const bool unclaimed = t.state == q::task_state::enqueued && t.counter == due[k].counter &&
                           (t.expires_at == 0 || c.now() < t.expires_at);
    if (unclaimed) still.push_back(resend{std::move(t), due[k].delay});
  }
  if (still.empty()) co_return q::response{q::status::ok, q::empty_response{}, {}};

  q::store_transaction roots;
  for (const auto& r : still) roots.commands.emplace_back(q::read_promise_cmd{r.task.mesg.root});
  auto roots_io = c.store(std::move(roots));
  auto rooted = co_await roots_io;
  if (auto failure = store_failure(rooted)) co_return std::move(*failure);

  std::vector<context::io_awaiter> sends;
  sends.reserve(still.size());
  for (size_t k = 0; k < still.size(); ++k) {
    auto& rows = std::get<q::query_promises_result>(rooted.store().results.at(k)).records;
    std::optional<q::promise_record> root;
    if (!rows.empty()) root = std::move(rows.front());
    sends.push_back(c.send(q::send_submission{still[k].task, std::move(root), std::nullopt}));
  }
  for (size_t k = 0; k < still.size(); ++k) {
    auto done = co_await sends[k];
    // A failed resend changes nothing: the claim deadline still holds.
    if (done.error || !std::get<q::send_completion>(done.completion).success) continue;
    watch_unclaimed(c, still[k].task, still[k].delay * 2);
  }
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

}  // namespace resonate::kernel::coroutines
