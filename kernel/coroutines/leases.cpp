// Background LeasePartitions, run only when the node is one of several on one
// database (settings::cluster_node): takes the lease on the background work,
// or renews it, every third of its ttl. The database's clock times the lease,
// so a node with a skewed clock cannot keep work it has lost. While the node
// holds the lease, the other jobs run and their transactions go fenced by its
// epoch (scheduler::submit); a renewal that fails or finds the lease taken
// stops them at once, and a write of theirs still in flight is refused by
// the fence if another node took over. A store error counts as losing the
// lease: a node that cannot reach the database cannot do the work either.
// A node that stops gracefully gives the lease up (release_lease), so that
// another takes the work over at its next renewal, not a whole lease later.
#include "kernel/coroutines/leases.hpp"
#include "queues/metrics.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {

// Takes or renews the lease for `ttl_ms`, or with 0 lets it lapse at once
// (the epoch stays: the next owner's is higher), and records the outcome.
root_task claim_lease(context& c, const settings& s, int64_t ttl_ms) {
  auto& lease = c.shared().lease;
  auto claiming = run_one(c, q::claim_lease_cmd{0, s.cluster_node, lease.epoch, ttl_ms});
  auto outcome = co_await std::move(claiming);
  auto& registry = q::metrics::global();
  const bool was_held = lease.held;
  if (auto* r = std::get_if<q::store_result>(&outcome)) {
    const auto& claimed = std::get<q::lease_result>(*r);
    lease.held = claimed.epoch.has_value() && ttl_ms > 0;
    if (claimed.epoch) lease.epoch = *claimed.epoch;
  } else {
    lease.held = false;
  }
  if (ttl_ms > 0) {
    registry
      .get_counter("cluster_lease_renewals_total",
                   lease.held ? "outcome=\"held\"" : "outcome=\"not_held\"")
      .inc();
  }
  registry.get_gauge("cluster_owned_partitions").set(lease.held ? 1 : 0);
  // Taken just now: the jobs start on this tick rather than at their periods.
  if (lease.held && !was_held) {
    for (const char* job :
         {enqueue_tasks_job, schedule_promises_job, outbox_2026_job, tick_2026_job})
      c.shared().kicked_jobs.insert(job);
  }
  if (auto* failure = std::get_if<q::response>(&outcome)) co_return std::move(*failure);
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

}  // namespace

root_task lease_partitions(context& c, const settings& s) {
  return claim_lease(c, s, s.lease_ttl_ms);
}

root_task release_lease(context& c, const settings& s) {
  return claim_lease(c, s, 0);
}

}  // namespace resonate::kernel::coroutines
