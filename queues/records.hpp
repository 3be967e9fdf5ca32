#pragma once

// The records both protocols share, in their storage shape. Field names follow
// REST v1 (spec section 2); the 2026-04-01 edge maps them (timeout -> timeoutAt ...).

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace resonate::queues {

using tag_map = std::map<std::string, std::string>;
using header_map = std::map<std::string, std::string>;

/// A promise param or value: headers plus raw bytes (base64 on the REST wire).
struct value {
  header_map headers;
  std::string data;  ///< raw bytes
  /// Whether `headers` / `data` were given even though empty. Protocol 2026 echoes a
  /// value as sent, as the SDK's own server does: `{"headers":{},"data":""}` comes back
  /// so, an absent part stays absent (`{}`). The store keeps '{}' / an empty blob apart
  /// from NULL. REST v1 renders empty and absent alike, so it never sets them.
  bool headers_present = false;
  bool data_present = false;

  bool has_headers() const { return headers_present || !headers.empty(); }
  bool has_data() const { return data_present || !data.empty(); }

  /// Equal when they render alike: the flags matter only for an empty part.
  friend bool operator==(const value& a, const value& b) {
    return a.headers == b.headers && a.data == b.data && a.has_headers() == b.has_headers() &&
           a.has_data() == b.has_data();
  }
};

/// Promise states as the bitmask stored in the database (REST v1 section 2.1).
enum class promise_state : uint8_t {
  pending = 1,
  resolved = 2,
  rejected = 4,
  rejected_canceled = 8,
  rejected_timedout = 16,
};

/// Bitmask of several promise states, as used by searches.
using state_mask = uint8_t;
constexpr state_mask all_promise_states = 1 | 2 | 4 | 8 | 16;
constexpr state_mask mask_of(promise_state s) {
  return static_cast<state_mask>(s);
}

/// "PENDING", "RESOLVED", ... as REST v1 spells them.
const char* to_rest_string(promise_state s);
/// Case-insensitive parse of the REST v1 spelling.
std::optional<promise_state> promise_state_from_string(std::string_view s);

struct promise_record {
  std::string id;
  promise_state state = promise_state::pending;
  value param;
  value val;  ///< `value` on the wire
  int64_t timeout = 0;
  std::optional<std::string> idempotency_key_for_create;
  std::optional<std::string> idempotency_key_for_complete;
  tag_map tags;
  std::optional<int64_t> created_on;
  std::optional<int64_t> completed_on;
  int64_t sort_id = 0;  ///< never serialised; orders searches
  friend bool operator==(const promise_record&, const promise_record&) = default;
};

/// The reserved tags that make a timeout resolve instead of reject: REST v1's
/// (2.2), and protocol 2026-04-01's sleep timers (its 1.5). One store serves
/// both, so whichever loop times a promise out gives it the same state.
inline constexpr const char* timeout_tag = "resonate:timeout";
inline constexpr const char* timer_tag = "resonate:timer";

/// The state a pending promise takes when its timeout passes.
inline promise_state timed_out_state(const promise_record& p) {
  for (const char* tag : {timeout_tag, timer_tag}) {
    auto it = p.tags.find(tag);
    if (it != p.tags.end() && it->second == "true") return promise_state::resolved;
  }
  return promise_state::rejected_timedout;
}

// -- callbacks, tasks and the messages they carry (REST v1 2.3-2.5, 2.8) ---------

/// What a task tells its receiver to do.
enum class message_type : uint8_t { invoke, resume, notify };

/// "invoke", "resume", "notify".
const char* to_string(message_type t);

/// A task's message (`mesg`): stored as JSON `{"type","head"?,"root","leaf"}`.
/// For invoke root == leaf == the promise; for notify leaf is "".
struct message {
  message_type type = message_type::invoke;
  header_map head;  ///< trace context (traceparent, tracestate); omitted when empty
  std::string root;
  std::string leaf;
  friend bool operator==(const message&, const message&) = default;
};

/// Callback ids: `__resume:{root}:{promise}` and `__notify:{promise}:{subscription}`;
/// invoke task ids: `__invoke:{promise}`.
std::string resume_callback_id(const std::string& root, const std::string& promise);
std::string notify_callback_id(const std::string& promise, const std::string& subscription);
std::string invoke_task_id(const std::string& promise);

struct callback_record {
  std::string id;
  std::string promise_id;
  std::string root_promise_id;
  std::string recv;  ///< raw JSON of the receiver
  message mesg;
  int64_t timeout = 0;
  int64_t created_on = 0;
  friend bool operator==(const callback_record&, const callback_record&) = default;
};

enum class task_state : uint8_t {
  init = 1,
  enqueued = 2,
  claimed = 4,
  completed = 8,
  timedout = 16
};
using task_state_mask = uint8_t;
constexpr task_state_mask mask_of(task_state s) {
  return static_cast<task_state_mask>(s);
}

/// A task (REST v1 2.4). `expires_at` means: INIT -> not enqueueable before it;
/// ENQUEUED -> claim deadline; CLAIMED -> lease deadline.
struct task_record {
  std::string id;
  std::optional<std::string> process_id;
  task_state state = task_state::init;
  std::string root_promise_id;
  std::string recv;  ///< raw JSON of the receiver
  message mesg;
  int64_t timeout = 0;
  int64_t counter = 1;
  int64_t attempt = 0;
  int64_t ttl = 0;
  int64_t expires_at = 0;
  std::optional<int64_t> created_on;
  std::optional<int64_t> completed_on;
  int64_t sort_id = 0;
  friend bool operator==(const task_record&, const task_record&) = default;
};

/// The task as it goes in when its root already has an active task (see
/// create_promise_cmd): a CLAIMED task waits as INIT with no process and no
/// lease; any other task is unchanged.
inline task_record waiting_for_root(task_record t) {
  if (t.state != task_state::claimed) return t;
  t.state = task_state::init;
  t.process_id.reset();
  t.ttl = 0;
  t.expires_at = 0;
  return t;
}

/// A task of protocol 2026-04-01 (its spec 1.4, 2.3), as stored in tasks26:
/// one per targeted promise, with the promise's id. The version counts
/// acquires; a timer is either the retry of a pending task or the lease of an
/// acquired one.
enum class task26_state : uint8_t {
  pending = 0,
  acquired = 1,
  suspended = 2,
  halted = 3,
  fulfilled = 4
};
enum class task26_timer : uint8_t { retry = 0, lease = 1 };

struct task26_record {
  std::string id;
  task26_state state = task26_state::pending;
  int64_t version = 0;
  std::string address;             ///< where its executes go (the promise's resonate:target)
  std::optional<std::string> pid;  ///< only while acquired
  std::optional<int64_t> ttl;      ///< only while acquired
  int64_t resumes = 0;
  std::optional<task26_timer> timer;
  std::optional<int64_t> timer_at;
  friend bool operator==(const task26_record&, const task26_record&) = default;
};

/// A message waiting in protocol 2026-04-01's outbox (spec 2.7, 3.3), keyed
/// as the outbox keys it: an execute by task id (`version` >= 0), an unblock
/// by (promise id, address) (`version` = -1), with its promise as it was when
/// the message was taken (a settled promise does not change). The sender
/// writes the body (codecs/protocol_2026: message_body).
struct outbox_message {
  std::string id;
  int64_t version = -1;
  std::string address;
  std::optional<promise_record> promise;
};

// The rows of protocol 2026-04-01's own tables that debug.snap shows (spec 1.9).

/// A promise the background pass times out (one that a task or a listener waits on).
struct promise_timeout26 {
  std::string id;
  int64_t timeout = 0;
};

/// `awaited` resumes the task `awaiter` when it settles.
struct callback26 {
  std::string awaiter;
  std::string awaited;
};

/// `promise_id` unblocks `address` when it settles.
struct listener26 {
  std::string promise_id;
  std::string address;
};

struct schedule_record {
  std::string id;
  std::string description;
  std::string cron;
  tag_map tags;
  std::string promise_id;
  int64_t promise_timeout = 0;
  value promise_param;
  tag_map promise_tags;
  std::optional<int64_t> last_run_time;
  int64_t next_run_time = 0;
  std::optional<std::string> idempotency_key;
  int64_t created_on = 0;
  int64_t sort_id = 0;
  friend bool operator==(const schedule_record&, const schedule_record&) = default;
};

struct lock_record {
  std::string resource_id;
  std::string execution_id;
  std::string process_id;
  int64_t ttl = 0;
  int64_t expires_at = 0;
  friend bool operator==(const lock_record&, const lock_record&) = default;
};

}  // namespace resonate::queues
