// The background loops of protocol 2026-04-01 (spec 4.2, 3.3).
//  - Outbox2026: every messages.poll_interval (100 ms), and at once after a write
//    that queued messages: take a batch of the outbox (written in the state
//    change's transaction, so only committed messages are seen), hand each to
//    the sender, then delete what was handed on. A crash in between sends a
//    message twice rather than never; the SDK drops a stale execute (acquire
//    409) and ignores a second unblock.
//  - Tick2026: every signal period, and at the earliest timer an operation
//    armed or the last pass left (jobs_due): the promise timeouts, task
//    retries and lease expiries due now.
#include "kernel/coroutines/coroutines.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

root_task drain_outbox_2026(context& c, const settings& s) {
  auto take = c.store(q::store_transaction{
    std::nullopt, {q::take_outbox_cmd{s.outbox_batch_size, s.server_url}}});
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
  // The outcome does not matter: an undelivered execute comes back with its
  // task's retry timer, an unblock with the SDK's listener refresh (spec 3.3).
  for (auto& io : sends) (void)co_await io;

  const bool full = static_cast<int64_t>(messages.size()) >= s.outbox_batch_size;
  auto ack = c.store(q::store_transaction{std::nullopt, {q::ack_outbox_cmd{std::move(messages)}}});
  auto acked = co_await ack;
  if (auto failure = store_failure(acked)) co_return std::move(*failure);
  if (full) c.shared().kicked_jobs.insert(outbox_2026_job);
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

root_task tick_2026(context& c, const settings&) {
  auto io = c.store(q::store_transaction{std::nullopt, {q::v2026_cmd{"tick", "{}", c.now()}}});
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  const auto& result = std::get<q::v2026_result>(done.store().results.at(0));
  if (result.outbox) c.shared().kicked_jobs.insert(outbox_2026_job);
  // Next pass at the earliest timer left, if that comes before the period ends.
  if (result.wake_at) c.shared().run_job_at(tick_2026_job, *result.wake_at);
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

}  // namespace resonate::kernel::coroutines
