#pragma once

// The kernel as one pinned CAF actor: production spawns it detached (its own OS
// thread), tests spawn it on the test coordinator. It owns a kernel::system and
// is its only driver: messages in (API requests, store completions, timer
// ticks), tick(now) with the wall clock, AIO batches out to the store actors
// (or, for the embedded SQLite store, run in place on its own thread).

#include <caf/all.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aio_adapters/aio_router.hpp"
#include "kernel/system.hpp"
#include "queues/caf_types.hpp"

namespace resonate::actors {

struct kernel_options {
  kernel::system_config system;
  size_t store_batch_size = 1000;  ///< submissions per store transaction at most
  /// The router subsystem: pure and fast, so it runs inline on the kernel's thread.
  std::function<queues::route_completion(const queues::route_submission&)> route;
  /// The sender subsystem: takes a message without blocking and calls back once,
  /// from any thread, with the outcome.
  std::function<void(queues::send_submission, std::function<void(queues::send_completion)>)> send;
  /// An embedded store (SQLite) runs its batches on the kernel's own thread:
  /// a transaction there costs tens of microseconds, less than the two thread
  /// switches of a round trip to a store actor. Empty: the store actors.
  std::function<queues::aio_results(queues::aio_batch)> inline_store;
  /// Several nodes: jobs kicked here that only the lease holder may run
  /// (kernel::system::take_nudges), for the cluster link to hand to it.
  /// Called on the kernel's thread after a tick; empty: none are asked for.
  std::function<void(std::vector<std::string>)> nudge;
};

/// Another node's nudge: run this background job now (kernel::system::kick).
using kick_job_atom = caf::atom_constant<caf::atom("rkickjob")>;

struct kernel_state;

/// Behaviour of the kernel actor. Messages:
///  - queues::api_sqe: a request to run (answered through its reply callback);
///  - queues::aio_cqe: a completion of an asynchronous subsystem (the sender);
///  - drain_atom -> bool: stop admitting, answer once every coroutine finished;
///  - kick_job_atom, job name: another node's nudge (kernel::system::kick);
///  - tick_atom / timer_atom: internal.
caf::behavior kernel_actor(caf::stateful_actor<kernel_state>* self, kernel_options opts,
                           std::vector<caf::actor> stores);

struct kernel_state {
  std::unique_ptr<kernel::system> sys;
  std::unique_ptr<aio_adapters::aio_router> aio;
  std::vector<caf::actor> stores;
  std::vector<bool> store_busy;
  std::function<queues::aio_results(queues::aio_batch)> inline_store;
  std::function<void(std::vector<std::string>)> nudge;
  std::deque<queues::aio_sqe> pending;  // yielded, waiting for an idle store actor
  size_t batch_size = 1000;
  int64_t sending = 0;           // sender submissions awaiting their callback
  int64_t timer_ms = 1000;       // longest gap between timer messages
  int64_t timer_at = INT64_MAX;  // when the earliest timer message we armed comes
  bool tick_scheduled = false;
  bool stopped = false;
  std::vector<caf::response_promise> drain_waiters;
  static inline const char* name = "kernel";
};

}  // namespace resonate::actors
