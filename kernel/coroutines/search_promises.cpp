// GET /promises (REST v1 4.6): search; if any row is a pending promise past its
// timeout, time those out (one transaction) and search again, so the page shows
// current states. A page that comes back full carries the next page's request.
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/promise.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

root_task search_promises(context& c, q::request r, const settings&) {
  auto req = std::get<q::search_promises_request>(std::move(r.payload));
  for (;;) {
    q::store_transaction tx{std::nullopt,
                            {q::search_promises_cmd{req.id, req.states, req.tags, req.limit,
                                                    req.sort_id}}};
    auto io = c.store(std::move(tx));
    auto done = co_await io;
    if (auto failure = store_failure(done)) co_return std::move(*failure);
    auto& found = std::get<q::query_promises_result>(done.store().results.at(0));

    std::vector<q::promise_record> due;
    for (const auto& p : found.records)
      if (domain::is_timed_out(p, c.now())) due.push_back(p);
    if (!due.empty()) {
      auto step = apply_timeouts(c, due);
      auto failure = co_await std::move(step);
      if (failure) co_return std::move(*failure);
      continue;  // search again: the states changed
    }

    q::search_promises_response page;
    if (static_cast<int64_t>(found.records.size()) == req.limit && found.last_sort_id) {
      auto next = req;
      next.sort_id = found.last_sort_id;
      page.next = std::move(next);
    }
    page.promises = std::move(found.records);
    co_return q::response{q::status::ok, std::move(page), {}};
  }
}

}  // namespace resonate::kernel::coroutines
