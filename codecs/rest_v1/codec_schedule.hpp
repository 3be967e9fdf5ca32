#pragma once

// The Schedule JSON of REST v1 2.6.

#include <string>

#include "queues/records.hpp"

namespace resonate::codecs::rest_v1 {

/// `desc` and `promiseTags` omitted when empty, `lastRunTime` and
/// `idempotencyKey` when null; `tags` and `promiseParam` always present.
void append_schedule_json(std::string& out, const queues::schedule_record& s);

}  // namespace resonate::codecs::rest_v1
