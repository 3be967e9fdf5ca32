#pragma once

// Promise and Value as REST v1 writes them (spec 2.1): field order of the table,
// Go omitempty rules, base64 data.

#include <string>

#include "queues/records.hpp"

namespace resonate::codecs::rest_v1 {

/// `{"headers"?,"data"?}`; both omitted when empty, so an empty value is `{}`.
void append_value_json(std::string& out, const queues::value& v);

/// `{"id","state","param","value","timeout","idempotencyKeyForCreate"?,
///   "idempotencyKeyForComplete"?,"tags"?,"createdOn"?,"completedOn"?}`.
void append_promise_json(std::string& out, const queues::promise_record& p);

std::string promise_json(const queues::promise_record& p);

}  // namespace resonate::codecs::rest_v1
