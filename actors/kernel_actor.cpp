#include "actors/kernel_actor.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "queues/metrics.hpp"

namespace resonate::actors {

namespace q = resonate::queues;
namespace m = resonate::queues::metrics;

namespace {

using kernel_self = caf::stateful_actor<kernel_state>*;

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

struct kernel_metrics {
  m::gauge& queued = m::global().get_gauge("kernel_queued_requests");
  m::gauge& sending = m::global().get_gauge("aio_submissions_in_flight", "type=\"sender\"");
  m::gauge& coroutines = m::global().get_gauge("kernel_coroutines_in_flight");
  m::gauge& aio = m::global().get_gauge("aio_submissions_in_flight", "type=\"store\"");
  m::gauge& pending = m::global().get_gauge("aio_submissions_queued", "type=\"store\"");
  m::histogram& batch =
    m::global().get_histogram("aio_store_batch_size", "", m::histogram_kind::size);
  m::histogram& duration = m::global().get_histogram("aio_duration_seconds", "type=\"store\"");
  m::counter& ticks = m::global().get_counter("kernel_ticks_total");
};

kernel_metrics& metrics() {
  static kernel_metrics km;
  return km;
}

// Ask for a tick after the messages already in the mailbox: everything that
// arrived meanwhile is admitted in the same tick and its store work is batched.
void schedule_tick(kernel_self self) {
  if (self->state.tick_scheduled) return;
  self->state.tick_scheduled = true;
  self->send(self, q::tick_atom_v);
}

void step(kernel_self self);

// Make sure a timer message comes by the system's next wake (a job's period
// ending, or the time a job asked for, e.g. a sleep's deadline), and at the
// latest one signal period from now. Earlier timers already in the mailbox
// stay; one that finds nothing due just steps once more.
void arm_timer(kernel_self self, int64_t now) {
  auto& st = self->state;
  const int64_t at = std::min(st.sys->next_wake(), now + st.timer_ms);
  if (at >= st.timer_at) return;
  st.timer_at = at;
  self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(0, at - now)),
                     q::timer_atom_v);
}

// Take the next batch of queued submissions, at most batch_size.
q::aio_batch next_batch(kernel_state& st) {
  q::aio_batch batch;
  while (!st.pending.empty() && batch.size() < st.batch_size) {
    batch.push_back(std::move(st.pending.front()));
    st.pending.pop_front();
  }
  metrics().batch.observe(static_cast<double>(batch.size()));
  return batch;
}

// Hand queued submissions to every idle store actor, one transaction per batch.
// An inline store runs one batch here and asks for a tick: the requests that
// arrived during the transaction are admitted before the next batch is cut.
void dispatch(kernel_self self) {
  auto& st = self->state;
  if (st.inline_store) {
    if (st.pending.empty()) return;
    auto started = std::chrono::steady_clock::now();
    auto results = st.inline_store(next_batch(st));
    metrics().duration.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    for (auto& cqe : results) st.sys->complete(std::move(cqe));
    schedule_tick(self);
    return;
  }
  for (size_t i = 0; i < st.stores.size() && !st.pending.empty(); ++i) {
    if (st.store_busy[i]) continue;
    auto batch = next_batch(st);
    std::vector<uint64_t> ids;
    ids.reserve(batch.size());
    for (auto& sqe : batch) ids.push_back(sqe.id);
    st.store_busy[i] = true;
    auto started = std::chrono::steady_clock::now();
    self->request(st.stores[i], caf::infinite, std::move(batch))
      .then(
        [self, i, started](q::aio_results& results) {
          metrics().duration.observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
          self->state.store_busy[i] = false;
          for (auto& cqe : results) self->state.sys->complete(std::move(cqe));
          step(self);
        },
        [self, i, ids](caf::error& err) {
          // The store actor is gone: every submission of the batch failed.
          self->state.store_busy[i] = false;
          for (auto id : ids)
            self->state.sys->complete(q::aio_cqe::failure(id, q::status::aio_store_error,
                                                          "store unavailable: " + to_string(err)));
          step(self);
        });
  }
}

void step(kernel_self self) {
  auto& st = self->state;
  const int64_t now = wall_ms();
  auto out = st.sys->tick(now);
  metrics().ticks.inc();
  if (st.nudge) {
    if (auto jobs = st.sys->take_nudges(); !jobs.empty()) st.nudge(std::move(jobs));
  }
  st.aio->dispatch(std::move(out));
  dispatch(self);
  if (st.sys->has_work()) schedule_tick(self);
  if (!st.stopped) arm_timer(self, now);

  auto& km = metrics();
  km.queued.set(static_cast<int64_t>(st.sys->queued_requests()));
  km.coroutines.set(static_cast<int64_t>(st.sys->coroutines()));
  km.aio.set(static_cast<int64_t>(st.sys->aio_in_flight()));
  km.pending.set(static_cast<int64_t>(st.pending.size()));
  km.sending.set(st.sending);

  if (st.sys->done() && st.pending.empty()) {
    for (auto& rp : st.drain_waiters) rp.deliver(true);
    st.drain_waiters.clear();
    st.stopped = true;
    self->quit();
  }
}

}  // namespace

caf::behavior kernel_actor(kernel_self self, kernel_options opts, std::vector<caf::actor> stores) {
  auto& st = self->state;
  st.sys = std::make_unique<kernel::system>(opts.system, kernel::coroutines::request_table());
  st.stores = std::move(stores);
  st.store_busy.assign(st.stores.size(), false);
  st.inline_store = std::move(opts.inline_store);
  st.nudge = std::move(opts.nudge);
  st.batch_size = std::max<size_t>(1, opts.store_batch_size);
  st.timer_ms = std::max<int64_t>(1, opts.system.signal_timeout_ms);

  // Each AIO kind to its own workers: store transactions wait for an idle store
  // actor (dispatch); the router answers inline; the sender calls back later.
  st.aio = std::make_unique<aio_adapters::aio_router>(
    [self](q::aio_cqe cqe) { self->state.sys->complete(std::move(cqe)); });
  st.aio->route(q::aio_kind::store,
                [self](q::aio_sqe sqe) { self->state.pending.push_back(std::move(sqe)); });
  if (opts.route) {
    st.aio->route(q::aio_kind::router, [self, route = opts.route](q::aio_sqe sqe) {
      q::aio_cqe cqe;
      cqe.id = sqe.id;
      cqe.completion = route(std::get<q::route_submission>(sqe.payload));
      self->state.sys->complete(std::move(cqe));
    });
  }
  if (opts.send) {
    auto me = caf::actor_cast<caf::actor>(self);
    st.aio->route(q::aio_kind::sender, [self, me, send = opts.send](q::aio_sqe sqe) {
      ++self->state.sending;
      uint64_t id = sqe.id;
      send(std::get<q::send_submission>(std::move(sqe.payload)), [me, id](q::send_completion r) {
        q::aio_cqe cqe;
        cqe.id = id;
        cqe.completion = std::move(r);
        caf::anon_send(me, std::move(cqe));
      });
    });
  }
  arm_timer(self, wall_ms());
  return {
    [self](q::api_sqe& sqe) {
      self->state.sys->submit(std::move(sqe));
      schedule_tick(self);
    },
    [self](q::aio_cqe& cqe) {
      --self->state.sending;
      self->state.sys->complete(std::move(cqe));
      schedule_tick(self);
    },
    [self](q::tick_atom) {
      self->state.tick_scheduled = false;
      step(self);
    },
    [self](q::timer_atom) {
      // The timer runs background jobs when no request is around; step()
      // arms the next one.
      if (wall_ms() >= self->state.timer_at) self->state.timer_at = INT64_MAX;
      step(self);
    },
    [self](kick_job_atom, const std::string& job) {
      self->state.sys->kick(job);
      schedule_tick(self);
    },
    [self](q::drain_atom) -> caf::result<bool> {
      auto rp = self->make_response_promise();
      self->state.drain_waiters.push_back(rp);
      self->state.sys->shutdown();
      step(self);
      return caf::delegated<bool>{};
    },
  };
}

}  // namespace resonate::actors
