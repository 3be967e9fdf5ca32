#pragma once

// REST v1 as a protocol of the shared transport (transport/protocol.hpp): the route
// table of router.hpp, the gate of auth.hpp and the gin-named request series. It
// matches every request, so it is registered last.

#include <memory>

#include "api_gateway/auth.hpp"
#include "api_gateway/rest_v1/router.hpp"
#include "api_gateway/transport/protocol.hpp"

namespace resonate::api_gateway {

/// `access` nullptr: open (no basic auth, no JWT).
std::shared_ptr<const protocol> make_rest_v1_protocol(
  route_options routes, std::shared_ptr<const access_control> access);

}  // namespace resonate::api_gateway
