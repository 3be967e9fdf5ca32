#pragma once

// The REST v1 route table, free of Beast: an http_request either gets an
// immediate http_response (probes, 404s, validation failures) or becomes a typed
// queues::request for the kernel, whose reply encode_reply() turns into HTTP.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "api_gateway/transport/http_types.hpp"
#include "queues/api.hpp"

namespace resonate::api_gateway {

/// The routes this gateway serves; `not_found` covers every other method/path.
enum class route_id : uint8_t {
  ping,
  health,
  ready,
  search_promises,
  create_promise,
  read_promise,
  complete_promise,
  create_promise_and_task,         ///< POST /promises/task
  create_callback,                 ///< POST /promises/callback/*id
  create_subscription,             ///< POST /promises/subscribe/*id
  create_callback_deprecated,      ///< POST /callbacks (promiseId in the body)
  create_subscription_deprecated,  ///< POST /subscriptions (promiseId in the body)
  claim_task,                      ///< POST /tasks/claim
  claim_task_get,                  ///< GET /tasks/claim/:id/:counter
  complete_task,
  complete_task_get,
  drop_task,
  drop_task_get,
  heartbeat_tasks,
  heartbeat_tasks_get,
  acquire_lock,      ///< POST /locks/acquire
  release_lock,      ///< POST /locks/release
  heartbeat_locks,   ///< POST /locks/heartbeat
  search_schedules,  ///< GET /schedules
  create_schedule,   ///< POST /schedules
  read_schedule,     ///< GET /schedules/*id
  delete_schedule,   ///< DELETE /schedules/*id
  poll,              ///< GET /poll/*rest: handed over to the poll server (transport/session.cpp)
  not_found,
};
inline constexpr size_t route_count = static_cast<size_t>(route_id::not_found) + 1;

/// The route template as gin names it in metrics (`/promises/*id`); "" for not_found.
std::string_view route_path(route_id r);

/// What routing and encoding need from the configuration.
struct route_options {
  /// `system.url`: the base of the hrefs in claim responses (`{url}/promises/{id}`).
  std::string system_url = "http://[::]:8001";
  /// `api.subsystems.http.config.taskFrequency`: the lease of a task claimed through
  /// `GET /tasks/claim/{id}/{counter}`.
  int64_t task_frequency_ms = 60000;
  /// Several nodes: `GET /ready` adds `"cluster": <this>` (a JSON object: the
  /// node, its members, its owned partitions). Unset (a node alone): not there.
  /// Called on the HTTP io threads.
  std::function<std::string()> cluster_report;
};

struct route_result {
  route_id route = route_id::not_found;
  /// Set when the kernel must answer: submit it, then encode_reply() the response.
  std::optional<queues::request> request;
  /// The immediate answer when `request` is empty.
  http_response response;
};

/// Matches, parses and validates. Never throws; never calls the kernel.
route_result route_request(const http_request& req, const route_options& opts);
/// The same with default route_options.
route_result route_request(const http_request& req);

/// Turns the kernel's response to a request of kind `k` into HTTP.
http_response encode_reply(queues::kind k, const queues::response& res, const route_options& opts);
/// The same with default route_options.
http_response encode_reply(queues::kind k, const queues::response& res);

// -- the per-route parsers (routes_*.cpp), exposed for tests --------------------

/// Each fills `out` and returns nullopt, or returns the 400 to send instead.
std::optional<http_response> parse_create_promise(const http_request& req,
                                                  queues::create_promise_request& out);
std::optional<http_response> parse_complete_promise(const http_request& req, std::string id,
                                                    queues::complete_promise_request& out);
std::optional<http_response> parse_search_promises(std::string_view query,
                                                   queues::search_promises_request& out);
/// POST /promises/task. The fence headers are not read.
std::optional<http_response> parse_create_promise_and_task(
  const http_request& req, queues::create_promise_and_task_request& out);

/// POST /promises/callback/*id (`path_id` set: it wins over the body's `promiseId`) and
/// POST /callbacks (`path_id` empty). Builds the `__resume:{root}:{promise}` id and message.
std::optional<http_response> parse_create_callback(const http_request& req,
                                                   std::optional<std::string_view> path_id,
                                                   queues::create_callback_request& out);
/// POST /promises/subscribe/*id and POST /subscriptions: `__notify:{promise}:{id}`.
std::optional<http_response> parse_create_subscription(const http_request& req,
                                                       std::optional<std::string_view> path_id,
                                                       queues::create_callback_request& out);

std::optional<http_response> parse_claim_task(const http_request& req,
                                              queues::claim_task_request& out);
std::optional<http_response> parse_complete_task(const http_request& req,
                                                 queues::complete_task_request& out);
std::optional<http_response> parse_drop_task(const http_request& req,
                                             queues::drop_task_request& out);
std::optional<http_response> parse_heartbeat_tasks(const http_request& req,
                                                   queues::heartbeat_tasks_request& out);
std::optional<http_response> parse_acquire_lock(const http_request& req,
                                                queues::acquire_lock_request& out);
std::optional<http_response> parse_release_lock(const http_request& req,
                                                queues::release_lock_request& out);
std::optional<http_response> parse_heartbeat_locks(const http_request& req,
                                                   queues::heartbeat_locks_request& out);
std::optional<http_response> parse_create_schedule(const http_request& req,
                                                   queues::create_schedule_request& out);
std::optional<http_response> parse_search_schedules(std::string_view query,
                                                    queues::search_schedules_request& out);
/// The `:counter` segment of the GET task routes, read like Go's strconv.Atoi; on failure
/// the 400 carries `message` (the reference words it differently per route).
std::optional<http_response> parse_task_counter(std::string_view text, std::string_view message,
                                                int64_t& out);

// -- reply encoders -------------------------------------------------------------
// Each writes the error body for a non-success status.

/// 200/201 + Promise.
http_response encode_promise_reply(const queues::response& res);
/// 200 + {"cursor","promises"}.
http_response encode_search_reply(const queues::response& res);
/// 200/201 + {"promise":Promise,"task":Task|null}.
http_response encode_promise_and_task_reply(const queues::response& res);
/// 200/201 + {"callback":Callback|null,"promise":Promise}.
http_response encode_callback_reply(const queues::response& res);
/// 201 + {"promises":{"leaf"?:{"data","href","id"},"root":{...}},"type"} (Go sorts map
/// keys); hrefs are `{system_url}/promises/{id}`, leaf only for a resume.
http_response encode_claim_reply(const queues::response& res, std::string_view system_url);
/// 200/201 + Task.
http_response encode_task_reply(const queues::response& res);
/// 200/201 with no body at all.
http_response encode_drop_reply(const queues::response& res);
/// 200 + {"tasksAffected":n}.
http_response encode_heartbeat_reply(const queues::response& res);
/// 201 + Lock.
http_response encode_acquire_lock_reply(const queues::response& res);
/// 204, no body (gin's c.JSON(204, nil) still writes the Content-Type).
http_response encode_release_lock_reply(const queues::response& res);
/// 200 + {"locksAffected":n}.
http_response encode_heartbeat_locks_reply(const queues::response& res);
/// 201/200 + Schedule (create, read), 204 without a body (delete).
http_response encode_schedule_reply(const queues::response& res);
/// 200 + {"cursor", "schedules": [...]}.
http_response encode_search_schedules_reply(const queues::response& res);

/// An empty response with the status of `res`.
http_response with_status(const queues::response& res);
/// 2xx + `{"<key>":n}` of a count_response.
http_response encode_count_reply(const queues::response& res, std::string_view key);

}  // namespace resonate::api_gateway
