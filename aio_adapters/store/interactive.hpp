#pragma once

// The commands a session runs statement by statement (queues::is_interactive)
// over its open transaction seen as a sql_session: protocol 2026-04-01's
// (protocol_2026.hpp) and the partition leases (leases.hpp).

#include <type_traits>

#include "aio_adapters/store/leases.hpp"
#include "aio_adapters/store/protocol_2026.hpp"

namespace resonate::aio_adapters::store {

/// Whether a command type is one of queues::is_interactive's, for a
/// session's std::visit over the others.
template <class T>
constexpr bool is_interactive_command_v = is_protocol_2026_command_v<T> || is_lease_command_v<T>;

/// Runs an interactive command on `db`.
inline queues::store_result run_interactive(sql_session& db, const queues::store_command& cmd) {
  return std::visit(
    [&](const auto& c) -> queues::store_result {
      if constexpr (is_lease_command_v<std::decay_t<decltype(c)>>)
        return run_lease(db, cmd);
      else
        return run_protocol_2026(db, cmd);
    },
    cmd);
}

}  // namespace resonate::aio_adapters::store
