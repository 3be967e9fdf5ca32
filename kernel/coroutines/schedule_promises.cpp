// The background SchedulePromises (REST v1 4.8). Each pass reads the due
// schedules (next_run_time <= now, oldest first) and fires each once: its
// promise is created through the same path as POST /promises (router included,
// so a resonate:invoke tag gets an invoke task whose message goes out), with
// UpdateSchedule(next_run_time: old -> cron.next(old)) in the SAME transaction.
// A run therefore happens exactly once across crashes: the promise and the
// advance commit together or not at all, and the guard on the old run time
// makes a repeated firing a no-op.
//
// The next run is computed from the run being fired, not from now, so runs
// missed while the server was down are back-filled, one per pass, until the
// schedule catches up (at most schedule_max_iterations passes per job run).
//
// Difference from the reference: when the rendered promise id already exists,
// the schedule is advanced anyway (the update is in the transaction whatever
// the insert did). The reference only advances on an insert, so such a
// schedule stays due and is re-read forever (spec section 11).
#include <limits>

#include "kernel/coroutines/coroutines.hpp"
#include "kernel/coroutines/create_steps.hpp"
#include "kernel/domain/schedule.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {

/// Fires the run of `s` at s.next_run_time; a failure response on a store error.
task<std::optional<q::response>> fire(context& c, const q::schedule_record& s,
                                      const settings& set) {
  auto req = domain::scheduled_promise(s);
  int64_t next = std::numeric_limits<int64_t>::max();
  if (auto cron = domain::cron_schedule::parse(s.cron, set.schedule_zone))
    next = domain::next_run_time(*cron, s.next_run_time);
  // A stored cron that no longer parses (it was validated at creation) never
  // fires again rather than failing every pass.

  std::vector<q::store_command> advance{q::update_schedule_cmd{s.id, next, s.next_run_time}};
  auto step = create_routed(c, req, set, std::nullopt, std::move(advance));
  auto outcome = co_await std::move(step);
  if (auto* failure = std::get_if<q::response>(&outcome)) {
    // A 409 means the promise existed; the schedule advanced with it.
    if (failure->status == q::status::promise_already_exists) co_return std::nullopt;
    co_return std::move(*failure);
  }
  co_return std::nullopt;
}

}  // namespace

root_task schedule_promises(context& c, const settings& s) {
  int64_t fired = 0;
  for (int64_t i = 0; i < s.schedule_max_iterations; ++i) {
    auto io = c.store(q::store_transaction{
      std::nullopt, {q::read_due_schedules_cmd{c.now(), s.schedule_batch_size}}});
    auto done = co_await io;
    if (auto failure = store_failure(done)) co_return std::move(*failure);
    auto due = std::get<q::query_schedules_result>(std::move(done.store().results.at(0))).records;
    if (due.empty()) break;
    for (const auto& sched : due) {
      auto firing = fire(c, sched, s);
      auto failure = co_await std::move(firing);
      if (failure) co_return std::move(*failure);
      ++fired;
    }
  }
  co_return q::response{q::status::ok, q::count_response{fired}, {}};
}

}  // namespace resonate::kernel::coroutines
