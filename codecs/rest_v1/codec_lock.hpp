#pragma once

// Lock as REST v1 writes it (spec 2.7).

#include <string>

#include "queues/records.hpp"

namespace resonate::codecs::rest_v1 {

/// `{"resourceId","executionId","processId","ttl","expiresAt"}`, every field always.
void append_lock_json(std::string& out, const queues::lock_record& l);

}  // namespace resonate::codecs::rest_v1
