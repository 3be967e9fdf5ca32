#include "kernel/scheduler.hpp"

#include <cassert>

namespace resonate::kernel {

context::io_awaiter context::store(queues::store_transaction tx) {
  sched_->submit(*this, std::move(tx));
  return io_awaiter{this};
}

scheduler::~scheduler() = default;

bool scheduler::add(std::string name, root_factory make, done_fn on_done, bool counted) {
  if (counted && !can_admit()) return false;
  uint64_t id = next_id_++;
  coroutine co;
  co.name = std::move(name);
  co.ctx.reset(new context(this, id));
  co.root = make(*co.ctx);
  co.on_done = std::move(on_done);
  co.counted = counted;
  if (counted) ++counted_;
  coroutines_.emplace(id, std::move(co));
  runnable_.push_back(id);
  return true;
}

void scheduler::submit(context& c, queues::store_transaction tx) {
  // A full AIO queue is answered at once, as a completion with an error (the
  // awaiter then does not suspend), so the coroutine decides what to tell its
  // client (503) without blocking anyone.
  if (io_owner_.size() >= limits_.max_aio_in_flight) {
    queues::aio_cqe full;
    full.error = aio_queue_full_error;
    c.io_result_ = std::move(full);
    return;
  }
  uint64_t io = next_io_++;
  io_owner_.emplace(io, c.id_);
  submissions_.push_back(queues::aio_sqe{io, std::move(tx)});
}

void scheduler::complete(queues::aio_cqe cqe) {
  auto owner = io_owner_.find(cqe.id);
  if (owner == io_owner_.end()) return;  // not ours (e.g. a duplicate); ignore
  auto co = coroutines_.find(owner->second);
  io_owner_.erase(owner);
  if (co == coroutines_.end()) return;
  co->second.ctx->io_result_ = std::move(cqe);
  runnable_.push_back(co->first);
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
      assert(h);
      h.resume();
    }
    if (co.root.done()) {
      auto result = co.root.take_result();
      auto on_done = std::move(co.on_done);
      if (co.counted) --counted_;
      coroutines_.erase(it);
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
