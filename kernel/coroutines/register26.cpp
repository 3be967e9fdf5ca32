// promise.register_callback and promise.register_listener of protocol
// 2026-04-01 (spec 1.9, 2.6), decoded by the gateway into types. Each reads
// the promises it names as they are at its time (read26.cpp), decides in pure
// code (kernel/domain/promise26.*) and writes the registration in one
// transaction with a read of the awaited promise behind it. The store locks
// the awaited promise before the insert and inserts only while it is
// pending, so a settlement either came first (the read shows it settled,
// and so does the answer) or finds the registration: none is orphaned.
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/promise.hpp"
#include "kernel/domain/promise26.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {

q::response reply(q::promise26_response r) {
  return q::response{q::status::ok, std::move(r), {}};
}

/// Writes `d.write` and reads the awaited promise after it: the answer, or
/// nullopt to read and decide again (the promise went, or is past its
/// timeout now and must be timed out first).
task<std::optional<q::response>> commit(context& c, domain::registration26 d, int64_t now) {
  if (!d.write) co_return reply(std::move(d.answer));
  auto awaited = d.write->awaited;
  auto io = c.store(q::store_transaction{std::nullopt, {*d.write, q::read_promise_cmd{awaited}}});
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  auto& rows = std::get<q::query_promises_result>(done.store().results.at(1)).records;
  if (rows.empty() || domain::is_timed_out(rows.front(), now)) co_return std::nullopt;
  d.answer.promise = std::move(rows.front());
  co_return reply(std::move(d.answer));
}

}  // namespace

root_task promise26_register_callback(context& c, q::request r, const settings&) {
  auto req = std::get<q::promise26_register_callback_request>(std::move(r.payload));
  const int64_t now = req.debug_time.value_or(c.now());
  for (;;) {
    auto step = read26_as_of(c, {}, {req.awaited, req.awaiter}, now);
    auto read = co_await std::move(step);
    if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
    auto& rows = std::get<rows26>(read);
    auto d = domain::decide_register_callback(req, rows.others.at(0), rows.others.at(1));
    auto committing = commit(c, std::move(d), now);
    if (auto out = co_await std::move(committing)) co_return std::move(*out);
  }
}

root_task promise26_register_listener(context& c, q::request r, const settings&) {
  auto req = std::get<q::promise26_register_listener_request>(std::move(r.payload));
  const int64_t now = req.debug_time.value_or(c.now());
  for (;;) {
    auto step = read26_as_of(c, {}, {req.awaited}, now);
    auto read = co_await std::move(step);
    if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
    auto d = domain::decide_register_listener(req, std::get<rows26>(read).others.at(0));
    auto committing = commit(c, std::move(d), now);
    if (auto out = co_await std::move(committing)) co_return std::move(*out);
  }
}

}  // namespace resonate::kernel::coroutines
