#include "kernel/domain/task26.hpp"

#include <algorithm>
#include <utility>

#include "kernel/domain/page.hpp"
#include "kernel/domain/promise26.hpp"
#include "kernel/domain/task.hpp"

namespace resonate::kernel::domain {

namespace q = resonate::queues;
using q::task26_state;

namespace {

bool pending(const std::optional<q::promise_record>& p) {
  return p && p->state == q::promise_state::pending;
}

task26_decision refused(uint16_t status, std::string message) {
  return task26_decision{task26_refusal(status, std::move(message)), {}, {}, {}, {}, {}};
}

/// The guarded write of `next` over the row `current` as read.
q::write_task26_cmd write_over(const q::task26_record& current, q::task26_record next) {
  q::write_task26_cmd w;
  w.current_state = current.state;
  w.current_version = current.version;
  w.task = std::move(next);
  return w;
}

/// The guarded write that takes the pending `current` as `next` (acquire,
/// create): also only while the task's promise is pending with its timeout
/// after `now`, so that a write decided without reading takes no task whose
/// promise timed out unread.
q::write_task26_cmd taking(const q::task26_record& current, q::task26_record next, int64_t now) {
  auto w = write_over(current, std::move(next));
  w.promise_due_after = now;
  return w;
}

/// The fence of spec 2.3: nullopt when it holds, else the refusal.
std::optional<task26_decision> fence(const task26_rows& rows, int64_t version,
                                     const char* conflict) {
  if (!rows.task) return refused(404, "Task not found");
  if (rows.task->state != task26_state::acquired || !pending(rows.promise) ||
      rows.task->version != version) {
    return refused(409, conflict);
  }
  return std::nullopt;
}

/// pending again at the same version: its retry timer, and an execute to its
/// address now.
q::write_task26_cmd make_pending(const q::task26_record& t, int64_t now) {
  auto w = write_over(t, pending_again(t, now));
  w.send_execute = true;
  return w;
}

q::task26_response ok() {
  return q::task26_response{200, {}, std::nullopt, std::nullopt, std::nullopt};
}

/// The answer of a worker taking `t` (task.acquire, task.create): the task,
/// its promise `p`, and the preload of `p` read after the writes.
task26_decision claimed(const q::task26_record& t, const q::promise_record& p) {
  task26_decision d;
  d.answer = ok();
  d.answer.task = t;
  d.answer.promise = p;
  d.answer.preload = std::vector<q::promise_record>{};
  d.preload = preload_of(p.id);
  return d;
}

/// The fence's action as a write behind the fence, at `now`.
task26_fence_decision fenced_action(const q::task26_fence_request& req, int64_t now) {
  const q::task26_fence fenced{req.id, req.version, now};
  task26_fence_decision d;
  if (req.create) {
    d.create = create26_command(*req.create, now);
    d.create->fence = fenced;
  } else {
    d.settle = settle26_command(*req.settle, now);
    d.settle->fence = fenced;
  }
  return d;
}

}  // namespace

q::task26_record acquired(q::task26_record t, const std::string& pid, int64_t ttl, int64_t now) {
  t.state = task26_state::acquired;
  t.version += 1;
  t.pid = pid;
  t.ttl = ttl;
  t.resumes = 0;
  t.timer = q::task26_timer::lease;
  t.timer_at = clamp_add(now, ttl);
  return t;
}

q::task26_record pending_again(q::task26_record t, int64_t now) {
  t.state = task26_state::pending;
  t.pid.reset();
  t.ttl.reset();
  t.timer = q::task26_timer::retry;
  t.timer_at = clamp_add(now, task26_retry_timeout_ms);
  return t;
}

q::task26_record at_rest(q::task26_record t, q::task26_state state) {
  t.state = state;
  t.pid.reset();
  t.ttl.reset();
  t.timer.reset();
  t.timer_at.reset();
  return t;
}

q::task26_response task26_refusal(uint16_t status, std::string message) {
  return q::task26_response{status, std::move(message), std::nullopt, std::nullopt, std::nullopt};
}

q::read_branch26_cmd preload_of(const std::string& id) {
  return q::read_branch26_cmd{std::nullopt, id};
}

q::task26_search_response task26_page(std::vector<q::task26_record> rows, int64_t limit) {
  q::task26_search_response page;
  page.cursor = cut_page(rows, limit);
  page.tasks = std::move(rows);
  return page;
}

std::optional<q::write_task26_cmd> due26_write(const q::task26_record& t, int64_t now) {
  if (!t.timer_at || *t.timer_at > now) return std::nullopt;
  const bool lease_lapsed = t.timer == q::task26_timer::lease && t.state == task26_state::acquired;
  const bool retry_due = t.timer == q::task26_timer::retry && t.state == task26_state::pending;
  if (!lease_lapsed && !retry_due) return std::nullopt;
  q::write_task26_cmd w;
  w.task = pending_again(t, now);
  w.current_state = t.state;
  w.current_version = t.version;
  w.send_execute = true;
  w.timer_due_by = now;
  return w;
}

q::task26_response decide_get(const task26_rows& rows) {
  if (!rows.task) return task26_refusal(404, "Task not found");
  auto out = ok();
  out.task = *rows.task;
  return out;
}

task26_decision decide_acquire(const q::task26_acquire_request& req, const task26_rows& rows,
                               int64_t now) {
  if (!rows.task) return refused(404, "Task not found");
  const auto& t = *rows.task;
  if (t.state != task26_state::pending || !pending(rows.promise)) {
    return refused(409, "Task is not pending");
  }
  if (t.version != req.version) return refused(409, "Version mismatch");
  auto next = acquired(t, req.pid, req.ttl, now);
  auto d = claimed(next, *rows.promise);
  d.writes.push_back(taking(t, std::move(next), now));
  return d;
}

task26_decision acquire_unread(const q::task26_acquire_request& req, int64_t now) {
  q::task26_record current;
  current.id = req.id;
  current.state = task26_state::pending;
  current.version = req.version;
  auto next = acquired(current, req.pid, req.ttl, now);
  // The promise is read after the write, in its transaction (pending, by
  // the write's guard), and replaces this one in the answer.
  q::promise_record unread;
  unread.id = req.id;
  auto d = claimed(next, unread);
  d.writes.push_back(taking(current, std::move(next), now));
  d.promise_after = q::read_promise_cmd{req.id};
  return d;
}

task26_decision decide_release(const q::task26_release_request& req, const task26_rows& rows,
                               int64_t now) {
  if (auto refusal = fence(rows, req.version, "Task version mismatch or invalid state")) {
    return std::move(*refusal);
  }
  task26_decision d;
  d.answer = ok();
  d.writes.push_back(make_pending(*rows.task, now));
  return d;
}

task26_decision decide_fulfill(const q::task26_fulfill_request& req, const task26_rows& rows,
                               int64_t now) {
  if (auto refusal = fence(rows, req.version, "Task version mismatch or invalid state")) {
    return std::move(*refusal);
  }
  return fulfill_unread(req, now);
}

task26_decision fulfill_unread(const q::task26_fulfill_request& req, int64_t now) {
  // Settling the task's promise fulfils the task through the chain; the
  // settle holds only while the task is still acquired at this version.
  q::promise26_settle_request settle{req.id, req.state, req.val, req.debug_time};
  task26_decision d;
  d.answer = ok();
  d.settle = settle26_command(settle, now);
  d.settle->fence = q::task26_fence{req.id, req.version, now};
  return d;
}

task26_decision decide_suspend(const q::task26_suspend_request& req, const task26_rows& rows,
                               const std::vector<std::optional<q::promise_record>>& awaited) {
  if (auto refusal = fence(rows, req.version, "Task is not acquired or version mismatch")) {
    return std::move(*refusal);
  }
  bool any_settled = false;
  for (const auto& p : awaited) {
    if (!p) return refused(422, "Awaited promise not found");
    if (p->state != q::promise_state::pending) any_settled = true;
  }
  const auto& t = *rows.task;
  auto next = t;
  next.resumes = 0;
  task26_decision d;
  d.answer = ok();
  if (any_settled) {
    // Keep going (300): the task stays acquired at its version, lease untouched.
    d.answer.status = 300;
    d.answer.preload = std::vector<q::promise_record>{};
    d.preload = preload_of(rows.promise->id);
    d.writes.push_back(write_over(t, std::move(next)));
    return d;
  }
  auto w = write_over(t, at_rest(std::move(next), task26_state::suspended));
  w.awaited = req.awaited;
  d.writes.push_back(std::move(w));
  return d;
}

task26_decision decide_heartbeat(const q::task26_heartbeat_request& req,
                                 const std::vector<task26_rows>& rows, int64_t now) {
  task26_decision d;
  d.answer = ok();
  for (size_t i = 0; i < rows.size() && i < req.tasks.size(); ++i) {
    const auto& r = rows[i];
    if (!r.task || r.task->state != task26_state::acquired ||
        r.task->version != req.tasks[i].version || r.task->pid != req.pid) {
      continue;  // not this worker's lease: skipped silently
    }
    if (!pending(r.promise) || now >= r.promise->timeout) continue;
    auto next = *r.task;
    next.timer = q::task26_timer::lease;
    next.timer_at = clamp_add(now, r.task->ttl.value_or(task26_retry_timeout_ms));
    d.writes.push_back(write_over(*r.task, std::move(next)));
  }
  return d;
}

task26_decision decide_halt(const task26_rows& rows) {
  if (!rows.task) return refused(404, "Task not found");
  const auto& t = *rows.task;
  if (t.state == task26_state::fulfilled) return refused(409, "Task is fulfilled");
  task26_decision d;
  d.answer = ok();
  if (t.state == task26_state::halted) return d;
  d.writes.push_back(write_over(t, at_rest(t, task26_state::halted)));
  return d;
}

task26_decision decide_continue(const task26_rows& rows, int64_t now) {
  if (!rows.task) return refused(404, "Task not found");
  if (rows.task->state != task26_state::halted) return refused(409, "Task is not halted");
  task26_decision d;
  d.answer = ok();
  d.writes.push_back(make_pending(*rows.task, now));
  return d;
}

task26_decision decide_create(const q::task26_create_request& req, const task26_rows& rows,
                              int64_t now) {
  if (rows.task) {
    // A task.create on an existing task: a pending one is acquired, a
    // fulfilled one is reported, any other is a conflict (the SDK then
    // listens instead).
    const auto& t = *rows.task;
    if (!rows.promise) return refused(409, "Task already exists");
    if (t.state == task26_state::pending) {
      // Its caller is the worker: the execute queued for this version is
      // stale once taken, as for a new id's.
      auto next = acquired(t, req.pid, req.ttl, now);
      auto d = claimed(next, *rows.promise);
      auto w = taking(t, std::move(next), now);
      w.drop_execute = true;
      d.writes.push_back(std::move(w));
      return d;
    }
    if (t.state == task26_state::fulfilled) return claimed(t, *rows.promise);
    return refused(409, "Task already exists");
  }
  if (rows.promise) {
    if (!rows.promise->tags.count("resonate:target")) {
      return refused(422, "The promise does not have a resonate:target tag");
    }
    return refused(409, "Promise already exists");
  }
  task26_decision d;
  d.answer = ok();
  d.create = create26_command(req.action, now);
  if (created_timed_out(req.action, now)) return d;
  // The row the store's step makes for a new targeted promise, acquired.
  q::task26_record fresh;
  fresh.id = req.action.id;
  if (auto target = req.action.tags.find("resonate:target"); target != req.action.tags.end()) {
    fresh.address = target->second;  // validate() refuses a task.create without one
  }
  auto w = taking(fresh, acquired(fresh, req.pid, req.ttl, now), now);
  w.drop_execute = true;
  // The promise as created; the create's row read back replaces it. Where
  // the id existed already (a create_unread that found its task pending at
  // version 0), the preload is of that promise's branch as stored, not of
  // the one this request names: preload_of reads the stored one.
  q::promise_record created;
  created.id = req.action.id;
  auto claim = claimed(w.task, created);
  claim.create = std::move(d.create);
  claim.writes.push_back(std::move(w));
  return claim;
}

std::optional<task26_decision> create_unread(const q::task26_create_request& req, int64_t now) {
  // A create past its timeout is timed out at once: that goes by the rows.
  if (created_timed_out(req.action, now)) return std::nullopt;
  return decide_create(req, task26_rows{}, now);
}

q::task26_response created_fulfilled(const q::promise_record& p) {
  q::task26_record t;
  t.id = p.id;
  t.state = task26_state::fulfilled;
  if (auto target = p.tags.find("resonate:target"); target != p.tags.end()) {
    t.address = target->second;
  }
  auto out = ok();
  out.task = std::move(t);
  out.promise = p;
  out.preload = std::vector<q::promise_record>{};
  return out;
}

std::optional<task26_fence_decision> fence_unread(const q::task26_fence_request& req, int64_t now) {
  // A create past its timeout is timed out at once: that goes by the rows.
  if (req.create && created_timed_out(*req.create, now)) return std::nullopt;
  return fenced_action(req, now);
}

const std::string& fence_action_id(const q::task26_fence_request& req) {
  return req.create ? req.create->id : req.settle->id;
}

task26_fence_decision decide_fence(const q::task26_fence_request& req, const task26_rows& rows,
                                   const std::optional<q::promise_record>& action, int64_t now) {
  task26_fence_decision d;
  if (auto refusal = fence(rows, req.version, "Version mismatch")) {
    d.answer = q::task26_fence_response{refusal->answer.status, refusal->answer.message, {}};
    return d;
  }
  auto answer_with = [&](q::promise26_response inner) {
    d.answer = q::task26_fence_response{200, {}, std::move(inner)};
    return d;
  };
  if (req.create) {
    // Idempotent on the id: an existing promise is answered as it is.
    if (action) return answer_with(q::promise26_response{200, *action, {}});
    return fenced_action(req, now);
  }
  if (!action) return answer_with(q::promise26_response{404, std::nullopt, "Promise not found"});
  if (action->state != q::promise_state::pending) {
    return answer_with(q::promise26_response{200, *action, {}});
  }
  return fenced_action(req, now);
}

}  // namespace resonate::kernel::domain
