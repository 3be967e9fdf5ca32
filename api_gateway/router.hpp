#pragma once

// The REST v1 route table, free of Beast: an http_request either gets an
// immediate http_response (probes, 404s, validation failures) or becomes a typed
// queues::request for the kernel, whose reply encode_reply() turns into HTTP.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "api_gateway/http_types.hpp"
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
  not_found,
};
inline constexpr size_t route_count = static_cast<size_t>(route_id::not_found) + 1;

/// The route template as gin names it in metrics (`/promises/*id`); "" for not_found.
std::string_view route_path(route_id r);

struct route_result {
  route_id route = route_id::not_found;
  /// Set when the kernel must answer: submit it, then encode_reply() the response.
  std::optional<queues::request> request;
  /// The immediate answer when `request` is empty.
  http_response response;
};

/// Matches, parses and validates. Never throws; never calls the kernel.
route_result route_request(const http_request& req);

/// Turns the kernel's response to a request of kind `k` into HTTP.
http_response encode_reply(queues::kind k, const queues::response& res);

// -- the per-route parsers (routes_promises.cpp), exposed for tests -------------

/// Each fills `out` and returns nullopt, or returns the 400 to send instead.
std::optional<http_response> parse_create_promise(const http_request& req,
                                                  queues::create_promise_request& out);
std::optional<http_response> parse_complete_promise(const http_request& req, std::string id,
                                                    queues::complete_promise_request& out);
std::optional<http_response> parse_search_promises(std::string_view query,
                                                   queues::search_promises_request& out);

/// 200/201 + Promise, or the error body.
http_response encode_promise_reply(const queues::response& res);
/// 200 + {"cursor","promises"}, or the error body.
http_response encode_search_reply(const queues::response& res);

}  // namespace resonate::api_gateway
