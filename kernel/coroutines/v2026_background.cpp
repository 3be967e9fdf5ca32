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
//    retries and lease expiries due now.
#include <utility>

#include "kernel/coroutines/coroutines.hpp"

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
    std::nullopt,
    {q::take_outbox_cmd{s.outbox_batch_size, s.server_url, std::move(connected), parked_before}}});
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

root_task tick_2026(context& c, const settings&) {
  auto io = c.store(q::store_transaction{std::nullopt, {q::v2026_cmd{"tick", "{}", c.now()}}});
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  const auto& result = std::get<q::v2026_result>(done.store().results.at(0));
  if (result.outbox) kick_outbox26(c);
  // Next pass at the earliest timer left, if that comes before the period ends.
  if (result.wake_at) c.shared().run_job_at(tick_2026_job, *result.wake_at);
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

}  // namespace resonate::kernel::coroutines
