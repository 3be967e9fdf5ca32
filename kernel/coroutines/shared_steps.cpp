#include <algorithm>
#include <array>

#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/promise.hpp"
#include "kernel/domain/task.hpp"
#include "kernel/scheduler.hpp"
#include "queues/metrics.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {
q::metrics::counter& promises_counter(const char* state) {
  return q::metrics::global().get_counter("promises_total", std::string("state=\"") + state + "\"");
}
}  // namespace

void count_created_promise() {
  static auto& created = promises_counter("created");
  created.inc();
}

void count_completed_promises(q::promise_state state, int64_t n) {
  static std::array<q::metrics::counter*, 5> by_state{
    &promises_counter("pending"), &promises_counter("resolved"), &promises_counter("rejected"),
    &promises_counter("rejected_canceled"), &promises_counter("rejected_timedout")};
  size_t index = 0;
  for (auto bit = static_cast<unsigned>(state); bit > 1; bit >>= 1) ++index;
  by_state[index]->inc(static_cast<uint64_t>(n));
}

void count_tasks(const char* transition, int64_t n) {
  if (n <= 0) return;
  q::metrics::global()
    .get_counter("tasks_total", std::string("state=\"") + transition + "\"")
    .inc(static_cast<uint64_t>(n));
}

void kick_enqueue(context& c) {
  c.shared().kicked_jobs.insert(enqueue_tasks_job);
}

void kick_outbox26(context& c) {
  c.shared().kicked_jobs.insert(outbox_2026_job);
}

void after_completion(context& c, const q::promise_write_result& w) {
  if (w.tasks_created > 0) kick_enqueue(c);
  count_tasks("created", w.tasks_created);
  if (w.messages_queued > 0) kick_outbox26(c);
}

std::optional<q::response> store_failure(const q::aio_cqe& cqe) {
  if (cqe.error) return q::response::failure(cqe.error->code, cqe.error->message);
  if (cqe.store().valid) return std::nullopt;
  return q::response::failure(q::status::task_precondition_failed, "the fencing token is invalid");
}

task<std::variant<q::store_result, q::response>> run_one(context& c, q::store_command cmd) {
  auto io = c.store(q::store_transaction{std::nullopt, {std::move(cmd)}});
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  co_return std::move(done.store().results.at(0));
}

task<std::optional<q::response>> apply_timeouts(context& c,
                                                const std::vector<q::promise_record>& due) {
  q::store_transaction tx;
  for (const auto& p : due) tx.commands.emplace_back(domain::timeout_command(p, c.now()));
  auto io = c.store(std::move(tx));
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(failure);
  for (size_t k = 0; k < due.size(); ++k) {
    after_timeout(c, due[k], std::get<q::promise_write_result>(done.store().results.at(k)));
  }
  co_return std::nullopt;
}

void after_timeout(context& c, const q::promise_record& due, const q::promise_write_result& w) {
  if (w.rows_affected == 1) count_completed_promises(q::timed_out_state(due));
  after_completion(c, w);
}

task<lazy_timeout_result> apply_lazy_timeout(context& c, q::promise_record p,
                                             std::optional<q::fence> fence) {
  return apply_lazy_timeout(c, std::move(p), std::move(fence), c.now());
}

task<lazy_timeout_result> apply_lazy_timeout(context& c, q::promise_record p,
                                             std::optional<q::fence> fence, int64_t now) {
  q::store_transaction tx{std::move(fence), {domain::timeout_command(p, now)}};
  auto io = c.store(std::move(tx));
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return lazy_timeout_result{std::move(*failure)};
  auto& w = std::get<q::promise_write_result>(done.store().results.at(0));
  if (w.rows_affected == 0) co_return lazy_timeout_result{lazy_timeout_race{}};
  after_completion(c, w);
  auto after = domain::timed_out(std::move(p));
  count_completed_promises(after.state);
  co_return lazy_timeout_result{std::move(after)};
}

task<std::optional<std::string>> route_promise(context& c, const std::string& id,
                                               const q::tag_map& tags, const settings& s) {
  bool readable = std::any_of(s.router_tag_keys.begin(), s.router_tag_keys.end(),
                              [&](const std::string& k) { return tags.count(k) != 0; });
  if (!readable) co_return std::nullopt;
  auto io = c.route(q::route_submission{id, tags});
  auto done = co_await io;
  if (done.error) co_return std::nullopt;
  auto& routed = std::get<q::route_completion>(done.completion);
  if (!routed.matched) co_return std::nullopt;
  co_return std::move(routed.recv);
}

void watch_unclaimed(context& c, const q::task_record& t, int64_t delay) {
  auto& watched = c.shared().unclaimed_sends;
  if (watched.size() >= shared_state::max_unclaimed_sends) return;
  const int64_t due = domain::clamp_add(c.now(), delay);
  if (t.expires_at != 0 && due >= t.expires_at) return;  // the claim deadline comes first
  watched.emplace(due, shared_state::unclaimed_send{t.id, t.counter, delay});
  c.shared().run_job_at(resend_tasks_job, due);
}

task<std::optional<q::response>> deliver_tasks(
  context& c, std::vector<std::pair<q::task_record, std::optional<q::promise_record>>> tasks,
  const settings& s) {
  struct in_send {
    q::task_record task;
    root_hold hold;
    context::io_awaiter io;
  };
  std::vector<in_send> sends;
  sends.reserve(tasks.size());
  for (auto& [t, promise] : tasks) {
    root_hold hold(c.shared(), t.root_promise_id);
    if (!hold.held()) continue;  // another task of this root is being handed out right now
    auto shown = t;
    shown.state = q::task_state::enqueued;
    auto io = c.send(q::send_submission{std::move(shown), std::move(promise), std::nullopt});
    sends.push_back(in_send{std::move(t), std::move(hold), io});
  }
  if (sends.empty()) co_return std::nullopt;

  q::store_transaction tx;
  int64_t sent = 0, failed = 0;
  std::vector<q::task_record> enqueued;
  for (auto& one : sends) {
    auto done = co_await one.io;
    q::send_completion outcome;
    if (!done.error)
      outcome = std::get<q::send_completion>(std::move(done.completion));
    else
      outcome.time_to_retry = 15000;  // the sender itself failed: retry as on a bad recv
    (outcome.success ? sent : failed) += 1;
    tx.commands.emplace_back(domain::after_send_update(one.task, outcome, c.now()));
    if (outcome.success) enqueued.push_back(one.task);
  }
  auto io = c.store(std::move(tx));
  auto done = co_await io;
  sends.clear();  // the outcomes are recorded (or failed): the roots are free
  count_tasks("enqueued", sent);
  count_tasks("send_failed", failed);
  if (auto failure = store_failure(done)) co_return std::move(failure);
  if (s.task_resend_ms > 0) {
    for (const auto& t : enqueued)
      if (t.mesg.type != q::message_type::notify) watch_unclaimed(c, t, s.task_resend_ms);
  }
  co_return std::nullopt;
}

namespace {

root_task deliver_one(context& c, q::task_record t, q::promise_record root, root_hold hold,
                      const settings& s) {
  std::vector<std::pair<q::task_record, std::optional<q::promise_record>>> one;
  one.emplace_back(std::move(t), std::move(root));
  hold.release();  // deliver_tasks takes it again in this same step: no one can in between
  auto step = deliver_tasks(c, std::move(one), s);
  auto failure = co_await std::move(step);
  // A failure leaves the task INIT in the store: EnqueueTasks sends it later.
  if (failure) co_return std::move(*failure);
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

}  // namespace

void deliver_soon(context& c, q::task_record t, q::promise_record root, root_hold hold,
                  const settings& s) {
  auto shared_hold = std::make_shared<root_hold>(std::move(hold));
  // `s` is the system's own settings, which outlive every coroutine.
  c.spawn("DeliverTask",
          [t = std::move(t), root = std::move(root), shared_hold, &s](context& child) mutable {
            return deliver_one(child, std::move(t), std::move(root), std::move(*shared_hold), s);
          });
}

}  // namespace resonate::kernel::coroutines
