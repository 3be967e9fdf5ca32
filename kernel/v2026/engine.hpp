#pragma once

// The state machine of protocol 2026-04-01 (spec protocol-2026-04-01.md 2, 4.2).
// It runs inside the store transaction of its operation (the store session
// calls it for a v2026_cmd), because every operation reads, decides and writes
// several rows that must be one consistent step: hold the promises it names
// (database::hold_promises: concurrent transactions of other connections wait
// for them), materialise timeouts on them (2.1), check the fence (2.4), write,
// and let the settlement chain (2.6) follow. The chain and the task of a
// targeted promise are the store's step after every promise write
// (migration 006), so they run for REST v1 writes too, with the operation's
// time as a parameter.
// Semantics follow the SDK 0.11.5's own in-process server where the spec says
// the SDK wins; the differences are listed in docs/protocol-2026.md.

#include "kernel/v2026/database.hpp"
#include "queues/aio.hpp"

namespace resonate::kernel::v2026 {

/// Runs one operation; never throws for a request (a missing object is a 404,
/// and so on), only for store failures.
queues::v2026_result apply(database& db, const queues::v2026_cmd& cmd);

/// The outbox's oldest messages with their bodies, after putting back what the
/// connected streams can take and dropping parked messages past their age
/// (see take_outbox_cmd).
queues::outbox_result take_outbox(database& db, const queues::take_outbox_cmd& cmd);

/// Deletes acknowledged outbox rows and parks the ones no stream could take
/// (see ack_outbox_cmd); the number of messages it handled.
int64_t ack_outbox(database& db, const queues::ack_outbox_cmd& cmd);

}  // namespace resonate::kernel::v2026
