// The read step of protocol 2026-04-01's typed operations (task26.cpp,
// register26.cpp): every row an operation decides on in one store round
// trip, as it is at the operation's time (spec 2.1: a named promise past its
// timeout is timed out first, its chain run, and the rows read again).
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/promise.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {

/// The first promise of `read` that is pending past its timeout at `now`.
const q::promise_record* first_overdue(const rows26& read, int64_t now) {
  for (const auto& r : read.rows) {
    if (r.promise && domain::is_timed_out(*r.promise, now)) return &*r.promise;
  }
  for (const auto& p : read.others) {
    if (p && domain::is_timed_out(*p, now)) return &*p;
  }
  return nullptr;
}

}  // namespace

// Coroutine parameters are taken by value: a reference would outlive a
// temporary argument once the coroutine suspends.
task<std::variant<rows26, q::response>> read26_rows(context& c, std::vector<std::string> ids,
                                                    std::vector<std::string> others) {
  q::store_transaction tx;
  for (const auto& id : ids) {
    tx.commands.emplace_back(q::read_promise_cmd{id});
    tx.commands.emplace_back(q::read_task26_cmd{id});
  }
  for (const auto& id : others) tx.commands.emplace_back(q::read_promise_cmd{id});
  auto io = c.store(std::move(tx));
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  auto& results = done.store().results;
  auto promise_at = [&](size_t i) -> std::optional<q::promise_record> {
    auto& rows = std::get<q::query_promises_result>(results.at(i)).records;
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
  };
  rows26 out;
  size_t i = 0;
  for (size_t k = 0; k < ids.size(); ++k, i += 2) {
    domain::task26_rows r;
    r.promise = promise_at(i);
    auto& tasks = std::get<q::query_tasks26_result>(results.at(i + 1)).records;
    if (!tasks.empty()) r.task = std::move(tasks.front());
    out.rows.push_back(std::move(r));
  }
  for (size_t k = 0; k < others.size(); ++k, ++i) out.others.push_back(promise_at(i));
  co_return out;
}

task<std::variant<rows26, q::response>> read26_as_of(context& c, std::vector<std::string> ids,
                                                     std::vector<std::string> others, int64_t now) {
  for (;;) {
    auto step = read26_rows(c, ids, others);
    auto read = co_await std::move(step);
    if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
    const auto* overdue = first_overdue(std::get<rows26>(read), now);
    if (!overdue) co_return std::move(std::get<rows26>(read));
    // Spec 2.1: the operation sees it settled, its chain run; then read again
    // (also when another writer settled it meanwhile).
    auto timing = apply_lazy_timeout(c, *overdue, std::nullopt, now);
    auto timed = co_await std::move(timing);
    if (auto* failure = std::get_if<q::response>(&timed)) co_return std::move(*failure);
  }
}

}  // namespace resonate::kernel::coroutines
