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
// schedule catches up. A pass reads one batch (schedule_batch_size) and fires
// all of it at once, each firing its own coroutine, so that the batch's
// transactions share one group commit; the last firing of a batch kicks the
// next pass, so a backlog drains at store speed rather than one batch per
// period (so system.scheduleMaxIterations is accepted but unused).
//
// Difference from the reference: when the rendered promise id already exists,
// the schedule is advanced anyway (the update is in the transaction whatever
// the insert did). The reference only advances on an insert, so such a
// schedule stays due and is re-read forever (spec section 11).
#include <algorithm>
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

root_task fire_one(context& c, q::schedule_record sched, const settings& s) {
  auto firing = fire(c, sched, s);
  auto failure = co_await std::move(firing);
  // The last firing of a batch starts the next pass at once (catching up).
  if (--c.shared().schedule_firings_in_flight == 0) c.shared().kicked_jobs.insert(schedule_promises_job);
  if (failure) co_return std::move(*failure);  // the schedule stays due: the next pass retries it
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

}  // namespace

root_task schedule_promises(context& c, const settings& s) {
  // A batch still firing: its last firing kicks this job again.
  if (c.shared().schedule_firings_in_flight > 0)
    co_return q::response{q::status::ok, q::count_response{0}, {}};
  // Every firing holds an AIO slot at a time; the batch takes no more than
  // background work may, so requests keep half the AIO queue during a burst
  // (a batch at the queue's size used to answer them 50302 until it fired).
  auto limit = std::min<int64_t>(s.schedule_batch_size,
                                 static_cast<int64_t>(c.background_aio_room()));
  if (limit <= 0) co_return q::response{q::status::ok, q::count_response{0}, {}};
  auto io = c.store(q::store_transaction{
    std::nullopt, {q::read_due_schedules_cmd{c.now(), limit}}});
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  auto due = std::get<q::query_schedules_result>(std::move(done.store().results.at(0))).records;
  // Every firing of the batch runs at once, so their store transactions go
  // out in the same tick and commit together.
  auto fired = static_cast<int64_t>(due.size());
  c.shared().schedule_firings_in_flight += fired;
  for (auto& sched : due) {
    c.spawn("FireSchedule", [sched = std::move(sched), &s](context& child) mutable {
      return fire_one(child, std::move(sched), s);
    });
  }
  co_return q::response{q::status::ok, q::count_response{fired}, {}};
}

}  // namespace resonate::kernel::coroutines
