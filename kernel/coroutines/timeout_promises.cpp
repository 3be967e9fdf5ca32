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
    auto& due = std::get<q::query_promises_result>(scanned.store().results.at(0)).records;
    if (due.empty()) break;

    auto step = apply_timeouts(c, due);
    auto failure = co_await std::move(step);
    if (failure) co_return std::move(*failure);
    if (static_cast<int64_t>(due.size()) < s.promise_batch_size) break;
  }
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

}  // namespace resonate::kernel::coroutines
