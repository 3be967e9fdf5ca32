#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/promise.hpp"
#include "kernel/scheduler.hpp"
#include "queues/metrics.hpp"

#include <array>

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {
q::metrics::counter& promises_counter(const char* state) {
  return q::metrics::global().get_counter("promises_total",
                                          std::string("state=\"") + state + "\"");
}
}  // namespace

void count_created_promise() {
  static auto& created = promises_counter("created");
  created.inc();
}

void count_completed_promises(q::promise_state state, int64_t n) {
  static std::array<q::metrics::counter*, 5> by_state{
    &promises_counter("pending"), &promises_counter("resolved"), &promises_counter("rejected"),
    &promises_counter("rejected_canceled"), &promises_counter("rejected_timedout")};
  size_t index = 0;
  for (auto bit = static_cast<unsigned>(state); bit > 1; bit >>= 1) ++index;
  by_state[index]->inc(static_cast<uint64_t>(n));
}

std::optional<q::response> store_failure(const q::aio_cqe& cqe) {
  if (!cqe.error) {
    if (cqe.completion.valid) return std::nullopt;
    return q::response::failure(q::status::task_precondition_failed,
                                "the fencing token is invalid");
  }
  if (*cqe.error == aio_queue_full_error)
    return q::response::failure(q::status::aio_submission_queue_full, *cqe.error);
  return q::response::failure(q::status::aio_store_error, *cqe.error);
}

task<std::optional<q::response>> apply_timeouts(context& c,
                                                 const std::vector<q::promise_record>& due) {
  q::store_transaction tx;
  std::vector<size_t> update_at;  // position of each promise's guarded update
  for (const auto& p : due) {
    update_at.push_back(tx.commands.size());
    for (auto& cmd : domain::timeout_commands(p)) tx.commands.push_back(std::move(cmd));
  }
  auto io = c.store(std::move(tx));
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(failure);
  for (size_t k = 0; k < due.size(); ++k)
    if (std::get<q::alter_result>(done.completion.results.at(update_at[k])).rows_affected == 1)
      count_completed_promises(q::timed_out_state(due[k]));
  co_return std::nullopt;
}

task<lazy_timeout_result> apply_lazy_timeout(context& c, q::promise_record p,
                                             std::optional<q::fence> fence) {
  q::store_transaction tx{std::move(fence), domain::timeout_commands(p)};
  auto io = c.store(std::move(tx));
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return lazy_timeout_result{std::move(*failure)};
  auto& altered = std::get<q::alter_result>(done.completion.results.at(0));
  if (altered.rows_affected == 0) co_return lazy_timeout_result{lazy_timeout_race{}};
  auto after = domain::timed_out(std::move(p));
  count_completed_promises(after.state);
  co_return lazy_timeout_result{std::move(after)};
}

}  // namespace resonate::kernel::coroutines
