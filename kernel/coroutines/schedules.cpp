// POST/GET/DELETE /schedules and GET /schedules (REST v1 4.8). A create reads
// first: an existing schedule answers 200 (same idempotency key) or 409 without
// a write; otherwise the insert (ON CONFLICT DO NOTHING, row read back) decides,
// and a lost race starts over so the decision is made on the winner's row.
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/schedule.hpp"
#include "queues/metrics.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {

q::response existing(q::schedule_record s, const std::optional<std::string>& ikey) {
  if (!domain::same_schedule_create(s, ikey))
    return q::response::failure(q::status::schedule_already_exists);
  return q::response{q::status::ok, q::schedule_response{std::move(s)}, {}};
}

void count_schedules(const char* state) {
  q::metrics::global().get_counter("schedules_total", std::string("state=\"") + state + "\"").inc();
}

}  // namespace

root_task create_schedule(context& c, q::request r, const settings& s) {
  auto req = std::get<q::create_schedule_request>(std::move(r.payload));
  // The gateway validated both; a request from elsewhere gets the same 400s.
  auto cron = domain::cron_schedule::parse(req.cron, s.schedule_zone);
  if (!cron)
    co_return q::response::failure(q::status::field_validation_error,
                                   "the field cron must be a valid cron expression");
  if (domain::promise_id_template_error(req.promise_id))
    co_return q::response::failure(q::status::field_validation_error,
                                   "the field promiseId must be a valid template");
  for (;;) {
    auto reading = run_one(c, q::read_schedule_cmd{req.id});
    auto read = co_await std::move(reading);
    if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
    auto& found = std::get<q::query_schedules_result>(std::get<q::store_result>(read));
    if (!found.records.empty())
      co_return existing(std::move(found.records.front()), req.idempotency_key);

    auto row = domain::new_schedule(req, domain::next_run_time(*cron, c.now()), c.now());
    auto writing = run_one(c, q::create_schedule_cmd{row});
    auto written = co_await std::move(writing);
    if (auto* failure = std::get_if<q::response>(&written)) co_return std::move(*failure);
    auto& w = std::get<q::schedule_write_result>(std::get<q::store_result>(written));
    if (w.rows_affected != 1 || !w.row) continue;  // created meanwhile: decide on that row
    count_schedules("created");
    co_return q::response{q::status::created, q::schedule_response{std::move(*w.row)}, {}};
  }
}

root_task read_schedule(context& c, q::request r, const settings&) {
  auto req = std::get<q::read_schedule_request>(std::move(r.payload));
  auto reading = run_one(c, q::read_schedule_cmd{req.id});
  auto read = co_await std::move(reading);
  if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
  auto& found = std::get<q::query_schedules_result>(std::get<q::store_result>(read));
  if (found.records.empty()) co_return q::response::failure(q::status::schedule_not_found);
  co_return q::response{q::status::ok, q::schedule_response{std::move(found.records.front())}, {}};
}

root_task search_schedules(context& c, q::request r, const settings&) {
  auto req = std::get<q::search_schedules_request>(std::move(r.payload));
  auto searching = run_one(c, q::search_schedules_cmd{req.id, req.tags, req.limit, req.sort_id});
  auto searched = co_await std::move(searching);
  if (auto* failure = std::get_if<q::response>(&searched)) co_return std::move(*failure);
  auto& found = std::get<q::query_schedules_result>(std::get<q::store_result>(searched));
  q::search_schedules_response page;
  if (static_cast<int64_t>(found.records.size()) == req.limit && found.last_sort_id) {
    auto next = req;
    next.sort_id = found.last_sort_id;
    page.next = std::move(next);
  }
  page.schedules = std::move(found.records);
  co_return q::response{q::status::ok, std::move(page), {}};
}

root_task delete_schedule(context& c, q::request r, const settings&) {
  auto req = std::get<q::delete_schedule_request>(std::move(r.payload));
  auto deleting = run_one(c, q::delete_schedule_cmd{req.id});
  auto deleted = co_await std::move(deleting);
  if (auto* failure = std::get_if<q::response>(&deleted)) co_return std::move(*failure);
  if (std::get<q::alter_result>(std::get<q::store_result>(deleted)).rows_affected == 0)
    co_return q::response::failure(q::status::schedule_not_found);
  count_schedules("deleted");
  co_return q::response{q::status::no_content, q::empty_response{}, {}};
}

}  // namespace resonate::kernel::coroutines
