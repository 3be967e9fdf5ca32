#include "actors/cluster_link.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/config.hpp"
#include "config/log.hpp"
#include "queues/metrics.hpp"

namespace resonate::actors::cluster_detail {

namespace metrics = queues::metrics;

// Messages between nodes hold only CAF's built-in types (atoms, bool,
// strings, actor handles): nothing to register on either side.
using deliver_atom = caf::atom_constant<caf::atom("rdeliver")>;    // to a node's gateway
using hello_atom = caf::atom_constant<caf::atom("rhello")>;        // "here is my gateway"
using join_atom = caf::atom_constant<caf::atom("rjoin")>;          // local: connect to a seed
using init_atom = caf::atom_constant<caf::atom("rinit")>;          // local: who this node is
using stream_atom = caf::atom_constant<caf::atom("rstream")>;      // "a stream connected here"
using announce_atom = caf::atom_constant<caf::atom("rannounce")>;  // local: tell the others
using mend_atom = caf::atom_constant<caf::atom("rmend")>;          // local: dial the unlinked
using nudge_atom = caf::atom_constant<caf::atom("rnudge")>;        // "run this job now"
using probe_atom = caf::atom_constant<caf::atom("rprobe")>;        // local: look at a probe

/// Calls its function exactly once: with the outcome, or with false when the
/// forward is dropped on the way (an actor gone at shutdown).
class once_done {
public:
  explicit once_done(std::function<void(bool)> f) : f_(std::move(f)) {}
  once_done(const once_done&) = delete;
  once_done& operator=(const once_done&) = delete;
  ~once_done() {
    if (f_) f_(false);
  }
  void call(bool delivered) {
    if (auto f = std::exchange(f_, nullptr)) f(delivered);
  }

private:
  std::function<void(bool)> f_;
};

/// One forward in flight: the candidates, the one to try next.
struct forward_job {
  std::vector<aio_adapters::cluster::peer> peers;
  size_t next = 0;
  sender::forward_request request;
  std::shared_ptr<once_done> done;
  bool fresh = false;  ///< the candidates come from the database, not the lookup cache
};

}  // namespace resonate::actors::cluster_detail

// Local only: it carries the caller's callback.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(resonate::actors::cluster_detail::forward_job)

namespace resonate::actors::cluster_detail {

struct counters {
  metrics::counter& delivered;
  metrics::counter& failed;
  metrics::counter& no_stream;
  metrics::counter& received;
  metrics::counter& received_without_stream;
  metrics::gauge& peers;
  metrics::counter& nudges;
};

counters& cluster_metrics() {
  auto& g = metrics::global();
  static counters c{
    g.get_counter("cluster_forwards_total", "outcome=\"delivered\""),
    g.get_counter("cluster_forwards_total", "outcome=\"failed\""),
    g.get_counter("cluster_forwards_total", "outcome=\"no_stream\""),
    g.get_counter("cluster_deliveries_received_total", "outcome=\"delivered\""),
    g.get_counter("cluster_deliveries_received_total", "outcome=\"no_stream\""),
    g.get_gauge("cluster_peers"),
    g.get_counter("cluster_nudges_sent_total"),
  };
  g.set_help("cluster_nudges_sent_total", "counter",
             "Background jobs kicked on this node without the lease, handed to the others "
             "to run now");
  g.set_help("cluster_forwards_total", "counter",
             "Messages for an SSE stream not on this node: handed to the node that holds "
             "it (delivered), not taken in time (failed), or held by no live node (no_stream)");
  g.set_help("cluster_deliveries_received_total", "counter",
             "Messages other nodes handed to this node's SSE streams");
  g.set_help("cluster_peers", "gauge", "Nodes this node has a cluster connection to");
  return c;
}

/// A TCP connect of the link's own, ahead of CAF's (probe_peer).
struct tcp_probe {
  int fd = -1;
  std::string host;
  uint16_t port = 0;
  std::chrono::steady_clock::time_point deadline;
};

struct link_state {
  std::map<std::string, caf::actor> peers;  ///< cluster address -> that node's gateway
  std::map<std::string, std::vector<std::function<void(caf::actor)>>> connecting;
  std::map<std::string, tcp_probe> probes;  ///< cluster address -> its probe under way
  std::string self_addr;                    ///< this node's cluster address, as the others dial it
  caf::actor gateway;                       ///< this node's gateway, told to the nodes it dials
  link_state() = default;
  link_state(const link_state&) = delete;
  link_state& operator=(const link_state&) = delete;
  ~link_state() {
    for (auto& [addr, probe] : probes) ::close(probe.fd);
  }
};
using link_self = caf::stateful_actor<link_state>*;

/// The peers as the link actor last saw them, for readers on other threads.
struct peer_view {
  mutable std::mutex mu;
  std::vector<std::string> addrs;
};

struct link_config {
  cluster_link_options options;
  std::shared_ptr<peer_view> view;
  std::shared_ptr<aio_adapters::cluster::directory> directory;
};

void publish_peers(const link_config& cfg, const std::map<std::string, caf::actor>& peers) {
  std::vector<std::string> addrs;
  for (const auto& [addr, gw] : peers) addrs.push_back(addr);
  cluster_metrics().peers.set(static_cast<int64_t>(addrs.size()));
  std::lock_guard lock(cfg.view->mu);
  cfg.view->addrs = std::move(addrs);
}

void add_peer(link_self self, const link_config& cfg, const std::string& addr, caf::actor gw) {
  auto& st = self->state;
  if (!st.peers.emplace(addr, gw).second) return;
  self->monitor(gw);
  publish_peers(cfg, st.peers);
  log::info("cluster peer connected", {{"peer", addr}});
}

void settle_waiters(link_self self, const std::string& addr, const caf::actor& gw) {
  auto it = self->state.connecting.find(addr);
  if (it == self->state.connecting.end()) return;
  auto waiting = std::move(it->second);
  self->state.connecting.erase(it);
  for (auto& k : waiting) k(gw);
}

void probe_peer(link_self self, std::shared_ptr<const link_config> cfg, const std::string& addr,
                const std::string& host, uint16_t port);

/// Runs `k` with the gateway of the node at `addr`, connecting first if
/// needed; with an invalid handle when that fails within the connect timeout.
void with_peer(link_self self, std::shared_ptr<const link_config> cfg, const std::string& addr,
               std::function<void(caf::actor)> k) {
  auto& st = self->state;
  if (auto it = st.peers.find(addr); it != st.peers.end()) return k(it->second);
  auto& waiting = st.connecting[addr];
  waiting.push_back(std::move(k));
  if (waiting.size() > 1) return;  // a connect is on its way
  std::string host;
  uint16_t port = 0;
  try {
    std::tie(host, port) = config::split_host_port(addr, "cluster address");
  } catch (const std::exception& e) {
    log::warn("cluster peer address", {{"peer", addr}, {"error", e.what()}});
    return settle_waiters(self, addr, caf::actor{});
  }
  probe_peer(self, cfg, addr, host, port);
}

/// The middleman's connect, once the probe got an answer. Asynchronous, with a
/// deadline: remote_actor() would block without one (shared/notes/cluster.md,
/// section 1).
void connect_peer(link_self self, std::shared_ptr<const link_config> cfg, const std::string& addr,
                  const std::string& host, uint16_t port) {
  self
    ->request(self->system().middleman().actor_handle(), cfg->options.connect_timeout,
              caf::connect_atom_v, host, port)
    .then(
      [self, cfg, addr](const caf::node_id&, caf::strong_actor_ptr& ptr,
                        const std::set<std::string>&) {
        auto gw = caf::actor_cast<caf::actor>(ptr);
        if (gw) {
          add_peer(self, *cfg, addr, gw);
          // The other node learns this one's gateway without dialling back
          // (CAF keeps one connection per pair of nodes and refuses a second).
          self->send(gw, hello_atom::value, self->state.self_addr, self->state.gateway);
        }
        settle_waiters(self, addr, gw);
      },
      [self, addr](caf::error& err) {
        log::warn("cluster peer unreachable", {{"peer", addr}, {"error", to_string(err)}});
        settle_waiters(self, addr, caf::actor{});
      });
}

void probe_failed(link_self self, const std::string& addr, const std::string& why) {
  log::warn("cluster peer unreachable", {{"peer", addr}, {"error", why}});
  settle_waiters(self, addr, caf::actor{});
}

/// A non-blocking TCP connect to the peer before CAF's. The middleman connects
/// synchronously, one connect after the other: a peer whose packets are dropped
/// (a partition, a firewall) would hold every later connect of this node until
/// the kernel's SYN timeout, minutes. The probe gives up at connect_timeout,
/// polled from this actor (no thread blocks), and CAF is asked only once the
/// peer answered.
void probe_peer(link_self self, std::shared_ptr<const link_config> cfg, const std::string& addr,
                const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found)
    return probe_failed(self, addr, "cannot resolve " + host);
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int rc = fd < 0 ? -1 : ::connect(fd, found->ai_addr, found->ai_addrlen);
  const int err = errno;
  ::freeaddrinfo(found);
  if (fd >= 0 && rc == 0) {
    ::close(fd);
    return connect_peer(self, cfg, addr, host, port);
  }
  if (fd < 0 || err != EINPROGRESS) {
    if (fd >= 0) ::close(fd);
    return probe_failed(self, addr, std::string("tcp connect: ") + std::strerror(err));
  }
  self->state.probes[addr] =
    tcp_probe{fd, host, port, std::chrono::steady_clock::now() + cfg->options.connect_timeout};
  self->delayed_send(self, std::chrono::milliseconds(10), probe_atom::value, addr);
}

/// Looks at the probe of `addr` again: on to CAF once connected, a failed
/// connect once refused or past its deadline, else again shortly.
void check_probe(link_self self, std::shared_ptr<const link_config> cfg, const std::string& addr) {
  auto it = self->state.probes.find(addr);
  if (it == self->state.probes.end()) return;
  pollfd p{it->second.fd, POLLOUT, 0};
  const int ready = ::poll(&p, 1, 0);
  if (ready == 0 && std::chrono::steady_clock::now() < it->second.deadline) {
    self->delayed_send(self, std::chrono::milliseconds(20), probe_atom::value, addr);
    return;
  }
  int err = 0;
  socklen_t len = sizeof err;
  if (ready > 0 && ::getsockopt(it->second.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  auto probe = std::move(it->second);
  self->state.probes.erase(it);
  ::close(probe.fd);
  if (ready <= 0) return probe_failed(self, addr, "no answer to a tcp connect in time");
  if (err != 0) return probe_failed(self, addr, std::string("tcp connect: ") + std::strerror(err));
  connect_peer(self, cfg, addr, probe.host, probe.port);
}

void attempt(link_self self, std::shared_ptr<const link_config> cfg, forward_job job) {
  if (job.next >= job.peers.size()) {
    if (!job.fresh) {
      // The cached candidates all said no: the stream may have moved since.
      // Ask the database once more, and try what it says.
      caf::actor me = caf::actor_cast<caf::actor>(self);
      const auto& r = job.request;
      cfg->directory->lookup(
        r.any, r.group, r.id,
        [me, request = job.request,
         done = job.done](std::vector<aio_adapters::cluster::peer> peers) {
          if (peers.empty()) {
            cluster_metrics().failed.inc();
            return done->call(false);
          }
          caf::anon_send(me, forward_job{std::move(peers), 0, request, done, true});
        },
        /*fresh=*/true);
      return;
    }
    cluster_metrics().failed.inc();
    return job.done->call(false);
  }
  const std::string addr = job.peers[job.next].cluster_addr;
  with_peer(self, cfg, addr, [self, cfg, job](caf::actor gw) {
    auto next = job;
    ++next.next;
    if (!gw) return attempt(self, cfg, std::move(next));
    const auto& r = job.request;
    self
      ->request(gw, cfg->options.forward_timeout, deliver_atom::value, r.any, r.group,
                r.id.has_value(), r.id.value_or(""), r.body)
      .then(
        [self, cfg, job, next](bool delivered) {
          if (!delivered) return attempt(self, cfg, next);
          cluster_metrics().delivered.inc();
          job.done->call(true);
        },
        [self, cfg, next](caf::error&) { attempt(self, cfg, next); });
  });
}

caf::behavior link_actor(link_self self, std::shared_ptr<const link_config> cfg) {
  self->set_down_handler([self, cfg](caf::down_msg& dm) {
    auto& peers = self->state.peers;
    for (auto it = peers.begin(); it != peers.end(); ++it) {
      if (it->second.address() != dm.source) continue;
      log::info("cluster peer lost", {{"peer", it->first}, {"reason", to_string(dm.reason)}});
      peers.erase(it);
      publish_peers(*cfg, peers);
      return;
    }
  });
  return {
    [self, cfg](init_atom, const std::string& self_addr, caf::actor gateway) {
      self->state.self_addr = self_addr;
      self->state.gateway = std::move(gateway);
      self->delayed_send(self, cfg->options.mend_interval, mend_atom::value);
    },
    // The live nodes (the directory's last heartbeat) that this one has no
    // link to are dialled: a link lost to a partition (`podman network
    // disconnect`) or to a restart comes back once both sides heartbeat again,
    // not only when a message needs it. A connect already under way is not
    // doubled.
    [self, cfg](mend_atom) {
      for (const auto& m : cfg->directory->live_members()) {
        const auto& addr = m.cluster_addr;
        if (addr.empty() || addr == self->state.self_addr || self->state.peers.count(addr) != 0 ||
            self->state.connecting.count(addr) != 0)
          continue;
        with_peer(self, cfg, addr, [](const caf::actor&) {});
      }
      self->delayed_send(self, cfg->options.mend_interval, mend_atom::value);
    },
    [self, cfg](join_atom, const std::string& addr) {
      with_peer(self, cfg, addr, [self, addr](caf::actor gw) {
        // A seed that is not up yet is tried again; once joined, its loss is
        // seen by the monitor, and forwards dial again on demand.
        if (!gw) self->delayed_send(self, std::chrono::seconds(5), join_atom::value, addr);
      });
    },
    [self, cfg](hello_atom, const std::string& addr, caf::actor gw) {
      if (!gw) return;
      add_peer(self, *cfg, addr, gw);
      settle_waiters(self, addr, gw);
    },
    [self, cfg](forward_job& job) { attempt(self, cfg, std::move(job)); },
    [self, cfg](probe_atom, const std::string& addr) { check_probe(self, cfg, addr); },
    // To every linked node: only the lease holder acts on it, and this node
    // need not know which one that is.
    [self](nudge_atom, const std::string& job) {
      for (const auto& [addr, gw] : self->state.peers) self->send(gw, nudge_atom::value, job);
      cluster_metrics().nudges.inc();
    },
    [self, cfg](announce_atom, const std::vector<std::string>& addrs, const std::string& group,
                const std::string& id) {
      for (const auto& addr : addrs) {
        if (addr == self->state.self_addr) continue;
        with_peer(self, cfg, addr, [self, group, id](caf::actor gw) {
          if (gw) self->send(gw, stream_atom::value, group, id);
        });
      }
    },
  };
}

caf::behavior gateway_actor(caf::event_based_actor*, cluster_local_hooks local, caf::actor link) {
  return {
    [local](deliver_atom, bool any, const std::string& group, bool has_id, const std::string& id,
            std::string& body) {
      bool ok = local.deliver(any, group, has_id ? std::optional<std::string>(id) : std::nullopt,
                              std::move(body));
      (ok ? cluster_metrics().received : cluster_metrics().received_without_stream).inc();
      return ok;
    },
    [local](stream_atom, const std::string& group, const std::string& id) {
      local.stream_connected(group, id);
    },
    [local](nudge_atom, const std::string& job) {
      if (local.kick_job) local.kick_job(job);
    },
    [link](hello_atom, const std::string& addr, caf::actor gw) {
      caf::anon_send(link, hello_atom::value, addr, std::move(gw));
    },
  };
}

}  // namespace resonate::actors::cluster_detail

namespace resonate::actors {

using namespace cluster_detail;

struct cluster_link::impl {
  caf::actor_system& sys;
  cluster_link_options options;
  cluster_local_hooks local;
  std::shared_ptr<aio_adapters::cluster::directory> directory;
  caf::actor link;
  caf::actor gateway;
  uint16_t port = 0;
  std::string self_addr;
  std::shared_ptr<peer_view> view = std::make_shared<peer_view>();
};

void cluster_link::configure(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.app-identifiers", std::vector<std::string>{"resonate-cluster-1"});
  // Without heartbeats a frozen peer (SIGSTOP, `podman pause`) is never seen
  // to be gone: its kernel keeps acknowledging TCP.
  cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds(500)});
  cfg.set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(3)});
}

cluster_link::cluster_link(caf::actor_system& sys, cluster_link_options options,
                           cluster_local_hooks local,
                           std::shared_ptr<aio_adapters::cluster::directory> directory)
  : impl_(std::make_unique<impl>(
      impl{sys, std::move(options), std::move(local), std::move(directory), {}, {}, 0, {}})) {
  cluster_metrics();
}

cluster_link::~cluster_link() {
  stop();
}

void cluster_link::start() {
  auto& i = *impl_;
  // The gateway answers other nodes; it is scheduled, never detached (a
  // published detached actor makes CAF 0.17's shutdown hang more often).
  auto cfg = std::make_shared<const link_config>(link_config{i.options, i.view, i.directory});
  caf::actor link = i.sys.spawn([cfg](link_self self) { return link_actor(self, cfg); });
  caf::actor gateway = i.sys.spawn(gateway_actor, i.local, link);
  const bool wildcard = i.options.listen_host.empty() || i.options.listen_host == "0.0.0.0" ||
                        i.options.listen_host == "::";
  auto bound = i.sys.middleman().publish(gateway, i.options.listen_port,
                                         wildcard ? nullptr : i.options.listen_host.c_str(), true);
  if (!bound) {
    caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(gateway, caf::exit_reason::user_shutdown);
    throw std::runtime_error("cannot open the cluster port " + i.options.listen_host + ":" +
                             std::to_string(i.options.listen_port) + ": " +
                             i.sys.render(bound.error()));
  }
  i.port = *bound;
  // What the other nodes dial: a wildcard listener is reached by this
  // machine's host name (a container's service name in docker-compose).
  std::string host = i.options.listen_host;
  if (wildcard) {
    char name[256] = {};
    host = ::gethostname(name, sizeof name - 1) == 0 ? name : "localhost";
  }
  i.self_addr =
    (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(i.port);
  // Before any join: messages from one sender arrive in the order sent.
  caf::anon_send(link, init_atom::value, i.self_addr, gateway);
  i.link = link;
  i.gateway = gateway;
  for (const auto& seed : i.options.seeds)
    if (seed != i.self_addr) caf::anon_send(link, join_atom::value, seed);
}

void cluster_link::stop() {
  auto& i = *impl_;
  if (i.gateway) {
    static_cast<void>(i.sys.middleman().unpublish(i.gateway, i.port));
    caf::anon_send_exit(i.gateway, caf::exit_reason::user_shutdown);
    i.gateway = caf::actor{};
  }
  if (i.link) {
    caf::anon_send_exit(i.link, caf::exit_reason::user_shutdown);
    i.link = caf::actor{};
  }
}

uint16_t cluster_link::port() const {
  return impl_->port;
}

const std::string& cluster_link::address() const {
  return impl_->self_addr;
}

void cluster_link::forward(sender::forward_request request, std::function<void(bool)> done) {
  auto once = std::make_shared<once_done>(std::move(done));
  caf::actor link = impl_->link;
  if (!link) return once->call(false);
  bool any = request.any;
  std::string group = request.group;
  std::optional<std::string> id = request.id;
  impl_->directory->lookup(
    any, std::move(group), std::move(id),
    [link, once, request = std::move(request)](std::vector<aio_adapters::cluster::peer> peers) {
      if (peers.empty()) {
        cluster_metrics().no_stream.inc();
        return once->call(false);
      }
      caf::anon_send(link, forward_job{std::move(peers), 0, request, once});
    });
}

void cluster_link::announce_stream(std::string group, std::string id) {
  caf::actor link = impl_->link;
  if (!link) return;
  impl_->directory->members([link, group = std::move(group), id = std::move(id)](
                              std::vector<aio_adapters::cluster::member> members) {
    std::vector<std::string> addrs;
    for (auto& m : members) addrs.push_back(std::move(m.cluster_addr));
    if (!addrs.empty()) caf::anon_send(link, announce_atom::value, std::move(addrs), group, id);
  });
}

void cluster_link::nudge(std::vector<std::string> jobs) {
  caf::actor link = impl_->link;
  if (!link) return;
  for (auto& job : jobs) caf::anon_send(link, nudge_atom::value, std::move(job));
}

std::vector<std::string> cluster_link::connected_peers() const {
  std::lock_guard lock(impl_->view->mu);
  return impl_->view->addrs;
}

}  // namespace resonate::actors
