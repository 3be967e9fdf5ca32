#pragma once

// The partition leases of several nodes on one database (migration 008):
// claim_lease_cmd takes or keeps a lease, check_lease_cmd fences a background
// transaction by its epoch. Both run statement by statement
// (queues::is_interactive), one SQL text for both dialects.

#include <type_traits>

#include "aio_adapters/store/sql_session.hpp"
#include "queues/aio.hpp"

namespace resonate::aio_adapters::store {

template <class T>
constexpr bool is_lease_command_v =
  std::is_same_v<T, queues::claim_lease_cmd> || std::is_same_v<T, queues::check_lease_cmd>;

/// Runs a claim_lease_cmd or check_lease_cmd on `db`. A check that does not
/// hold throws std::runtime_error ("fenced out: ..."), which fails its
/// submission with nothing written; any other command throws std::logic_error.
queues::store_result run_lease(sql_session& db, const queues::store_command& cmd);

}  // namespace resonate::aio_adapters::store
