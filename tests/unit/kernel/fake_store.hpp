#pragma once

// The AIO for kernel tests. An in-memory store with the same command semantics
// as the real adapters (aio_adapters/store), with none of their I/O, plus fault
// injection before processing (nothing applied) and after processing (applied,
// but the caller is told it failed); a router that matches the default
// `resonate:invoke` tag; a sender that records messages.

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "queues/aio.hpp"

namespace resonate::tests {

class fake_store {
public:
  std::map<std::string, queues::promise_record> promises;
  std::map<std::string, queues::task_record> tasks;
  std::map<std::string, queues::callback_record> callbacks;
  std::map<std::string, queues::lock_record> locks;  ///< by resource id
  std::map<std::string, queues::schedule_record> schedules;
  int64_t schedule_sort_id = 0;  ///< the last sort_id a schedule insert took
  /// Protocol 2026's background pass (read_due26_cmd): the times it read at,
  /// and, when set, the next timer its answer carries instead of the one
  /// the rows here give.
  std::vector<int64_t> due26_reads;
  std::optional<int64_t> due26_next_at;
  /// Protocol 2026's tasks and what the store's step after a promise write
  /// keeps with them (migration 006): a targeted promise's task, its
  /// executes (id -> version), callbacks (awaited, awaiter) and branches
  /// (id -> branch), listeners (promise, address) and the unblocks the
  /// chain queued for them. The settlement chain here fulfils the task,
  /// resumes suspended awaiters and unblocks listeners; timers are the real
  /// stores' (tests/store).
  /// The partition leases (migration 008), timed by the fake database's own
  /// clock `lease_now` (ms), which tests move; and how many transactions
  /// check_lease_cmd refused.
  struct lease_row {
    std::optional<std::string> owner;
    int64_t epoch = 0;
    int64_t expires_at = 0;
  };
  std::map<int64_t, lease_row> leases;
  int64_t lease_now = 0;
  int64_t fenced_out = 0;
  std::map<std::string, queues::task26_record> tasks26;
  std::map<std::string, int64_t> executes26;
  std::set<std::pair<std::string, std::string>> callbacks26;
  std::map<std::string, std::string> branches26;
  std::set<std::pair<std::string, std::string>> listeners26;
  std::vector<std::pair<std::string, std::string>> unblocks26;
  /// The outbox as the drain sees it: what executes26 and unblocks26 queued
  /// and the drain has not acknowledged (execute: id -> version; unblock:
  /// promise, address), and the messages parked for want of a stream
  /// ((id, address) -> version, -1 for an unblock).
  std::map<std::string, int64_t> outbox_executes26;
  std::set<std::pair<std::string, std::string>> outbox_unblocks26;
  std::map<std::pair<std::string, std::string>, int64_t> parked26;

  /// Inserts a task row directly (tests that need a claimed task for a fence).
  queues::task_record& put_task(std::string id, int64_t counter, queues::task_state state);
  /// Every message handed to the (fake) sender, in order.
  std::vector<queues::send_submission> sent;
  bool send_succeeds = true;  ///< what the fake sender answers
  /// Per entry of `sent`: whether the fake sender reported it delivered.
  std::vector<bool> delivered;
  double send_fail = 0;   ///< probability a message is not delivered (plugin failure; needs rng)
  double send_error = 0;  ///< probability the sender fails as a whole (an AIO error; needs rng)
  int64_t time_to_retry = 15000;  ///< the plugin's TTR on a failed delivery
  int64_t time_to_claim = 60000;  ///< the plugin's TTC on a delivery
  double fail_before = 0;         ///< probability a submission fails without effect
  double fail_after = 0;          ///< probability a submission takes effect but reports failure
  std::mt19937_64* rng = nullptr;
  /// Store submissions processed (one round trip each in a real store), and
  /// reads of a 2026 task (read_task26_cmd) among their commands.
  int64_t store_round_trips = 0;
  int64_t task26_reads = 0;
  /// Runs of protocol 2026's outbox drain (take_outbox_cmd).
  int64_t outbox_takes = 0;

  queues::aio_results process(const queues::aio_batch& batch);
  queues::aio_cqe process_one(const queues::aio_sqe& sqe);
  /// Any kind of submission: the store, the router or the sender.
  queues::aio_cqe answer(const queues::aio_sqe& sqe);

private:
  queues::store_result run(const queues::store_command& cmd);
  queues::promise_write_result settle(const queues::update_promise_cmd& c);
  void created26(const queues::promise_record& p);
  /// The settlement chain; the executes and unblocks it queued.
  int64_t settled26(const std::string& id, int64_t now);
  queues::alter_result write26(const queues::write_task26_cmd& c);
  queues::due26_result due26(const queues::read_due26_cmd& c);
  void queue_execute26(const std::string& id, int64_t version);
  void drop_execute26(const std::string& id);
  queues::outbox_result take_outbox26(const queues::take_outbox_cmd& c);
  void ack_outbox26(const queues::ack_outbox_cmd& c);
  queues::alter_result register26(const queues::register26_cmd& c);
  bool fence_holds(const std::optional<queues::task26_fence>& f) const;
  int64_t next_sort_id_ = 1;
  int64_t next_task_sort_id_ = 1;
};

/// `*` matches any run of characters; everything else literally.
bool pattern_matches(const std::string& pattern, const std::string& id);

}  // namespace resonate::tests
