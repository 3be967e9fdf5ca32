#pragma once

// t_aio: what the kernel asks of the AIO adapters and what comes back
// (REST v1 spec section 5.3). A submission has a kind, given by its payload:
//  - store:  one logical transaction, a list of typed commands, each answered by
//            one result in the same position;
//  - router: which receiver (if any) a new promise's invoke task goes to (4.11);
//  - sender: deliver one task's message to its receiver (4.12, 3.5).
// The actor shell sends each kind to its own workers (actors/aio_router.hpp).

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "queues/api.hpp"
#include "queues/records.hpp"
#include "queues/status.hpp"

namespace resonate::queues {

// -- store commands: promises ---------------------------------------------------------

/// SELECT one promise by id.
struct read_promise_cmd {
  std::string id;
};

/// Pending promises whose timeout is <= time (the background timeout scan).
struct read_timedout_promises_cmd {
  int64_t time = 0;
  int64_t limit = 100;
};

/// `id LIKE pattern` (`*` -> `%`), state mask, tag equality, `sort_id < sort_id`,
/// newest first, at most `limit` rows.
struct search_promises_cmd {
  std::string id;
  state_mask states = all_promise_states;
  tag_map tags;
  int64_t limit = 100;
  std::optional<int64_t> sort_id;
  /// Protocol 2026-04-01's paging (its spec 1.9): ordered by id, only ids
  /// greater than `after_id` (the cursor is the last id of the page before;
  /// "" starts at the beginning), `sort_id` ignored. Keyset paging on the
  /// primary key: a page never repeats or skips a row that existed when the
  /// search began, however many promises are created meanwhile.
  bool by_id = false;
  std::string after_id{};
  /// When set, `states` matches each promise as it logically is at this time
  /// (2026 spec 2.1): a pending promise whose timeout <= as_of matches as its
  /// timed-out state (timed_out_state). Rows come back as stored.
  std::optional<int64_t> as_of{};
};

/// INSERT a task; ON CONFLICT(id) DO NOTHING. Result: alter_result.
struct create_task_cmd {
  task_record task;  ///< every column but sort_id
};

/// INSERT a pending promise; ON CONFLICT(id) DO NOTHING. If `task` is set it is
/// inserted too, but only when the promise row was (CreatePromiseAndTask, 4.2).
/// At most one task per root is active (2.5): when the new promise, as a root,
/// already has an ENQUEUED or CLAIMED task (a callback may name a root before
/// it exists), a CLAIMED task goes in as INIT instead (no process, ttl or
/// lease) and the result says `root_busy`, so that the kernel neither hands it
/// out nor sends it; EnqueueTasks does once the root is free.
/// Result: promise_write_result; with `read_back` it carries the row as it is
/// after the statement (the new row, or the existing one).
/// Protocol 2026-04-01's fence on a promise write (task.fulfill, task.fence):
/// the write takes effect only while the task `task_id` (tasks26) is acquired
/// at `version` and its own promise is pending with its timeout after
/// `as_of` (spec 2.1: past its timeout it counts as timed out, and its task
/// as fulfilled). The store holds that task row (FOR SHARE) after the
/// promise's lock, so a release, an acquire or a settlement that raced
/// either committed first (and the write does not take effect) or waits for
/// this transaction. So the write needs nothing read before it: a fence that
/// holds lets it through, one that does not leaves everything as it was.
struct task26_fence {
  std::string task_id;
  int64_t version = -1;
  int64_t as_of = std::numeric_limits<int64_t>::min();
};

struct create_promise_cmd {
  std::string id;
  value param;
  int64_t timeout = 0;
  std::optional<std::string> idempotency_key;
  tag_map tags;
  int64_t created_on = 0;
  std::optional<create_task_cmd> task;
  bool read_back = false;
  /// The insert takes effect only behind this fence (task.fence's create).
  std::optional<task26_fence> fence{};
};

/// The completion transaction of REST v1 4.4 as one command: UPDATE a promise
/// out of PENDING (`WHERE id = ? AND state = 1 AND timeout > timeout_after`),
/// and only if that took effect, in the same transaction:
///  1. every INIT/ENQUEUED/CLAIMED task whose root is this promise -> COMPLETED
///     (completed_on = now);
///  2. every callback on this promise becomes an INIT task (created_on = now),
///     in callback id order;
///  3. those callbacks are deleted.
/// `timeout_after` lets a complete take effect only before the timeout, in the
/// same statement. Result: promise_write_result (row only with `read_back`).
struct update_promise_cmd {
  std::string id;
  promise_state state = promise_state::resolved;
  value val;
  std::optional<std::string> idempotency_key;
  int64_t completed_on = 0;
  int64_t timeout_after = std::numeric_limits<int64_t>::min();
  int64_t now = 0;  ///< completed_on of the tasks, created_on of the new ones
  bool read_back = false;
  /// The update takes effect only behind this fence (task.fulfill's settle of
  /// the task's own promise, task.fence's settle of another).
  std::optional<task26_fence> fence{};
};

/// `SELECT 1`: readiness probe of the store.
struct ping_cmd {};

// -- store commands: callbacks and tasks ----------------------------------------------

/// INSERT a callback if its promise exists and is PENDING and no callback has
/// this id (4.7). Result: alter_result (1 created, 0 not).
struct create_callback_cmd {
  callback_record callback;
};

/// SELECT one task by id. Result: query_tasks_result.
struct read_task_cmd {
  std::string id;
};

/// Tasks that EnqueueTasks may send (4.10): INIT, `expires_at <= time`, whose
/// root has no ENQUEUED or CLAIMED task; one per root (the lowest sort_id),
/// ordered by root_promise_id. Result: query_tasks_result.
struct read_enqueueable_tasks_cmd {
  int64_t time = 0;
  int64_t limit = 100;
};

/// ENQUEUED or CLAIMED tasks whose claim or lease deadline has passed
/// (`expires_at != 0 AND expires_at <= time`) or whose timeout has
/// (`timeout <= time`), ordered by root_promise_id, sort_id (TimeoutTasks, 4.10).
/// Result: query_tasks_result.
struct read_expired_tasks_cmd {
  int64_t time = 0;
  int64_t limit = 100;
};

/// Sets the seven mutable columns of a task, guarded by
/// `state & current_states != 0 AND counter = current_counter`. Result: alter_result.
struct update_task_cmd {
  std::string id;
  std::optional<std::string> process_id;
  task_state state = task_state::init;
  int64_t counter = 1;
  int64_t attempt = 0;
  int64_t ttl = 0;
  int64_t expires_at = 0;
  std::optional<int64_t> completed_on;
  task_state_mask current_states = 0;
  int64_t current_counter = 0;
};

/// `expires_at = min(time + ttl, INT64_MAX)` for every CLAIMED task of the
/// process, whatever its counter. Result: alter_result.
struct heartbeat_tasks_cmd {
  std::string process_id;
  int64_t time = 0;
};

// -- store commands: locks (4.9) -------------------------------------------------------

/// SELECT one lock by resource id. Result: query_locks_result.
struct read_lock_cmd {
  std::string resource_id;
};

/// INSERT the lock, or on a conflict on resource_id update process_id, ttl and
/// expires_at only where the row has this execution_id. Result: alter_result
/// (1 acquired or refreshed, 0 held by another execution, expired or not).
struct acquire_lock_cmd {
  lock_record lock;
};

/// DELETE the lock of resource_id held by execution_id. Result: alter_result.
struct release_lock_cmd {
  std::string resource_id;
  std::string execution_id;
};

/// `expires_at = time + ttl` for every lock of the process, expired or not, with
/// Go's int64 arithmetic (no clamp: an overflow wraps). Result: alter_result.
struct heartbeat_locks_cmd {
  std::string process_id;
  int64_t time = 0;
};

/// DELETE every lock with `expires_at <= time`. Result: alter_result.
struct timeout_locks_cmd {
  int64_t time = 0;
};

// -- store commands: schedules (4.8) ---------------------------------------------------

/// SELECT one schedule by id (all columns). Result: query_schedules_result.
struct read_schedule_cmd {
  std::string id;
};

/// `id LIKE pattern` (`*` -> `%`), tag equality, `sort_id < sort_id`, newest
/// first, at most `limit` rows; only the columns of REST v1 3.3 (partial
/// records). Result: query_schedules_result.
struct search_schedules_cmd {
  std::string id;
  tag_map tags;
  int64_t limit = 100;
  std::optional<int64_t> sort_id;
  /// Protocol 2026-04-01's search (its spec 1.9): whole records, ordered by id
  /// after `after_id` as search_promises_cmd::by_id, and `tags` matched against
  /// promise_tags (the only tags a 2026 schedule has).
  bool by_id = false;
  std::string after_id{};
};

/// INSERT the schedule (every column but sort_id); ON CONFLICT DO NOTHING, and
/// the row read back (the new one, or the existing one). Result:
/// schedule_write_result.
struct create_schedule_cmd {
  schedule_record schedule;
};

/// DELETE one schedule by id. Result: alter_result.
struct delete_schedule_cmd {
  std::string id;
};

/// Schedules with `next_run_time <= time`, ordered by (next_run_time, sort_id),
/// at most `limit`. Result: query_schedules_result.
struct read_due_schedules_cmd {
  int64_t time = 0;
  int64_t limit = 100;
};

/// `last_run_time = next_run_time, next_run_time = next_run_time_new` where the
/// row still has `next_run_time = current_next_run_time` (an optimistic guard:
/// each scheduled time fires once). Result: alter_result.
struct update_schedule_cmd {
  std::string id;
  int64_t next_run_time = 0;
  int64_t current_next_run_time = 0;
};

// -- store commands: protocol 2026-04-01 ----------------------------------------------

/// An SSE stream that connected (`GET /poll/{group}/{id}`): the parked
/// messages it can take are `poll://uni@group/id`, `poll://any@group/...` and
/// `poll://any@group`.
struct stream_address {
  std::string group;
  std::string id;
};

/// Up to `limit` executes and `limit` unblocks of the outbox, oldest first,
/// an unblock with its promise. Nothing is deleted: the drain acknowledges
/// what it handed on (ack_outbox_cmd), so a crash in between loses no
/// message. Before taking, the parked messages that one of `connected` can
/// take go back to the outbox, and parked messages older than
/// `parked_before` are dropped (their task's retry timer is the backstop).
/// Result: outbox_result.
struct take_outbox_cmd {
  int64_t limit = 100;
  std::vector<stream_address> connected;
  int64_t parked_before = 0;
};

/// Deletes the given outbox rows; an execute only while its row still has
/// that version (a newer one queued meanwhile stays). `parked` are messages
/// for a `poll://` address with no stream connected: they leave the outbox
/// for the parked table (stamped `now`) until such a stream connects, at most
/// `max_parked` of them (the oldest go first). Result: alter_result.
struct ack_outbox_cmd {
  std::vector<outbox_message> messages;
  std::vector<outbox_message> parked;
  int64_t now = 0;
  int64_t max_parked = 10000;
};

/// What the background pass of protocol 2026-04-01 (spec 4.2) has to do at
/// `now`: up to `limit` promises of promise_timeouts26 pending past their
/// timeout, and up to `limit` tasks whose timer (lease or retry) is due, each
/// oldest first; and the earliest timer of either kind after `now`, when the
/// pass may sleep until then. Result: due26_result.
struct read_due26_cmd {
  int64_t now = 0;
  int64_t limit = 100;
};

/// Protocol 2026-04-01's own tables for debug.snap: promise timeouts,
/// callbacks and listeners. Result: snapshot26_result.
struct read_snapshot26_cmd {};

/// Deletes every row of every table, both protocols' (debug.reset). Result:
/// alter_result.
struct reset_store_cmd {};

// -- store commands: protocol 2026-04-01's tasks ----------------------------------------

/// SELECT one task of protocol 2026-04-01 by id. Result: query_tasks26_result.
struct read_task26_cmd {
  std::string id;
};

/// Up to `limit` tasks of protocol 2026-04-01 with ids after `after_id`, by
/// id (keyset paging on the primary key), only those in `state` when given
/// (task.search). Result: query_tasks26_result.
struct search_tasks26_cmd {
  std::string after_id;
  std::optional<task26_state> state;
  int64_t limit = 100;
};

/// The promises on a branch (spec 2.8, preload): every promise whose
/// resonate:branch is `branch` but `except_id`, ordered by id, in one
/// statement. Without `branch`, the branch is that of `except_id` as stored
/// (its resonate:branch tag): the preload of a write-first task.acquire,
/// which read nothing before. Result: query_promises_result.
struct read_branch26_cmd {
  std::optional<std::string> branch;
  std::string except_id;
};

/// Writes the mutable columns of a task (state, version, pid, ttl, resumes,
/// timer) as `task` has them, guarded: only while its row still has
/// `current_state` and `current_version` (as the operation read it) and every
/// promise in `awaited` is still pending. Only if it took effect, in the same
/// command: a callback (awaited -> this task) on each awaited promise
/// (task.suspend), and the task's execute queued at the version written
/// (`send_execute`) or dropped (`drop_execute`). The store locks the awaited
/// promises first, in id order with the batch's other promise locks, so a
/// settlement of one either committed before the guard reads it, or waits
/// and then finds the callback. With `promise_due_after`, the write also
/// needs the task's own promise pending with its timeout after that time:
/// a write decided without reading (task.acquire, task.create) must not take
/// a task whose promise timed out unread (spec 2.1), which the operation then
/// reads, times out and decides on. Result: alter_result (1 written, 0 a
/// guard did not hold and nothing was written).
struct write_task26_cmd {
  task26_record task;
  task26_state current_state = task26_state::pending;
  int64_t current_version = 0;
  std::vector<std::string> awaited{};
  bool send_execute = false;
  bool drop_execute = false;
  std::optional<int64_t> promise_due_after{};
  /// The background pass: only while the task's timer is still due at this
  /// time (a heartbeat that renewed the lease meanwhile wins).
  std::optional<int64_t> timer_due_by{};
};

/// Protocol 2026-04-01's registrations: INSERT a callback (`awaited` resumes
/// the task `awaiter`; promise.register_callback) or, without an awaiter, a
/// listener (`awaited` unblocks `address`; promise.register_listener), only
/// while `awaited` (and the awaiter) is pending; one that exists already
/// stays. The store locks `awaited` first, with the batch's other promise
/// locks in id order, so a settlement either committed before the check or
/// waits and then finds the registration. Result: alter_result (1 inserted,
/// 0 not: registered already, or a promise not pending).
struct register26_cmd {
  std::string awaited;
  std::optional<std::string> awaiter;
  std::string address;
};

// -- store commands: partition leases (several nodes) -----------------------------------

/// Takes or keeps the lease on a partition of background work for `owner`,
/// for `ttl_ms` of the database's clock (never a node's): while the lease is
/// free, lapsed, or already `owner`'s. The epoch rises whenever the lease
/// changes hands, and also when `owner` comes back without knowing its
/// current epoch (`epoch` is not the row's: a restart), so a past incarnation
/// of the same node is fenced out too. `ttl_ms` 0 gives it up (a node that
/// stops). Result: lease_result (no epoch: another node holds it).
struct claim_lease_cmd {
  int64_t partition = 0;
  std::string owner;
  int64_t epoch = 0;
  int64_t ttl_ms = 0;
};

/// The fence of background work: the first command of every transaction a
/// background job writes while the node runs in a cluster. It locks the
/// partition's lease row (FOR SHARE: a node taking the lease over waits for
/// this transaction) and fails the transaction, with nothing written, unless
/// the lease is still at `epoch`: a deposed owner (paused, cut off) never
/// writes. Result: alter_result (1).
struct check_lease_cmd {
  int64_t partition = 0;
  int64_t epoch = 0;
};

// -- store commands: gauges (metrics) -------------------------------------------------

/// The count of tasks in each live state (INIT, ENQUEUED, CLAIMED; the
/// terminal ones are not counted): the tasks{state} gauge. Result: state_counts_result.
struct count_tasks_by_state_cmd {};

/// The count of PENDING promises (the terminal states are not counted): the
/// promises{state} gauge. Result: state_counts_result.
struct count_promises_by_state_cmd {};

using store_command =
  std::variant<read_promise_cmd, read_timedout_promises_cmd, search_promises_cmd,
               create_promise_cmd, update_promise_cmd, ping_cmd, create_callback_cmd, read_task_cmd,
               read_enqueueable_tasks_cmd, read_expired_tasks_cmd, create_task_cmd, update_task_cmd,
               heartbeat_tasks_cmd, read_lock_cmd, acquire_lock_cmd, release_lock_cmd,
               heartbeat_locks_cmd, timeout_locks_cmd, read_schedule_cmd, search_schedules_cmd,
               create_schedule_cmd, delete_schedule_cmd, read_due_schedules_cmd,
               update_schedule_cmd, count_tasks_by_state_cmd, count_promises_by_state_cmd,
               take_outbox_cmd, ack_outbox_cmd, read_task26_cmd, read_branch26_cmd,
               write_task26_cmd, register26_cmd, search_tasks26_cmd, read_due26_cmd,
               read_snapshot26_cmd, reset_store_cmd, claim_lease_cmd, check_lease_cmd>;

/// Commands whose statements depend on the answers of earlier ones inside the
/// command (protocol 2026-04-01's outbox, background reads and debug
/// commands, run by aio_adapters/store/protocol_2026.cpp; the partition
/// leases, aio_adapters/store/leases.cpp): a pipelining
/// session runs them with a round trip per statement, after everything sent
/// before them came back.
inline bool is_interactive(const store_command& c) {
  return std::holds_alternative<take_outbox_cmd>(c) || std::holds_alternative<ack_outbox_cmd>(c) ||
         std::holds_alternative<read_due26_cmd>(c) ||
         std::holds_alternative<read_snapshot26_cmd>(c) ||
         std::holds_alternative<reset_store_cmd>(c) || std::holds_alternative<claim_lease_cmd>(c) ||
         std::holds_alternative<check_lease_cmd>(c);
}

// -- store results ------------------------------------------------------------------

struct query_promises_result {
  std::vector<promise_record> records;
  std::optional<int64_t> last_sort_id;  ///< sort id of the last row, for cursors
};

struct alter_result {
  int64_t rows_affected = 0;
};

/// Result of create_promise_cmd and update_promise_cmd.
struct promise_write_result {
  int64_t rows_affected = 0;
  std::optional<promise_record> row;  ///< with read_back: the row after the write, if any
  int64_t tasks_created = 0;          ///< update: callbacks turned into tasks
  bool root_busy = false;             ///< create with a task: its root already had an active task
  /// update: the executes (resumed awaiters) and unblocks (listeners) that
  /// protocol 2026-04-01's settlement chain queued in the outbox; the drain
  /// has work only when this is not zero.
  int64_t messages_queued = 0;
};

struct query_tasks_result {
  std::vector<task_record> records;
};

struct query_tasks26_result {
  std::vector<task26_record> records;
};

struct query_locks_result {
  std::vector<lock_record> records;
};

struct query_schedules_result {
  std::vector<schedule_record> records;
  std::optional<int64_t> last_sort_id;
};

/// create_schedule_cmd: whether the insert took effect, and the row as it is
/// after the statement.
struct schedule_write_result {
  int64_t rows_affected = 0;
  std::optional<schedule_record> row;
};

/// Rows per state, keyed by the state's database code (the enum's value);
/// a state with no rows is absent.
struct state_counts_result {
  std::map<int64_t, int64_t> counts;
};

/// read_due26_cmd: the due promises and tasks, and the earliest timer after now.
struct due26_result {
  std::vector<promise_record> promises;
  std::vector<task26_record> tasks;
  std::optional<int64_t> next_at;
};

/// read_snapshot26_cmd, each ordered as debug.snap shows it.
struct snapshot26_result {
  std::vector<promise_timeout26> promise_timeouts;
  std::vector<callback26> callbacks;
  std::vector<listener26> listeners;
};

struct outbox_result {
  std::vector<outbox_message> messages;
};

/// claim_lease_cmd: the lease's epoch when `owner` holds it now.
struct lease_result {
  std::optional<int64_t> epoch;
};

using store_result =
  std::variant<query_promises_result, alter_result, promise_write_result, query_tasks_result,
               query_locks_result, query_schedules_result, schedule_write_result,
               state_counts_result, outbox_result, query_tasks26_result, due26_result,
               snapshot26_result, lease_result>;

/// One logical transaction. If a fence is given, the store checks it first and
/// skips the commands when it does not hold (`valid = false`).
struct store_transaction {
  std::optional<fence> fence_token;
  std::vector<store_command> commands;
};

struct store_completion {
  bool valid = true;
  std::vector<store_result> results;
};

// -- router -------------------------------------------------------------------------

/// Does a promise being created get an invoke task, and to which receiver (4.11)?
struct route_submission {
  std::string promise_id;
  tag_map tags;
};

struct route_completion {
  bool matched = false;
  std::string recv;  ///< raw JSON of the receiver when matched
};

// -- sender -------------------------------------------------------------------------

/// Deliver a task's message (body formats of REST v1 3.5) to its receiver.
struct send_submission {
  task_record task;  ///< as the receiver sees it (state ENQUEUED)
  /// notify: the promise the message is about (the body); invoke/resume: the root.
  std::optional<promise_record> promise;
  /// Protocol 2026-04-01: an outbox message with its own address URL
  /// (`poll://...`, `http(s)://...`), whose body the sender writes; `task`
  /// and `promise` are unused.
  std::optional<outbox_message> raw;
};

/// What the receiver's plugin said: delivered (queued to an SSE connection, or
/// an HTTP connection established) or not, and its timings (3.5): retry after
/// `time_to_retry` ms (0: at once), claim within `time_to_claim` ms (0: no deadline).
/// A message that could not even be handed to a plugin (unknown receiver, bad
/// recv, full plugin queue) is a failure with time_to_retry = 15000 and `error`.
struct send_completion {
  bool success = false;
  int64_t time_to_retry = 0;
  int64_t time_to_claim = 0;
  std::string error;
};

// -- envelopes ----------------------------------------------------------------------

enum class aio_kind : uint8_t { store, router, sender };
inline constexpr size_t aio_kind_count = 3;
const char* aio_kind_name(aio_kind k);

using aio_payload = std::variant<store_transaction, route_submission, send_submission>;
using aio_completion = std::variant<store_completion, route_completion, send_completion>;

/// An AIO submission: kernel -> adapter. `id` pairs it with its completion.
struct aio_sqe {
  uint64_t id = 0;
  aio_payload payload;
  aio_kind kind() const { return static_cast<aio_kind>(payload.index()); }
  const store_transaction& tx() const { return std::get<store_transaction>(payload); }
};

/// Why a submission failed as a whole (nothing of it took effect, or for a
/// store: its commands were rolled back). `code` is the status the kernel
/// answers with: aio_submission_queue_full (50302), aio_store_error (50004),
/// aio_store_conflict (50304), ...
struct aio_error {
  status code = status::aio_store_error;
  std::string message;
};

/// An AIO completion: adapter -> kernel.
struct aio_cqe {
  uint64_t id = 0;
  std::optional<aio_error> error;
  aio_completion completion;

  const store_completion& store() const { return std::get<store_completion>(completion); }
  store_completion& store() { return std::get<store_completion>(completion); }

  /// A failed completion of any kind.
  static aio_cqe failure(uint64_t id, status code, std::string message) {
    aio_cqe c;
    c.id = id;
    c.error = aio_error{code, std::move(message)};
    return c;
  }
};

using aio_batch = std::vector<aio_sqe>;
using aio_results = std::vector<aio_cqe>;

}  // namespace resonate::queues
