// schedule.* of protocol 2026-04-01 (spec 1.9, 2.10) over the schedules table
// REST v1 shares. Both protocols' schedules fire from the kernel's one schedule
// firer (kernel/coroutines/schedule_promises.cpp), in the running server and
// on debug.tick, which creates this protocol's promises as promise.create
// does. Cron is read in the configured zone (schedules.timeZone), as REST v1
// reads it.
#include "codecs/json_writer.hpp"
#include "codecs/protocol_2026/records.hpp"
#include "kernel/domain/cron.hpp"
#include "kernel/domain/schedule.hpp"
#include "kernel/v2026/ops.hpp"

namespace resonate::kernel::v2026 {

namespace q = resonate::queues;
namespace json = boost::json;
using codecs::json_append_int;
using codecs::json_append_string;

namespace {

void append_schedule(std::string& out, const q::schedule_record& s) {
  out += "{\"id\":";
  json_append_string(out, s.id);
  out += ",\"cron\":";
  json_append_string(out, s.cron);
  out += ",\"promiseId\":";
  json_append_string(out, s.promise_id);
  out += ",\"promiseTimeout\":";
  json_append_int(out, s.promise_timeout);
  out += ",\"promiseParam\":";
  codecs::protocol_2026::append_value(out, s.promise_param);
  out += ",\"promiseTags\":";
  codecs::json_append_string_map(out, s.promise_tags);
  out += ",\"createdAt\":";
  json_append_int(out, s.created_on);
  out += ",\"nextRunAt\":";
  json_append_int(out, s.next_run_time);
  if (s.last_run_time) {
    out += ",\"lastRunAt\":";
    json_append_int(out, *s.last_run_time);
  }
  out += '}';
}

std::string schedule_data(const q::schedule_record& s) {
  std::string out = "{\"schedule\":";
  append_schedule(out, s);
  out += '}';
  return out;
}

std::optional<q::schedule_record> read_schedule(op& o, const std::string& id) {
  auto r = o.db.run(q::read_schedule_cmd{id});
  auto& rows = std::get<q::query_schedules_result>(r).records;
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

domain::time_zone schedule_zone(const op& o) {
  return domain::time_zone::load(o.schedule_zone).value_or(domain::time_zone::utc());
}

}  // namespace

q::v2026_result schedule_get(op& o, const json::object& data) {
  auto s = read_schedule(o, string_field(data, "id"));
  if (!s) return failure(404, "Schedule not found");
  return answer(200, schedule_data(*s));
}

q::v2026_result schedule_create(op& o, const json::object& data) {
  auto id = string_field(data, "id");
  if (auto existing = read_schedule(o, id)) return answer(200, schedule_data(*existing));
  auto cron = string_field(data, "cron");
  auto parsed = domain::cron_schedule::parse(cron, schedule_zone(o));
  if (!parsed) return failure(400, "Invalid cron expression");
  q::schedule_record s;
  s.id = id;
  s.cron = cron;
  s.promise_id = string_field(data, "promiseId");
  s.promise_timeout = int_field(data, "promiseTimeout");
  s.promise_param = value_field(data, "promiseParam");
  s.promise_tags = tags_field(data, "promiseTags");
  s.next_run_time = domain::next_run_time(*parsed, o.now);
  s.created_on = o.now;
  auto r = o.db.run(q::create_schedule_cmd{s});
  auto& w = std::get<q::schedule_write_result>(r);
  return answer(200, schedule_data(w.row ? *w.row : s));
}

q::v2026_result schedule_delete(op& o, const json::object& data) {
  auto r = o.db.run(q::delete_schedule_cmd{string_field(data, "id")});
  if (std::get<q::alter_result>(r).rows_affected == 0) return failure(404, "Schedule not found");
  return answer(200, "{}");
}

/// Ordered by id after the cursor, as promise.search; `tags` match the
/// promiseTags, the only tags a schedule of this protocol has. The default
/// page is 10 (spec 1.9).
q::v2026_result schedule_search(op& o, const json::object& data) {
  auto limit = search_limit(data, 10);
  q::search_schedules_cmd s;
  s.id = "*";
  s.tags = tags_field(data, "tags");
  s.limit = limit + 1;
  s.by_id = true;
  s.after_id = string_field(data, "cursor");
  auto r = o.db.run(s);
  auto& rows = std::get<q::query_schedules_result>(r).records;
  return answer(200, page_data("schedules", rows, limit, append_schedule));
}

}  // namespace resonate::kernel::v2026
