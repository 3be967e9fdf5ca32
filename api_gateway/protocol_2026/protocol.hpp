#pragma once

// Protocol 2026-04-01 as a protocol of the shared transport
// (transport/protocol.hpp): `POST /` carries every operation as an envelope
// (spec 1.2), answered with an envelope whose head.status is also the HTTP
// status (1.3). Registered before REST v1, which serves every other route;
// `GET /poll/{group}/{id}` is the transport's SSE handover for both.

#include <memory>

#include "api_gateway/auth.hpp"
#include "api_gateway/transport/protocol.hpp"

namespace resonate::api_gateway {

struct protocol_2026_options {
  /// `debug.*` kinds and `head["resonate:debug_time"]` are honoured only in
  /// debug mode (`--debug`, `resonate dev`); otherwise debug.* answers 403.
  bool debug = false;
  /// JWT in head.auth (spec 1.8) when it has a public key; nullptr: no auth.
  std::shared_ptr<const access_control> access;
};

std::shared_ptr<const protocol> make_protocol_2026(protocol_2026_options options);

}  // namespace resonate::api_gateway
