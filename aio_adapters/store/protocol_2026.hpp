#pragma once

// Protocol 2026-04-01's commands that a session runs statement by statement
// (queues::is_interactive): the outbox (take, acknowledge, park), the
// background pass's reads (due promise timeouts and task timers, the next
// timer) and the debug commands' (debug.snap's tables, debug.reset). One SQL
// text serves both dialects: each session wraps its open transaction as a
// sql_session and hands the command here.

#include <string>
#include <string_view>
#include <type_traits>

#include "aio_adapters/store/sql_session.hpp"
#include "queues/aio.hpp"

namespace resonate::aio_adapters::store {

/// Whether a command type is one of those run here (the types of
/// queues::is_interactive), for a session's std::visit over the others.
template <class T>
constexpr bool is_protocol_2026_command_v =
  std::is_same_v<T, queues::take_outbox_cmd> || std::is_same_v<T, queues::ack_outbox_cmd> ||
  std::is_same_v<T, queues::read_due26_cmd> || std::is_same_v<T, queues::read_snapshot26_cmd> ||
  std::is_same_v<T, queues::reset_store_cmd>;

/// Runs a take_outbox_cmd, ack_outbox_cmd, read_due26_cmd,
/// read_snapshot26_cmd or reset_store_cmd on `db`; throws std::logic_error
/// for any other command.
queues::store_result run_protocol_2026(sql_session& db, const queues::store_command& cmd);

/// `$1`, `$2`, ... outside quotes become SQLite's numbered `?1`, `?2`, ...
std::string sqlite_placeholders(std::string_view sql);

}  // namespace resonate::aio_adapters::store
