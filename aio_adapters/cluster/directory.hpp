#pragma once

// The cluster directory (docs/cluster-plan.md, section 2): which nodes are in
// the cluster and which node holds which SSE stream, kept in PostgreSQL
// (migration 009: cluster_nodes, cluster_streams) on a connection of its own.
// It is a hint for delivery, never the truth about promises or tasks: a stale
// row costs one failed send, which the retry timers of both protocols cover.
//
// Everything runs on the directory's own thread, in the order it was asked:
// a stream that closes and connects again on this node is deleted, then
// written. Callers never wait for the database.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace resonate::aio_adapters::cluster {

struct directory_options {
  std::string conninfo;
  std::string node_id;
  int64_t heartbeat_ms = 1000;
  /// A node whose heartbeat is older than this (database time) is not asked
  /// for its streams: it is dead, or cut off from the database.
  int64_t stale_after_ms = 5000;
  /// How long a lookup that found nodes is answered from memory. A stale
  /// answer costs a node that says "no such stream" and a fresh lookup
  /// (cluster_link); 0 asks the database every time.
  int64_t lookup_cache_ms = 1000;
};

/// Another node, as the directory knows it.
struct peer {
  std::string node_id;
  std::string cluster_addr;
};

/// A node with a recent heartbeat.
struct member {
  std::string node_id;
  int64_t incarnation = 0;
  std::string api_addr;
  std::string cluster_addr;
};

class directory {
public:
  explicit directory(directory_options options);
  ~directory();
  directory(const directory&) = delete;
  directory& operator=(const directory&) = delete;

  /// Connects, registers this node under a new incarnation with its
  /// addresses as the other nodes reach them (its API, system.url, and its
  /// cluster port, host:port), and deletes the stream rows of its earlier
  /// incarnations; then starts the thread, which writes what was asked
  /// before. Throws std::runtime_error when the database cannot be reached.
  void start(const std::string& api_addr, const std::string& cluster_addr);
  /// Deletes this node's stream rows, marks it gone (so that no node asks it
  /// for a stream any more) and joins the thread. Safe to call twice.
  void stop();

  int64_t incarnation() const { return incarnation_; }

  /// A stream (group, id) connected to this node / went away. Non-blocking.
  void stream_opened(std::string group, std::string id);
  void stream_closed(std::string group, std::string id);

  using peers_fn = std::function<void(std::vector<peer>)>;
  /// The other live nodes that hold a stream for a poll address, best first:
  /// for `uni`, the nodes holding (group, id), newest connection first; for
  /// `any`, the node holding (group, id) if one does, then the others with a
  /// stream of the group in random order. Each node once. An answer that
  /// found nodes is kept for lookup_cache_ms: then `done` runs at once on the
  /// caller's thread; otherwise (or with `fresh`) on the directory's thread,
  /// after a query (empty when the database cannot be asked).
  void lookup(bool any, std::string group, std::optional<std::string> id, peers_fn done,
              bool fresh = false);

  using members_fn = std::function<void(std::vector<member>)>;
  /// The live nodes, this one included, by node id, as the last heartbeat
  /// read them; `done` runs on the directory's thread after what was asked
  /// before (a stream's row is written before the others hear of it).
  void members(members_fn done);

  /// The live nodes as the last heartbeat read them (every heartbeat_ms),
  /// this one included; never waits for the database. For /ready.
  std::vector<member> live_members() const;

  /// The streams this node holds (for tests and /ready).
  size_t stream_count() const;

private:
  struct connection;
  using job = std::function<void(connection*)>;

  void post(job j);
  void run();
  /// The connection, connected again (and this node's rows written again)
  /// after a failure; nullptr while the database cannot be reached.
  connection* ensure_connected();
  void resync(connection& c);
  void heartbeat(connection& c);
  std::vector<member> query_members(connection& c);
  void fail(const std::exception& e);

  directory_options options_;
  int64_t incarnation_ = 0;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<job> jobs_;
  bool stopping_ = false;
  std::thread thread_;

  // Directory thread only.
  std::unique_ptr<connection> conn_;
  std::set<std::pair<std::string, std::string>> streams_;  ///< what this node holds
  int64_t next_connect_ms_ = 0;
  size_t streams_count_ = 0;  ///< streams_.size(), readable under mu_
  std::vector<member> live_;  ///< under mu_: the last heartbeat's members
  struct cached_peers {
    std::vector<peer> peers;
    int64_t until_ms = 0;  ///< steady clock
  };
  /// Under mu_: lookups that found nodes, by "any|uni" + group + id.
  std::map<std::string, cached_peers> cache_;
  static constexpr size_t max_cached = 10000;
  size_t rotation_ = 0;  ///< under mu_: spreads `any` over the cached nodes
};

}  // namespace resonate::aio_adapters::cluster
