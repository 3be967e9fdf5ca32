#pragma once

// Promise rules of protocol 2026-04-01 (spec 1.9, 2.1, 2.2) as pure functions:
// the writes promise.create and promise.settle make, and what a stored row
// answers. Time is a parameter (the operation's: the kernel's clock, or the
// envelope's debug time). A pending promise past its timeout is settled
// before anything is decided on it (spec 2.1), with REST v1's timeout rules
// (domain::is_timed_out, domain::timeout_command).

#include <cstdint>
#include <optional>
#include <vector>

#include "queues/aio.hpp"
#include "queues/api.hpp"
#include "queues/records.hpp"

namespace resonate::kernel::domain {

/// The retry period of a pending task (spec 2.5, tasks.retry_timeout); the
/// store's step after a create and its settlement chain arm the same 30 s.
inline constexpr int64_t task26_retry_timeout_ms = 30000;

/// The insert of promise.create, read back. A promise created at or past its
/// timeout is created at its timeout (and then timed out by the caller: it
/// never is pending at a time that counts); the store gives a targeted one a
/// task that is fulfilled from the start, and sends nothing for it.
queues::create_promise_cmd create26_command(const queues::promise26_create_request& req,
                                            int64_t now);

/// Whether the promise of `req` is created past its timeout (create26_command).
bool created_timed_out(const queues::promise26_create_request& req, int64_t now);

/// The guarded settle of promise.settle, read back: it takes effect only on a
/// promise still pending whose timeout is after `now`. The store's settlement
/// chain (spec 2.6) follows it.
queues::update_promise_cmd settle26_command(const queues::promise26_settle_request& req,
                                            int64_t now);

/// promise.search's one read (spec 1.9): by id after the cursor, one row more
/// than the page (domain::cut_page), in `req.state` as of `now` (an overdue
/// pending promise counts as timed out) and with every tag of `req.tags`.
queues::search_promises_cmd search26_command(const queues::promise26_search_request& req,
                                             int64_t now);
/// The page from those rows, each as it is at `now` without a write: an
/// overdue pending promise shows timed out, exactly as promise.get would
/// settle it; its settlement chain runs when something touches it.
queues::promise26_search_response promise26_page(std::vector<queues::promise_record> rows,
                                                 int64_t limit, int64_t now);

/// Whether a promise write has protocol 2026-04-01 messages to send: a new
/// targeted promise (its first execute) or any settlement (executes of the
/// awaiters it resumes, unblocks of its listeners).
bool created_with_messages(const queues::tag_map& tags);

/// What a registration (promise.register_callback, register_listener)
/// decided on the promises it names, as read at the operation's time: the
/// answer (the awaited promise as read, or a refusal), or the write to make,
/// after which the awaited promise read back is the answer.
struct registration26 {
  queues::promise26_response answer;
  std::optional<queues::register26_cmd> write;
};

/// promise.register_callback: written only while both promises are pending;
/// an awaited promise settled already is only reported (the SDK reaches this
/// through task.suspend, which answers 300).
registration26 decide_register_callback(const queues::promise26_register_callback_request& req,
                                        const std::optional<queues::promise_record>& awaited,
                                        const std::optional<queues::promise_record>& awaiter);
/// promise.register_listener: only on a promise that the SDK's LocalNetwork
/// lets a listener wait on (awaitable_by_listener), written while it is pending.
registration26 decide_register_listener(const queues::promise26_register_listener_request& req,
                                        const std::optional<queues::promise_record>& awaited);
/// Whether a listener may wait on `p`: a global, external, targeted or timer
/// promise (the promise.* kinds the LocalNetwork of 0.11.5 accepts).
bool awaitable_by_listener(const queues::promise_record& p);

/// The first timer a new targeted pending promise arms: its retry (30 s after
/// creation) or its timeout, whichever comes first; none for another promise.
std::optional<int64_t> created_wake(const queues::promise_record& p);

}  // namespace resonate::kernel::domain
