// schedule.get, create, delete and search of protocol 2026-04-01 (spec 1.9,
// 2.10), over the schedules table REST v1 shares. Both protocols' schedules
// fire from the one schedule firer (schedule_promises.cpp). Cron is read in
// the configured zone (schedules.timeZone), as REST v1 reads it. Time is the
// request's debug time or the kernel's clock.
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/page.hpp"
#include "kernel/domain/schedule.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {

q::response answer(uint16_t status, std::string message, std::optional<q::schedule_record> s) {
  return q::response{
    q::status::ok, q::schedule26_response{status, std::move(message), std::move(s)}, {}};
}

q::response not_found() {
  return answer(404, "Schedule not found", std::nullopt);
}

}  // namespace

root_task schedule26_get(context& c, q::request r, const settings&) {
  auto req = std::get<q::schedule26_get_request>(std::move(r.payload));
  auto reading = run_one(c, q::read_schedule_cmd{req.id});
  auto read = co_await std::move(reading);
  if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
  auto& rows = std::get<q::query_schedules_result>(std::get<q::store_result>(read)).records;
  if (rows.empty()) co_return not_found();
  co_return answer(200, {}, std::move(rows.front()));
}

root_task schedule26_create(context& c, q::request r, const settings& s) {
  auto req = std::get<q::schedule26_create_request>(std::move(r.payload));
  const int64_t now = req.debug_time.value_or(c.now());
  auto cron = domain::cron_schedule::parse(req.cron, s.schedule_zone);
  if (!cron) {
    // Idempotent on the id before anything else: an existing schedule is
    // the answer even to a create whose cron does not parse.
    auto reading = run_one(c, q::read_schedule_cmd{req.id});
    auto read = co_await std::move(reading);
    if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
    auto& rows = std::get<q::query_schedules_result>(std::get<q::store_result>(read)).records;
    if (!rows.empty()) co_return answer(200, {}, std::move(rows.front()));
    co_return answer(400, "Invalid cron expression", std::nullopt);
  }
  // The insert needs nothing read first: it does nothing on an existing id,
  // and the row as it is after the statement is the answer either way.
  auto next_run = domain::next_run_time(*cron, now);
  auto writing =
    run_one(c, q::create_schedule_cmd{domain::new_schedule26(std::move(req), next_run, now)});
  auto written = co_await std::move(writing);
  if (auto* failure = std::get_if<q::response>(&written)) co_return std::move(*failure);
  auto& w = std::get<q::schedule_write_result>(std::get<q::store_result>(written));
  if (!w.row)
    co_return q::response::failure(q::status::internal_server_error,
                                   "schedule not readable after its create");
  co_return answer(200, {}, std::move(*w.row));
}

root_task schedule26_delete(context& c, q::request r, const settings&) {
  auto req = std::get<q::schedule26_delete_request>(std::move(r.payload));
  auto deleting = run_one(c, q::delete_schedule_cmd{req.id});
  auto deleted = co_await std::move(deleting);
  if (auto* failure = std::get_if<q::response>(&deleted)) co_return std::move(*failure);
  if (std::get<q::alter_result>(std::get<q::store_result>(deleted)).rows_affected == 0) {
    co_return not_found();
  }
  co_return answer(200, {}, std::nullopt);
}

root_task schedule26_search(context& c, q::request r, const settings&) {
  auto req = std::get<q::schedule26_search_request>(std::move(r.payload));
  auto searching = run_one(c, domain::search_schedules26_command(req));
  auto searched = co_await std::move(searching);
  if (auto* failure = std::get_if<q::response>(&searched)) co_return std::move(*failure);
  auto& rows = std::get<q::query_schedules_result>(std::get<q::store_result>(searched)).records;
  q::schedule26_search_response page;
  page.cursor = domain::cut_page(rows, req.limit);
  page.schedules = std::move(rows);
  co_return q::response{q::status::ok, std::move(page), {}};
}

}  // namespace resonate::kernel::coroutines
