// The one schedule firer of both protocols (REST v1 4.8, protocol 2026-04-01
// 2.10; they share the schedules table): the background SchedulePromises job,
// and debug.tick at its own time. Each pass reads the due schedules
// (next_run_time <= now, oldest first) and fires each once, for its earliest
// due run: the run after it is computed in the configured zone
// (settings.schedule_zone) and the promise by kernel/domain/schedule.*, and the
// promise is created by the create of the schedule's protocol
// (domain::protocol_of), with the advance UpdateSchedule(next_run_time: old ->
// next) in the SAME transaction:
//  - REST v1: the same path as POST /promises (router included, so a
//    resonate:invoke tag gets an invoke task whose message goes out);
//  - protocol 2026-04-01: promise.create's insert (domain::create26_command;
//    the store's step after it gives a targeted promise its task and execute),
//    and like promise.create, one already past its timeout is created at its
//    timeout and timed out at once. An existing id is left alone (INSERT OR
//    IGNORE, spec 2.10).
// A run therefore happens exactly once across crashes: the promise and the
// advance commit together or not at all, and the guard on the old run time
// makes a repeated firing a no-op.
//
// The next run is computed from the run being fired, not from now, so runs
// missed while the server was down are back-filled, one per pass, until the
// schedule catches up. A pass of the job reads one batch (schedule_batch_size)
// and fires all of it at once, each firing its own coroutine, so that the
// batch's transactions share one group commit; the last firing of a batch
// kicks the next pass, so a backlog drains at store speed rather than one batch
// per period (so system.scheduleMaxIterations is accepted but unused). A
// debug.tick fires one occurrence per due schedule, one after the other, and
// answers when they are done.
//
// Difference from the reference: when the rendered promise id already exists,
// the schedule is advanced anyway (the update is in the transaction whatever
// the insert did). The reference only advances on an insert, so such a
// schedule stays due and is re-read forever (spec section 11).
#include <algorithm>
#include <limits>

#include "kernel/coroutines/coroutines.hpp"
#include "kernel/coroutines/create_steps.hpp"
#include "kernel/domain/promise26.hpp"
#include "kernel/domain/schedule.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {

/// The due schedules at `now`, at most `limit`, or the failure response.
task<std::variant<std::vector<q::schedule_record>, q::response>> read_due(context& c, int64_t now,
                                                                          int64_t limit) {
  auto io = c.store(q::store_transaction{std::nullopt, {q::read_due_schedules_cmd{now, limit}}});
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  co_return std::get<q::query_schedules_result>(std::move(done.store().results.at(0))).records;
}

/// The run of a protocol 2026-04-01 schedule: promise.create's insert and the
/// advance in one transaction; a promise created past its timeout is timed out
/// right after, as promise.create does (kernel/coroutines/promise26.cpp).
task<std::optional<q::response>> fire_2026(context& c, const q::schedule_record& s, int64_t next,
                                           int64_t now, bool debug) {
  auto p = domain::scheduled_promise(s);
  q::promise26_create_request req{p.id, std::move(p.param), p.timeout, std::move(p.tags), {}};
  auto io = c.store(q::store_transaction{
    std::nullopt,
    {domain::create26_command(req, now), q::update_schedule_cmd{s.id, next, s.next_run_time}}});
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  auto& w = std::get<q::promise_write_result>(done.store().results.at(0));
  if (w.rows_affected != 1 || !w.row) co_return std::nullopt;  // the id existed: left alone
  if (domain::created_timed_out(req, now)) {
    auto step = apply_lazy_timeout(c, std::move(*w.row), std::nullopt, now);
    auto outcome = co_await std::move(step);
    // Settled: apply_lazy_timeout kicked the drain if its chain queued
    // messages. Raced: whoever settled it did.
    if (auto* failure = std::get_if<q::response>(&outcome)) co_return std::move(*failure);
    co_return std::nullopt;
  }
  if (domain::created_with_messages(w.row->tags)) kick_outbox26(c);
  if (auto wake = domain::created_wake(*w.row); wake && !debug) {
    c.shared().run_job_at(tick_2026_job, *wake);
  }
  co_return std::nullopt;
}

}  // namespace

task<std::optional<q::response>> fire_schedule(context& c, const q::schedule_record& s,
                                               const settings& set, int64_t now, bool debug) {
  int64_t next = domain::run_after(s, set.schedule_zone);
  if (domain::protocol_of(s) == domain::schedule_protocol::v2026) {
    auto firing = fire_2026(c, s, next, now, debug);
    co_return co_await std::move(firing);
  }
  auto req = domain::scheduled_promise(s);
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

task<std::optional<q::response>> fire_due_schedules(context& c, const settings& s, int64_t now) {
  auto reading = read_due(c, now, s.schedule_batch_size);
  auto read = co_await std::move(reading);
  if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
  for (const auto& sched : std::get<std::vector<q::schedule_record>>(read)) {
    auto firing = fire_schedule(c, sched, s, now, /*debug=*/true);
    auto failure = co_await std::move(firing);
    if (failure) co_return failure;
  }
  co_return std::nullopt;
}

namespace {

root_task fire_one(context& c, q::schedule_record sched, const settings& s) {
  auto firing = fire_schedule(c, sched, s, c.now(), /*debug=*/false);
  auto failure = co_await std::move(firing);
  // The last firing of a batch starts the next pass at once (catching up).
  if (--c.shared().schedule_firings_in_flight == 0)
    c.shared().kicked_jobs.insert(schedule_promises_job);
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
  auto limit =
    std::min<int64_t>(s.schedule_batch_size, static_cast<int64_t>(c.background_aio_room()));
  if (limit <= 0) co_return q::response{q::status::ok, q::count_response{0}, {}};
  auto reading = read_due(c, c.now(), limit);
  auto read = co_await std::move(reading);
  if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
  auto due = std::get<std::vector<q::schedule_record>>(std::move(read));
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
