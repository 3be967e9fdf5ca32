#pragma once

// JWT authentication and prefix authorisation of protocol 2026-04-01 (spec
// 1.8), off unless a public key is configured (the same `api.auth.publicKey`
// as REST v1): the token is `head.auth`; none or a bad one is 401
// "Unauthorized"; a verified token whose claims do not cover the operation's
// resource ids is 403 "Forbidden". Refused envelopes never reach the kernel.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api_gateway/auth.hpp"
#include "api_gateway/protocol_2026/envelope.hpp"

namespace resonate::api_gateway::protocol_2026 {

/// The ids an operation touches, as spec 1.8 lists them per kind; nullopt for
/// the kinds no prefixed token may use (*.search, debug.*).
std::optional<std::vector<std::string_view>> resource_ids(const envelope& env);

struct auth_refusal {
  unsigned status;  ///< 401 or 403
  std::string message;
};

/// nullopt when `access` has no JWT key or the envelope passes.
std::optional<auth_refusal> authorize(const access_control* access, const envelope& env);

}  // namespace resonate::api_gateway::protocol_2026
