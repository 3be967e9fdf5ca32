#include "actors/node.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "actors/kernel_actor.hpp"
#include "actors/store_actor.hpp"
#include "aio_adapters/store/store.hpp"
#include "api_gateway/http_server.hpp"
#include "config/log.hpp"
#include "queues/caf_types.hpp"

namespace resonate::actors {

namespace q = resonate::queues;
namespace st = resonate::aio_adapters::store;

namespace {

std::vector<std::shared_ptr<st::store>> open_stores(const config::config& cfg) {
  std::vector<std::shared_ptr<st::store>> stores;
  bool power = cfg.store_durability == config::durability::power;
  if (cfg.store == config::store_kind::postgres) {
    auto conninfo = config::postgres_conninfo(cfg.postgres);
    for (int64_t i = 0; i < std::max<int64_t>(1, cfg.postgres.workers); ++i)
      stores.push_back(st::make_postgres_store(st::postgres_options{conninfo, power}));
  } else {
    // SQLite has one writer: one connection, one store actor.
    stores.push_back(st::make_sqlite_store(st::sqlite_options{cfg.sqlite.path, power}));
  }
  return stores;
}

kernel_options kernel_options_of(const config::config& cfg) {
  kernel_options k;
  k.system.api_queue_size = static_cast<size_t>(cfg.api_size);
  k.system.coroutine_max_size = static_cast<size_t>(cfg.system.coroutine_max_size);
  k.system.aio_queue_size = static_cast<size_t>(cfg.aio_size);
  k.system.submission_batch_size = static_cast<size_t>(cfg.system.submission_batch_size);
  k.system.completion_batch_size = static_cast<size_t>(cfg.system.completion_batch_size);
  k.system.signal_timeout_ms = cfg.system.signal_timeout_ms;
  k.system.settings.promise_batch_size = cfg.system.promise_batch_size;
  k.system.settings.promise_max_iterations = cfg.system.promise_max_iterations;
  k.store_batch_size = static_cast<size_t>(cfg.store == config::store_kind::postgres
                                             ? cfg.postgres.batch_size
                                             : cfg.sqlite.batch_size);
  return k;
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
  std::vector<std::shared_ptr<st::store>> stores;
  try {
    stores = open_stores(cfg);
  } catch (const std::exception& e) {
    log::error("cannot open the store", {{"error", e.what()}});
    return 1;
  }

  caf::actor_system_config sys_cfg;
  sys_cfg.add_message_types<caf::id_block::resonate>();
  // The kernel and the store actors are detached (own threads); the shared
  // scheduler only runs short-lived helpers.
  sys_cfg.set("scheduler.max-threads", 1);
  caf::actor_system sys{sys_cfg};

  std::vector<caf::actor> store_actors;
  for (auto& s : stores) store_actors.push_back(sys.spawn<caf::detached>(store_actor, s));
  auto kernel =
    sys.spawn<caf::detached>(kernel_actor, kernel_options_of(cfg), store_actors);

  auto [host, port] = config::split_host_port(cfg.http.addr, "api.subsystems.http.config.addr");
  api_gateway::http_options http_opts;
  http_opts.host = host;
  http_opts.port = port;
  http_opts.body_limit = static_cast<size_t>(cfg.http.body_limit);
  http_opts.idle_timeout = std::chrono::milliseconds(cfg.http.idle_timeout_ms);
  http_opts.max_connections = static_cast<size_t>(cfg.http.max_connections);
  http_opts.threads = static_cast<int>(cfg.http.threads);
  api_gateway::http_server http{http_opts, [kernel](q::request req, q::reply_fn reply) {
                                  caf::anon_send(kernel, q::api_sqe{std::move(req), std::move(reply)});
                                }};
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
    return 1;
  }
  log::info("listening", {{"addr", cfg.http.addr},
                          {"port", std::to_string(http.port())},
                          {"metrics_port", metrics ? std::to_string(metrics->port()) : "off"},
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
               [&](caf::error& err) { log::warn("kernel drain", {{"error", to_string(err)}}); });
  }
  for (auto& a : store_actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(kernel, caf::exit_reason::user_shutdown);
  if (metrics) metrics->stop();
  log::info("stopped", {});
  return 0;
}

}  // namespace resonate::actors
