#pragma once

// The coroutine scheduler: owns every in-flight coroutine (one per API request,
// plus background jobs), hands out their AIO submissions and resumes them when
// the completions arrive. Single threaded and clock free: time comes in as an
// argument of run_until_blocked(now).
//
// Coroutine life cycle: created (admitted, not started) -> running (between a
// resume and its next yield) -> suspended (awaiting an AIO completion) -> done
// (its result handed to on_done, its frame destroyed).

#include <coroutine>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kernel/task.hpp"
#include "queues/aio.hpp"
#include "queues/api.hpp"

namespace resonate::kernel {

class scheduler;
class context;
using root_task = task<queues::response>;
using root_factory = std::function<root_task(context&)>;

/// Kernel state shared by all coroutines of one system: what is only a cache
/// of the store (rebuilt from it after a restart) or a hint to the system.
struct shared_state {
  /// Roots for which a coroutine is handing out a task right now: from before
  /// the write or send that makes a task of that root active until its outcome
  /// is recorded. At most one task per root is active (REST v1 2.5): the store
  /// decides it for what is written, these holds for what is in flight (a task
  /// stays INIT in the store while its message is out).
  std::unordered_set<std::string> roots_held;
  /// While an EnqueueTasks scan is out: the roots released since it was
  /// issued. Its rows of those roots may predate the release (a task of the
  /// root became ENQUEUED or CLAIMED meanwhile), so that pass leaves them to
  /// the next. Only one EnqueueTasks runs at a time.
  std::optional<std::unordered_set<std::string>> released_since_scan;
  /// Schedule firings of the current SchedulePromises batch not yet finished.
  int64_t schedule_firings_in_flight = 0;
  /// Names of background jobs asked to run as soon as possible (e.g. new tasks
  /// became enqueueable), instead of at their next period.
  std::unordered_set<std::string> kicked_jobs;
  /// Background jobs asked to run at a time before their next period (the
  /// protocol 2026 tick at the earliest timer it knows of): name -> time.
  std::unordered_map<std::string, int64_t> jobs_due;
  void run_job_at(const std::string& name, int64_t at) {
    auto [it, fresh] = jobs_due.emplace(name, at);
    if (!fresh && at < it->second) it->second = at;
  }
  /// Several nodes on one database: this node's lease on the background work
  /// (partition 0: all of it, for now), as the lease job last claimed it.
  /// While `clustered`, background jobs start only while `held`, and every
  /// store transaction of theirs goes fenced by `epoch` (check_lease_cmd).
  /// The epoch stays when the lease is lost: writes still in flight carry it
  /// and are refused once another node has taken over.
  struct lease_state {
    bool clustered = false;
    bool held = false;
    int64_t epoch = 0;
  };
  lease_state lease;
  /// debug.start (protocol 2026-04-01): no background job starts until
  /// debug.stop, so that time moves only by debug.tick.
  bool background_paused = false;
  /// SSE streams that connected since the protocol-2026 outbox drain last
  /// started: its next pass sends the messages parked for them. While one is
  /// here, a drain in flight parks nothing (the stream may be the one its
  /// send just missed).
  std::vector<queues::stream_address> streams_connected;
  /// When the drain last dropped parked messages past their age limit (it
  /// does so at most once a second, not on every pass).
  int64_t outbox_pruned_at = 0;

  /// A REST v1 invoke or resume message that went out and whose task may still
  /// be ENQUEUED with that counter: ResendTasks sends it again at `due` unless
  /// it was claimed. A client that dropped the message (the REST-era
  /// TypeScript SDK ignores messages for a root it is still finishing) gets
  /// it again long before the claim deadline. Memory only: after a restart
  /// the claim deadline is the backstop.
  struct unclaimed_send {
    std::string task_id;
    int64_t counter = 0;
    int64_t delay = 0;  ///< the wait before this resend; the next one waits twice as long
  };
  std::multimap<int64_t, unclaimed_send> unclaimed_sends;
  /// Bound of unclaimed_sends: beyond it, messages are not watched (the claim
  /// deadline still holds).
  static constexpr size_t max_unclaimed_sends = 100000;

  /// Holds `root` if no one does; false if it is held already.
  bool hold_root(const std::string& root) { return roots_held.insert(root).second; }
  void release_root(const std::string& root) {
    roots_held.erase(root);
    if (released_since_scan) released_since_scan->insert(root);
  }
};

/// A hold on a root for the life of the object (see shared_state::roots_held).
class root_hold {
public:
  root_hold() = default;  ///< holds nothing
  root_hold(shared_state& s, std::string root) : root_(std::move(root)) {
    if (s.hold_root(root_)) state_ = &s;
  }
  root_hold(root_hold&& o) noexcept : state_(o.state_), root_(std::move(o.root_)) {
    o.state_ = nullptr;
  }
  root_hold(const root_hold&) = delete;
  root_hold& operator=(const root_hold&) = delete;
  root_hold& operator=(root_hold&&) = delete;
  ~root_hold() { release(); }

  bool held() const { return state_ != nullptr; }
  void release() {
    if (state_) state_->release_root(root_);
    state_ = nullptr;
  }

private:
  shared_state* state_ = nullptr;
  std::string root_;
};

/// What a coroutine sees of the world: the time of its current step, and the
/// AIO. Stable for the life of the coroutine, so coroutines take it by reference.
class context {
public:
  class io_awaiter;

  /// Tick time (ms since the epoch) of the step in which the coroutine was last resumed.
  int64_t now() const { return now_; }

  /// Yields one logical store transaction; resumes with its completion. Bind the
  /// awaiter to a named local (task.hpp): `auto io = c.store(std::move(tx)); auto r = co_await io;`
  /// A coroutine may have several submissions in flight and await them in any order.
  io_awaiter store(queues::store_transaction tx);
  /// Asks the router whether a promise being created gets an invoke task.
  io_awaiter route(queues::route_submission sub);
  /// Hands a task's message to the sender.
  io_awaiter send(queues::send_submission sub);

  /// Starts a background coroutine that runs on its own (not counted against
  /// the request limit, no reply); it starts within the current tick.
  void spawn(std::string name, root_factory make);

  /// State shared by every coroutine of this system.
  shared_state& shared();

  /// AIO submissions background work may still start without taking the
  /// half of the AIO queue kept for requests (0 when that half is reached).
  /// A background job that fires a batch of submissions at once sizes its
  /// batch by this, so that a burst never answers requests 50302.
  size_t background_aio_room() const;

  /// The id of this coroutine (for tests and logs).
  uint64_t id() const { return id_; }

private:
  friend class scheduler;
  context(scheduler* s, uint64_t id) : sched_(s), id_(id) {}
  io_awaiter submit(queues::aio_payload payload);

  scheduler* sched_;
  uint64_t id_;
  int64_t now_ = 0;
  std::coroutine_handle<> waiting_;                        // innermost frame awaiting I/O
  uint64_t awaiting_ = 0;                                  // the submission it awaits
  std::unordered_map<uint64_t, queues::aio_cqe> results_;  // completions not yet taken
};

/// Trivial awaiter: holds only a pointer and an id, so it is safe from the g++ 12 bug.
class context::io_awaiter {
public:
  io_awaiter(context* c, uint64_t io) : c_(c), io_(io) {}
  bool await_ready() const noexcept { return c_->results_.count(io_) != 0; }
  void await_suspend(std::coroutine_handle<> h) noexcept {
    c_->waiting_ = h;
    c_->awaiting_ = io_;
  }
  queues::aio_cqe await_resume() {
    auto it = c_->results_.find(io_);
    auto r = std::move(it->second);
    c_->results_.erase(it);
    return r;
  }

private:
  context* c_;
  uint64_t io_;
};

using done_fn = std::function<void(queues::response)>;

struct scheduler_limits {
  size_t max_coroutines = 1000;     ///< admitted coroutines at once (counted: requests only)
  size_t max_aio_in_flight = 1000;  ///< submissions handed out and not yet completed
};

class scheduler {
public:
  explicit scheduler(scheduler_limits limits) : limits_(limits) {}
  ~scheduler();

  /// Admits a coroutine. `counted` coroutines (requests) count against
  /// max_coroutines; background jobs don't. `fenced`: background work whose
  /// store transactions carry the node's lease (shared_state::lease), as do
  /// the coroutines it spawns. Returns false when full.
  bool add(std::string name, root_factory make, done_fn on_done, bool counted = true,
           bool fenced = false);

  /// Whether a counted coroutine would be admitted now.
  bool can_admit() const { return counted_ < limits_.max_coroutines; }

  /// Delivers an AIO completion; its coroutine becomes runnable.
  void complete(queues::aio_cqe cqe);

  /// Resumes every runnable coroutine until each has yielded or finished.
  void run_until_blocked(int64_t now);

  /// The submissions yielded since the last call.
  std::vector<queues::aio_sqe> take_submissions();

  size_t size() const { return coroutines_.size(); }
  size_t counted_size() const { return counted_; }
  size_t aio_in_flight() const { return io_owner_.size(); }
  /// See context::background_aio_room.
  size_t background_aio_room() const {
    size_t usable = limits_.max_aio_in_flight - limits_.max_aio_in_flight / 2;
    return aio_in_flight() >= usable ? 0 : usable - aio_in_flight();
  }
  size_t runnable_size() const { return runnable_.size(); }
  shared_state& shared() { return shared_; }
  const shared_state& shared() const { return shared_; }

private:
  friend class context;
  struct coroutine {
    std::string name;
    std::unique_ptr<context> ctx;
    root_task root;
    done_fn on_done;
    bool counted = true;
    bool fenced = false;
    bool started = false;
  };

  uint64_t submit(context& c, queues::aio_payload payload);

  scheduler_limits limits_;
  uint64_t next_id_ = 1;
  uint64_t next_io_ = 1;
  size_t counted_ = 0;
  std::unordered_map<uint64_t, coroutine> coroutines_;
  std::unordered_map<uint64_t, uint64_t> io_owner_;  // aio id -> coroutine id
  std::unordered_set<uint64_t> lease_checked_;       // store submissions led by check_lease_cmd
  std::deque<uint64_t> runnable_;
  std::vector<queues::aio_sqe> submissions_;
  shared_state shared_;
};

}  // namespace resonate::kernel
