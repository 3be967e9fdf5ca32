// GET /ready: the server is ready when its store answers.
#include "kernel/coroutines/coroutines.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

root_task ready(context& c, q::request, const settings&) {
  q::store_transaction tx{std::nullopt, {q::ping_cmd{}}};
  auto io = c.store(std::move(tx));
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

}  // namespace resonate::kernel::coroutines
