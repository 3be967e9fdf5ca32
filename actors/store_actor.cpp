#include "actors/store_actor.hpp"

#include "queues/caf_types.hpp"

namespace resonate::actors {

caf::behavior store_actor(caf::event_based_actor*, std::shared_ptr<aio_adapters::store::store> store) {
  return {
    [store](queues::aio_batch& batch) -> queues::aio_results {
      return store->process(std::move(batch));
    },
  };
}

}  // namespace resonate::actors
