#pragma once

// A store adapter as a CAF actor: ten lines around the pure process(batch) core.
// Spawned detached, so its blocking database calls own a thread of their own.

#include <caf/all.hpp>

#include <memory>

#include "aio_adapters/store/store.hpp"

namespace resonate::actors {

/// Answers each queues::aio_batch with its queues::aio_results.
caf::behavior store_actor(caf::event_based_actor* self,
                          std::shared_ptr<aio_adapters::store::store> store);

}  // namespace resonate::actors
