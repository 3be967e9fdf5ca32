#pragma once

// Task and Callback as REST v1 writes them (spec 2.3, 2.4): Go's field order and
// omitempty rules.

#include <string>

#include "queues/records.hpp"

namespace resonate::codecs::rest_v1 {

/// `{"id","counter","timeout","rootPromiseId","processId"?,"createdOn"?,"completedOn"?}`.
/// State, recv, mesg, attempt, ttl and expiresAt are never written.
void append_task_json(std::string& out, const queues::task_record& t);

/// `{"id","promiseId","rootPromiseId","timeout","createdOn"}`. The reference coroutine
/// never fills in the root promise id of the callback it returns, so `rootPromiseId` is
/// always "" on the wire, whatever the record holds.
void append_callback_json(std::string& out, const queues::callback_record& c);

}  // namespace resonate::codecs::rest_v1
