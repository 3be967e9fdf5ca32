#pragma once

// The seam between the shared transport and a protocol served on the API port.
// The session parses HTTP, then asks each registered protocol in order whether it
// serves the request; the first that does routes it (plain C++, no kernel call),
// authorises it after CORS, and later turns the kernel's reply into HTTP. REST v1
// (rest_v1/protocol.hpp) is a catch-all: it answers unknown routes with 404, so a
// protocol with a narrower match (the 2026-04-01 envelope's `POST /`) is registered
// before it. Transport-level matters stay in the session: parsing limits, pipelining,
// CORS, the `GET /poll/...` handover and the kernel's api_* metrics.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api_gateway/transport/http_types.hpp"
#include "api_gateway/transport/instrumentation.hpp"
#include "queues/api.hpp"

namespace resonate::api_gateway {

/// What a protocol made of one request.
struct exchange {
  /// Set when the kernel must answer: the session submits it, then asks encode_reply().
  std::optional<queues::request> request;
  /// The immediate answer when `request` is empty.
  http_response response;
  /// The protocol's own name for the route (REST v1: its route_id), handed back to
  /// authorize() and record_http(); the transport does not read it.
  uint16_t route = 0;
  /// What the protocol needs again to write the answer (2026-04-01: the
  /// envelope's kind and corrId), handed back to encode_reply() as it is.
  std::string context;
};

/// exchange::route values the transport uses for what it answers itself: before any
/// protocol routed the request (a request the parser rejected; a body over the limit,
/// answered by the protocol whose route it was),
/// and `GET /poll/...` (handed over, or refused by CORS or auth).
inline constexpr uint16_t route_unrouted = 0xffff;
inline constexpr uint16_t route_poll = 0xfffe;

class protocol {
public:
  virtual ~protocol() = default;

  /// Whether this protocol serves `req`. Asked in registration order.
  virtual bool matches(const http_request& req) const = 0;

  /// Matches the route, parses and validates. Never throws; never calls the kernel.
  virtual exchange route(const http_request& req) const = 0;

  /// After routing and CORS: the answer to send instead (401, 403), or nullopt to go on.
  /// `routed.request` is the typed request about to be submitted, if any.
  virtual std::optional<http_response> authorize(const http_request& req,
                                                 const exchange& routed) const = 0;

  /// The kernel's response to a request of kind `k`, as this protocol writes it;
  /// `context` is the exchange's.
  virtual http_response encode_reply(queues::kind k, const queues::response& res,
                                     const std::string& context) const = 0;

  /// The answer to a request whose body is over `limit` bytes: 413 in the protocol's own
  /// shape. Only the request's head was read (`req.body` is empty); the transport closes
  /// the connection after it.
  virtual http_response body_too_large(const http_request& req, size_t limit) const = 0;

  /// Counts an answered request in the protocol's HTTP series: `route` is the exchange's,
  /// or route_unrouted / route_poll for what the transport answered itself.
  virtual void record_http(method_id m, uint16_t route, unsigned status,
                           double seconds) const = 0;
};

/// The protocols of one listener, most specific first; the last one answers what the
/// transport itself answers (and counts it).
using protocol_list = std::vector<std::shared_ptr<const protocol>>;

}  // namespace resonate::api_gateway
