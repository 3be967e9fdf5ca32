#include "api_gateway/rest_v1/router.hpp"

#include <array>

#include "api_gateway/rest_v1/errors.hpp"
#include "api_gateway/transport/http_util.hpp"
#include "codecs/url.hpp"

namespace resonate::api_gateway {

using codecs::decode_path;

namespace {

http_response status_ok() {
  http_response res;
  res.body = R"({"status":"ok"})";
  return res;
}

// -- matching ---------------------------------------------------------------------

// A row's path is gin's template: a static path, a catch-all `<prefix>*id` (everything
// after the prefix, slashes included, possibly empty), or `<prefix>:id/:counter` (single
// segments; gin lets the id be empty but not the counter).
constexpr std::string_view catch_all = "*id";
constexpr std::string_view id_and_counter = ":id/:counter";

/// What a matched row's handler sees.
struct route_context {
  const http_request& req;
  std::string_view query;
  std::string_view rest;     ///< `rest` rows: the catch-all id
  std::string_view id;       ///< `id_counter` rows
  std::string_view counter;  ///< `id_counter` rows
  const route_options& opts;
};

/// Fills `out` with the request for the kernel and returns nullopt, or returns the
/// answer to send now (a probe's, or a validation failure).
using handler_fn = std::optional<http_response> (*)(const route_context&,
                                                    queues::request_payload& out);

struct route_row {
  std::string_view method;
  std::string_view path;  ///< gin's template, also the `path` label of the metrics
  route_id id;
  handler_fn handle;
};

bool matches(const route_row& row, std::string_view method, std::string_view path,
             std::string_view& rest, std::string_view& id, std::string_view& counter) {
  if (method != row.method) return false;
  std::string_view pattern = row.path;
  if (pattern.ends_with(catch_all)) {
    pattern.remove_suffix(catch_all.size());
    if (!path.starts_with(pattern)) return false;
    rest = path.substr(pattern.size());
    return true;
  }
  if (pattern.ends_with(id_and_counter)) {
    pattern.remove_suffix(id_and_counter.size());
    if (!path.starts_with(pattern)) return false;
    std::string_view tail = path.substr(pattern.size());
    auto slash = tail.find('/');
    if (slash == std::string_view::npos) return false;
    id = tail.substr(0, slash);
    counter = tail.substr(slash + 1);
    return !counter.empty() && counter.find('/') == std::string_view::npos;
  }
  return path == pattern;
}

// -- handlers ---------------------------------------------------------------------

/// Runs `parse` into a fresh payload of type T.
template <class T, class Parse>
std::optional<http_response> parse_into(queues::request_payload& out, Parse&& parse) {
  T typed;
  if (auto err = parse(typed)) return err;
  out = std::move(typed);
  return std::nullopt;
}

std::optional<http_response> handle_ok(const route_context&, queues::request_payload&) {
  return status_ok();
}

std::optional<http_response> handle_ready(const route_context&, queues::request_payload& out) {
  out = queues::ready_request{};
  return std::nullopt;
}

std::optional<http_response> handle_search(const route_context& c, queues::request_payload& out) {
  return parse_into<queues::search_promises_request>(
    out, [&](auto& r) { return parse_search_promises(c.query, r); });
}

std::optional<http_response> handle_create(const route_context& c, queues::request_payload& out) {
  return parse_into<queues::create_promise_request>(
    out, [&](auto& r) { return parse_create_promise(c.req, r); });
}

std::optional<http_response> handle_create_and_task(const route_context& c,
                                                    queues::request_payload& out) {
  return parse_into<queues::create_promise_and_task_request>(
    out, [&](auto& r) { return parse_create_promise_and_task(c.req, r); });
}

std::optional<http_response> handle_read(const route_context& c, queues::request_payload& out) {
  out = queues::read_promise_request{std::string(c.rest)};
  return std::nullopt;
}

std::optional<http_response> handle_complete(const route_context& c, queues::request_payload& out) {
  return parse_into<queues::complete_promise_request>(
    out, [&](auto& r) { return parse_complete_promise(c.req, std::string(c.rest), r); });
}

std::optional<http_response> handle_callback(const route_context& c, queues::request_payload& out) {
  return parse_into<queues::create_callback_request>(
    out, [&](auto& r) { return parse_create_callback(c.req, c.rest, r); });
}

std::optional<http_response> handle_callback_deprecated(const route_context& c,
                                                        queues::request_payload& out) {
  return parse_into<queues::create_callback_request>(
    out, [&](auto& r) { return parse_create_callback(c.req, std::nullopt, r); });
}

std::optional<http_response> handle_subscription(const route_context& c,
                                                 queues::request_payload& out) {
  return parse_into<queues::create_callback_request>(
    out, [&](auto& r) { return parse_create_subscription(c.req, c.rest, r); });
}

std::optional<http_response> handle_subscription_deprecated(const route_context& c,
                                                            queues::request_payload& out) {
  return parse_into<queues::create_callback_request>(
    out, [&](auto& r) { return parse_create_subscription(c.req, std::nullopt, r); });
}

std::optional<http_response> handle_claim(const route_context& c, queues::request_payload& out) {
  return parse_into<queues::claim_task_request>(
    out, [&](auto& r) { return parse_claim_task(c.req, r); });
}

std::optional<http_response> handle_complete_task(const route_context& c,
                                                  queues::request_payload& out) {
  return parse_into<queues::complete_task_request>(
    out, [&](auto& r) { return parse_complete_task(c.req, r); });
}

std::optional<http_response> handle_drop(const route_context& c, queues::request_payload& out) {
  return parse_into<queues::drop_task_request>(out,
                                               [&](auto& r) { return parse_drop_task(c.req, r); });
}

std::optional<http_response> handle_heartbeat(const route_context& c,
                                              queues::request_payload& out) {
  return parse_into<queues::heartbeat_tasks_request>(
    out, [&](auto& r) { return parse_heartbeat_tasks(c.req, r); });
}

// The GET task forms (REST v1 3.3). The reference's claim message lost its first letter.
constexpr std::string_view claim_counter_message = "he field counter must be a number";
constexpr std::string_view counter_message = "the field counter must be a number";

/// The synthetic process id of the GET claim and heartbeat forms.
std::string get_process_id(std::string_view id, int64_t counter) {
  std::string pid(id);
  pid.push_back('/');
  pid += std::to_string(counter);
  return pid;
}

std::optional<http_response> handle_claim_get(const route_context& c,
                                              queues::request_payload& out) {
  queues::claim_task_request r;
  if (auto err = parse_task_counter(c.counter, claim_counter_message, r.counter)) return err;
  r.id = std::string(c.id);
  r.process_id = get_process_id(c.id, r.counter);
  r.ttl = c.opts.task_frequency_ms;
  out = std::move(r);
  return std::nullopt;
}

std::optional<http_response> handle_complete_task_get(const route_context& c,
                                                      queues::request_payload& out) {
  queues::complete_task_request r;
  if (auto err = parse_task_counter(c.counter, counter_message, r.counter)) return err;
  r.id = std::string(c.id);
  out = std::move(r);
  return std::nullopt;
}

std::optional<http_response> handle_drop_get(const route_context& c, queues::request_payload& out) {
  queues::drop_task_request r;
  if (auto err = parse_task_counter(c.counter, counter_message, r.counter)) return err;
  r.id = std::string(c.id);
  out = std::move(r);
  return std::nullopt;
}

std::optional<http_response> handle_heartbeat_get(const route_context& c,
                                                  queues::request_payload& out) {
  int64_t counter = 0;
  if (auto err = parse_task_counter(c.counter, counter_message, counter)) return err;
  out = queues::heartbeat_tasks_request{get_process_id(c.id, counter)};
  return std::nullopt;
}

std::optional<http_response> handle_acquire_lock(const route_context& c,
                                                 queues::request_payload& out) {
  return parse_into<queues::acquire_lock_request>(
    out, [&](auto& r) { return parse_acquire_lock(c.req, r); });
}

std::optional<http_response> handle_release_lock(const route_context& c,
                                                 queues::request_payload& out) {
  return parse_into<queues::release_lock_request>(
    out, [&](auto& r) { return parse_release_lock(c.req, r); });
}

std::optional<http_response> handle_heartbeat_locks(const route_context& c,
                                                    queues::request_payload& out) {
  return parse_into<queues::heartbeat_locks_request>(
    out, [&](auto& r) { return parse_heartbeat_locks(c.req, r); });
}

std::optional<http_response> handle_create_schedule(const route_context& c,
                                                    queues::request_payload& out) {
  return parse_into<queues::create_schedule_request>(
    out, [&](auto& r) { return parse_create_schedule(c.req, r); });
}

std::optional<http_response> handle_search_schedules(const route_context& c,
                                                     queues::request_payload& out) {
  return parse_into<queues::search_schedules_request>(
    out, [&](auto& r) { return parse_search_schedules(c.query, r); });
}

std::optional<http_response> handle_read_schedule(const route_context& c,
                                                  queues::request_payload& out) {
  out = queues::read_schedule_request{std::string(c.rest)};
  return std::nullopt;
}

std::optional<http_response> handle_delete_schedule(const route_context& c,
                                                    queues::request_payload& out) {
  out = queues::delete_schedule_request{std::string(c.rest)};
  return std::nullopt;
}

// -- the table --------------------------------------------------------------------

// One row per route, in matching order: the first row that matches wins, so a static
// path comes before a catch-all of the same method that would also match it. A path
// that matches no row, or only rows of other methods, is gin's 404.
constexpr std::array routes{
  route_row{"GET", "/ping", route_id::ping, handle_ok},
  route_row{"GET", "/health", route_id::health, handle_ok},
  route_row{"GET", "/ready", route_id::ready, handle_ready},
  route_row{"GET", "/promises", route_id::search_promises, handle_search},
  route_row{"POST", "/promises", route_id::create_promise, handle_create},
  route_row{"POST", "/promises/task", route_id::create_promise_and_task, handle_create_and_task},
  route_row{"POST", "/promises/callback/*id", route_id::create_callback, handle_callback},
  route_row{"POST", "/promises/subscribe/*id", route_id::create_subscription, handle_subscription},
  // "/promises/" itself reads the promise with the empty id, and GET /promises/callback/x
  // reads "callback/x": only POST has the callback routes.
  route_row{"GET", "/promises/*id", route_id::read_promise, handle_read},
  route_row{"PATCH", "/promises/*id", route_id::complete_promise, handle_complete},
  route_row{"POST", "/callbacks", route_id::create_callback_deprecated, handle_callback_deprecated},
  route_row{"POST", "/subscriptions", route_id::create_subscription_deprecated,
            handle_subscription_deprecated},
  route_row{"POST", "/tasks/claim", route_id::claim_task, handle_claim},
  route_row{"GET", "/tasks/claim/:id/:counter", route_id::claim_task_get, handle_claim_get},
  route_row{"POST", "/tasks/complete", route_id::complete_task, handle_complete_task},
  route_row{"GET", "/tasks/complete/:id/:counter", route_id::complete_task_get,
            handle_complete_task_get},
  route_row{"POST", "/tasks/drop", route_id::drop_task, handle_drop},
  route_row{"GET", "/tasks/drop/:id/:counter", route_id::drop_task_get, handle_drop_get},
  route_row{"POST", "/tasks/heartbeat", route_id::heartbeat_tasks, handle_heartbeat},
  route_row{"GET", "/tasks/heartbeat/:id/:counter", route_id::heartbeat_tasks_get,
            handle_heartbeat_get},
  route_row{"POST", "/locks/acquire", route_id::acquire_lock, handle_acquire_lock},
  route_row{"POST", "/locks/release", route_id::release_lock, handle_release_lock},
  route_row{"POST", "/locks/heartbeat", route_id::heartbeat_locks, handle_heartbeat_locks},
  route_row{"GET", "/schedules", route_id::search_schedules, handle_search_schedules},
  route_row{"POST", "/schedules", route_id::create_schedule, handle_create_schedule},
  route_row{"GET", "/schedules/*id", route_id::read_schedule, handle_read_schedule},
  route_row{"DELETE", "/schedules/*id", route_id::delete_schedule, handle_delete_schedule},
};

constexpr bool every_route_has_one_row() {
  std::array<int, route_count> rows{};
  for (const auto& r : routes) ++rows[static_cast<size_t>(r.id)];
  for (size_t i = 0; i + 1 < route_count; ++i) {
    if (i == static_cast<size_t>(route_id::poll)) continue;  // served by transport/session.cpp
    if (rows[i] != 1) return false;
  }
  return rows[static_cast<size_t>(route_id::not_found)] == 0 &&
         rows[static_cast<size_t>(route_id::poll)] == 0;
}
static_assert(every_route_has_one_row(),
              "each route_id but poll and not_found needs exactly one row");

/// Each route's gin template, by route id, taken from the table.
constexpr std::array<std::string_view, route_count> paths = [] {
  std::array<std::string_view, route_count> p{};
  for (const auto& r : routes) p[static_cast<size_t>(r.id)] = r.path;
  return p;
}();

// -- encoders, by kind ------------------------------------------------------------

using encode_fn = http_response (*)(const queues::response&, const route_options&);

http_response encode_ready(const queues::response& res, const route_options& opts) {
  http_response out = status_ok();
  if (!queues::is_success(res.status)) {
    out.status = 503;
    out.body = R"({"status":"unavailable"})";
  }
  if (opts.cluster_report) {
    out.body.pop_back();  // the closing brace
    out.body.append(R"(,"cluster":)").append(opts.cluster_report()).push_back('}');
  }
  return out;
}

template <http_response (*F)(const queues::response&)>
http_response plain(const queues::response& res, const route_options&) {
  return F(res);
}

http_response encode_claim(const queues::response& res, const route_options& opts) {
  return encode_claim_reply(res, opts.system_url);
}

/// The encoder of each kind, indexed by queues::kind (several routes share a kind).
constexpr std::array<encode_fn, queues::kind_count> encoders = [] {
  std::array<encode_fn, queues::kind_count> e{};
  auto at = [&](queues::kind k) -> encode_fn& { return e[static_cast<size_t>(k)]; };
  at(queues::kind::read_promise) = plain<encode_promise_reply>;
  at(queues::kind::search_promises) = plain<encode_search_reply>;
  at(queues::kind::create_promise) = plain<encode_promise_reply>;
  at(queues::kind::complete_promise) = plain<encode_promise_reply>;
  at(queues::kind::create_callback) = plain<encode_callback_reply>;
  at(queues::kind::claim_task) = encode_claim;
  at(queues::kind::complete_task) = plain<encode_task_reply>;
  at(queues::kind::drop_task) = plain<encode_drop_reply>;
  at(queues::kind::heartbeat_tasks) = plain<encode_heartbeat_reply>;
  at(queues::kind::ready) = encode_ready;
  at(queues::kind::create_promise_and_task) = plain<encode_promise_and_task_reply>;
  at(queues::kind::acquire_lock) = plain<encode_acquire_lock_reply>;
  at(queues::kind::release_lock) = plain<encode_release_lock_reply>;
  at(queues::kind::heartbeat_locks) = plain<encode_heartbeat_locks_reply>;
  at(queues::kind::create_schedule) = plain<encode_schedule_reply>;
  at(queues::kind::read_schedule) = plain<encode_schedule_reply>;
  at(queues::kind::search_schedules) = plain<encode_search_schedules_reply>;
  at(queues::kind::delete_schedule) = plain<encode_schedule_reply>;
  return e;
}();

const route_options& default_options() {
  static const route_options opts;
  return opts;
}

queues::request make_request(const http_request& req, queues::request_payload payload) {
  queues::request out;
  auto rid = req.header("Request-Id");
  out.request_id = rid && !rid->empty() ? std::string(*rid) : make_request_id();
  out.payload = std::move(payload);
  return out;
}

}  // namespace

std::string_view route_path(route_id r) {
  // Not in the table: transport/session.cpp answers it, and only when the poll plugin is on.
  if (r == route_id::poll) return "/poll/*rest";
  return paths[static_cast<size_t>(r)];
}

route_result route_request(const http_request& req, const route_options& opts) {
  route_result out;
  std::string_view target = req.target;
  auto qpos = target.find('?');
  std::string_view raw_path = target.substr(0, qpos);
  std::string_view query =
    qpos == std::string_view::npos ? std::string_view{} : target.substr(qpos + 1);
  // Go routes on the decoded URL.Path; a bad escape never gets past net/http.
  auto path = decode_path(raw_path);
  if (!path) {
    out.response = malformed_request();
    return out;
  }
  for (const auto& row : routes) {
    std::string_view rest, id, counter;
    if (!matches(row, req.method, *path, rest, id, counter)) continue;
    out.route = row.id;
    route_context ctx{req, query, rest, id, counter, opts};
    queues::request_payload payload;
    if (auto now = row.handle(ctx, payload)) {
      out.response = std::move(*now);
    } else {
      out.request = make_request(req, std::move(payload));
    }
    return out;
  }
  out.route = route_id::not_found;
  out.response = route_not_found();
  return out;
}

route_result route_request(const http_request& req) {
  return route_request(req, default_options());
}

http_response encode_reply(queues::kind k, const queues::response& res, const route_options& opts) {
  auto i = static_cast<size_t>(k);
  if (i < encoders.size() && encoders[i]) return encoders[i](res, opts);
  if (!queues::is_success(res.status)) return kernel_error(res.status, res.error);
  return kernel_error(queues::status::internal_server_error, "no encoder for this request kind");
}

http_response encode_reply(queues::kind k, const queues::response& res) {
  return encode_reply(k, res, default_options());
}

}  // namespace resonate::api_gateway
