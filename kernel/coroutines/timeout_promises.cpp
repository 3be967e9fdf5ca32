// Background: time out pending promises whose timeout has passed (REST v1 5.1),
// `promise_batch_size` at a time, at most `promise_max_iterations` batches per run.
// Each update is guarded by `state = PENDING`, so a promise completed meanwhile
// by a request is left alone.
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/promise.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

root_task timeout_promises(context& c, const settings& s) {
  for (int64_t i = 0; i < s.promise_max_iterations; ++i) {
    q::store_transaction scan{std::nullopt,
                              {q::read_timedout_promises_cmd{c.now(), s.promise_batch_size}}};
    auto scan_io = c.store(std::move(scan));
    auto scanned = co_await scan_io;
    if (auto failure = store_failure(scanned)) co_return std::move(*failure);
    auto& due = std::get<q::query_promises_result>(scanned.completion.results.at(0)).records;
    if (due.empty()) break;

    q::store_transaction timeouts;
    for (const auto& p : due)
      for (auto& cmd : domain::timeout_commands(p)) timeouts.commands.push_back(std::move(cmd));
    auto timeout_io = c.store(std::move(timeouts));
    auto timed = co_await timeout_io;
    if (auto failure = store_failure(timed)) co_return std::move(*failure);
    if (static_cast<int64_t>(due.size()) < s.promise_batch_size) break;
  }
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

}  // namespace resonate::kernel::coroutines
