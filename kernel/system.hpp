#pragma once

// The kernel: a single-threaded, clock-free state machine driven by tick(now).
// API requests come in through submit(), AIO completions through complete();
// each tick admits requests as coroutines, runs due background jobs, resumes
// coroutines until they block, and returns the AIO submissions to dispatch.
// Responses leave through each request's reply callback, from inside tick().

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "kernel/coroutines/coroutines.hpp"
#include "kernel/scheduler.hpp"
#include "queues/bus.hpp"

namespace resonate::kernel {

struct system_config {
  size_t api_queue_size = 1000;         ///< submissions waiting for a tick; full -> 50301
  size_t coroutine_max_size = 1000;     ///< request coroutines in flight; full -> 50303
  size_t aio_queue_size = 1000;         ///< AIO submissions in flight; full -> 50302
  size_t submission_batch_size = 1000;  ///< requests admitted per tick
  size_t completion_batch_size = 1000;  ///< completions processed per tick
  int64_t signal_timeout_ms = 1000;     ///< period of background jobs
  coroutines::settings settings;
  /// Period of GaugeStates (the tasks/promises by state gauges); 0: it does not
  /// run. Off here, so kernel tests see no extra reads; the composition root
  /// sets it from system.gaugeInterval (default 5 s).
  int64_t gauge_interval_ms = 0;
  /// Period of the protocol-2026 outbox drain (spec 4.2: messages.poll_interval);
  /// a write that queues messages kicks it at once.
  int64_t outbox_interval_ms = 100;
};

/// A background job: a coroutine started every `period_ms`, never two at once.
struct background_job {
  std::string name;
  root_task (*make)(context&, const coroutines::settings&);
  int64_t last = 0;
  bool running = false;   ///< an instance is in flight (jobs_ never reallocates)
  int64_t period_ms = 0;  ///< 0: the system's signal_timeout_ms
};

class system {
public:
  system(system_config cfg, coroutines::table table);

  /// Queues a request for the next tick. Answers at once (through the reply)
  /// with 503 when the queue is full (50301) or the system is shutting down (50300).
  void submit(queues::api_sqe sqe);

  /// Queues an AIO completion for the next tick.
  void complete(queues::aio_cqe cqe);

  /// One step at time `now` (ms). Returns the AIO submissions to dispatch.
  std::vector<queues::aio_sqe> tick(int64_t now);

  /// Stops admitting requests (they get 50300) and background jobs; in-flight
  /// coroutines run to completion.
  void shutdown();
  bool shutting_down() const { return shutting_down_; }
  /// Shutting down and nothing left in flight.
  bool done() const;

  /// True when a tick now would make progress (queued work or runnable coroutines).
  bool has_work() const;
  /// The earliest time (same clock as tick's `now`) at which a background job
  /// would start: a period ending or a job's requested time (jobs_due);
  /// INT64_MAX while paused or shutting down. The driver ticks then.
  int64_t next_wake() const;

  /// Several nodes: the jobs this node's coroutines kicked while another node
  /// holds the lease (a completion that made REST v1 tasks, a write that
  /// queued protocol 2026-04-01 messages). They may not run here; the caller
  /// asks the holder to run them now (a nudge over the cluster port) instead
  /// of leaving them to its next period. Each job once, then forgotten here.
  std::vector<std::string> take_nudges();
  /// Runs `job` at the next tick, as if a coroutine had kicked it: another
  /// node's nudge. Ignored unless this node may start it (the lease holder).
  void kick(const std::string& job);

  size_t queued_requests() const { return requests_.size(); }
  size_t queued_completions() const { return completions_.size(); }
  size_t coroutines() const { return scheduler_.size(); }
  size_t aio_in_flight() const { return scheduler_.aio_in_flight(); }

private:
  void admit(queues::api_sqe sqe);
  /// Starts every job that is due (its period passed, kicked, or its requested
  /// time came) and not running.
  size_t start_jobs(int64_t now);
  /// Whether a job may start at all: in a cluster, only the lease job until
  /// the node holds the lease (shared_state::lease).
  bool may_start(const background_job& job) const;

  system_config cfg_;
  coroutines::table table_;
  scheduler scheduler_;
  std::deque<queues::api_sqe> requests_;
  std::deque<queues::aio_cqe> completions_;
  std::vector<background_job> jobs_;
  bool shutting_down_ = false;
};

}  // namespace resonate::kernel
