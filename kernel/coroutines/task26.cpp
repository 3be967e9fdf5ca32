// task.get, acquire, release, fulfill, suspend, heartbeat, halt, continue of
// protocol 2026-04-01 (spec 1.9, 2.3, 2.4), decoded by the gateway into types
// and run here like REST v1's operations: read every row the operation
// decides on in one store round trip, time out a named promise past its
// timeout first (spec 2.1), decide in pure code (kernel/domain/task26.*),
// then write with guards in one transaction; a guard that did not hold means
// another writer came first, and the operation reads and decides again.
// Time is the request's debug time or the kernel's clock.
#include "kernel/domain/task26.hpp"
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/promise.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;
using domain::task26_decision;
using domain::task26_rows;

namespace {

q::response reply(q::task26_response r) {
  return q::response{q::status::ok, std::move(r), {}};
}

/// What one read round trip found: a promise and a task per id asked for.
struct reading {
  std::vector<task26_rows> rows;
  /// The promises named besides the tasks' own (suspend's awaited), in order.
  std::vector<std::optional<q::promise_record>> others;
};

/// Reads the promise and the task of each of `ids`, and the promises
/// `others`, in one transaction.
// Coroutine parameters are taken by value: a reference would outlive a
// temporary argument once the coroutine suspends.
task<std::variant<reading, q::response>> read_rows(context& c, std::vector<std::string> ids,
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
  reading out;
  size_t i = 0;
  for (size_t k = 0; k < ids.size(); ++k, i += 2) {
    task26_rows r;
    r.promise = promise_at(i);
    auto& tasks = std::get<q::query_tasks26_result>(results.at(i + 1)).records;
    if (!tasks.empty()) r.task = std::move(tasks.front());
    out.rows.push_back(std::move(r));
  }
  for (size_t k = 0; k < others.size(); ++k, ++i) out.others.push_back(promise_at(i));
  co_return out;
}

/// The first promise of `read` that is pending past its timeout at `now`.
const q::promise_record* first_overdue(const reading& read, int64_t now) {
  for (const auto& r : read.rows) {
    if (r.promise && domain::is_timed_out(*r.promise, now)) return &*r.promise;
  }
  for (const auto& p : read.others) {
    if (p && domain::is_timed_out(*p, now)) return &*p;
  }
  return nullptr;
}

/// Reads the rows, timing out named promises first: the rows as they are at `now`.
task<std::variant<reading, q::response>> read_as_of(context& c, std::vector<std::string> ids,
                                                    std::vector<std::string> others, int64_t now) {
  for (;;) {
    auto step = read_rows(c, ids, others);
    auto read = co_await std::move(step);
    if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
    const auto* overdue = first_overdue(std::get<reading>(read), now);
    if (!overdue) co_return std::move(std::get<reading>(read));
    // Spec 2.1: the operation sees it settled, its chain run; then read again
    // (also when another writer settled it meanwhile).
    auto timing = apply_lazy_timeout(c, *overdue, std::nullopt, now);
    auto timed = co_await std::move(timing);
    if (auto* failure = std::get_if<q::response>(&timed)) co_return std::move(*failure);
    c.shared().kicked_jobs.insert(outbox_2026_job);  // the chain may have queued messages
  }
}

/// The writes of `d` in one transaction: the answer when every guarded write
/// took effect (`all_or_retry`) or in any case (heartbeat: a lost lease is
/// skipped), nullopt to decide again. Kicks the outbox drain for new
/// messages and arms the tick at the timers written (not under a debug time).
task<std::optional<q::response>> commit(context& c, task26_decision d, bool all_or_retry,
                                        bool debug) {
  if (d.writes.empty() && !d.settle) co_return reply(std::move(d.answer));
  q::store_transaction tx;
  if (d.settle) tx.commands.emplace_back(*d.settle);
  for (const auto& w : d.writes) tx.commands.emplace_back(w);
  if (d.preload) tx.commands.emplace_back(*d.preload);
  auto io = c.store(std::move(tx));
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  auto& results = done.store().results;
  size_t i = 0;
  if (d.settle) {
    auto& w = std::get<q::promise_write_result>(results.at(i++));
    if (w.rows_affected != 1 || !w.row) co_return std::nullopt;
    if (w.tasks_created > 0) kick_enqueue(c);  // REST v1 callbacks on it
    count_completed_promises(w.row->state);
    c.shared().kicked_jobs.insert(outbox_2026_job);
    d.answer.promise = std::move(*w.row);
  }
  bool messages = false;
  for (const auto& w : d.writes) {
    auto& written = std::get<q::alter_result>(results.at(i++));
    if (written.rows_affected != 1) {
      if (all_or_retry) co_return std::nullopt;
      continue;
    }
    messages = messages || w.send_execute;
    if (w.task.timer_at && !debug) c.shared().run_job_at(tick_2026_job, *w.task.timer_at);
  }
  if (messages) c.shared().kicked_jobs.insert(outbox_2026_job);
  if (d.preload) {
    d.answer.preload = std::move(std::get<q::query_promises_result>(results.at(i++)).records);
  }
  co_return reply(std::move(d.answer));
}

using awaited_rows = std::vector<std::optional<q::promise_record>>;

/// An operation on one task: `decide(req, rows, awaited, now)` on the task
/// and its promise (and, for a suspend, the promises it awaits) as they are
/// at the request's time, then commit; decided again while a guard is lost.
template <class Request, class Decide>
root_task single_task(context& c, q::request r, Decide decide) {
  auto req = std::get<Request>(std::move(r.payload));
  const int64_t now = req.debug_time.value_or(c.now());
  std::vector<std::string> awaited;
  if constexpr (std::is_same_v<Request, q::task26_suspend_request>) awaited = req.awaited;
  for (;;) {
    auto step = read_as_of(c, {req.id}, awaited, now);
    auto read = co_await std::move(step);
    if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
    auto& rows = std::get<reading>(read);
    auto decision = decide(req, rows.rows.front(), rows.others, now);
    auto committing =
      commit(c, std::move(decision), /*all_or_retry=*/true, req.debug_time.has_value());
    if (auto out = co_await std::move(committing)) co_return std::move(*out);
  }
}

}  // namespace

root_task task26_get(context& c, q::request r, const settings&) {
  auto req = std::get<q::task26_get_request>(std::move(r.payload));
  const int64_t now = req.debug_time.value_or(c.now());
  auto step = read_as_of(c, {req.id}, {}, now);
  auto read = co_await std::move(step);
  if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
  co_return reply(domain::decide_get(std::get<reading>(read).rows.front()));
}

root_task task26_acquire(context& c, q::request r, const settings&) {
  return single_task<q::task26_acquire_request>(
    c, std::move(r),
    [](const auto& req, const task26_rows& rows, const awaited_rows&, int64_t now) {
      return domain::decide_acquire(req, rows, now);
    });
}

root_task task26_release(context& c, q::request r, const settings&) {
  return single_task<q::task26_release_request>(
    c, std::move(r),
    [](const auto& req, const task26_rows& rows, const awaited_rows&, int64_t now) {
      return domain::decide_release(req, rows, now);
    });
}

root_task task26_fulfill(context& c, q::request r, const settings&) {
  return single_task<q::task26_fulfill_request>(
    c, std::move(r),
    [](const auto& req, const task26_rows& rows, const awaited_rows&, int64_t now) {
      return domain::decide_fulfill(req, rows, now);
    });
}

root_task task26_suspend(context& c, q::request r, const settings&) {
  return single_task<q::task26_suspend_request>(
    c, std::move(r),
    [](const auto& req, const task26_rows& rows, const awaited_rows& awaited, int64_t) {
      return domain::decide_suspend(req, rows, awaited);
    });
}

root_task task26_halt(context& c, q::request r, const settings&) {
  return single_task<q::task26_halt_request>(
    c, std::move(r), [](const auto&, const task26_rows& rows, const awaited_rows&, int64_t) {
      return domain::decide_halt(rows);
    });
}

root_task task26_continue(context& c, q::request r, const settings&) {
  return single_task<q::task26_continue_request>(
    c, std::move(r), [](const auto&, const task26_rows& rows, const awaited_rows&, int64_t now) {
      return domain::decide_continue(rows, now);
    });
}

// The leases are not timed out on access (the background pass does): a
// heartbeat on a promise past its timeout is skipped, as one whose lease is
// not this worker's; what it cannot extend it leaves alone, so it never
// reads again.
root_task task26_heartbeat(context& c, q::request r, const settings&) {
  auto req = std::get<q::task26_heartbeat_request>(std::move(r.payload));
  const int64_t now = req.debug_time.value_or(c.now());
  std::vector<std::string> ids;
  ids.reserve(req.tasks.size());
  for (const auto& t : req.tasks) ids.push_back(t.id);
  if (ids.empty()) co_return reply(domain::decide_heartbeat(req, {}, now).answer);
  auto step = read_rows(c, ids, {});
  auto read = co_await std::move(step);
  if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
  auto decision = domain::decide_heartbeat(req, std::get<reading>(read).rows, now);
  auto committing =
    commit(c, std::move(decision), /*all_or_retry=*/false, req.debug_time.has_value());
  auto out = co_await std::move(committing);
  co_return std::move(*out);
}

}  // namespace resonate::kernel::coroutines
