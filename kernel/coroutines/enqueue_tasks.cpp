// Background EnqueueTasks (REST v1 4.10): INIT tasks that may go out (one per
// root, none while the root has an ENQUEUED or CLAIMED task) are timed out,
// completed (their root settled, unless they notify), or sent; the outcome of
// every send is written in one transaction, each update guarded by the task's
// INIT state and counter. Up to task_max_iterations batches per run: another
// batch when this one was full, or when it finished a root's task without
// making the root busy (a notify, which goes INIT -> COMPLETED, or a task
// timed out or completed here), since the scan gives one task per root and
// that root's next one is eligible at once. A root that another coroutine
// holds, or released while this pass's rows were in use, is left to the next
// pass (shared_state::roots_held).
#include <algorithm>

#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/task.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {

/// Watches the roots released while this pass's rows are in use
/// (shared_state::released_since_scan), for the life of the object.
class scan_watch {
public:
  explicit scan_watch(shared_state& s) : s_(s) { s_.released_since_scan.emplace(); }
  scan_watch(const scan_watch&) = delete;
  scan_watch& operator=(const scan_watch&) = delete;
  ~scan_watch() { s_.released_since_scan.reset(); }
  /// Whether the scan's rows of this root may be stale, or another coroutine holds it.
  bool skip(const std::string& root) const {
    return s_.roots_held.count(root) != 0 || s_.released_since_scan->count(root) != 0;
  }

private:
  shared_state& s_;
};

}  // namespace

root_task enqueue_tasks(context& c, const settings& s) {
  for (int64_t i = 0; i < s.task_max_iterations; ++i) {
    scan_watch watch(c.shared());
    auto scan_io =
      c.store(q::store_transaction{std::nullopt,
                                   {q::read_enqueueable_tasks_cmd{c.now(), s.task_batch_size}}});
    auto scanned = co_await scan_io;
    if (auto failure = store_failure(scanned)) co_return std::move(*failure);
    auto& found = std::get<q::query_tasks_result>(scanned.store().results.at(0)).records;
    std::vector<q::task_record> due;
    for (auto& t : found)
      if (!watch.skip(t.root_promise_id)) due.push_back(std::move(t));
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
    // Roots released while the root reads were out: their rows may be stale too.
    std::erase_if(to_send, [&](const auto& entry) { return watch.skip(entry.first.root_promise_id); });
    // A root's task finished without making the root busy: its next may go now.
    bool freed_a_root =
      !settle.commands.empty() || std::any_of(to_send.begin(), to_send.end(), [](const auto& e) {
        return e.first.mesg.type == q::message_type::notify;
      });
    auto sending = deliver_tasks(c, std::move(to_send), s);
    auto failure = co_await std::move(sending);
    if (failure) co_return std::move(*failure);
    if (!full && !freed_a_root) break;
  }
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

}  // namespace resonate::kernel::coroutines
