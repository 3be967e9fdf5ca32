#pragma once

// The HTTP front door: Boost.Beast HTTP/1.1 on its own io_context threads. It
// parses and validates requests into typed queues::request values, submits them
// through `submit`, and writes the response when the reply callback fires (from
// any thread). Beast stays inside api_gateway/transport/*.cpp (listener.cpp,
// session.cpp); this header is plain C++.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api_gateway/auth.hpp"
#include "api_gateway/rest_v1/router.hpp"
#include "api_gateway/transport/cors.hpp"
#include "api_gateway/transport/protocol.hpp"
#include "queues/bus.hpp"
#include "queues/poll_handover.hpp"

namespace resonate::api_gateway {

struct http_options {
  std::string host;              ///< "" = all interfaces
  uint16_t port = 8001;          ///< 0 = pick a free port
  size_t body_limit = 16 << 20;  ///< 16 MiB: arguments travel base64 inside JSON
  std::chrono::milliseconds idle_timeout{60000};
  size_t max_connections = 10000;
  int threads = 1;
  /// The protocols served on this port before REST v1, most specific first
  /// (protocol.hpp); REST v1, built at start() from `routes` and `access`, always
  /// comes last and answers what none of these matches.
  protocol_list protocols;
  route_options routes;  ///< REST v1: system url (claim hrefs) and the GET-claim lease
  /// Basic auth and JWT (auth.hpp), asked before anything is submitted; nullptr: open.
  /// The `GET /poll/...` handover asks it too, whatever the protocols.
  std::shared_ptr<const access_control> access;
  cors_policy cors;  ///< default: off
  /// `GET /poll/*rest` (spec 3.4): after CORS, basic auth and JWT the socket goes here.
  /// Empty (the poll plugin is off): the path is an unknown route, 404.
  queues::poll_handover_fn poll;
};

/// Hands a request to the kernel; `reply` is called exactly once with the response.
using submit_fn = std::function<void(queues::request, queues::reply_fn)>;

class http_server {
public:
  http_server(http_options opts, submit_fn submit);
  ~http_server();

  /// Binds the listener (once). Throws std::runtime_error if the bind fails.
  void bind();
  /// Replaces the route options; only before start() (e.g. to put the port that
  /// bind() picked into the system url).
  void set_route_options(route_options routes);
  /// Binds (unless bound) and starts the io threads. Throws std::runtime_error if
  /// the bind fails.
  void start();
  /// The bound port (useful with port 0).
  uint16_t port() const;
  /// Stops accepting, lets in-flight requests finish (up to `grace`), closes
  /// idle connections and joins the io threads.
  void stop(std::chrono::milliseconds grace);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace resonate::api_gateway
