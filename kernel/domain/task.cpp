#include "kernel/domain/task.hpp"

#include <algorithm>
#include <charconv>

namespace resonate::kernel::domain {

namespace q = resonate::queues;
using ts = q::task_state;

namespace {

bool settled(const q::task_record& t) {
  return t.state == ts::completed || t.state == ts::timedout;
}

q::update_task_cmd guarded(const q::task_record& before) {
  q::update_task_cmd u;
  u.id = before.id;
  u.current_states = q::mask_of(before.state);
  u.current_counter = before.counter;
  return u;
}

// Copies the seven mutable columns of `t` into the update.
q::update_task_cmd write(q::update_task_cmd u, const q::task_record& t) {
  u.process_id = t.process_id;
  u.state = t.state;
  u.counter = t.counter;
  u.attempt = t.attempt;
  u.ttl = t.ttl;
  u.expires_at = t.expires_at;
  u.completed_on = t.completed_on;
  return u;
}

// INIT again, with a higher counter so stale holders are fenced off.
void reset_to_init(q::task_record& t) {
  t.state = ts::init;
  t.counter += 1;
  t.process_id.reset();
  t.attempt = 0;
  t.ttl = 0;
  t.expires_at = 0;
}

}  // namespace

std::optional<q::status> claim_refusal(const q::task_record& t, int64_t counter) {
  if (t.state == ts::claimed) return q::status::task_already_claimed;
  if (settled(t)) return q::status::task_already_completed;
  if (t.counter != counter) return q::status::task_invalid_counter;
  return std::nullopt;
}

std::optional<q::status> complete_refusal(const q::task_record& t, int64_t counter) {
  if (settled(t)) return q::status::ok;
  if (t.state == ts::init || t.state == ts::enqueued) return q::status::task_invalid_state;
  if (t.counter != counter) return q::status::task_invalid_counter;
  return std::nullopt;
}

std::optional<q::status> drop_refusal(const q::task_record& t, int64_t counter) {
  if (t.state != ts::claimed) return q::status::ok;
  if (t.counter != counter) return q::status::task_invalid_counter;
  return std::nullopt;
}

q::update_task_cmd claim_update(q::task_record& t, std::string process_id, int64_t ttl,
                                int64_t now) {
  auto u = guarded(t);
  u.current_states = q::mask_of(ts::init) | q::mask_of(ts::enqueued);
  t.state = ts::claimed;
  t.process_id = std::move(process_id);
  t.ttl = ttl;
  t.expires_at = clamp_add(now, ttl);
  t.completed_on.reset();
  return write(std::move(u), t);
}

q::update_task_cmd complete_update(q::task_record& t, int64_t now) {
  auto u = guarded(t);
  t.state = ts::completed;
  t.process_id.reset();
  t.attempt = 0;
  t.ttl = 0;
  t.expires_at = 0;
  t.completed_on = now;
  return write(std::move(u), t);
}

q::update_task_cmd drop_update(q::task_record& t) {
  auto u = guarded(t);
  reset_to_init(t);
  return write(std::move(u), t);
}

q::update_task_cmd expire_update(q::task_record& t, int64_t now) {
  auto u = guarded(t);
  if (now < t.timeout) {
    reset_to_init(t);
  } else {
    t.state = ts::timedout;
    t.completed_on = t.timeout;
  }
  return write(std::move(u), t);
}

q::update_task_cmd timeout_init_update(q::task_record& t) {
  auto u = guarded(t);
  t.state = ts::timedout;
  t.completed_on = t.timeout;
  return write(std::move(u), t);
}

q::update_task_cmd complete_init_update(q::task_record& t, int64_t now) {
  auto u = guarded(t);
  t.state = ts::completed;
  t.completed_on = now;
  return write(std::move(u), t);
}

q::update_task_cmd after_send_update(q::task_record& t, const q::send_completion& sent,
                                     int64_t now) {
  auto u = guarded(t);
  u.current_states = q::mask_of(ts::init);
  if (t.mesg.type == q::message_type::notify) {
    // Best effort, one attempt; the reference leaves completedOn unset here.
    t.state = ts::completed;
  } else if (sent.success) {
    t.state = ts::enqueued;
    t.expires_at = sent.time_to_claim > 0 ? clamp_add(now, sent.time_to_claim) : 0;
  } else {
    t.attempt += 1;
    auto delay = retry_delay(sent.time_to_retry, t.attempt, t.id, t.counter);
    t.expires_at = delay > 0 ? clamp_add(now, delay) : 0;
  }
  return write(std::move(u), t);
}

int64_t retry_delay(int64_t ttr, int64_t attempt, const std::string& task_id, int64_t counter) {
  if (ttr <= 0) return 0;
  int shift = static_cast<int>(std::clamp<int64_t>(attempt - 1, 0, 2));
  int64_t base = ttr > std::numeric_limits<int64_t>::max() / 8 ? ttr : ttr << shift;
  // FNV-1a over the task's identity and attempt: deterministic, spread out.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t byte) { h = (h ^ byte) * 1099511628211ull; };
  for (unsigned char ch : task_id) mix(ch);
  for (int i = 0; i < 8; ++i) mix(static_cast<uint64_t>(counter) >> (8 * i) & 0xff);
  for (int i = 0; i < 8; ++i) mix(static_cast<uint64_t>(attempt) >> (8 * i) & 0xff);
  double jitter = 0.8 + 0.4 * static_cast<double>(h % 10000) / 10000.0;
  return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(base) * jitter));
}

int64_t delay_of(const q::tag_map& tags) {
  auto it = tags.find("resonate:delay");
  if (it == tags.end()) return 0;
  int64_t v = 0;
  const auto& s = it->second;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size()) return 0;
  return v;
}

q::task_record invoke_task(const std::string& promise_id, int64_t promise_timeout,
                           const q::tag_map& tags, std::string recv, q::header_map head,
                           int64_t now) {
  q::task_record t;
  t.id = q::invoke_task_id(promise_id);
  t.state = ts::init;
  t.root_promise_id = promise_id;
  t.recv = std::move(recv);
  t.mesg = q::message{q::message_type::invoke, std::move(head), promise_id, promise_id};
  t.timeout = promise_timeout;
  t.counter = 1;
  t.expires_at = delay_of(tags);
  t.created_on = now;
  return t;
}

}  // namespace resonate::kernel::domain
