#pragma once

// `GET /poll/<group>/<id>` on the API port (REST v1 spec 3.4, "Proxy on the main
// port"). The reference reverse-proxies it to the poll server; we hand the accepted
// TCP socket itself over, once the API's checks (CORS, basic auth, JWT) passed, so
// the stream has no proxy hop. Plain C++: the gateway fills it, the sender's poll
// server (aio_adapters/sender/net.hpp) takes it over and serves it exactly as a
// connection that arrived on its own port. It is part of the contract because
// the gateway and the adapters meet only here (queues/).

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace resonate::queues {

struct poll_handover {
  int fd = -1;        ///< the connected TCP socket; whoever receives this owns it
  bool ipv6 = false;  ///< its address family
  std::string method = "GET";
  std::string path;           ///< decoded, the "/poll" prefix removed: "/{group}/{id...}"
  bool http10 = false;        ///< HTTP/1.0: no chunked encoding
  std::string origin;         ///< the request's Origin header ("" if none)
  std::string authorization;  ///< its Authorization header (the poll server's own basic auth)
  /// Added to the 200 head: the API's CORS and Resonate-Version headers. An
  /// Access-Control-Allow-Origin here replaces the poll server's own.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string leftover;  ///< bytes read after the head (unused, as on the poll port)
  /// Called once, on the poll server's thread, with the status it answered (the API's
  /// request metrics count the stream under that status, as behind the reference's proxy).
  std::function<void(unsigned status)> answered;
};

/// Takes a handed-over connection. Empty in http_options: `/poll` is not registered.
using poll_handover_fn = std::function<void(poll_handover)>;

}  // namespace resonate::queues
