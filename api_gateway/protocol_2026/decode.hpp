#pragma once

// The kinds of protocol 2026-04-01 the kernel runs as typed operations: an
// envelope that validate() accepted becomes its queues request here, and the
// kernel's typed answer becomes the envelope's data. Every other kind still
// travels as a v2026_request (its data as JSON text).

#include <cstdint>
#include <optional>
#include <string>

#include "api_gateway/protocol_2026/envelope.hpp"
#include "queues/api.hpp"

namespace resonate::api_gateway::protocol_2026 {

/// The typed request of a validated envelope, or nullopt for a kind that is
/// not decoded (yet).
std::optional<queues::request_payload> decode_typed(const envelope& env,
                                                    std::optional<int64_t> debug_time);

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
