#include "kernel/domain/promise26.hpp"

#include <algorithm>

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

bool created_with_messages(const q::tag_map& tags) {
  return tags.count("resonate:target") != 0;
}

std::optional<int64_t> created_wake(const q::promise_record& p) {
  if (!created_with_messages(p.tags) || p.state != q::promise_state::pending) return std::nullopt;
  return std::min(p.timeout, p.created_on.value_or(0) + task26_retry_timeout_ms);
}

}  // namespace resonate::kernel::domain
