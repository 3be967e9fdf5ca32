// promise.get, promise.create, promise.settle and promise.search of protocol
// 2026-04-01 (spec 1.9, 2.1, 2.2), decoded by the gateway into types and run
// here like REST v1's operations: one guarded write read back on the common
// path (the store follows it with protocol 2026's step: the task of a
// targeted promise, the settlement chain), the row read back decides, and a
// lost race starts over. Time is the request's debug time or the kernel's
// clock.
#include "kernel/domain/promise26.hpp"
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/promise.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {

q::response answer(q::promise_record p) {
  return q::response{q::status::ok, q::promise26_response{200, std::move(p), {}}, {}};
}

q::response not_found() {
  return q::response{
    q::status::ok, q::promise26_response{404, std::nullopt, "Promise not found"}, {}};
}

/// A promise read, or absent.
task<std::variant<std::optional<q::promise_record>, q::response>> read(context& c, std::string id) {
  auto io = c.store(q::store_transaction{std::nullopt, {q::read_promise_cmd{id}}});
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  auto& rows = std::get<q::query_promises_result>(done.store().results.at(0)).records;
  if (rows.empty()) co_return std::optional<q::promise_record>{};
  co_return std::optional<q::promise_record>{std::move(rows.front())};
}

/// The promise as it is at `now`: a pending one past its timeout is timed
/// out first (spec 2.1); nullopt when that raced with another write (read
/// again).
task<std::variant<std::optional<q::promise_record>, q::response>> as_of(context& c,
                                                                        q::promise_record p,
                                                                        int64_t now) {
  if (!domain::is_timed_out(p, now)) co_return std::optional<q::promise_record>{std::move(p)};
  auto step = apply_lazy_timeout(c, std::move(p), std::nullopt, now);
  auto outcome = co_await std::move(step);
  if (std::holds_alternative<lazy_timeout_race>(outcome)) {
    co_return std::optional<q::promise_record>{};
  }
  if (auto* failure = std::get_if<q::response>(&outcome)) co_return std::move(*failure);
  co_return std::optional<q::promise_record>{std::get<q::promise_record>(std::move(outcome))};
}

/// The answer for `p` as it is at `now` (as_of), or nullopt when timing it
/// out raced with another write (read again).
task<std::optional<q::response>> answer_as_of(context& c, q::promise_record p, int64_t now) {
  auto timing = as_of(c, std::move(p), now);
  auto current = co_await std::move(timing);
  if (auto* failure = std::get_if<q::response>(&current)) co_return std::move(*failure);
  if (auto& settled = std::get<std::optional<q::promise_record>>(current)) {
    co_return answer(std::move(*settled));
  }
  co_return std::nullopt;
}

}  // namespace

void after_create26(context& c, const q::promise_record& created, bool debug, bool execute_taken) {
  if (!execute_taken && domain::created_with_messages(created.tags)) kick_outbox26(c);
  if (auto wake = domain::created_wake(created); wake && !debug) {
    c.shared().run_job_at(tick_2026_job, *wake);
  }
}

void after_settle26(context& c, const q::promise_write_result& w) {
  after_completion(c, w);
  if (w.row) count_completed_promises(w.row->state);
}

root_task promise26_get(context& c, q::request r, const settings&) {
  auto req = std::get<q::promise26_get_request>(std::move(r.payload));
  const int64_t now = req.debug_time.value_or(c.now());
  for (;;) {
    auto reading = read(c, req.id);  // a local first: see kernel/task.hpp
    auto found = co_await std::move(reading);
    if (auto* failure = std::get_if<q::response>(&found)) co_return std::move(*failure);
    auto& p = std::get<std::optional<q::promise_record>>(found);
    if (!p) co_return not_found();
    auto step = answer_as_of(c, std::move(*p), now);
    if (auto out = co_await std::move(step)) co_return std::move(*out);
  }
}

root_task promise26_create(context& c, q::request r, const settings&) {
  auto req = std::get<q::promise26_create_request>(std::move(r.payload));
  const int64_t now = req.debug_time.value_or(c.now());
  for (;;) {
    auto io = c.store(q::store_transaction{std::nullopt, {domain::create26_command(req, now)}});
    auto done = co_await io;
    if (auto failure = store_failure(done)) co_return std::move(*failure);
    auto& w = std::get<q::promise_write_result>(done.store().results.at(0));
    if (!w.row) continue;  // deleted meanwhile (debug.reset): create again
    // Created now, or there already: either way the row as it is at `now`.
    if (w.rows_affected == 1 && !domain::created_timed_out(req, now)) {
      after_create26(c, *w.row, req.debug_time.has_value());
      co_return answer(std::move(*w.row));
    }
    auto step = answer_as_of(c, std::move(*w.row), now);
    if (auto out = co_await std::move(step)) co_return std::move(*out);
  }
}

root_task promise26_settle(context& c, q::request r, const settings&) {
  auto req = std::get<q::promise26_settle_request>(std::move(r.payload));
  const int64_t now = req.debug_time.value_or(c.now());
  for (;;) {
    auto io = c.store(q::store_transaction{std::nullopt, {domain::settle26_command(req, now)}});
    auto done = co_await io;
    if (auto failure = store_failure(done)) co_return std::move(*failure);
    auto& w = std::get<q::promise_write_result>(done.store().results.at(0));
    if (!w.row) co_return not_found();
    if (w.rows_affected == 1) {
      after_settle26(c, w);
      co_return answer(std::move(*w.row));
    }
    // Not settled by this request: settled already (answered as stored), or
    // past its timeout (timed out now, then answered), or changed under us.
    if (w.row->state != q::promise_state::pending) co_return answer(std::move(*w.row));
    if (!domain::is_timed_out(*w.row, now)) continue;
    auto step = answer_as_of(c, std::move(*w.row), now);
    if (auto out = co_await std::move(step)) co_return std::move(*out);
  }
}

root_task promise26_search(context& c, q::request r, const settings&) {
  auto req = std::get<q::promise26_search_request>(std::move(r.payload));
  const int64_t now = req.debug_time.value_or(c.now());
  auto searching = run_one(c, domain::search26_command(req, now));
  auto searched = co_await std::move(searching);
  if (auto* failure = std::get_if<q::response>(&searched)) co_return std::move(*failure);
  auto& rows = std::get<q::query_promises_result>(std::get<q::store_result>(searched)).records;
  co_return q::response{q::status::ok, domain::promise26_page(std::move(rows), req.limit, now), {}};
}

}  // namespace resonate::kernel::coroutines
