// The background loops of protocol 2026-04-01 (spec 4.2, 3.3).
//  - Outbox2026: every messages.poll_interval (100 ms), at once after a write
//    that queued messages, and when an SSE stream connects: take a batch of the
//    outbox (written in the state change's transaction, so only committed
//    messages are seen), hand each to the sender, then delete what was handed
//    on. A crash in between sends a message twice rather than never; the SDK
//    drops a stale execute (acquire 409) and ignores a second unblock.
//    A message for a `poll://` address that no connected stream can take is
//    parked rather than dropped, and goes back to the outbox when a stream
//    that can take it connects: a worker that connects after its work was
//    created (or restarts after a crash) gets it at once instead of at the
//    task's 30 s retry timer, which stays the backstop.
//  - Tick2026: every signal period, and at the earliest timer an operation
//    armed or the last pass left (jobs_due): the promise timeouts, task
//    retries and lease expiries due now (background_pass26, which debug.tick
//    runs at its own time). The pass reads what is due, then writes each
//    change guarded by the row as read: a request that changed the row
//    meanwhile wins, and the row is decided on again at the next pass if it
//    is still due.
#include <algorithm>
#include <utility>

#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/promise.hpp"
#include "kernel/domain/task26.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {

bool is_poll_address(const std::string& address) {
  return address.rfind("poll://", 0) == 0;
}

}  // namespace

root_task drain_outbox_2026(context& c, const settings& s) {
  auto connected = std::exchange(c.shared().streams_connected, {});
  int64_t parked_before = 0;  // 0: no pruning on this pass
  if (c.now() - c.shared().outbox_pruned_at >= 1000) {
    c.shared().outbox_pruned_at = c.now();
    parked_before = c.now() - s.outbox_park_max_age_ms;
  }
  auto take = c.store(q::store_transaction{
    std::nullopt, {q::take_outbox_cmd{s.outbox_batch_size, std::move(connected), parked_before}}});
  auto taken = co_await take;
  if (auto failure = store_failure(taken)) co_return std::move(*failure);
  auto messages = std::get<q::outbox_result>(std::move(taken.store().results.at(0))).messages;
  if (messages.empty()) co_return q::response{q::status::ok, q::empty_response{}, {}};

  std::vector<context::io_awaiter> sends;
  sends.reserve(messages.size());
  for (const auto& m : messages) {
    q::send_submission sub;
    sub.raw = m;
    sends.push_back(c.send(std::move(sub)));
  }
  // A message that reached no stream is parked for one to connect. Any other
  // outcome deletes it: an undelivered execute comes back with its task's
  // retry timer, an unblock with the SDK's listener refresh (spec 3.3).
  std::vector<bool> missed(messages.size(), false);
  for (size_t k = 0; k < sends.size(); ++k) {
    auto done = co_await sends[k];
    missed[k] = !done.error && !std::get<q::send_completion>(done.completion).success &&
                is_poll_address(messages[k].address);
  }
  // A stream connected while the sends were out: it may be the one a send
  // just missed, so the missed messages stay in the outbox for the next pass
  // (kicked by that connection) instead of being parked past it.
  const bool recheck = !c.shared().streams_connected.empty();
  q::ack_outbox_cmd done;
  done.now = c.now();
  done.max_parked = s.outbox_park_max_count;
  const bool full = static_cast<int64_t>(messages.size()) >= s.outbox_batch_size;
  for (size_t k = 0; k < messages.size(); ++k) {
    if (!missed[k])
      done.messages.push_back(std::move(messages[k]));
    else if (!recheck)
      done.parked.push_back(std::move(messages[k]));
  }
  auto ack = c.store(q::store_transaction{std::nullopt, {std::move(done)}});
  auto acked = co_await ack;
  if (auto failure = store_failure(acked)) co_return std::move(*failure);
  if (full) kick_outbox26(c);
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

task<std::variant<std::optional<int64_t>, q::response>> background_pass26(context& c,
                                                                          const settings& s,
                                                                          int64_t now) {
  using outcome = std::variant<std::optional<int64_t>, q::response>;
  const int64_t batch = std::max<int64_t>(s.promise_batch_size, 1);
  std::optional<int64_t> next_at;  // the earliest timer left, of the last read
  std::optional<int64_t> armed;    // the earliest retry timer this pass wrote
  auto earliest = [](std::optional<int64_t>& at, int64_t t) { at = at ? std::min(*at, t) : t; };
  bool more = true;
  for (int64_t round = 0; more && round < s.promise_max_iterations; ++round) {
    auto reading = run_one(c, q::read_due26_cmd{now, batch});
    auto read = co_await std::move(reading);
    if (auto* failure = std::get_if<q::response>(&read)) co_return outcome{std::move(*failure)};
    auto due = std::get<q::due26_result>(std::get<q::store_result>(std::move(read)));
    next_at = due.next_at;
    more = static_cast<int64_t>(due.promises.size()) >= batch ||
           static_cast<int64_t>(due.tasks.size()) >= batch;
    // One transaction. 1. Promise timeouts first, each with its settlement
    //    chain: a task whose own promise times out here ends fulfilled, and
    //    its timer write below then finds it moved on and does nothing.
    q::store_transaction tx;
    for (const auto& p : due.promises) tx.commands.emplace_back(domain::timeout_command(p, now));
    // 2, 3. Task timers: a lapsed lease or a due retry makes the task
    //    pending again and sends its execute again.
    std::vector<int64_t> retry_at;
    for (const auto& t : due.tasks) {
      auto w = domain::due26_write(t, now);
      if (!w) continue;
      retry_at.push_back(w->task.timer_at.value_or(now));
      tx.commands.emplace_back(std::move(*w));
    }
    if (tx.commands.empty()) continue;
    auto io = c.store(std::move(tx));
    auto done = co_await io;
    if (auto failure = store_failure(done)) co_return outcome{std::move(*failure)};
    const auto& results = done.store().results;
    for (size_t k = 0; k < due.promises.size(); ++k) {
      after_timeout(c, due.promises[k], std::get<q::promise_write_result>(results.at(k)));
    }
    for (size_t k = 0; k < retry_at.size(); ++k) {
      const auto& w = std::get<q::alter_result>(results.at(due.promises.size() + k));
      if (w.rows_affected != 1) continue;
      earliest(armed, retry_at[k]);
      kick_outbox26(c);
    }
  }
  if (armed) earliest(next_at, *armed);
  if (more) earliest(next_at, now);  // stopped at the limit of rounds: go on at once
  co_return outcome{next_at};
}

root_task tick_2026(context& c, const settings& s) {
  auto pass = background_pass26(c, s, c.now());
  auto outcome = co_await std::move(pass);
  if (auto* failure = std::get_if<q::response>(&outcome)) co_return std::move(*failure);
  // Next pass at the earliest timer left, if that comes before the period ends.
  if (auto next = std::get<std::optional<int64_t>>(outcome)) {
    c.shared().run_job_at(tick_2026_job, *next);
  }
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

}  // namespace resonate::kernel::coroutines
