// debug.* of protocol 2026-04-01 (spec 1.9; the gateway admits them only
// under --debug). start and stop pause and resume the kernel's background
// jobs; reset empties the store; snap reads all of protocol 2026's state in
// one transaction; tick runs the background pass at the tick's time and then
// fires the schedules due then through the one schedule firer
// (schedule_promises.cpp). A debug tick arms no timer: the test moves time
// itself.
#include "kernel/coroutines/coroutines.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {

q::response answer(std::optional<q::snapshot26> snap = std::nullopt) {
  return q::response{q::status::ok, q::debug26_response{std::move(snap)}, {}};
}

/// No page limit: a snapshot is everything.
constexpr int64_t everything = 1000000;

task<q::response> snap(context& c) {
  q::search_promises_cmd promises;
  promises.id = "*";
  promises.limit = everything;
  q::store_transaction tx{std::nullopt,
                          {std::move(promises), q::search_tasks26_cmd{{}, std::nullopt, everything},
                           q::read_snapshot26_cmd{}, q::take_outbox_cmd{everything, {}, 0}}};
  auto io = c.store(std::move(tx));
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  auto& results = done.store().results;
  q::snapshot26 out;
  out.promises = std::get<q::query_promises_result>(std::move(results.at(0))).records;
  out.tasks = std::get<q::query_tasks26_result>(std::move(results.at(1))).records;
  auto tables = std::get<q::snapshot26_result>(std::move(results.at(2)));
  out.promise_timeouts = std::move(tables.promise_timeouts);
  out.callbacks = std::move(tables.callbacks);
  out.listeners = std::move(tables.listeners);
  // The outbox as it stands: taken, not acknowledged, so nothing leaves it.
  out.messages = std::get<q::outbox_result>(std::move(results.at(3))).messages;
  co_return answer(std::move(out));
}

}  // namespace

root_task debug26(context& c, q::request r, const settings& s) {
  auto req = std::get<q::debug26_request>(std::move(r.payload));
  switch (req.op) {
    case q::debug26_op::start:
    case q::debug26_op::stop:
      c.shared().background_paused = req.op == q::debug26_op::start;
      co_return answer();
    case q::debug26_op::reset: {
      auto resetting = run_one(c, q::reset_store_cmd{});
      auto reset = co_await std::move(resetting);
      if (auto* failure = std::get_if<q::response>(&reset)) co_return std::move(*failure);
      co_return answer();
    }
    case q::debug26_op::snap: {
      auto reading = snap(c);
      co_return co_await std::move(reading);
    }
    case q::debug26_op::tick:
      break;
  }
  const int64_t now = req.debug_time.value_or(c.now());
  auto pass = background_pass26(c, s, now);
  auto outcome = co_await std::move(pass);
  if (auto* failure = std::get_if<q::response>(&outcome)) co_return std::move(*failure);
  // The due schedules last (spec 4.2), at the tick's time.
  auto firing = fire_due_schedules(c, s, now);
  if (auto failure = co_await std::move(firing)) co_return std::move(*failure);
  co_return answer();
}

}  // namespace resonate::kernel::coroutines
