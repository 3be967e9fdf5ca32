#pragma once

// t_api: the typed requests the gateway submits to the kernel and the typed
// responses it gets back (REST v1 spec section 5.2). Validation happens in the
// gateway: a request that reaches the kernel is well formed.

#include <cstdint>
#include <optional>
#include <string>
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
};

struct complete_promise_request {
  std::string id;
  std::optional<std::string> idempotency_key;
  bool strict = false;
  promise_state state = promise_state::resolved;
  value val;
  std::optional<fence> fence_token;
};

// -- later capabilities (shape of the contract; coroutines arrive with them) -----

struct create_callback_request {
  std::string id;
  std::string promise_id;
  std::string root_promise_id;
  std::string recv;  ///< raw JSON
  std::string mesg;  ///< raw JSON
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

using request_payload =
  std::variant<read_promise_request, search_promises_request, create_promise_request,
               complete_promise_request, create_callback_request, claim_task_request,
               complete_task_request, drop_task_request, heartbeat_tasks_request,
               ready_request>;

/// The kernel kind of a request: the index of its payload alternative.
enum class kind : uint8_t {
  read_promise,
  search_promises,
  create_promise,
  complete_promise,
  create_callback,
  claim_task,
  complete_task,
  drop_task,
  heartbeat_tasks,
  ready,
};
inline constexpr size_t kind_count = std::variant_size_v<request_payload>;

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

struct count_response {
  int64_t affected = 0;
};

struct empty_response {};

using response_payload = std::variant<empty_response, promise_response, search_promises_response,
                                      callback_response, task_response, count_response>;

struct response {
  queues::status status = status::ok;
  response_payload payload;
  std::string error;  ///< detail message for non-success statuses (ServerError text)

  static response failure(queues::status s, std::string msg = {}) {
    return response{s, empty_response{}, std::move(msg)};
  }
};

}  // namespace resonate::queues
