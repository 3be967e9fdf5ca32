#pragma once

// Every kind of protocol 2026-04-01 runs in the kernel as a typed operation:
// an envelope that validate() accepted becomes its queues request here, and
// the kernel's typed answer becomes the envelope's data, written byte for byte
// as the SDK and the reference expect it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api_gateway/protocol_2026/envelope.hpp"
#include "queues/api.hpp"

namespace resonate::api_gateway::protocol_2026 {

/// The typed request of a validated envelope. Every kind parse_envelope
/// knows (spec 1.9) has one; nullopt only for a kind it does not know.
/// Fields validate() let through as null read as absent: a search's state
/// (every state), tags (none), limit (100 for promise.search, 10 for
/// schedule.search) and cursor (the first page).
std::optional<queues::request_payload> decode_typed(const envelope& env,
                                                    std::optional<int64_t> debug_time);

/// The debug operation of a `debug.*` kind; nullopt for any other kind.
std::optional<queues::debug26_op> debug_op_of(std::string_view kind);

/// The response envelope of a typed answer: `{"promise": P}` with 200, or the
/// message as data with the error status.
std::string encode_promise26(std::string_view kind, std::string_view corr_id,
                             const queues::promise26_response& r);

/// The response envelope of a task operation's answer: with 200 or 300 its
/// present fields (task, promise, preload, in that order) as data, else the
/// message as data with the error status.
std::string encode_task26(std::string_view kind, std::string_view corr_id,
                          const queues::task26_response& r);

/// The response envelope of a task.search page: `{"tasks":[...]}`, with
/// `"cursor"` only when more remain.
std::string encode_task26_search(std::string_view kind, std::string_view corr_id,
                                 const queues::task26_search_response& r);

/// The response envelope of a promise.search page: `{"promises":[...]}`, with
/// `"cursor"` only when more remain.
std::string encode_promise26_search(std::string_view kind, std::string_view corr_id,
                                    const queues::promise26_search_response& r);

/// The response envelope of schedule.get, create and delete: with 200
/// `{"schedule": S}`, or `{}` when there is none (delete); else the message as
/// data with the error status.
std::string encode_schedule26(std::string_view kind, std::string_view corr_id,
                              const queues::schedule26_response& r);

/// The response envelope of a schedule.search page: `{"schedules":[...]}`,
/// with `"cursor"` only when more remain.
std::string encode_schedule26_search(std::string_view kind, std::string_view corr_id,
                                     const queues::schedule26_search_response& r);

/// The response envelope of a debug operation (the answer does not say which:
/// `op` is the envelope's, debug_op_of its kind), with 200: `[]` for tick,
/// the snapshot for snap (spec 1.9: promises, promiseTimeouts, callbacks,
/// listeners, tasks, taskTimeouts, messages with their bodies' head empty),
/// `{}` for the others. A snap answer without its snapshot is the kernel's
/// fault: a 500 error envelope instead (debug26_status says which).
std::string encode_debug26(std::string_view kind, std::string_view corr_id, queues::debug26_op op,
                           const queues::debug26_response& r);

/// The status encode_debug26 writes.
inline unsigned debug26_status(queues::debug26_op op, const queues::debug26_response& r) {
  return op == queues::debug26_op::snap && !r.snap ? 500 : 200;
}

/// What a task.fence answer echoes of its action's head (spec 1.9): the
/// action's envelope before its status (`{"kind":K,"head":{"corrId":C,"status":`,
/// the corrId only when it was a string) and after it (`,"version":V},"data":`,
/// the version likewise).
struct fence_echo {
  std::string before_status;
  std::string after_status;
};
fence_echo fence_echo_of(const envelope& env);

/// The response envelope of task.fence: with 200 `{"action": A, "preload": []}`,
/// A the action's own envelope (its answer under the echoed head), else the
/// fence's message as data with its error status.
std::string encode_fence26(std::string_view kind, std::string_view corr_id, const fence_echo& echo,
                           const queues::task26_fence_response& r);

}  // namespace resonate::api_gateway::protocol_2026
