#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/promise.hpp"
#include "kernel/scheduler.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

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

task<lazy_timeout_result> apply_lazy_timeout(context& c, q::promise_record p,
                                             std::optional<q::fence> fence) {
  q::store_transaction tx{std::move(fence), domain::timeout_commands(p)};
  auto io = c.store(std::move(tx));
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return lazy_timeout_result{std::move(*failure)};
  auto& altered = std::get<q::alter_result>(done.completion.results.at(0));
  if (altered.rows_affected == 0) co_return lazy_timeout_result{lazy_timeout_race{}};
  co_return lazy_timeout_result{domain::timed_out(std::move(p))};
}

}  // namespace resonate::kernel::coroutines
