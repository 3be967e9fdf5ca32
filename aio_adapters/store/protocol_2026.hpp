#pragma once

// The commands of protocol 2026-04-01 (queues::is_interactive) for both
// dialects: each session wraps its open transaction as a kernel::v2026::database
// and hands the command to the state machine here.

#include <string>
#include <string_view>

#include "kernel/v2026/database.hpp"
#include "queues/aio.hpp"

namespace resonate::aio_adapters::store {

/// Runs a v2026_cmd, take_outbox_cmd or ack_outbox_cmd on `db`.
queues::store_result run_protocol_2026(kernel::v2026::database& db,
                                       const queues::store_command& cmd);

/// `$1`, `$2`, ... outside quotes become SQLite's numbered `?1`, `?2`, ...
std::string sqlite_placeholders(std::string_view sql);

}  // namespace resonate::aio_adapters::store
