#include "actors/node.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "actors/cluster_link.hpp"
#include "actors/kernel_actor.hpp"
#include "actors/store_actor.hpp"
#include "aio_adapters/cluster/directory.hpp"
#include "aio_adapters/router/router.hpp"
#include "aio_adapters/sender/sender.hpp"
#include "aio_adapters/store/store.hpp"
#include "api_gateway/protocol_2026/protocol.hpp"
#include "api_gateway/transport/http_server.hpp"
#include "api_gateway/transport/metrics_listener.hpp"
#include "codecs/json_writer.hpp"
#include "config/loader.hpp"
#include "config/log.hpp"
#include "kernel/domain/cron.hpp"
#include "queues/caf_types.hpp"
#include "queues/metrics.hpp"

namespace resonate::actors {

namespace q = resonate::queues;
namespace st = resonate::aio_adapters::store;

namespace {

std::vector<std::shared_ptr<st::store>> open_stores(const config::config& cfg) {
  std::vector<std::shared_ptr<st::store>> stores;
  bool power = cfg.store_durability == config::durability::power;
  if (cfg.store == config::store_kind::postgres) {
    auto conninfo = config::postgres_conninfo(cfg.postgres);
    st::postgres_options pg{conninfo, power};
    // In a cluster, a frozen node's open transaction must not keep its lease
    // row locked past the lease: after half of it, PostgreSQL ends it.
    if (!cfg.cluster.node_id.empty())
      pg.idle_in_transaction_timeout_ms = std::max<int64_t>(100, cfg.cluster.lease_ttl_ms / 2);
    for (int64_t i = 0; i < std::max<int64_t>(1, cfg.postgres.workers); ++i)
      stores.push_back(st::make_postgres_store(pg));
  } else {
    // SQLite has one writer: one connection, whose batches run on the kernel's thread.
    stores.push_back(st::make_sqlite_store(st::sqlite_options{cfg.sqlite.path, power}));
  }
  return stores;
}

/// Opens the stores. A PostgreSQL that cannot be reached yet is tried again
/// once a second for `connectRetry` (a node started beside its database, as in
/// docker-compose, comes up before it); SIGINT or SIGTERM ends the wait.
bool open_stores_patiently(const config::config& cfg, const sigset_t& signals,
                           std::vector<std::shared_ptr<st::store>>& stores) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(cfg.store == config::store_kind::postgres
                                                    ? cfg.postgres.connect_retry_ms
                                                    : 0);
  for (;;) {
    try {
      stores = open_stores(cfg);
      return true;
    } catch (const std::exception& e) {
      if (std::chrono::steady_clock::now() >= deadline) {
        log::error("cannot open the store", {{"error", e.what()}});
        return false;
      }
      log::warn("waiting for the store", {{"error", e.what()}});
    }
    const timespec second{1, 0};
    if (sigtimedwait(&signals, nullptr, &second) > 0) {
      log::info("stopped before the store could be opened");
      return false;
    }
  }
}

kernel_options kernel_options_of(const config::config& cfg) {
  kernel_options k;
  k.system.api_queue_size = static_cast<size_t>(cfg.api_size);
  k.system.coroutine_max_size = static_cast<size_t>(cfg.system.coroutine_max_size);
  k.system.aio_queue_size = static_cast<size_t>(cfg.aio_size);
  k.system.submission_batch_size = static_cast<size_t>(cfg.system.submission_batch_size);
  k.system.completion_batch_size = static_cast<size_t>(cfg.system.completion_batch_size);
  k.system.signal_timeout_ms = cfg.system.signal_timeout_ms;
  k.system.gauge_interval_ms = cfg.system.gauge_interval_ms;
  k.system.settings.promise_batch_size = cfg.system.promise_batch_size;
  k.system.settings.promise_max_iterations = cfg.system.promise_max_iterations;
  k.system.settings.task_batch_size = cfg.system.task_batch_size;
  k.system.settings.task_max_iterations = cfg.system.task_max_iterations;
  k.system.settings.schedule_batch_size = cfg.system.schedule_batch_size;
  k.system.settings.task_resend_ms = cfg.system.task_resend_ms;
  if (cfg.schedule_time_zone.empty()) {
    k.system.settings.schedule_zone = kernel::domain::time_zone::local();
  } else if (auto zone = kernel::domain::time_zone::load(cfg.schedule_time_zone)) {
    k.system.settings.schedule_zone = std::move(*zone);
  } else {
    throw config::config_error("--schedule-time-zone: unknown time zone '" +
                               cfg.schedule_time_zone + "'");
  }
  k.system.settings.cluster_node = cfg.cluster.node_id;
  k.system.settings.lease_ttl_ms = cfg.cluster.lease_ttl_ms;
  k.store_batch_size = static_cast<size_t>(
    cfg.store == config::store_kind::postgres ? cfg.postgres.batch_size : cfg.sqlite.batch_size);
  return k;
}

// The base of every href sent to clients: `system.url`, or this server's own
// HTTP address with the port it bound (a wildcard host becomes localhost, which
// a worker on this machine can reach; the reference would say http://[::]:8001).
std::string system_url(const config::config& cfg, const std::string& host, uint16_t port) {
  if (!cfg.system.url.empty()) return cfg.system.url;
  std::string h = host.empty() || host == "0.0.0.0" || host == "::" ? "localhost" : host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  return "http://" + h + ":" + std::to_string(port);
}

/// A sender target whose data is a flat JSON object of strings.
sender::target target_of(const std::string& name, std::string type,
                         const std::map<std::string, std::string>& data) {
  std::string json;
  codecs::json_append_string_map(json, data);
  return sender::target{name, std::move(type), std::move(json)};
}

// A configured target `name=URL` as the sender's {name, type, data}.
sender::target target_from_url(const std::string& name, const std::string& url) {
  auto r = sender::resolve_url(url);
  if (!r.addr) throw std::runtime_error("aio-sender-targets: " + name + ": " + r.error);
  if (auto* poll = std::get_if<sender::poll_address>(&*r.addr)) {
    std::map<std::string, std::string> data{
      {"cast", poll->cast == sender::cast_kind::uni ? "uni" : "any"}, {"group", poll->group}};
    if (poll->id) data.emplace("id", *poll->id);
    return target_of(name, "poll", data);
  }
  return target_of(name, "http", {{"url", std::get<sender::http_address>(*r.addr).url}});
}

router::router_options router_options_of(const config::config& cfg) {
  router::router_options o;
  for (const auto& s : cfg.router.sources) o.sources.push_back(router::source{s.name, s.key});
  return o;
}

sender::sender_options sender_options_of(const config::config& cfg, std::string url) {
  sender::sender_options o;
  o.system_url = std::move(url);
  // The YAML-shaped targets first: the lookup takes the first target of a name.
  for (const auto& t : cfg.sender.target_objects)
    o.targets.push_back(target_of(t.name, t.type, t.data));
  for (const auto& [name, target_url] : cfg.sender.targets)
    o.targets.push_back(target_from_url(name, target_url));
  o.queue_size = static_cast<size_t>(cfg.aio_size);
  o.poll_enabled = cfg.poll.enabled;
  auto [host, port] = config::split_host_port(cfg.poll.addr, "aio.plugins.poll.config.addr");
  o.poll.host = host.empty() ? "::" : host;
  o.poll.port = port;
  o.poll.max_connections = static_cast<size_t>(cfg.poll.max_connections);
  o.poll.buffer_size = static_cast<size_t>(cfg.poll.buffer_size);
  o.poll.disconnect_after_ms = cfg.poll.disconnect_after_ms;
  o.poll.keepalive_ms = cfg.poll.keepalive_ms;
  o.poll.time_to_retry_ms = cfg.poll.ttr_ms;
  o.poll.time_to_claim_ms = cfg.poll.ttc_ms;
  o.poll.auth = cfg.poll.auth;
  o.poll.cors_allow_origins = cfg.poll.cors_allow_origins;
  o.http_enabled = cfg.push.enabled;
  o.http.max_in_flight = static_cast<size_t>(cfg.push.workers);
  o.http.queue_size = static_cast<size_t>(cfg.push.size);
  o.http.connect_timeout_ms = cfg.push.conn_timeout_ms;
  o.http.timeout_ms = cfg.push.timeout_ms;
  o.http.time_to_retry_ms = cfg.push.ttr_ms;
  o.http.time_to_claim_ms = cfg.push.ttc_ms;
  o.http.ca_file = cfg.push.ca_file;
  return o;
}

/// The HTTP API's basic auth users and JWT key (auth.hpp); nullptr when both are off.
/// Throws std::runtime_error when the key file is missing or holds no RSA public key.
std::shared_ptr<const api_gateway::access_control> access_control_of(const config::config& cfg) {
  api_gateway::auth_options o;
  o.basic_users = cfg.http.auth;
  if (!cfg.auth_public_key.empty()) {
    std::ifstream in(cfg.auth_public_key, std::ios::binary);
    std::stringstream pem;
    pem << in.rdbuf();
    if (!in) throw std::runtime_error("api.auth.publicKey: cannot read " + cfg.auth_public_key);
    o.public_key_pem = pem.str();
    if (o.public_key_pem.empty()) {
      throw std::runtime_error("api.auth.publicKey: " + cfg.auth_public_key + " is empty");
    }
  }
  if (o.basic_users.empty() && o.public_key_pem.empty()) return nullptr;
  std::string error;
  auto gate = api_gateway::access_control::create(std::move(o), error);
  if (!gate) throw std::runtime_error("api.auth.publicKey: " + cfg.auth_public_key + ": " + error);
  if (!cfg.http.auth.empty() && !cfg.auth_public_key.empty()) {
    // Spec 11.31: the Basic value is handed to the JWT check and fails there.
    log::warn("basic auth and JWT are both enabled: only /ping, /health and /ready will answer",
              {});
  }
  return gate;
}

/// Tells the kernel what happens outside it, from any thread: every SSE stream
/// that connects (stream_connected_request) and other nodes' nudges. The poll
/// server and the cluster port open before the kernel is spawned: streams that
/// connect in between (workers reconnecting to a restarted server) are told
/// once it is; a nudge then is dropped (a new kernel runs every job at first).
class kernel_notifier {
public:
  void kick(const std::string& job) {
    std::lock_guard lock(mu_);
    if (kernel_) caf::anon_send(kernel_, kick_job_atom::value, job);
  }

  void connected(const std::string& group, const std::string& id) {
    std::lock_guard lock(mu_);
    if (!kernel_) {
      if (early_.size() < max_early) early_.push_back(q::stream_connected_request{group, id});
      return;
    }
    announce(q::stream_connected_request{group, id});
  }

  void ready(caf::actor kernel) {
    std::lock_guard lock(mu_);
    kernel_ = std::move(kernel);
    for (auto& s : early_) announce(std::move(s));
    early_.clear();
  }

private:
  static constexpr size_t max_early = 10000;

  void announce(q::stream_connected_request s) {
    caf::anon_send(kernel_, q::api_sqe{q::request{"", std::move(s)}, [](q::response) {}});
  }

  std::mutex mu_;
  caf::actor kernel_;
  std::vector<q::stream_connected_request> early_;
};

/// `/ready`'s `cluster` object: this node, the partitions it owns, and, with a
/// cluster port, the live members the directory saw at its last heartbeat
/// (each with whether this node has a connection to it).
std::string cluster_report(const std::string& node, const aio_adapters::cluster::directory* dir,
                           const cluster_link* link) {
  std::string out = R"({"node":)";
  codecs::json_append_string(out, node);
  if (dir) {
    out.append(R"(,"incarnation":)");
    codecs::json_append_int(out, dir->incarnation());
  }
  // One partition for now: all the background work (kernel/coroutines/leases.cpp).
  const bool owned = q::metrics::global().get_gauge("cluster_owned_partitions").value.load() > 0;
  out.append(owned ? R"(,"ownedPartitions":[0])" : R"(,"ownedPartitions":[])");
  if (dir && link) {
    out.append(R"(,"address":)");
    codecs::json_append_string(out, link->address());
    auto peers = link->connected_peers();
    out.append(R"(,"members":[)");
    bool first = true;
    for (const auto& m : dir->live_members()) {
      out.append(first ? "" : ",").append(R"({"node":)");
      first = false;
      codecs::json_append_string(out, m.node_id);
      out.append(R"(,"incarnation":)");
      codecs::json_append_int(out, m.incarnation);
      out.append(R"(,"api":)");
      codecs::json_append_string(out, m.api_addr);
      out.append(R"(,"cluster":)");
      codecs::json_append_string(out, m.cluster_addr);
      const bool connected =
        m.node_id == node || std::find(peers.begin(), peers.end(), m.cluster_addr) != peers.end();
      out.append(connected ? R"(,"connected":true})" : R"(,"connected":false})");
    }
    out.push_back(']');
  }
  out.push_back('}');
  return out;
}

// CAF 0.17 can hang in ~actor_system when detached actors are involved (#1196,
// shared/notes/stack.md 1.4). Everything durable is in the store by now, so a
// stuck teardown is cut short.
void start_shutdown_watchdog(std::chrono::seconds limit) {
  std::thread([limit] {
    std::this_thread::sleep_for(limit);
    log::warn("shutdown watchdog fired; exiting", {});
    std::_Exit(0);
  }).detach();
}

}  // namespace

int run_node(const config::config& cfg, const sigset_t& signals) {
#if defined(__GLIBC__)
  // Request bodies and answers of up to --api-http-body-limit (16 MiB) come and go.
  // glibc raises its mmap threshold (up to 32 MiB) each time such a block is freed,
  // after which they are carved from the heap arenas and stay resident: 64
  // concurrent 15 MiB bodies left 1.7 GiB behind. A fixed threshold keeps every
  // block of 1 MiB or more mmapped, so it goes back to the system when freed
  // (bench/large_bodies.mjs).
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  // glibc gives the free top of an arena back to the system (madvise) once it passes
  // the trim threshold: 128 KiB, no longer raised once the mmap threshold is fixed.
  // SQLite opens an ephemeral b-tree, with a page cache of its own, for many
  // statements (an UPDATE, an IN list or subquery) and frees it at the end of the
  // step, so the store thread's arena gave those pages back and faulted them in again
  // several times per request, with a TLB shootdown each time (REST v1
  // create+complete: ~0.6 madvise and 5-7 page faults per operation; 29 while
  // protocol 2026's triggers ran on every completion). Now up to 4 MiB of free memory
  // stays at the top of an arena; a block of 1 MiB or more still goes back when freed.
  mallopt(M_TRIM_THRESHOLD, 4 << 20);
#endif
  if (!cfg.cluster.node_id.empty() && cfg.store != config::store_kind::postgres) {
    log::error("cannot join a cluster", {{"error",
                                          "cluster.nodeId needs the PostgreSQL store: "
                                          "the nodes share its database"}});
    return 1;
  }
  const bool cluster_port = !cfg.cluster.listen.empty();
  if (cluster_port && cfg.cluster.node_id.empty()) {
    log::error("cannot join a cluster",
               {{"error",
                 "cluster.listen needs cluster.nodeId: the other nodes find this one "
                 "by its id"}});
    return 1;
  }
  std::vector<std::shared_ptr<st::store>> stores;
  if (!open_stores_patiently(cfg, signals, stores)) return 1;

  caf::actor_system_config sys_cfg;
  sys_cfg.add_message_types<caf::id_block::resonate>();
  // The kernel and the store actors are detached (own threads); the shared
  // scheduler only runs short-lived helpers.
  sys_cfg.set("scheduler.max-threads", 1);
  if (cluster_port) cluster_link::configure(sys_cfg);
  caf::actor_system sys{sys_cfg};

  // The HTTP listener binds first: its port goes into the hrefs the sender and
  // the claim responses carry. The kernel it submits to is spawned below.
  auto kernel_ref = std::make_shared<caf::actor>();
  auto [host, port] = config::split_host_port(cfg.http.addr, "api.subsystems.http.config.addr");
  api_gateway::http_options http_opts;
  http_opts.host = host;
  http_opts.port = port;
  http_opts.body_limit = static_cast<size_t>(cfg.http.body_limit);
  http_opts.idle_timeout = std::chrono::milliseconds(cfg.http.idle_timeout_ms);
  http_opts.max_connections = static_cast<size_t>(cfg.http.max_connections);
  http_opts.threads = static_cast<int>(cfg.http.threads);
  http_opts.routes.task_frequency_ms = cfg.http.task_frequency_ms;
  http_opts.cors = api_gateway::cors_policy(cfg.http.cors_allow_origins);
  // `POST /` is protocol 2026-04-01; everything else REST v1 (after it).
  try {
    http_opts.access = access_control_of(cfg);
  } catch (const std::exception& e) {
    log::error("cannot enable authentication", {{"error", e.what()}});
    return 1;
  }
  // Its JWT check (head.auth) uses the same public key as REST v1's.
  http_opts.protocols = {api_gateway::make_protocol_2026({cfg.debug, http_opts.access})};
  // `GET /poll/*rest` on this port (spec 3.4): the socket goes to the sender's poll
  // server, which exists only when the poll plugin is enabled. Set below, before the
  // io threads start.
  auto messages_ref = std::make_shared<std::shared_ptr<sender::sender>>();
  auto notifier = std::make_shared<kernel_notifier>();
  // Several nodes: a message for a stream on another node goes to it over the
  // cluster port; the directory in the database says which node that is.
  std::shared_ptr<aio_adapters::cluster::directory> directory;
  std::shared_ptr<cluster_link> link;
  if (cluster_port) {
    aio_adapters::cluster::directory_options d;
    d.conninfo = config::postgres_conninfo(cfg.postgres);
    d.node_id = cfg.cluster.node_id;
    d.stale_after_ms = std::max<int64_t>(3000, cfg.cluster.lease_ttl_ms);
    directory = std::make_shared<aio_adapters::cluster::directory>(std::move(d));
    cluster_link_options l;
    try {
      std::tie(l.listen_host, l.listen_port) =
        config::split_host_port(cfg.cluster.listen, "cluster.listen");
    } catch (const std::exception& e) {
      log::error("cannot join a cluster", {{"error", e.what()}});
      return 1;
    }
    l.seeds = cfg.cluster.seeds;
    cluster_local_hooks hooks;
    hooks.deliver = [messages_ref](bool any, const std::string& group,
                                   const std::optional<std::string>& id, std::string body) {
      auto* hub = *messages_ref ? (*messages_ref)->poll() : nullptr;
      return hub && hub->deliver(any ? sender::cast_kind::any : sender::cast_kind::uni, group, id,
                                 std::move(body));
    };
    hooks.stream_connected = [notifier](const std::string& group, const std::string& id) {
      notifier->connected(group, id);
    };
    hooks.kick_job = [notifier](const std::string& job) { notifier->kick(job); };
    link = std::make_shared<cluster_link>(sys, std::move(l), std::move(hooks), directory);
  }
  if (cfg.poll.enabled) {
    http_opts.poll = [messages_ref](queues::poll_handover h) {
      auto* hub = *messages_ref ? (*messages_ref)->poll() : nullptr;
      if (hub) return hub->adopt(std::move(h));
      ::close(h.fd);
    };
  }
  api_gateway::http_server http{
    http_opts, [kernel_ref](q::request req, q::reply_fn reply) {
      caf::anon_send(*kernel_ref, q::api_sqe{std::move(req), std::move(reply)});
    }};
  std::shared_ptr<sender::sender> messages;
  std::string url;
  try {
    http.bind();
    url = system_url(cfg, host, http.port());
    auto routes = http_opts.routes;
    routes.system_url = url;
    if (!cfg.cluster.node_id.empty())
      routes.cluster_report = [node = cfg.cluster.node_id, directory, link] {
        return cluster_report(node, directory.get(), link.get());
      };
    http.set_route_options(std::move(routes));
    auto sending = sender_options_of(cfg, url);
    // A stream that connects tells the kernel, whose outbox drain then sends
    // what was parked for it (kernel/coroutines/stream_connected.cpp).
    sending.poll.on_connect = [notifier, directory, link](const std::string& group,
                                                          const std::string& id) {
      notifier->connected(group, id);
      if (!directory) return;
      // The row first: a node that the announcement sends looking for this
      // stream finds it (one directory thread, in order).
      directory->stream_opened(group, id);
      link->announce_stream(group, id);
    };
    if (directory) {
      sending.poll.on_disconnect = [directory](const std::string& group, const std::string& id) {
        directory->stream_closed(group, id);
      };
      sending.forward = [link](sender::forward_request request, std::function<void(bool)> done) {
        link->forward(std::move(request), std::move(done));
      };
    }
    messages = std::make_shared<sender::sender>(std::move(sending));
    if (auto err = messages->start(); !err.empty()) throw std::runtime_error(err);
    *messages_ref = messages;
  } catch (const std::exception& e) {
    log::error("cannot start listening", {{"error", e.what()}});
    return 1;
  }
  if (link) {
    try {
      link->start();
      directory->start(url, link->address());
    } catch (const std::exception& e) {
      log::error("cannot join a cluster", {{"error", e.what()}});
      link->stop();
      messages->stop();
      return 1;
    }
    log::info("cluster port open", {{"node", cfg.cluster.node_id},
                                    {"addr", link->address()},
                                    {"incarnation", std::to_string(directory->incarnation())}});
  }

  auto opts = kernel_options_of(cfg);
  // SQLite is a library call: its batches run on the kernel's thread. A network
  // store gets an actor (a thread) per connection, so that round trips overlap.
  std::vector<caf::actor> store_actors;
  if (cfg.store == config::store_kind::sqlite) {
    opts.inline_store = [store = stores.front()](q::aio_batch batch) {
      return store->process(std::move(batch));
    };
  } else {
    for (auto& s : stores) store_actors.push_back(sys.spawn<caf::detached>(store_actor, s));
  }
  auto routing = std::make_shared<router::router>(router_options_of(cfg));
  // The kernel asks the router only for promises with a tag some source reads.
  opts.system.settings.router_tag_keys.clear();
  for (const auto& source : routing->sources())
    opts.system.settings.router_tag_keys.push_back(source.key);
  opts.route = [routing](const q::route_submission& sub) { return routing->route(sub); };
  opts.send = [messages](q::send_submission sub, std::function<void(q::send_completion)> done) {
    messages->send(std::move(sub), std::move(done));
  };
  if (link) opts.nudge = [link](std::vector<std::string> jobs) { link->nudge(std::move(jobs)); };
  auto kernel = sys.spawn<caf::detached>(kernel_actor, std::move(opts), store_actors);
  *kernel_ref = kernel;
  notifier->ready(kernel);

  std::unique_ptr<api_gateway::metrics_server> metrics;
  try {
    http.start();
    if (!cfg.metrics_addr.empty()) {
      auto [mhost, mport] = config::split_host_port(cfg.metrics_addr, "metricsAddr");
      metrics = std::make_unique<api_gateway::metrics_server>(mhost, mport);
      metrics->start();
    }
  } catch (const std::exception& e) {
    log::error("cannot start listening", {{"error", e.what()}});
    caf::anon_send_exit(kernel, caf::exit_reason::user_shutdown);
    for (auto& a : store_actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    messages->stop();
    if (link) link->stop();
    return 1;
  }
  log::info("listening",
            {{"addr", cfg.http.addr},
             {"port", std::to_string(http.port())},
             {"poll_port", std::to_string(messages->poll_port())},
             {"metrics_port", metrics ? std::to_string(metrics->port()) : "off"},
             {"url", url},
             {"store", cfg.store == config::store_kind::postgres ? "postgres" : "sqlite"}});

  int sig = 0;
  sigwait(&signals, &sig);
  log::info("shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  auto grace = std::chrono::milliseconds(cfg.http.shutdown_timeout_ms);
  start_shutdown_watchdog(std::chrono::duration_cast<std::chrono::seconds>(grace) +
                          std::chrono::seconds(5));

  // Order matters: HTTP stops taking requests and lets the in-flight ones finish
  // (they need the kernel); then the kernel drains; then the stores go.
  http.stop(grace);
  {
    caf::scoped_actor self{sys};
    self->request(kernel, grace, q::drain_atom_v)
      .receive([](bool) {},
               [&](caf::error& err) {
                 log::warn("kernel drain", {{"error", to_string(err)}});
               });
  }
  // The sender goes after the kernel drained: in-flight deliveries finish first.
  messages->stop();
  if (link) {
    link->stop();
    directory->stop();  // its streams are gone, and the node says it is
  }
  for (auto& a : store_actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(kernel, caf::exit_reason::user_shutdown);
  if (metrics) metrics->stop();
  log::info("stopped", {});
  // With the middleman loaded, ~actor_system hangs for good after peers have
  // connected (CAF 0.17, #1196): measured, every stop waited for the watchdog
  // (15 s), past `docker stop`'s 10 s. Nothing durable is left to do here.
  if (cluster_port) start_shutdown_watchdog(std::chrono::seconds(1));
  return 0;
}

}  // namespace resonate::actors
