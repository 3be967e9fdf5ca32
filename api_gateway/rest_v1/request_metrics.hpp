#pragma once

// REST v1's HTTP series (spec section 7), labelled with gin's route templates. Series
// are resolved once and cached (per thread for counters keyed by status), so the hot
// path does no label formatting and takes no registry lock.

#include "api_gateway/rest_v1/router.hpp"
#include "api_gateway/transport/instrumentation.hpp"

namespace resonate::api_gateway {

/// http_requests_total{method,path,status} and http_requests_duration_seconds{method,path}
/// (none for `/poll/*rest`: a stream's duration is no request latency).
void record_http(method_id m, route_id r, unsigned http_status, double seconds);

}  // namespace resonate::api_gateway
