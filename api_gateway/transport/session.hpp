#pragma once

// Internal to transport/: the state the listener shares with its HTTP/1.1 sessions
// (session.cpp). The session class itself stays inside session.cpp.

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "api_gateway/transport/beast_glue.hpp"
#include "api_gateway/transport/http_server.hpp"
#include "api_gateway/transport/protocol.hpp"

namespace resonate::api_gateway::detail {

class session;

/// State shared by the listener, the sessions and the reply callbacks. Reply
/// callbacks hold it (through their session), so it outlives the http_server if
/// the kernel answers late; `accepting_replies_` then keeps them from posting
/// into an io_context whose threads are gone.
struct core {
  http_options opts;
  submit_fn submit;
  net::io_context ioc;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> outstanding{0};  ///< responses owed to clients, all sessions

  std::mutex mu;
  bool accepting_replies = true;
  std::unordered_map<session*, std::weak_ptr<session>> sessions;

  /// Set once by start(), before any session: opts.protocols, or REST v1 alone.
  protocol_list protocols;

  core(http_options o, submit_fn s)
    : opts(std::move(o)), submit(std::move(s)), ioc(std::max(1, opts.threads)) {}

  /// The first protocol that serves `req`; the last one when none says so.
  const protocol& protocol_for(const http_request& req) const {
    for (const auto& p : protocols) {
      if (p->matches(req)) return *p;
    }
    return *protocols.back();
  }

  size_t session_count() {
    std::lock_guard guard{mu};
    return sessions.size();
  }
};

/// Serves an accepted connection until it closes.
void start_session(std::shared_ptr<core> c, tcp::socket&& socket);
/// stop(): idle connections close now, busy ones after their last response (every
/// response written while stopping says `Connection: close`).
void close_idle_sessions(core& c);
/// stop(), once the grace period is over: every connection closes now.
void close_sessions(core& c);

}  // namespace resonate::api_gateway::detail
