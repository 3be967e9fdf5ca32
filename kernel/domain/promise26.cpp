#include "kernel/domain/promise26.hpp"

#include <algorithm>

#include "kernel/domain/page.hpp"
#include "kernel/domain/promise.hpp"

namespace resonate::kernel::domain {

namespace q = resonate::queues;

bool created_timed_out(const q::promise26_create_request& req, int64_t now) {
  return now >= req.timeout_at;
}

q::create_promise_cmd create26_command(const q::promise26_create_request& req, int64_t now) {
  q::create_promise_cmd c;
  c.id = req.id;
  c.param = req.param;
  c.timeout = req.timeout_at;
  c.tags = req.tags;
  c.created_on = created_timed_out(req, now) ? req.timeout_at : now;
  c.read_back = true;
  return c;
}

q::update_promise_cmd settle26_command(const q::promise26_settle_request& req, int64_t now) {
  auto u = completion_command(req.id, req.state, req.val, std::nullopt, now, now, now);
  u.read_back = true;
  return u;
}

q::search_promises_cmd search26_command(const q::promise26_search_request& req, int64_t now) {
  q::search_promises_cmd s;
  s.id = "*";
  s.states = req.state ? q::mask_of(*req.state) : q::all_promise_states;
  s.tags = req.tags;
  s.limit = req.limit + 1;
  s.by_id = true;
  s.after_id = req.cursor;
  s.as_of = now;
  return s;
}

q::promise26_search_response promise26_page(std::vector<q::promise_record> rows, int64_t limit,
                                            int64_t now) {
  q::promise26_search_response page;
  page.cursor = cut_page(rows, limit);
  for (auto& p : rows) {
    if (is_timed_out(p, now)) p = timed_out(std::move(p));
  }
  page.promises = std::move(rows);
  return page;
}

bool created_with_messages(const q::tag_map& tags) {
  return tags.count("resonate:target") != 0;
}

std::optional<int64_t> created_wake(const q::promise_record& p) {
  if (!created_with_messages(p.tags) || p.state != q::promise_state::pending) return std::nullopt;
  return std::min(p.timeout, p.created_on.value_or(0) + task26_retry_timeout_ms);
}

namespace {

registration26 refused(uint16_t status, std::string message) {
  return registration26{q::promise26_response{status, std::nullopt, std::move(message)},
                        std::nullopt};
}

bool is_pending(const q::promise_record& p) {
  return p.state == q::promise_state::pending;
}

}  // namespace

registration26 decide_register_callback(const q::promise26_register_callback_request& req,
                                        const std::optional<q::promise_record>& awaited,
                                        const std::optional<q::promise_record>& awaiter) {
  if (!awaited) return refused(404, "Awaited promise not found");
  if (!awaiter) return refused(422, "Awaiter promise not found");
  if (!awaiter->tags.count("resonate:target")) {
    return refused(422, "Awaiter promise has no resonate:target tag");
  }
  registration26 r{q::promise26_response{200, *awaited, {}}, std::nullopt};
  if (is_pending(*awaited) && is_pending(*awaiter)) {
    r.write = q::register26_cmd{req.awaited, req.awaiter, {}};
  }
  return r;
}

registration26 decide_register_listener(const q::promise26_register_listener_request& req,
                                        const std::optional<q::promise_record>& awaited) {
  if (!awaited) return refused(404, "Awaited promise not found");
  if (!awaitable_by_listener(*awaited)) return refused(422, "Awaited promise is not awaitable");
  registration26 r{q::promise26_response{200, *awaited, {}}, std::nullopt};
  if (is_pending(*awaited)) r.write = q::register26_cmd{req.awaited, std::nullopt, req.address};
  return r;
}

bool awaitable_by_listener(const q::promise_record& p) {
  auto is = [&](const char* key, std::string_view value) {
    auto it = p.tags.find(key);
    return it != p.tags.end() && it->second == value;
  };
  return is("resonate:scope", "global") || is("resonate:external", "true") ||
         p.tags.count("resonate:target") != 0 || is("resonate:timer", "true");
}

}  // namespace resonate::kernel::domain
