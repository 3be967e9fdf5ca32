#pragma once

// t_api: the typed requests the gateway submits to the kernel and the typed
// responses it gets back (REST v1 spec section 5.2). Validation happens in the
// gateway: a request that reaches the kernel is well formed.

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "queues/records.hpp"
#include "queues/status.hpp"

namespace resonate::queues {

/// Fencing token from the `Task-Id` / `Task-Counter` headers (REST v1 4.13).
struct fence {
  std::string task_id;
  int64_t task_counter = 0;
  friend bool operator==(const fence&, const fence&) = default;
};

// -- promises -------------------------------------------------------------------

struct read_promise_request {
  std::string id;
};

/// Search by id pattern (`*` wildcard), states, tags; newest first.
struct search_promises_request {
  std::string id;
  state_mask states = all_promise_states;
  tag_map tags;
  int64_t limit = 100;
  std::optional<int64_t> sort_id;  ///< from the cursor: only rows with sort_id < this
};

struct create_promise_request {
  std::string id;
  std::optional<std::string> idempotency_key;
  bool strict = false;
  value param;
  int64_t timeout = 0;
  tag_map tags;
  std::optional<fence> fence_token;
  /// `traceparent` / `tracestate` of the request, copied into the head of the
  /// invoke message when the router gives the promise a task.
  header_map trace;
};

/// POST /promises/task: create a promise and, if the router matches it, its
/// invoke task already CLAIMED by `process_id` for `ttl` ms (REST v1 3.3, 4.2).
struct create_promise_and_task_request {
  create_promise_request promise;  ///< its fence is ignored
  std::string process_id;
  int64_t ttl = 0;
};

struct complete_promise_request {
  std::string id;
  std::optional<std::string> idempotency_key;
  bool strict = false;
  promise_state state = promise_state::resolved;
  value val;
  std::optional<fence> fence_token;
};

// -- callbacks and tasks (REST v1 4.7, 4.10) ---------------------------------------

/// A resume callback or a notify subscription on `promise_id` (REST v1 4.7). The
/// gateway builds the id (`__resume:` / `__notify:`) and the message.
struct create_callback_request {
  std::string id;
  std::string promise_id;
  std::string root_promise_id;
  std::string recv;  ///< raw JSON of the receiver
  message mesg;
  int64_t timeout = 0;
  std::optional<fence> fence_token;
};

struct claim_task_request {
  std::string id;
  int64_t counter = 0;
  std::string process_id;
  int64_t ttl = 0;
};

struct complete_task_request {
  std::string id;
  int64_t counter = 0;
};

struct drop_task_request {
  std::string id;
  int64_t counter = 0;
};

struct heartbeat_tasks_request {
  std::string process_id;
};

/// `GET /ready`: answers ok only if the store answers a trivial query.
struct ready_request {};

// -- locks (REST v1 2.7, 4.9) ----------------------------------------------------------

/// Acquire (or, for the same execution id, refresh) the lock on a resource
/// until now + ttl.
struct acquire_lock_request {
  std::string resource_id;
  std::string execution_id;
  std::string process_id;
  int64_t ttl = 0;
};

struct release_lock_request {
  std::string resource_id;
  std::string execution_id;
};

/// Extends every lock of the process to now + its ttl.
struct heartbeat_locks_request {
  std::string process_id;
};

// -- schedules (REST v1 2.6, 4.8) -----------------------------------------------------

/// POST /schedules. The cron and the promise id template are validated by the
/// gateway; the idempotency key comes from the header only.
struct create_schedule_request {
  std::string id;
  std::string description;
  std::string cron;
  tag_map tags;
  std::string promise_id;
  int64_t promise_timeout = 0;
  value promise_param;
  tag_map promise_tags;
  std::optional<std::string> idempotency_key;
};

struct read_schedule_request {
  std::string id;
};

/// GET /schedules: like the promise search, without states.
struct search_schedules_request {
  std::string id;
  tag_map tags;
  int64_t limit = 100;
  std::optional<int64_t> sort_id;  ///< from the cursor: only rows with sort_id < this
};

struct delete_schedule_request {
  std::string id;
};

// -- protocol 2026-04-01 ------------------------------------------------------------

// Every kind of protocol 2026-04-01 (spec 1.9) is decoded by the gateway into
// its type below and runs as a kernel coroutine of its own (kernel/coroutines/promise26.cpp,
// task26.cpp, schedule26.cpp, debug26.cpp). `debug_time` is the envelope's `resonate:debug_time`
// (only under --debug): the operation's time instead of the kernel's clock. The envelope's kind and
// corrId stay with the gateway.

/// promise.get (spec 1.9).
struct promise26_get_request {
  std::string id;
  std::optional<int64_t> debug_time;
};

/// promise.create (spec 1.9, 2.2): idempotent on the id.
struct promise26_create_request {
  std::string id;
  value param;
  int64_t timeout_at = 0;
  tag_map tags;
  std::optional<int64_t> debug_time;
};

/// promise.settle (spec 1.9, 2.2): idempotent on a settled promise.
struct promise26_settle_request {
  std::string id;
  promise_state state = promise_state::resolved;
  value val;
  std::optional<int64_t> debug_time;
};

// The task.* kinds of protocol 2026-04-01 that run as typed operations
// (kernel/coroutines/task26.cpp; spec 1.9, 2.3, 2.4). `version` is the one
// the worker holds (-1 when the envelope had none: it never matches).

/// task.get.
struct task26_get_request {
  std::string id;
  std::optional<int64_t> debug_time;
};

/// task.acquire: a pending task at `version` becomes acquired by `pid` for `ttl` ms.
struct task26_acquire_request {
  std::string id;
  int64_t version = -1;
  std::string pid;
  int64_t ttl = 0;
  std::optional<int64_t> debug_time;
};

/// task.release: the acquired task at `version` becomes pending again.
struct task26_release_request {
  std::string id;
  int64_t version = -1;
  std::optional<int64_t> debug_time;
};

/// task.fulfill: behind the fence (acquired at `version`), the task's promise
/// is settled with `state` and `val`; the settlement chain fulfils the task.
struct task26_fulfill_request {
  std::string id;
  int64_t version = -1;
  promise_state state = promise_state::resolved;
  value val;
  std::optional<int64_t> debug_time;
};

/// task.suspend: behind the fence, the task waits for `awaited` (callbacks),
/// or keeps going (300) when one of them is settled already.
struct task26_suspend_request {
  std::string id;
  int64_t version = -1;
  std::vector<std::string> awaited;
  std::optional<int64_t> debug_time;
};

/// A task a worker names with the version it holds.
struct task26_ref {
  std::string id;
  int64_t version = -1;
};

/// task.heartbeat: the leases of `pid` on these tasks are extended.
struct task26_heartbeat_request {
  std::string pid;
  std::vector<task26_ref> tasks;
  std::optional<int64_t> debug_time;
};

/// task.halt.
struct task26_halt_request {
  std::string id;
  std::optional<int64_t> debug_time;
};

/// task.continue.
struct task26_continue_request {
  std::string id;
  std::optional<int64_t> debug_time;
};

/// task.create (spec 1.9, 2.3): `action` creates a targeted promise whose task
/// the caller takes at once (acquired by `pid` for `ttl` ms at version 1; no
/// execute goes out). On an existing task: a pending one is acquired, a
/// fulfilled one reported, any other is a conflict.
struct task26_create_request {
  std::string pid;
  int64_t ttl = 0;
  promise26_create_request action;
  std::optional<int64_t> debug_time;
};

/// task.fence (spec 1.9, 2.3): behind the fence (the task acquired at
/// `version`), the action creates or settles another promise; exactly one of
/// `create` and `settle` is present. The action's own head (kind, corrId,
/// version) stays with the gateway.
struct task26_fence_request {
  std::string id;
  int64_t version = -1;
  std::optional<promise26_create_request> create;
  std::optional<promise26_settle_request> settle;
  std::optional<int64_t> debug_time;
};

/// promise.register_callback (spec 1.9, 2.6): when `awaited` settles, the
/// task of `awaiter` is resumed.
struct promise26_register_callback_request {
  std::string awaited;
  std::string awaiter;
  std::optional<int64_t> debug_time;
};

/// promise.register_listener (spec 1.9, 2.6): when `awaited` settles,
/// `address` gets an unblock.
struct promise26_register_listener_request {
  std::string awaited;
  std::string address;
  std::optional<int64_t> debug_time;
};

/// task.search (spec 1.9): a page of `limit` tasks with ids after `cursor`
/// (the last id of the page before; empty: from the start), by id, only
/// those in `state` when it is given. States are as stored (the background
/// pass moves tasks on their timers, not a read).
struct task26_search_request {
  std::optional<task26_state> state;
  int64_t limit = 100;
  std::string cursor;
  std::optional<int64_t> debug_time;
};

/// promise.search (spec 1.9): a page of `limit` promises with ids after
/// `cursor`, by id, only those in `state` (as of the operation's time: an
/// overdue pending promise counts and shows as timed out) and carrying every
/// tag of `tags`.
struct promise26_search_request {
  std::optional<promise_state> state;
  tag_map tags;
  int64_t limit = 100;
  std::string cursor;
  std::optional<int64_t> debug_time;
};

/// schedule.get (spec 1.9, 2.10).
struct schedule26_get_request {
  std::string id;
  std::optional<int64_t> debug_time;
};

/// schedule.create (spec 1.9, 2.10): idempotent on the id; `cron` is read in
/// the configured zone (schedules.timeZone), as REST v1 reads it.
struct schedule26_create_request {
  std::string id;
  std::string cron;
  std::string promise_id;
  int64_t promise_timeout = 0;
  value promise_param;
  tag_map promise_tags;
  std::optional<int64_t> debug_time;
};

/// schedule.delete (spec 1.9).
struct schedule26_delete_request {
  std::string id;
  std::optional<int64_t> debug_time;
};

/// schedule.search (spec 1.9): a page of `limit` schedules with ids after
/// `cursor`, by id, carrying every tag of `tags` in their promiseTags.
struct schedule26_search_request {
  tag_map tags;
  int64_t limit = 10;
  std::string cursor;
  std::optional<int64_t> debug_time;
};

/// debug.* (spec 1.9; only under --debug). start and stop pause and resume
/// the background jobs; reset empties the store; snap reads all of it; tick
/// runs the background pass at `debug_time` (the tick's data.time).
enum class debug26_op : uint8_t { start, stop, reset, snap, tick };
struct debug26_request {
  debug26_op op = debug26_op::snap;
  std::optional<int64_t> debug_time;
};

/// An SSE stream of `group` with `id` connected to this node's poll server.
/// Internal (the sender's poll server submits it, no client does): protocol
/// 2026-04-01 messages parked for want of such a stream go out now.
struct stream_connected_request {
  std::string group;
  std::string id;
};

// -- the operations ---------------------------------------------------------------

/// Every kernel request kind, once: X(kind, payload type, metrics name). This one list
/// makes the payload variant, the `kind` enum (a kind is the index of its payload
/// alternative), kind_name() and the coroutine table (kernel/coroutines/table.cpp: each
/// kind runs the coroutine of the same name). Add an operation as one row here, at the
/// end: a row's place is its kind's number (the variant index), and appending keeps
/// merges simple. The field lists for CAF stay beside the other inspect() overloads
/// (caf_types.hpp): only `request` itself has a CAF type ID.
#define RESONATE_REQUEST_KINDS(X)                                                                  \
  X(read_promise, read_promise_request, "ReadPromise")                                             \
  X(search_promises, search_promises_request, "SearchPromises")                                    \
  X(create_promise, create_promise_request, "CreatePromise")                                       \
  X(complete_promise, complete_promise_request, "CompletePromise")                                 \
  X(create_callback, create_callback_request, "CreateCallback")                                    \
  X(claim_task, claim_task_request, "ClaimTask")                                                   \
  X(complete_task, complete_task_request, "CompleteTask")                                          \
  X(drop_task, drop_task_request, "DropTask")                                                      \
  X(heartbeat_tasks, heartbeat_tasks_request, "HeartbeatTasks")                                    \
  X(ready, ready_request, "Ready")                                                                 \
  X(create_promise_and_task, create_promise_and_task_request, "CreatePromiseAndTask")              \
  X(acquire_lock, acquire_lock_request, "AcquireLock")                                             \
  X(release_lock, release_lock_request, "ReleaseLock")                                             \
  X(heartbeat_locks, heartbeat_locks_request, "HeartbeatLocks")                                    \
  X(create_schedule, create_schedule_request, "CreateSchedule")                                    \
  X(read_schedule, read_schedule_request, "ReadSchedule")                                          \
  X(search_schedules, search_schedules_request, "SearchSchedules")                                 \
  X(delete_schedule, delete_schedule_request, "DeleteSchedule")                                    \
  X(promise26_get, promise26_get_request, "Promise26Get")                                          \
  X(promise26_create, promise26_create_request, "Promise26Create")                                 \
  X(promise26_settle, promise26_settle_request, "Promise26Settle")                                 \
  X(stream_connected, stream_connected_request, "StreamConnected")                                 \
  X(task26_get, task26_get_request, "Task26Get")                                                   \
  X(task26_acquire, task26_acquire_request, "Task26Acquire")                                       \
  X(task26_release, task26_release_request, "Task26Release")                                       \
  X(task26_fulfill, task26_fulfill_request, "Task26Fulfill")                                       \
  X(task26_suspend, task26_suspend_request, "Task26Suspend")                                       \
  X(task26_heartbeat, task26_heartbeat_request, "Task26Heartbeat")                                 \
  X(task26_halt, task26_halt_request, "Task26Halt")                                                \
  X(task26_continue, task26_continue_request, "Task26Continue")                                    \
  X(task26_create, task26_create_request, "Task26Create")                                          \
  X(task26_fence, task26_fence_request, "Task26Fence")                                             \
  X(promise26_register_callback, promise26_register_callback_request, "Promise26RegisterCallback") \
  X(promise26_register_listener, promise26_register_listener_request, "Promise26RegisterListener") \
  X(task26_search, task26_search_request, "Task26Search")                                          \
  X(promise26_search, promise26_search_request, "Promise26Search")                                 \
  X(schedule26_get, schedule26_get_request, "Schedule26Get")                                       \
  X(schedule26_create, schedule26_create_request, "Schedule26Create")                              \
  X(schedule26_delete, schedule26_delete_request, "Schedule26Delete")                              \
  X(schedule26_search, schedule26_search_request, "Schedule26Search")                              \
  X(debug26, debug26_request, "Debug26")

namespace detail {
/// std::variant<Ts...> of a list written with a comma before every element.
template <class Lead, class... Ts>
struct variant_of {
  using type = std::variant<Ts...>;
};
}  // namespace detail

#define RESONATE_KIND_PAYLOAD(k, T, name) , T
using request_payload =
  typename detail::variant_of<void RESONATE_REQUEST_KINDS(RESONATE_KIND_PAYLOAD)>::type;
#undef RESONATE_KIND_PAYLOAD

/// The kernel kind of a request: the index of its payload alternative.
enum class kind : uint8_t {
#define RESONATE_KIND_ENUM(k, T, name) k,
  RESONATE_REQUEST_KINDS(RESONATE_KIND_ENUM)
#undef RESONATE_KIND_ENUM
};
inline constexpr size_t kind_count = std::variant_size_v<request_payload>;

// Each row's kind is the index of its payload (both are made from the list; this keeps
// them from drifting apart if either is ever written out by hand again).
#define RESONATE_KIND_CHECK(k, T, name)                                                           \
  static_assert(                                                                                  \
    std::is_same_v<std::variant_alternative_t<static_cast<size_t>(kind::k), request_payload>, T>, \
    "kind::" #k " is not the index of " #T " in request_payload");
RESONATE_REQUEST_KINDS(RESONATE_KIND_CHECK)
#undef RESONATE_KIND_CHECK

/// The kind of a payload type, checked against the variant at compile time.
template <class T, size_t I = 0>
constexpr kind kind_of() {
  static_assert(I < kind_count, "not a request payload");
  if constexpr (std::is_same_v<std::variant_alternative_t<I, request_payload>, T>)
    return static_cast<kind>(I);
  else
    return kind_of<T, I + 1>();
}

/// The kind name used in metrics labels (`ReadPromise`, ...).
const char* kind_name(kind k);

struct request {
  std::string request_id;  ///< correlation id for logs
  request_payload payload;
  kind get_kind() const { return static_cast<kind>(payload.index()); }
};

// -- responses --------------------------------------------------------------------

struct promise_response {
  promise_record promise;
};

struct search_promises_response {
  std::vector<promise_record> promises;
  /// The request for the next page, present iff this page came back full.
  std::optional<search_promises_request> next;
};

struct callback_response {
  std::optional<callback_record> callback;
  promise_record promise;
};

struct task_response {
  task_record task;
};

/// POST /promises/task: the promise, and its claimed task when one was created.
struct promise_and_task_response {
  promise_record promise;
  std::optional<task_record> task;
};

/// A claimed task with the promises its message names (REST v1 3.3): the root,
/// and the leaf for a resume. A promise row that is missing is nullopt.
struct claimed_task_response {
  task_record task;
  std::optional<promise_record> root;
  std::optional<promise_record> leaf;
};

/// tasksAffected / locksAffected.
struct count_response {
  int64_t affected = 0;
};

struct empty_response {};

/// An acquired lock, as it was written.
struct lock_response {
  lock_record lock;
};

/// A schedule, as stored (search results are partial, REST v1 3.3).
struct schedule_response {
  schedule_record schedule;
};

struct search_schedules_response {
  std::vector<schedule_record> schedules;
  /// The request for the next page, present iff this page came back full.
  std::optional<search_schedules_request> next;
};

/// The answer to a promise26_*_request: 200 with the promise, or an error
/// status (404) and its message. The gateway writes the envelope around it.
struct promise26_response {
  uint16_t status = 200;
  std::optional<promise_record> promise;
  std::string message;
};

/// The answer to a task26_*_request: with 200 (or 300, suspend's "keep
/// going") the fields of its data that are present, written in this order
/// ({} when none is); any other status is an error with its message.
struct task26_response {
  uint16_t status = 200;
  std::string message;
  std::optional<task26_record> task;
  std::optional<promise_record> promise;
  std::optional<std::vector<promise_record>> preload;
};

/// The answer to task26_search_request: a page of tasks by id, and the
/// cursor (the last id on the page) only when more remain after it.
struct task26_search_response {
  std::vector<task26_record> tasks;
  std::optional<std::string> cursor;
};

/// The answer to a task26_fence_request: the fence's status (200, or 404/409
/// with its message) and, behind a fence that held, the action's own answer,
/// which the gateway writes as an envelope echoing the action's head.
struct task26_fence_response {
  uint16_t status = 200;
  std::string message;
  promise26_response action;
};

/// The answer to promise26_search_request, as task26_search_response.
struct promise26_search_response {
  std::vector<promise_record> promises;
  std::optional<std::string> cursor;
};

/// The answer to schedule.get, create and delete: 200 with the schedule
/// (none for delete), or an error status and its message.
struct schedule26_response {
  uint16_t status = 200;
  std::string message;
  std::optional<schedule_record> schedule;
};

/// The answer to schedule26_search_request, as task26_search_response.
struct schedule26_search_response {
  std::vector<schedule_record> schedules;
  std::optional<std::string> cursor;
};

/// Everything the store holds of protocol 2026-04-01, for debug.snap: the
/// promises, the rows of its own tables, and the outbox as it stands.
struct snapshot26 {
  std::vector<promise_record> promises;
  std::vector<promise_timeout26> promise_timeouts;
  std::vector<callback26> callbacks;
  std::vector<listener26> listeners;
  std::vector<task26_record> tasks;
  std::vector<outbox_message> messages;
};

/// The answer to a debug26_request: debug.snap's snapshot, nothing for the
/// others (the gateway writes `{}`, or `[]` for debug.tick).
struct debug26_response {
  std::optional<snapshot26> snap;
};

using response_payload =
  std::variant<empty_response, promise_response, search_promises_response, callback_response,
               task_response, count_response, promise_and_task_response, claimed_task_response,
               lock_response, schedule_response, search_schedules_response, promise26_response,
               task26_response, task26_fence_response, task26_search_response,
               promise26_search_response, schedule26_response, schedule26_search_response,
               debug26_response>;

struct response {
  queues::status status = status::ok;
  response_payload payload;
  std::string error;  ///< detail message for non-success statuses (ServerError text)

  static response failure(queues::status s, std::string msg = {}) {
    return response{s, empty_response{}, std::move(msg)};
  }
};

}  // namespace resonate::queues
