#pragma once

// Search cursors of REST v1 (spec 3.3): an HS256 JWT signed with the literal
// secret "resonate", header {"alg":"HS256","typ":"JWT"}, claims
// {"Next":{"id","states":[...],"tags":{},"limit":N,"sortId":N}}.

#include <optional>
#include <string>
#include <string_view>

#include "queues/api.hpp"

namespace resonate::api_gateway {

/// The JWT that carries `next` (the request for the next page).
std::string encode_cursor(const queues::search_promises_request& next);

/// Verifies and decodes a cursor. nullopt (with a Go-jwt-like `error`) if the
/// token is malformed, the signature does not verify, or the claims are invalid.
std::optional<queues::search_promises_request> decode_cursor(std::string_view token,
                                                             std::string& error);

/// The schedule search cursor: the same JWT without states (REST v1 3.3).
std::string encode_schedule_cursor(const queues::search_schedules_request& next);
std::optional<queues::search_schedules_request> decode_schedule_cursor(std::string_view token,
                                                                       std::string& error);

}  // namespace resonate::api_gateway
