#include "aio_adapters/cluster/directory.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "aio_adapters/store/postgres/pg_connection.hpp"
#include "config/log.hpp"

namespace resonate::aio_adapters::cluster {

namespace pg = resonate::aio_adapters::store;

namespace {

// Milliseconds of the database's clock, as partition_leases counts them.
constexpr const char* now_ms = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

pg::pg_call call(std::string sql, pg::pg_params params = {}) {
  return pg::pg_call{"", std::move(sql), std::move(params)};
}

}  // namespace

struct directory::connection {
  explicit connection(const std::string& conninfo) : db(conninfo) {}
  pg::pg_connection db;
};

directory::directory(directory_options options) : options_(std::move(options)) {}

directory::~directory() {
  stop();
}

void directory::start(const std::string& api_addr, const std::string& cluster_addr) {
  try {
    conn_ = std::make_unique<connection>(options_.conninfo);
    auto r = conn_->db.exec(
      call(std::string("INSERT INTO cluster_nodes AS n "
                       "(node_id, incarnation, api_addr, cluster_addr, heartbeat_at) "
                       "VALUES ($1, 1, $2, $3, ") +
             now_ms +
             ") ON CONFLICT (node_id) DO UPDATE SET incarnation = n.incarnation + 1, "
             "api_addr = EXCLUDED.api_addr, cluster_addr = EXCLUDED.cluster_addr, "
             "heartbeat_at = EXCLUDED.heartbeat_at RETURNING incarnation",
           pg::pg_params{}.add(options_.node_id).add(api_addr).add(cluster_addr)));
    incarnation_ = r.int64(0, 0);
    conn_->db.exec(call("DELETE FROM cluster_streams WHERE node_id = $1",
                        pg::pg_params{}.add(options_.node_id)));
    live_ = query_members(*conn_);
  } catch (const std::exception& e) {
    conn_.reset();
    throw std::runtime_error(std::string("cluster directory: ") + e.what());
  }
  thread_ = std::thread([this] { run(); });
}

void directory::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !thread_.joinable()) return;
    // Last: the streams go, and the node says it is gone.
    jobs_.push_back([this](connection* c) {
      if (!c) return;
      c->db.exec(call("DELETE FROM cluster_streams WHERE node_id = $1",
                      pg::pg_params{}.add(options_.node_id)));
      c->db.exec(
        call("UPDATE cluster_nodes SET heartbeat_at = 0 "
             "WHERE node_id = $1 AND incarnation = $2",
             pg::pg_params{}.add(options_.node_id).add(incarnation_)));
    });
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  conn_.reset();
}

void directory::post(job j) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    jobs_.push_back(std::move(j));
  }
  wake_.notify_one();
}

void directory::stream_opened(std::string group, std::string id) {
  post([this, group = std::move(group), id = std::move(id)](connection* c) {
    if (!streams_.emplace(group, id).second) return;
    {
      std::lock_guard lock(mu_);
      streams_count_ = streams_.size();
    }
    if (!c) return;  // written by the resync once the database is back
    c->db.exec(call(std::string("INSERT INTO cluster_streams AS s "
                                "(grp, stream_id, node_id, incarnation, connected_at) "
                                "VALUES ($1, $2, $3, $4, ") +
                      now_ms +
                      ") ON CONFLICT (grp, stream_id, node_id) DO UPDATE SET "
                      "incarnation = EXCLUDED.incarnation, connected_at = EXCLUDED.connected_at",
                    pg::pg_params{}.add(group).add(id).add(options_.node_id).add(incarnation_)));
  });
}

void directory::stream_closed(std::string group, std::string id) {
  post([this, group = std::move(group), id = std::move(id)](connection* c) {
    if (streams_.erase({group, id}) == 0) return;
    {
      std::lock_guard lock(mu_);
      streams_count_ = streams_.size();
    }
    if (!c) return;
    c->db.exec(
      call("DELETE FROM cluster_streams WHERE grp = $1 AND stream_id = $2 AND node_id = $3",
           pg::pg_params{}.add(group).add(id).add(options_.node_id)));
  });
}

void directory::lookup(bool any, std::string group, std::optional<std::string> id, peers_fn done,
                       bool fresh) {
  std::string key = std::string(any ? "a" : "u") + std::to_string(group.size()) + ":" + group +
                    (id ? "/" + *id : "");
  if (!fresh && options_.lookup_cache_ms > 0) {
    std::vector<peer> cached;
    size_t turn = 0;
    {
      std::lock_guard lock(mu_);
      auto it = cache_.find(key);
      if (it != cache_.end() && it->second.until_ms > steady_ms()) cached = it->second.peers;
      turn = rotation_++;
    }
    if (!cached.empty()) {
      // `any`: the next message may go to another of the nodes.
      if (any && cached.size() > 1) {
        std::vector<peer> spread;
        spread.reserve(cached.size());
        for (size_t k = 0; k < cached.size(); ++k)
          spread.push_back(cached[(turn + k) % cached.size()]);
        cached.swap(spread);
      }
      return done(std::move(cached));
    }
  }
  post([this, any, key = std::move(key), group = std::move(group), id = std::move(id),
        done = std::move(done)](connection* c) {
    std::vector<peer> peers;
    if (!c) return done(std::move(peers));
    // Only rows of a node's current incarnation count, and only while it lives.
    std::string sql =
      std::string(
        "SELECT s.node_id, n.cluster_addr FROM cluster_streams s "
        "JOIN cluster_nodes n ON n.node_id = s.node_id AND n.incarnation = s.incarnation "
        "WHERE s.grp = $1 AND s.node_id <> $3 AND n.heartbeat_at > ") +
      now_ms + " - CAST($4 AS BIGINT) ";
    if (any) {
      sql += "ORDER BY (s.stream_id = $2) DESC, random() LIMIT 32";
    } else {
      sql += "AND s.stream_id = $2 ORDER BY s.connected_at DESC LIMIT 32";
    }
    pg::pg_result r;
    try {
      r = c->db.exec(call(sql, pg::pg_params{}
                                 .add(group)
                                 .add(id.value_or(""))
                                 .add(options_.node_id)
                                 .add(options_.stale_after_ms)));
    } catch (...) {
      done({});
      throw;
    }
    for (int i = 0; i < r.rows(); ++i) {
      std::string node(r.text(i, 0));
      bool seen =
        std::any_of(peers.begin(), peers.end(), [&](const peer& p) { return p.node_id == node; });
      if (!seen) peers.push_back(peer{std::move(node), std::string(r.text(i, 1))});
    }
    if (options_.lookup_cache_ms > 0) {
      std::lock_guard lock(mu_);
      if (peers.empty()) {
        cache_.erase(key);
      } else {
        if (cache_.size() >= max_cached) cache_.clear();  // bounded; refilled on demand
        cache_[key] = cached_peers{peers, steady_ms() + options_.lookup_cache_ms};
      }
    }
    done(std::move(peers));
  });
}

void directory::members(members_fn done) {
  // Queued behind this node's own stream rows, but read from the last
  // heartbeat: no query per announcement.
  post([this, done = std::move(done)](connection*) { done(live_members()); });
}

std::vector<member> directory::query_members(connection& c) {
  auto r = c.db.exec(call(std::string("SELECT node_id, incarnation, api_addr, cluster_addr "
                                      "FROM cluster_nodes WHERE heartbeat_at > ") +
                            now_ms + " - CAST($1 AS BIGINT) ORDER BY node_id",
                          pg::pg_params{}.add(options_.stale_after_ms)));
  std::vector<member> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(member{std::string(r.text(i, 0)), r.int64(i, 1), std::string(r.text(i, 2)),
                         std::string(r.text(i, 3))});
  }
  return out;
}

std::vector<member> directory::live_members() const {
  std::lock_guard lock(mu_);
  return live_;
}

size_t directory::stream_count() const {
  std::lock_guard lock(mu_);
  return streams_count_;
}

directory::connection* directory::ensure_connected() {
  if (conn_) return conn_.get();
  int64_t now = steady_ms();
  if (now < next_connect_ms_) return nullptr;
  next_connect_ms_ = now + 1000;
  try {
    auto c = std::make_unique<connection>(options_.conninfo);
    resync(*c);
    conn_ = std::move(c);
    log::info("cluster directory reconnected", {{"node", options_.node_id}});
  } catch (const std::exception& e) {
    log::warn("cluster directory cannot reach the database", {{"error", e.what()}});
  }
  return conn_.get();
}

// After a lost connection: this node's stream rows are written again from
// what it holds now (whatever changed meanwhile was not written).
void directory::resync(connection& c) {
  c.db.exec_simple("BEGIN");
  c.db.exec(
    call("DELETE FROM cluster_streams WHERE node_id = $1", pg::pg_params{}.add(options_.node_id)));
  for (const auto& [group, id] : streams_) {
    c.db.exec(call(std::string("INSERT INTO cluster_streams "
                               "(grp, stream_id, node_id, incarnation, connected_at) "
                               "VALUES ($1, $2, $3, $4, ") +
                     now_ms + ")",
                   pg::pg_params{}.add(group).add(id).add(options_.node_id).add(incarnation_)));
  }
  c.db.exec_simple("COMMIT");
  heartbeat(c);
}

void directory::heartbeat(connection& c) {
  auto live = query_members(c);
  {
    std::lock_guard lock(mu_);
    live_ = std::move(live);
  }
  auto r = c.db.exec(call(std::string("UPDATE cluster_nodes SET heartbeat_at = ") + now_ms +
                            " WHERE node_id = $1 AND incarnation = $2",
                          pg::pg_params{}.add(options_.node_id).add(incarnation_)));
  if (r.affected_rows() == 0) {
    // Another process registered under this node id since: two nodes share a name.
    log::error("cluster node id taken over by a newer node",
               {{"node", options_.node_id}, {"incarnation", std::to_string(incarnation_)}});
  }
}

void directory::fail(const std::exception& e) {
  log::warn("cluster directory", {{"error", e.what()}});
  // Whatever failed, the connection is suspect: the next job connects again.
  conn_.reset();
}

void directory::run() {
  int64_t next_beat = steady_ms() + options_.heartbeat_ms;
  for (;;) {
    job j;
    bool last = false;
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(0, next_beat - steady_ms())),
                     [&] { return !jobs_.empty() || stopping_; });
      if (!jobs_.empty()) {
        j = std::move(jobs_.front());
        jobs_.pop_front();
      } else if (stopping_) {
        return;
      }
      last = stopping_ && jobs_.empty();
    }
    if (steady_ms() >= next_beat) {
      next_beat = steady_ms() + options_.heartbeat_ms;
      if (auto* c = ensure_connected()) {
        try {
          heartbeat(*c);
        } catch (const std::exception& e) {
          fail(e);
        }
      }
    }
    if (j) {
      auto* c = ensure_connected();
      try {
        j(c);
      } catch (const std::exception& e) {
        fail(e);
      }
    }
    if (last) return;
  }
}

}  // namespace resonate::aio_adapters::cluster
