#pragma once

// The sender (REST v1 spec 4.12, 3.5): resolves a task's receiver, formats its
// message and hands it to the poll (SSE) or HTTP push plugin. A protocol
// 2026-04-01 outbox message (send_submission::raw) names its address URL and
// gets its body here too (codecs/protocol_2026: message_body). The facade the
// sender actor wraps: send() never blocks, and its callback runs on the sender's
// own io thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aio_adapters/sender/net.hpp"
#include "aio_adapters/sender/receiver.hpp"
#include "queues/aio.hpp"
#include "queues/metrics.hpp"

namespace resonate::sender {

/// A message for an SSE stream that is not on this node, to be handed to the
/// node that holds it (several nodes, aio_adapters/cluster).
struct forward_request {
  bool any = false;  ///< `poll://any@group`: any stream of the group will do
  std::string group;
  std::optional<std::string> id;
  std::string body;  ///< the SSE frame's data
};
/// Hands `request` on; `delivered` must be called exactly once, on any thread.
using forward_fn =
  std::function<void(forward_request request, std::function<void(bool delivered)> done)>;

struct sender_options {
  /// Base of the task hrefs (`system.url`), e.g. `http://localhost:8001`; also
  /// the serverUrl in the head of a protocol 2026-04-01 execute.
  std::string system_url = "http://localhost:8001";
  /// `aio.subsystems.sender.config.targets`; `default` is added when absent.
  std::vector<target> targets;
  /// Submissions accepted and not yet processed; beyond it send() fails at once.
  size_t queue_size = 1000;
  bool poll_enabled = true;
  poll_options poll;
  /// When the poll plugin has no stream for an address: the message goes to
  /// another node through this. Unset (a node alone): the send fails.
  forward_fn forward;
  bool http_enabled = true;
  http_options http;
};

/// Back-off after a failure that happened before any plugin (spec 4.10, 11.22).
inline constexpr int64_t pre_plugin_retry_ms = 15000;

class sender {
public:
  explicit sender(sender_options options);
  ~sender();
  sender(const sender&) = delete;
  sender& operator=(const sender&) = delete;

  /// Starts the io thread and the poll listener. "" on success, else why not
  /// (e.g. the poll port is taken); on failure nothing is left running.
  std::string start();
  /// Stops the plugins and the io thread; every pending send() is answered first
  /// (failures). Not from the io thread, i.e. not from a `done` callback.
  void stop();

  /// The poll server's bound port (0 when it is disabled or not started).
  uint16_t poll_port() const;

  using done_fn = std::function<void(queues::send_completion)>;

  /// Delivers one task's message. Thread-safe and non-blocking. `done` is called
  /// exactly once, on the io thread (inline on the caller's thread only if the
  /// sender is not running; on the cluster's thread for a forwarded message). Failures before a
  /// plugin has the message (bad or unknown recv, disabled or full plugin, full queue) report
  /// success = false, time_to_retry = 15000, time_to_claim = 0 and `error`; a plugin's verdict
  /// reports its own TTR/TTC and no error.
  void send(queues::send_submission submission, done_fn done);

  /// For tests and diagnostics.
  poll_server* poll() { return poll_.get(); }
  http_push* http() { return http_.get(); }
  const sender_options& options() const { return options_; }

private:
  void process(const queues::send_submission& submission, done_fn& done);
  /// A protocol 2026-04-01 outbox message: its body written here, sent to its address.
  void process_raw(const queues::outbox_message& message, done_fn& done);
  void fail(done_fn& done, std::string error);
  /// Queues `body` to the stream `poll` names on this node, or else forwards
  /// it (options_.forward); reports the outcome with the poll plugin's TTR/TTC.
  void deliver_poll(const poll_address& poll, std::string body, done_fn& done);

  sender_options options_;
  receiver_resolver resolver_;
  io_thread io_;  // declared before the plugins: they are destroyed first
  std::unique_ptr<poll_server> poll_;
  std::unique_ptr<http_push> http_;
  std::mutex lifecycle_mu_;
  std::atomic<bool> running_{false};
  std::atomic<size_t> queued_{0};

  queues::metrics::counter& poll_sent_;
  queues::metrics::counter& poll_failed_;
  queues::metrics::counter& http_sent_;
  queues::metrics::counter& http_failed_;
  queues::metrics::counter& unsent_;
  queues::metrics::gauge& depth_;
};

}  // namespace resonate::sender
