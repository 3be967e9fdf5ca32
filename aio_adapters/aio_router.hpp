#pragma once

// The AIO router: sends each submission the kernel yields to the subsystem of
// its kind (store, router, sender), each with its own workers, as the
// reference's AIO does. Plain C++: the actor shell (actors/kernel_actor.cpp)
// registers one sink per kind; a kind without a sink is answered at once with
// an error completion, so no coroutine waits forever.

#include <array>
#include <functional>
#include <utility>
#include <vector>

#include "queues/aio.hpp"

namespace resonate::aio_adapters {

class aio_router {
public:
  /// Takes one submission of its kind; must not block.
  using sink = std::function<void(queues::aio_sqe)>;
  /// Where the completions of refused submissions go.
  using failure_sink = std::function<void(queues::aio_cqe)>;

  explicit aio_router(failure_sink on_failure) : on_failure_(std::move(on_failure)) {}

  void route(queues::aio_kind kind, sink to) { sinks_[static_cast<size_t>(kind)] = std::move(to); }

  void dispatch(std::vector<queues::aio_sqe> batch) {
    for (auto& sqe : batch) {
      auto& to = sinks_[static_cast<size_t>(sqe.kind())];
      if (to) {
        to(std::move(sqe));
      } else {
        on_failure_(queues::aio_cqe::failure(
          sqe.id, queues::status::aio_queue_error,
          std::string("no AIO subsystem for kind ") + queues::aio_kind_name(sqe.kind())));
      }
    }
  }

private:
  std::array<sink, queues::aio_kind_count> sinks_;
  failure_sink on_failure_;
};

}  // namespace resonate::aio_adapters
