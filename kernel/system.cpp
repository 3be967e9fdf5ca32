#include "kernel/system.hpp"

#include <algorithm>
#include <limits>

#include "kernel/coroutines/leases.hpp"

namespace resonate::kernel {

namespace q = resonate::queues;

system::system(system_config cfg, coroutines::table table)
  : cfg_(cfg),
    table_(table),
    scheduler_(scheduler_limits{cfg.coroutine_max_size, cfg.aio_queue_size}) {
  jobs_.push_back(background_job{"TimeoutPromises", &coroutines::timeout_promises, 0});
  jobs_.push_back(background_job{coroutines::enqueue_tasks_job, &coroutines::enqueue_tasks, 0});
  jobs_.push_back(background_job{"TimeoutTasks", &coroutines::timeout_tasks, 0});
  jobs_.push_back(background_job{"TimeoutLocks", &coroutines::timeout_locks, 0});
  jobs_.push_back(
    background_job{coroutines::schedule_promises_job, &coroutines::schedule_promises, 0});
  jobs_.push_back(background_job{coroutines::outbox_2026_job, &coroutines::drain_outbox_2026, 0,
                                 false, cfg.outbox_interval_ms});
  jobs_.push_back(background_job{coroutines::tick_2026_job, &coroutines::tick_2026, 0});
  jobs_.push_back(background_job{coroutines::resend_tasks_job, &coroutines::resend_tasks, 0});
  if (!cfg.settings.cluster_node.empty()) {
    scheduler_.shared().lease.clustered = true;
    jobs_.push_back(background_job{coroutines::lease_job, &coroutines::lease_partitions, 0, false,
                                   std::max<int64_t>(1, cfg.settings.lease_ttl_ms / 3)});
  }
  if (cfg.gauge_interval_ms > 0)
    jobs_.push_back(background_job{coroutines::gauge_states_job, &coroutines::gauge_states, 0,
                                   false, cfg.gauge_interval_ms});
}

void system::submit(q::api_sqe sqe) {
  if (shutting_down_) {
    sqe.reply(q::response::failure(q::status::system_shutting_down, "system is shutting down"));
    return;
  }
  if (requests_.size() >= cfg_.api_queue_size) {
    sqe.reply(
      q::response::failure(q::status::api_submission_queue_full, "api submission queue full"));
    return;
  }
  requests_.push_back(std::move(sqe));
}

void system::complete(q::aio_cqe cqe) {
  completions_.push_back(std::move(cqe));
}

void system::admit(q::api_sqe sqe) {
  auto make = table_[static_cast<size_t>(sqe.req.get_kind())];
  if (!make) {
    sqe.reply(q::response::failure(q::status::internal_server_error, "operation not implemented"));
    return;
  }
  if (!scheduler_.can_admit()) {
    sqe.reply(q::response::failure(q::status::scheduler_queue_full, "scheduler queue full"));
    return;
  }
  auto* settings = &cfg_.settings;
  // The request moves into the coroutine frame; the reply into the done callback.
  scheduler_.add(
    q::kind_name(sqe.req.get_kind()),
    [make, settings, req = std::move(sqe.req)](context& c) mutable {
      return make(c, std::move(req), *settings);
    },
    std::move(sqe.reply));
}

std::vector<q::aio_sqe> system::tick(int64_t now) {
  for (size_t i = 0; i < cfg_.completion_batch_size && !completions_.empty(); ++i) {
    scheduler_.complete(std::move(completions_.front()));
    completions_.pop_front();
  }

  start_jobs(now);

  for (size_t i = 0; i < cfg_.submission_batch_size && !requests_.empty(); ++i) {
    auto sqe = std::move(requests_.front());
    requests_.pop_front();
    admit(std::move(sqe));
  }

  scheduler_.run_until_blocked(now);
  // Jobs the coroutines kicked in this tick start now, so their first
  // submissions go out with this tick's.
  if (!scheduler_.shared().kicked_jobs.empty() && start_jobs(now) > 0)
    scheduler_.run_until_blocked(now);
  return scheduler_.take_submissions();
}

size_t system::start_jobs(int64_t now) {
  if (shutting_down_ || scheduler_.shared().background_paused) return 0;
  auto& kicked = scheduler_.shared().kicked_jobs;
  size_t started = 0;
  for (auto& job : jobs_) {
    if (job.running) continue;  // a kick waits for the running instance to end
    if (!may_start(job)) continue;
    const bool is_lease_job = job.name == coroutines::lease_job;
    bool was_kicked = kicked.erase(job.name) > 0;
    auto due = scheduler_.shared().jobs_due.find(job.name);
    bool was_due = due != scheduler_.shared().jobs_due.end() && due->second <= now;
    const int64_t period = job.period_ms > 0 ? job.period_ms : cfg_.signal_timeout_ms;
    if (!was_kicked && !was_due && now - job.last < period) continue;
    if (due != scheduler_.shared().jobs_due.end()) scheduler_.shared().jobs_due.erase(due);
    job.last = now;
    job.running = true;
    ++started;
    auto* settings = &cfg_.settings;
    auto make = job.make;
    scheduler_.add(
      job.name, [make, settings](context& c) { return make(c, *settings); },
      [&job](q::response) { job.running = false; }, /*counted=*/false,
      /*fenced=*/!is_lease_job);
  }
  return started;
}

bool system::may_start(const background_job& job) const {
  // In a cluster the work is the lease holder's; the lease job runs always.
  const auto& lease = scheduler_.shared().lease;
  return !lease.clustered || lease.held || job.name == coroutines::lease_job;
}

int64_t system::next_wake() const {
  int64_t next = std::numeric_limits<int64_t>::max();
  if (shutting_down_ || scheduler_.shared().background_paused) return next;
  for (const auto& job : jobs_) {
    if (job.running || !may_start(job)) continue;  // a running job's end steps
    const int64_t period = job.period_ms > 0 ? job.period_ms : cfg_.signal_timeout_ms;
    next = std::min(next, job.last + period);
    if (auto due = scheduler_.shared().jobs_due.find(job.name);
        due != scheduler_.shared().jobs_due.end())
      next = std::min(next, due->second);
  }
  return next;
}

void system::shutdown() {
  shutting_down_ = true;
  // Requests still queued were never started: tell their clients now.
  while (!requests_.empty()) {
    auto sqe = std::move(requests_.front());
    requests_.pop_front();
    sqe.reply(q::response::failure(q::status::system_shutting_down, "system is shutting down"));
  }
  // Several nodes: the lease goes now, and another node takes the work over
  // at its next renewal. A renewal still in flight may land after it; then
  // the others wait for the lease to lapse, as they would after a crash.
  auto& lease = scheduler_.shared().lease;
  if (lease.clustered && lease.held) {
    auto* settings = &cfg_.settings;
    scheduler_.add(
      "ReleaseLease", [settings](context& c) { return coroutines::release_lease(c, *settings); },
      [](q::response) {}, /*counted=*/false, /*fenced=*/false);
  }
}

std::vector<std::string> system::take_nudges() {
  std::vector<std::string> out;
  auto& shared = scheduler_.shared();
  if (!shared.lease.clustered || shared.lease.held) return out;
  for (auto it = shared.kicked_jobs.begin(); it != shared.kicked_jobs.end();) {
    if (*it == coroutines::lease_job) {
      ++it;
      continue;
    }
    out.push_back(*it);
    it = shared.kicked_jobs.erase(it);
  }
  return out;
}

void system::kick(const std::string& job) {
  for (const auto& j : jobs_) {
    if (j.name != job) continue;
    if (may_start(j) && !shutting_down_) scheduler_.shared().kicked_jobs.insert(job);
    return;
  }
}

bool system::done() const {
  return shutting_down_ && scheduler_.size() == 0 && requests_.empty();
}

bool system::has_work() const {
  if (!requests_.empty() || !completions_.empty() || scheduler_.runnable_size() > 0) return true;
  // A kicked job whose previous instance has finished can start now.
  for (const auto& job : jobs_)
    if (!job.running && may_start(job) && scheduler_.shared().kicked_jobs.count(job.name))
      return !shutting_down_ && !scheduler_.shared().background_paused;
  return false;
}

}  // namespace resonate::kernel
