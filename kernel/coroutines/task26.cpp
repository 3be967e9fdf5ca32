// task.get, acquire, release, fulfill, suspend, heartbeat, halt, continue of
// protocol 2026-04-01 (spec 1.9, 2.3, 2.4), decoded by the gateway into types
// and run here like REST v1's operations: read every row the operation
// decides on in one store round trip, time out a named promise past its
// timeout first (spec 2.1), decide in pure code (kernel/domain/task26.*),
// then write with guards in one transaction; a guard that did not hold means
// another writer came first, and the operation reads and decides again.
// Time is the request's debug time or the kernel's clock.
#include "kernel/domain/task26.hpp"

#include <algorithm>

#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/promise.hpp"
#include "kernel/domain/promise26.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;
using domain::task26_decision;
using domain::task26_rows;

namespace {

q::response reply(q::task26_response r) {
  return q::response{q::status::ok, std::move(r), {}};
}

/// The writes of `d` in one transaction: the answer when every guarded write
/// took effect (`all_or_retry`) or in any case (heartbeat: a lost lease is
/// skipped), nullopt to decide again. Kicks the outbox drain for new
/// messages and arms the tick at the timers written (not under a debug time).
task<std::optional<q::response>> commit(context& c, task26_decision d, bool all_or_retry,
                                        bool debug) {
  if (d.writes.empty() && !d.settle && !d.create && !d.preload && !d.promise_after)
    co_return reply(std::move(d.answer));
  q::store_transaction tx;
  if (d.create) tx.commands.emplace_back(*d.create);
  if (d.settle) tx.commands.emplace_back(*d.settle);
  for (const auto& w : d.writes) tx.commands.emplace_back(w);
  if (d.promise_after) tx.commands.emplace_back(*d.promise_after);
  if (d.preload) tx.commands.emplace_back(*d.preload);
  auto io = c.store(std::move(tx));
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  auto& results = done.store().results;
  size_t i = 0;
  if (d.create) {
    // Created now, or there already (another writer's): either way its task
    // is what the guarded write below finds.
    auto& w = std::get<q::promise_write_result>(results.at(i++));
    if (!w.row) co_return std::nullopt;
    const bool taken = std::any_of(d.writes.begin(), d.writes.end(),
                                   [](const q::write_task26_cmd& t) { return t.drop_execute; });
    if (w.rows_affected == 1) after_create26(c, *w.row, debug, taken);
    d.answer.promise = std::move(*w.row);
  }
  if (d.settle) {
    auto& w = std::get<q::promise_write_result>(results.at(i++));
    if (w.rows_affected != 1 || !w.row) co_return std::nullopt;
    after_settle26(c, w);
    d.answer.promise = std::move(*w.row);
  }
  bool messages = false;
  for (const auto& w : d.writes) {
    auto& written = std::get<q::alter_result>(results.at(i++));
    if (written.rows_affected != 1) {
      // The execute this write would have dropped stays queued: send it.
      if (w.drop_execute) kick_outbox26(c);
      if (all_or_retry) co_return std::nullopt;
      continue;
    }
    messages = messages || w.send_execute;
    if (w.task.timer_at && !debug) c.shared().run_job_at(tick_2026_job, *w.task.timer_at);
  }
  if (messages) kick_outbox26(c);
  if (d.promise_after) {
    // Pending by the write's guard, in the same transaction.
    auto& read = std::get<q::query_promises_result>(results.at(i++));
    if (read.records.empty()) co_return std::nullopt;
    d.answer.promise = std::move(read.records.front());
  }
  if (d.preload) {
    d.answer.preload = std::move(std::get<q::query_promises_result>(results.at(i++)).records);
  }
  co_return reply(std::move(d.answer));
}

using awaited_rows = std::vector<std::optional<q::promise_record>>;

/// No write to try before reading (every kind but task.fulfill).
struct nothing_unread {
  template <class Request>
  std::optional<task26_decision> operator()(const Request&, int64_t) const {
    return std::nullopt;
  }
};

/// An operation on one task: `decide(req, rows, awaited, now)` on the task
/// and its promise (and, for a suspend, the promises it awaits) as they are
/// at the request's time, then commit; decided again while a guard is lost.
/// `unread(req, now)`: a write to try before reading anything, if any.
template <class Request, class Decide, class Unread = nothing_unread>
root_task single_task(context& c, q::request r, Decide decide, Unread unread = {}) {
  auto req = std::get<Request>(std::move(r.payload));
  const int64_t now = req.debug_time.value_or(c.now());
  std::vector<std::string> awaited;
  if constexpr (std::is_same_v<Request, q::task26_suspend_request>) awaited = req.awaited;
  // A write whose guards need nothing read goes first; where they do not
  // hold, nothing changed, and the operation reads and decides.
  if (auto first = unread(req, now)) {
    auto trying = commit(c, std::move(*first), /*all_or_retry=*/true, req.debug_time.has_value());
    if (auto out = co_await std::move(trying)) co_return std::move(*out);
  }
  for (;;) {
    auto step = read26_as_of(c, {req.id}, awaited, now);
    auto read = co_await std::move(step);
    if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
    auto& rows = std::get<rows26>(read);
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
  auto step = read26_as_of(c, {req.id}, {}, now);
  auto read = co_await std::move(step);
  if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
  co_return reply(domain::decide_get(std::get<rows26>(read).rows.front()));
}

// States as stored: every timer that moves a task (retry, lease, its
// promise's timeout) is the background pass's, not a read's.
root_task task26_search(context& c, q::request r, const settings&) {
  auto req = std::get<q::task26_search_request>(std::move(r.payload));
  // One row more than the page: whether more remain after it.
  q::search_tasks26_cmd search{req.cursor, req.state, req.limit + 1};
  auto io = c.store(q::store_transaction{std::nullopt, {std::move(search)}});
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  auto& rows = std::get<q::query_tasks26_result>(done.store().results.at(0)).records;
  co_return q::response{q::status::ok, domain::task26_page(std::move(rows), req.limit), {}};
}

root_task task26_acquire(context& c, q::request r, const settings&) {
  // Taking the pending version named needs nothing read: where the task is
  // pending at that version (the common case) the write and the reads of
  // the answer after it are the whole operation, one round trip.
  return single_task<q::task26_acquire_request>(
    c, std::move(r),
    [](const auto& req, const task26_rows& rows, const awaited_rows&, int64_t now) {
      return domain::decide_acquire(req, rows, now);
    },
    [](const auto& req, int64_t now) {
      return std::optional<task26_decision>{domain::acquire_unread(req, now)};
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
  // The fenced settle needs nothing read: where the fence holds (the common
  // case) it is the whole operation.
  return single_task<q::task26_fulfill_request>(
    c, std::move(r),
    [](const auto& req, const task26_rows& rows, const awaited_rows&, int64_t now) {
      return domain::decide_fulfill(req, rows, now);
    },
    [](const auto& req, int64_t now) {
      return std::optional<task26_decision>{domain::fulfill_unread(req, now)};
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

root_task task26_create(context& c, q::request r, const settings&) {
  auto req = std::get<q::task26_create_request>(std::move(r.payload));
  const int64_t now = req.debug_time.value_or(c.now());
  const bool debug = req.debug_time.has_value();
  // A new id (the common case) needs nothing read: the create and the take
  // of its task are the whole operation. Where the id exists, the take
  // holds only if decide_create would have taken it too; else nothing but
  // the create's no-op happened, and the operation reads and decides.
  if (auto first = domain::create_unread(req, now)) {
    auto trying = commit(c, std::move(*first), /*all_or_retry=*/true, debug);
    if (auto out = co_await std::move(trying)) co_return std::move(*out);
  }
  for (;;) {
    auto step = read26_as_of(c, {req.action.id}, {}, now);
    auto read = co_await std::move(step);
    if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
    auto decision = domain::decide_create(req, std::get<rows26>(read).rows.front(), now);
    if (decision.create && domain::created_timed_out(req.action, now)) {
      // Created at its timeout: timed out at once, its task fulfilled from
      // the start (the store's step), nothing sent.
      auto io = c.store(q::store_transaction{std::nullopt, {*decision.create}});
      auto done = co_await io;
      if (auto failure = store_failure(done)) co_return std::move(*failure);
      auto& w = std::get<q::promise_write_result>(done.store().results.at(0));
      if (w.rows_affected != 1 || !w.row) continue;  // another writer's: read again
      auto timing = apply_lazy_timeout(c, std::move(*w.row), std::nullopt, now);
      auto timed = co_await std::move(timing);
      if (auto* failure = std::get_if<q::response>(&timed)) co_return std::move(*failure);
      if (!std::holds_alternative<q::promise_record>(timed)) continue;
      co_return reply(domain::created_fulfilled(std::get<q::promise_record>(timed)));
    }
    auto committing = commit(c, std::move(decision), /*all_or_retry=*/true, debug);
    if (auto out = co_await std::move(committing)) co_return std::move(*out);
  }
}

/// The fence's action written: the answer when it took effect, nullopt when
/// not (the fence was lost, or another writer created or settled the promise
/// first: read and decide again).
task<std::optional<q::response>> write_fenced(context& c, domain::task26_fence_decision d,
                                              bool debug) {
  q::store_transaction tx;
  if (d.create) tx.commands.emplace_back(*d.create);
  if (d.settle) tx.commands.emplace_back(*d.settle);
  auto io = c.store(std::move(tx));
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  auto& w = std::get<q::promise_write_result>(done.store().results.at(0));
  if (w.rows_affected != 1 || !w.row) co_return std::nullopt;
  if (d.create) {
    after_create26(c, *w.row, debug);
  } else {
    after_settle26(c, w);
  }
  co_return q::response{
    q::status::ok,
    q::task26_fence_response{200, {}, q::promise26_response{200, std::move(*w.row), {}}},
    {}};
}

root_task task26_fence(context& c, q::request r, const settings&) {
  auto req = std::get<q::task26_fence_request>(std::move(r.payload));
  const int64_t now = req.debug_time.value_or(c.now());
  const bool debug = req.debug_time.has_value();
  // The action behind the fence first, with nothing read: where the fence
  // holds and the promise is new or pending (the common case), that is the
  // whole operation; otherwise nothing changed.
  if (auto unread = domain::fence_unread(req, now)) {
    auto trying = write_fenced(c, std::move(*unread), debug);
    if (auto out = co_await std::move(trying)) co_return std::move(*out);
  }
  for (;;) {
    auto step = read26_as_of(c, {req.id}, {domain::fence_action_id(req)}, now);
    auto read = co_await std::move(step);
    if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
    auto& rows = std::get<rows26>(read);
    auto d = domain::decide_fence(req, rows.rows.front(), rows.others.front(), now);
    if (d.answer) co_return q::response{q::status::ok, std::move(*d.answer), {}};
    // Created past its timeout: write, then read again, which times it out
    // (spec 2.2) and answers it as stored.
    const bool timed_out = req.create && domain::created_timed_out(*req.create, now);
    auto writing = write_fenced(c, std::move(d), debug);
    auto out = co_await std::move(writing);
    if (out && !timed_out) co_return std::move(*out);
    if (out && out->status != q::status::ok) co_return std::move(*out);
  }
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
  auto step = read26_rows(c, ids, {});
  auto read = co_await std::move(step);
  if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
  auto decision = domain::decide_heartbeat(req, std::get<rows26>(read).rows, now);
  auto committing =
    commit(c, std::move(decision), /*all_or_retry=*/false, req.debug_time.has_value());
  auto out = co_await std::move(committing);
  co_return std::move(*out);
}

}  // namespace resonate::kernel::coroutines
