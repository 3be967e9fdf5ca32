#pragma once

// The cluster port (docs/cluster-plan.md, sections 2 and 3): this node's CAF
// middleman, where the other nodes hand it messages for the SSE streams
// connected to it, and the links this node opens to theirs. CAF carries only
// what may be lost: a message that does not arrive in time is a failed send,
// which the retry timers of both protocols cover. Which node holds a stream
// is the directory's to say (aio_adapters/cluster); ownership of work is the
// database's (partition_leases), never CAF's.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aio_adapters/cluster/directory.hpp"
#include "aio_adapters/sender/sender.hpp"

namespace caf {
class actor_system;
class actor_system_config;
}  // namespace caf

namespace resonate::actors {

struct cluster_link_options {
  std::string listen_host;         ///< "" or a wildcard: every interface
  uint16_t listen_port = 0;        ///< 0: the OS picks (see cluster_link::port())
  std::vector<std::string> seeds;  ///< host:port of other nodes' cluster ports
  std::chrono::milliseconds connect_timeout{2000};
  /// How long a node waits for another to take a message; past it, the send failed.
  std::chrono::milliseconds forward_timeout{1000};
  /// How often the live nodes this one has no link to are dialled.
  std::chrono::milliseconds mend_interval{2000};
};

/// What the other nodes ask of this one. Both are called on CAF's threads.
struct cluster_local_hooks {
  /// Queues a message to a stream of this node: (any, group, id, body) ->
  /// whether a stream took it (sender::poll_server::deliver). Thread-safe.
  std::function<bool(bool any, const std::string& group, const std::optional<std::string>& id,
                     std::string body)>
    deliver;
  /// A stream connected to another node: messages parked for it can go now
  /// (the kernel's stream_connected, which only the lease holder acts on).
  std::function<void(const std::string& group, const std::string& id)> stream_connected;
  /// Another node asks for a background job to run now (the kernel's kick,
  /// which only the lease holder acts on).
  std::function<void(const std::string& job)> kick_job;
};

class cluster_link {
public:
  /// Loads the middleman into `cfg` with the cluster's settings: heartbeats,
  /// a connection timeout, and an application id that refuses foreign CAF
  /// applications. Before the actor system is built.
  static void configure(caf::actor_system_config& cfg);

  /// `directory` says which nodes hold which streams; it is started apart.
  cluster_link(caf::actor_system& sys, cluster_link_options options, cluster_local_hooks local,
               std::shared_ptr<aio_adapters::cluster::directory> directory);
  ~cluster_link();
  cluster_link(const cluster_link&) = delete;
  cluster_link& operator=(const cluster_link&) = delete;

  /// Publishes this node's gateway on the cluster port and connects to the
  /// seeds (in the background). Throws std::runtime_error when the port
  /// cannot be opened.
  void start();
  void stop();
  /// The bound cluster port (after start()).
  uint16_t port() const;
  /// host:port at which the other nodes reach this one (after start()).
  const std::string& address() const;

  /// Asks the nodes this one is linked to to run these background jobs now:
  /// they were kicked here, but only the lease holder may run them. Best
  /// effort: a nudge that is lost costs the holder's next period.
  void nudge(std::vector<std::string> jobs);

  /// Hands `request` to a node that holds a stream for it: the directory
  /// names the candidates, which are asked one at a time, each within
  /// forward_timeout. `done(delivered)` exactly once, on any thread.
  void forward(sender::forward_request request, std::function<void(bool)> done);

  /// Tells every other live node that a stream connected here (a hint that
  /// may be lost: the retry timers cover it).
  void announce_stream(std::string group, std::string id);

  /// The cluster addresses of the nodes this one has a live CAF connection
  /// to, as the link last saw them. Thread-safe.
  std::vector<std::string> connected_peers() const;

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

}  // namespace resonate::actors
