#pragma once

// One coroutine per operation (one file each), registered in one table.
// Each reads like sequential code: read, decide, write; every co_await on the
// store is a yield to the scheduler.

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "kernel/domain/cron.hpp"
#include "kernel/domain/task26.hpp"
#include "kernel/scheduler.hpp"
#include "queues/api.hpp"

namespace resonate::kernel::coroutines {

/// Settings the coroutines read (from config/, passed in by the composition root).
struct settings {
  int64_t promise_batch_size = 100;
  int64_t promise_max_iterations = 1000;
  int64_t task_batch_size = 100;
  int64_t task_max_iterations = 1000;
  int64_t schedule_batch_size = 100;
  /// The zone cron expressions are evaluated in (schedules.timeZone; the
  /// composition root passes the server's local zone by default).
  domain::time_zone schedule_zone = domain::time_zone::utc();
  /// Tag keys the router reads (its sources): a promise with none of them is
  /// not routed, which saves the router round trip on most creates.
  std::vector<std::string> router_tag_keys{"resonate:invoke"};
  /// Messages taken from the protocol-2026 outbox per drain pass.
  int64_t outbox_batch_size = 100;
  /// A protocol-2026 message for a `poll://` address with no stream connected
  /// waits in the outbox's parked table for such a stream, this long at most
  /// and this many at most (the oldest go first); the task's retry timer
  /// stays the backstop.
  int64_t outbox_park_max_age_ms = 10 * 60 * 1000;
  int64_t outbox_park_max_count = 10000;
  /// REST v1: an invoke or resume message not claimed after this long is sent
  /// again with the same counter, then after twice as long, and so on, until
  /// claimed or past its claim deadline (shared_state::unclaimed_sends); 0: off.
  int64_t task_resend_ms = 1000;
  /// Several nodes on one database (cluster.nodeId): this node's name in the
  /// partition leases. Empty: the node runs alone, owns all background work
  /// and fences none of it.
  std::string cluster_node;
  /// How long a lease lasts on the database's clock; the lease job renews it
  /// every third of that, and a node that dies hands its work over after it.
  int64_t lease_ttl_ms = 10000;
};

/// Names of the background jobs, as coroutines kick them (shared_state::kicked_jobs).
inline constexpr const char* enqueue_tasks_job = "EnqueueTasks";
inline constexpr const char* schedule_promises_job = "SchedulePromises";
inline constexpr const char* gauge_states_job = "GaugeStates";
inline constexpr const char* outbox_2026_job = "Outbox2026";
inline constexpr const char* tick_2026_job = "Tick2026";
inline constexpr const char* resend_tasks_job = "ResendTasks";
inline constexpr const char* lease_job = "LeasePartitions";

using request_coroutine = root_task (*)(context&, queues::request, const settings&);

/// Request kind -> coroutine. A null entry answers 50000 (not implemented).
using table = std::array<request_coroutine, queues::kind_count>;

/// The table of every operation implemented so far.
table request_table();

// -- request coroutines (one file each) -------------------------------------------
root_task read_promise(context& c, queues::request r, const settings& s);
root_task search_promises(context& c, queues::request r, const settings& s);
root_task create_promise(context& c, queues::request r, const settings& s);
root_task complete_promise(context& c, queues::request r, const settings& s);
root_task ready(context& c, queues::request r, const settings& s);
root_task create_promise_and_task(context& c, queues::request r, const settings& s);
root_task create_callback(context& c, queues::request r, const settings& s);
root_task claim_task(context& c, queues::request r, const settings& s);
root_task complete_task(context& c, queues::request r, const settings& s);
root_task drop_task(context& c, queues::request r, const settings& s);
root_task heartbeat_tasks(context& c, queues::request r, const settings& s);
root_task acquire_lock(context& c, queues::request r, const settings& s);
root_task release_lock(context& c, queues::request r, const settings& s);
root_task heartbeat_locks(context& c, queues::request r, const settings& s);
root_task create_schedule(context& c, queues::request r, const settings& s);
root_task read_schedule(context& c, queues::request r, const settings& s);
root_task search_schedules(context& c, queues::request r, const settings& s);
root_task delete_schedule(context& c, queues::request r, const settings& s);
/// promise.get, promise.create, promise.settle, promise.search of protocol
/// 2026-04-01 (promise26.cpp).
root_task promise26_get(context& c, queues::request r, const settings& s);
root_task promise26_create(context& c, queues::request r, const settings& s);
root_task promise26_settle(context& c, queues::request r, const settings& s);
root_task promise26_search(context& c, queues::request r, const settings& s);
/// schedule.get, create, delete, search of protocol 2026-04-01 (schedule26.cpp).
root_task schedule26_get(context& c, queues::request r, const settings& s);
root_task schedule26_create(context& c, queues::request r, const settings& s);
root_task schedule26_delete(context& c, queues::request r, const settings& s);
root_task schedule26_search(context& c, queues::request r, const settings& s);
/// debug.start, stop, reset, snap, tick of protocol 2026-04-01 (debug26.cpp).
root_task debug26(context& c, queues::request r, const settings& s);
/// task.get, acquire, release, fulfill, suspend, heartbeat, halt, continue of
/// protocol 2026-04-01 (task26.cpp).
root_task task26_get(context& c, queues::request r, const settings& s);
root_task task26_search(context& c, queues::request r, const settings& s);
root_task task26_acquire(context& c, queues::request r, const settings& s);
root_task task26_release(context& c, queues::request r, const settings& s);
root_task task26_fulfill(context& c, queues::request r, const settings& s);
root_task task26_suspend(context& c, queues::request r, const settings& s);
root_task task26_heartbeat(context& c, queues::request r, const settings& s);
root_task task26_halt(context& c, queues::request r, const settings& s);
root_task task26_continue(context& c, queues::request r, const settings& s);
/// task.create and task.fence of protocol 2026-04-01 (task26.cpp).
root_task task26_create(context& c, queues::request r, const settings& s);
root_task task26_fence(context& c, queues::request r, const settings& s);
/// promise.register_callback and register_listener of protocol 2026-04-01 (register26.cpp).
root_task promise26_register_callback(context& c, queues::request r, const settings& s);
root_task promise26_register_listener(context& c, queues::request r, const settings& s);
/// A poll stream connected: the drain sends what was parked for it (stream_connected.cpp).
root_task stream_connected(context& c, queues::request r, const settings& s);

// -- background coroutines ---------------------------------------------------------
/// Times out every pending promise whose timeout has passed, in batches.
root_task timeout_promises(context& c, const settings& s);
/// Sends the messages of enqueueable INIT tasks (one per root at a time).
root_task enqueue_tasks(context& c, const settings& s);
/// Puts ENQUEUED/CLAIMED tasks past their claim or lease deadline back to INIT
/// (higher counter), or times them out.
root_task timeout_tasks(context& c, const settings& s);
/// Deletes every lock whose expiry has passed (one statement).
root_task timeout_locks(context& c, const settings& s);
/// Fires every due schedule of both protocols: creates its promise and
/// advances it, in one transaction, back-filling missed runs
/// (schedule_promises.cpp, the one schedule firer).
root_task schedule_promises(context& c, const settings& s);
/// Sets the gauges tasks{state} and promises{state} from the store's counts by
/// state (gauge_states.cpp); on its own period (system_config::gauge_interval_ms).
root_task gauge_states(context& c, const settings& s);
/// Hands the protocol-2026 outbox to the sender after commit, then deletes
/// what it handed on (background26.cpp).
root_task drain_outbox_2026(context& c, const settings& s);
/// One pass of the protocol-2026 background loops at the kernel's clock
/// (background_pass26), then sleeps until the earliest timer left.
root_task tick_2026(context& c, const settings& s);
/// Sends again the REST v1 messages still unclaimed at their resend time
/// (shared_state::unclaimed_sends; resend_tasks.cpp).
root_task resend_tasks(context& c, const settings& s);
/// Several nodes: takes or renews this node's lease on the background work
/// (shared_state::lease; leases.cpp). Every other job waits for it.
root_task lease_partitions(context& c, const settings& s);

// -- shared steps -------------------------------------------------------------------

/// The result of the one command of a transaction, or the failure response.
task<std::variant<queues::store_result, queues::response>> run_one(context& c,
                                                                   queues::store_command cmd);

/// One pass of protocol 2026-04-01's background loops at `now` (spec 4.2,
/// background26.cpp): the promise timeouts due (each with its settlement
/// chain), then the task timers due (a lapsed lease or a retry sends the
/// task's execute again). The earliest timer left after it, or the failure
/// response; schedules fire through the one schedule firer.
task<std::variant<std::optional<int64_t>, queues::response>> background_pass26(context& c,
                                                                               const settings& s,
                                                                               int64_t now);

/// The error response for a store submission that did not go through (503 when
/// the AIO queue was full, 500 on a store error, 412 when its fence did not
/// hold), or nullopt when the completion is usable.
std::optional<queues::response> store_failure(const queues::aio_cqe& cqe);

/// promises_total{state}: "created" for a create, otherwise the state a
/// promise was completed into (spec section 7).
void count_created_promise();
void count_completed_promises(queues::promise_state state, int64_t n = 1);
/// tasks_total{state}: transitions into a state (created, claimed, enqueued,
/// completed, dropped, retried, timedout).
void count_tasks(const char* transition, int64_t n = 1);

/// Fires the run of `s` due at s.next_run_time, at `now`, with the create of
/// its protocol (schedule_promises.cpp); the failure response on a store
/// error, when it stays due. `debug`: a debug.tick's, which arms no timer.
task<std::optional<queues::response>> fire_schedule(context& c, const queues::schedule_record& s,
                                                    const settings& set, int64_t now, bool debug);
/// Fires every schedule due at `now` once, one after the other (debug.tick);
/// the first failure stops the pass.
task<std::optional<queues::response>> fire_due_schedules(context& c, const settings& s,
                                                         int64_t now);

/// A promise write changed the task table: new tasks may be enqueueable, so the
/// EnqueueTasks job runs now rather than at its next period.
void kick_enqueue(context& c);
/// Protocol 2026's outbox has messages: the drain runs after this tick
/// rather than at its next period.
void kick_outbox26(context& c);
/// What follows a completion that took effect, whichever protocol made it
/// (a timeout too): EnqueueTasks for the REST v1 callbacks that became tasks
/// (counted), and protocol 2026's outbox drain when its settlement chain
/// queued executes or unblocks. A chain that queued nothing (most
/// settlements) costs no drain.
void after_completion(context& c, const queues::promise_write_result& w);

/// The router's answer for a promise being created: the receiver of its invoke
/// task, or nullopt (no tag the router reads, no match, or a router failure,
/// which the reference also treats as no match).
task<std::optional<std::string>> route_promise(context& c, const std::string& id,
                                               const queues::tag_map& tags, const settings& s);

/// Sends the messages of `tasks` (each with its root promise, or for notify the
/// promise) at once, then writes each task's outcome in one transaction, guarded
/// by its INIT state and counter. A task whose root another coroutine holds
/// (shared_state::roots_held) is skipped; it stays INIT for EnqueueTasks.
/// An invoke or resume that went out is watched for a resend (settings::task_resend_ms).
task<std::optional<queues::response>> deliver_tasks(
  context& c,
  std::vector<std::pair<queues::task_record, std::optional<queues::promise_record>>> tasks,
  const settings& s);

/// Watches a message of `t` (its id and counter) that went out, for ResendTasks
/// to send again `delay` ms from now (shared_state::unclaimed_sends), unless
/// its claim deadline comes first or the watch list is full.
void watch_unclaimed(context& c, const queues::task_record& t, int64_t delay);

/// Spawns a coroutine that delivers one new task at once (the invoke task of a
/// promise this request created), so its message leaves one tick after commit.
/// `hold` (on the task's root) keeps other tasks of the root back until then.
void deliver_soon(context& c, queues::task_record t, queues::promise_record root, root_hold hold,
                  const settings& s);

/// What follows a protocol-2026 create that took effect (promise26.cpp): the
/// outbox drain for a targeted promise's first execute (unless
/// `execute_taken`: task.create dropped it in the same transaction, its
/// caller being the worker), and the tick at its first timer (not under a
/// debug time, which arms none).
void after_create26(context& c, const queues::promise_record& created, bool debug,
                    bool execute_taken = false);
/// What follows a settle that took effect, whichever 2026 kind made it:
/// after_completion (the drain when its chain queued messages, EnqueueTasks
/// for REST v1 callbacks that became tasks), and promises_total.
void after_settle26(context& c, const queues::promise_write_result& w);

/// What one read of protocol 2026-04-01's typed operations found (read26.cpp):
/// the promise and the task of each id asked for, and the other promises
/// named (suspend's awaited, a fence's action, a registration's), in order.
struct rows26 {
  std::vector<domain::task26_rows> rows;
  std::vector<std::optional<queues::promise_record>> others;
};
/// Reads the promise and the task of each of `ids`, and the promises
/// `others`, in one transaction.
task<std::variant<rows26, queues::response>> read26_rows(context& c, std::vector<std::string> ids,
                                                         std::vector<std::string> others);
/// The same as they are at `now`: a named promise past its timeout is timed
/// out first (spec 2.1), then everything is read again.
task<std::variant<rows26, queues::response>> read26_as_of(context& c, std::vector<std::string> ids,
                                                          std::vector<std::string> others,
                                                          int64_t now);

/// Outcome of a lazy timeout: the timed-out record, "someone else changed the
/// promise first, start over", or a failure response.
struct lazy_timeout_race {};
using lazy_timeout_result =
  std::variant<queues::promise_record, lazy_timeout_race, queues::response>;

/// Times out every promise of `due` in one transaction (each guarded by
/// `state = PENDING`); a failure response if the store failed.
task<std::optional<queues::response>> apply_timeouts(
  context& c, const std::vector<queues::promise_record>& due);
/// What follows the timeout command of `due` (domain::timeout_command):
/// promises_total when it took effect, and after_completion.
void after_timeout(context& c, const queues::promise_record& due,
                   const queues::promise_write_result& w);

/// Runs the completion transaction that times out `p` (spec 4.1).
task<lazy_timeout_result> apply_lazy_timeout(context& c, queues::promise_record p,
                                             std::optional<queues::fence> fence);
/// The same at the time `now` (protocol 2026's debug time).
task<lazy_timeout_result> apply_lazy_timeout(context& c, queues::promise_record p,
                                             std::optional<queues::fence> fence, int64_t now);

}  // namespace resonate::kernel::coroutines
