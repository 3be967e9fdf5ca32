#pragma once

// The bodies the sender hands to a plugin (REST v1 spec 3.5); for poll they are
// also the SSE `data:` payload. Field order is part of the wire contract.

#include <optional>
#include <string>

#include "queues/aio.hpp"

namespace resonate::sender {

/// `{system_url}/tasks/{op}/{task id}/{counter}`: plain formatting, the id is not
/// URL-escaped (spec 3.5, 11.25).
std::string task_href(const std::string& system_url, const char* op,
                      const queues::task_record& task);

/// invoke / resume:
/// `{"type","task":{"id","counter","timeout","rootPromiseId","processId"?,"createdOn"?,
///   "completedOn"?},"href":{"base","claim","complete","heartbeat"}[,"head":{...}]}`.
/// `head` is appended only when `with_head` and the message head is non-empty.
std::string task_body(const queues::task_record& task, const std::string& system_url,
                      bool with_head);

/// notify: `{"type":"notify","promise":<Promise as REST v1 renders it>[,"head":{...}]}`.
std::string notify_body(const queues::promise_record& promise, const queues::header_map& head,
                        bool with_head);

/// The body for a submission, or nullopt with `error` set (a notify without its promise).
/// `with_head`: true for poll (SSE has no headers), false for HTTP push.
std::optional<std::string> message_body(const queues::send_submission& submission,
                                        const std::string& system_url, bool with_head,
                                        std::string& error);

}  // namespace resonate::sender
