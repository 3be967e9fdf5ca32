// POST / (protocol 2026-04-01): the whole operation is one store command that
// the state machine (kernel/v2026/) runs inside its transaction; the kernel
// gives it its time and the configured zone of schedules, answers
// debug.start/stop (which pause the background jobs) itself, kicks the outbox
// drain when the operation queued messages, and fires the due schedules of a
// debug.tick through the one schedule firer (schedule_promises.cpp).
#include "kernel/coroutines/coroutines.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {

q::response envelope(const q::v2026_request& req, uint16_t status, std::string data_json) {
  return q::response{
    q::status::ok, q::v2026_response{req.kind, req.corr_id, status, std::move(data_json)}, {}};
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (static_cast<unsigned char>(ch) < 0x20) continue;  // a message, not data: drop controls
    out += ch;
  }
  out += '"';
  return out;
}

}  // namespace

root_task v2026(context& c, q::request r, const settings& s) {
  auto req = std::get<q::v2026_request>(std::move(r.payload));
  if (req.kind == "debug.start" || req.kind == "debug.stop") {
    c.shared().background_paused = req.kind == "debug.start";
    co_return envelope(req, 200, "{}");
  }
  int64_t now = req.debug_time.value_or(c.now());
  q::v2026_cmd cmd{req.kind, req.data_json, now, s.schedule_zone.name()};
  auto io = c.store(q::store_transaction{std::nullopt, {std::move(cmd)}});
  auto done = co_await io;
  // Overload and store errors alike: the SDK retries either (spec 1.3).
  auto internal = [&](const q::response& failure) {
    return envelope(req, 500, json_string("Internal error: " + failure.error));
  };
  if (auto failure = store_failure(done)) co_return internal(*failure);
  auto result = std::get<q::v2026_result>(std::move(done.store().results.at(0)));
  if (result.outbox) kick_outbox26(c);
  if (result.wake_at && !req.debug_time) c.shared().run_job_at(tick_2026_job, *result.wake_at);
  if (req.kind == "debug.tick" && result.status == 200) {
    // The due schedules last (spec 4.2), through the one schedule firer at the tick's time.
    auto firing = fire_due_schedules(c, s, now);
    if (auto failure = co_await std::move(firing)) co_return internal(*failure);
  }
  co_return envelope(req, result.status, std::move(result.data_json));
}

}  // namespace resonate::kernel::coroutines
