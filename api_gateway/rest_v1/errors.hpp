#pragma once

// The REST v1 error bodies (spec 3.1):
//   {"error":{"code":..,"message":<status text>,"details":[{"@type","message","domain","metadata":{"url"}}]}}

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "api_gateway/transport/http_types.hpp"
#include "queues/status.hpp"

namespace resonate::api_gateway {

/// 400 with one `FieldValidationError` detail per message (binding/validation
/// failures found at the edge; such a request never reaches the kernel).
http_response validation_error(const std::vector<std::string>& messages);
http_response validation_error(std::string_view message);

/// The body for a non-2xx kernel outcome: `RequestError` for 403/404/409,
/// `ServerError` (detail message = `error_text`) for everything else.
http_response kernel_error(queues::status s, std::string_view error_text);

/// The same body with a `ServerError` detail whatever the status: how the reference
/// answers a middleware failure (the JWT check's 401 40100 and 403 40300).
http_response server_error(queues::status s, std::string_view error_text);

/// Gin's answer to an unknown route or a wrong method: text, no version header.
http_response route_not_found();

/// 413 for a body over the configured limit; the connection is closed after it.
http_response body_too_large();

/// 400 for a request the HTTP parser rejected; the connection is closed after it.
http_response malformed_request();

/// 503 for a connection over `max_connections`; closed after it.
http_response too_many_connections();

}  // namespace resonate::api_gateway
