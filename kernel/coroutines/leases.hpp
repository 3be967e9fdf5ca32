#pragma once

// Giving the lease on the background work up at a graceful stop (leases.cpp).
// The job that takes and renews it is declared with the other jobs, in
// coroutines.hpp.

#include "kernel/coroutines/coroutines.hpp"

namespace resonate::kernel::coroutines {

/// Several nodes, stopping: lets this node's lease lapse now (its epoch
/// stays; the next owner's is higher), so that another node takes the work
/// over at its next renewal instead of a whole lease after this node's last.
root_task release_lease(context& c, const settings& s);

}  // namespace resonate::kernel::coroutines
