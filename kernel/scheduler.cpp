#include "kernel/scheduler.hpp"

#include <cassert>
#include <string>

#include "queues/metrics.hpp"

namespace resonate::kernel {

context::io_awaiter context::submit(queues::aio_payload payload) {
  return io_awaiter{this, sched_->submit(*this, std::move(payload))};
}

context::io_awaiter context::store(queues::store_transaction tx) {
  return submit(queues::aio_payload{std::move(tx)});
}

context::io_awaiter context::route(queues::route_submission sub) {
  return submit(queues::aio_payload{std::move(sub)});
}

context::io_awaiter context::send(queues::send_submission sub) {
  return submit(queues::aio_payload{std::move(sub)});
}

void context::spawn(std::string name, root_factory make) {
  // Work that background work starts is background work: fenced alike.
  auto parent = sched_->coroutines_.find(id_);
  const bool fenced = parent != sched_->coroutines_.end() && parent->second.fenced;
  sched_->add(std::move(name), std::move(make), nullptr, /*counted=*/false, fenced);
}

shared_state& context::shared() {
  return sched_->shared();
}

size_t context::background_aio_room() const {
  return sched_->background_aio_room();
}

scheduler::~scheduler() = default;

bool scheduler::add(std::string name, root_factory make, done_fn on_done, bool counted,
                    bool fenced) {
  if (counted && !can_admit()) return false;
  uint64_t id = next_id_++;
  coroutine co;
  co.name = std::move(name);
  co.ctx.reset(new context(this, id));
  co.root = make(*co.ctx);
  co.on_done = std::move(on_done);
  co.counted = counted;
  co.fenced = fenced;
  if (counted) ++counted_;
  coroutines_.emplace(id, std::move(co));
  runnable_.push_back(id);
  return true;
}

uint64_t scheduler::submit(context& c, queues::aio_payload payload) {
  uint64_t io = next_io_++;
  // A full AIO queue is answered at once, as a completion with an error (the
  // awaiter then does not suspend), so the coroutine decides what to tell its
  // client (503) without blocking anyone.
  if (io_owner_.size() >= limits_.max_aio_in_flight) {
    c.results_.emplace(io, queues::aio_cqe::failure(io, queues::status::aio_submission_queue_full,
                                                    "aio submission queue full"));
    return io;
  }
  io_owner_.emplace(io, c.id_);
  if (auto* tx = std::get_if<queues::store_transaction>(&payload); tx && shared_.lease.clustered) {
    auto co = coroutines_.find(c.id_);
    if (co != coroutines_.end() && co->second.fenced) {
      // The fence leads the transaction; complete() takes its result out, so
      // the coroutine sees the results of its own commands only.
      tx->commands.insert(tx->commands.begin(), queues::check_lease_cmd{0, shared_.lease.epoch});
      lease_checked_.insert(io);
    }
  }
  submissions_.push_back(queues::aio_sqe{io, std::move(payload)});
  return io;
}

void scheduler::complete(queues::aio_cqe cqe) {
  auto owner = io_owner_.find(cqe.id);
  if (owner == io_owner_.end()) return;  // not ours (e.g. a duplicate); ignore
  auto co = coroutines_.find(owner->second);
  io_owner_.erase(owner);
  if (lease_checked_.erase(cqe.id) > 0) {
    if (!cqe.error) {
      auto* done = std::get_if<queues::store_completion>(&cqe.completion);
      if (done && !done->results.empty()) done->results.erase(done->results.begin());
    } else if (cqe.error->message.find("fenced out") != std::string::npos) {
      static auto& fenced = queues::metrics::global().get_counter("cluster_fenced_writes_total");
      fenced.inc();
    }
  }
  if (co == coroutines_.end()) return;
  auto& ctx = *co->second.ctx;
  uint64_t io = cqe.id;
  ctx.results_.insert_or_assign(io, std::move(cqe));
  if (ctx.waiting_ && ctx.awaiting_ == io) runnable_.push_back(co->first);
}

void scheduler::run_until_blocked(int64_t now) {
  while (!runnable_.empty()) {
    uint64_t id = runnable_.front();
    runnable_.pop_front();
    auto it = coroutines_.find(id);
    if (it == coroutines_.end()) continue;
    auto& co = it->second;
    co.ctx->now_ = now;
    if (!co.started) {
      co.started = true;
      co.root.start();
    } else {
      auto h = std::exchange(co.ctx->waiting_, {});
      co.ctx->awaiting_ = 0;
      assert(h);
      h.resume();
    }
    // The coroutine may have spawned others meanwhile: `it` may be stale, `co` is not.
    if (co.root.done()) {
      auto result = co.root.take_result();
      auto on_done = std::move(co.on_done);
      if (co.counted) --counted_;
      coroutines_.erase(id);
      if (on_done) on_done(std::move(result));
    }
  }
}

std::vector<queues::aio_sqe> scheduler::take_submissions() {
  std::vector<queues::aio_sqe> out;
  out.swap(submissions_);
  return out;
}

}  // namespace resonate::kernel
