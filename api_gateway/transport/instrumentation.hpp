#pragma once

// The transport's Prometheus series (spec section 7): the kernel's answers by kind and
// status, whatever the protocol; each protocol counts its own HTTP series (REST v1:
// rest_v1/request_metrics.hpp). Series are resolved once and cached per thread, so the
// hot path does no label formatting and takes no registry lock.

#include <cstdint>
#include <string_view>

#include "queues/api.hpp"

namespace resonate::api_gateway {

enum class method_id : uint8_t { get, post, put, patch, del, head, options, other };
inline constexpr size_t method_count = 8;

method_id method_of(std::string_view method);
std::string_view method_name(method_id m);

/// api_requests_total{protocol="http",status,type} and api_duration_seconds{protocol,type}.
void record_api(queues::kind k, queues::status s, double seconds);

}  // namespace resonate::api_gateway
