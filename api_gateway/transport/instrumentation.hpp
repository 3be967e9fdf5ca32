#pragma once

// The gateway's Prometheus series (spec section 7). Series are resolved once
// and cached (per thread for counters keyed by status), so the hot path does no
// label formatting and takes no registry lock.

#include <cstdint>
#include <string_view>

#include "api_gateway/rest_v1/router.hpp"
#include "queues/api.hpp"

namespace resonate::api_gateway {

enum class method_id : uint8_t { get, post, put, patch, del, head, options, other };
inline constexpr size_t method_count = 8;

method_id method_of(std::string_view method);
std::string_view method_name(method_id m);

/// http_requests_total{method,path,status} and http_requests_duration_seconds{method,path}.
void record_http(method_id m, route_id r, unsigned http_status, double seconds);

/// api_requests_total{protocol="http",status,type} and api_duration_seconds{protocol,type}.
void record_api(queues::kind k, queues::status s, double seconds);

}  // namespace resonate::api_gateway
