#pragma once

// The server's configuration. Every field is declared once in the descriptor
// table of config/descriptors.cpp, which drives the YAML keys, the RESONATE_*
// environment variables, the command-line flags, `--help` and the defaults, so
// they cannot drift apart. Precedence: defaults < resonate.yaml < env < flags.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace resonate::config {

enum class store_kind { sqlite, postgres };

/// How much a committed batch survives: `process` survives SIGKILL of the server
/// (SQLite synchronous=NORMAL in WAL, PostgreSQL synchronous_commit=off);
/// `power` survives power loss too (synchronous=FULL / synchronous_commit=on).
enum class durability { process, power };

struct http_config {
  std::string addr = ":8001";               ///< host:port; port 0 picks a free port
  int64_t body_limit = 16 << 20;            ///< bytes (16 MiB); larger bodies get 413
  int64_t idle_timeout_ms = 60000;          ///< keep-alive connections idle longer are closed
  int64_t max_connections = 10000;          ///< further connections are answered 503 and closed
  int64_t threads = 1;                      ///< Beast io_context threads
  int64_t shutdown_timeout_ms = 10000;      ///< graceful drain bound
  int64_t task_frequency_ms = 60000;        ///< REST v1: ttl of a task claimed via GET /tasks/claim
  std::map<std::string, std::string> auth;  ///< basic auth user -> password; empty: off
  std::vector<std::string> cors_allow_origins;  ///< CORS origins (`*` = any); empty: off

  bool operator==(const http_config&) const = default;
};

struct system_config {
  std::string url;                        ///< base URL in hrefs; "" -> http://<http addr>
  int64_t coroutine_max_size = 1000;      ///< in-flight request coroutines; more get 503
  int64_t submission_batch_size = 1000;   ///< API requests admitted per tick
  int64_t completion_batch_size = 1000;   ///< AIO completions processed per tick
  int64_t promise_batch_size = 100;       ///< rows per background timeout pass
  int64_t promise_max_iterations = 1000;  ///< passes per background run
  int64_t schedule_batch_size = 100;      ///< schedules per background pass
  int64_t schedule_max_iterations = 1000;
  int64_t task_batch_size = 100;  ///< tasks per background pass
  int64_t task_max_iterations = 1000;
  int64_t signal_timeout_ms = 1000;  ///< idle tick period for background work
  int64_t gauge_interval_ms = 5000;  ///< period of the tasks/promises by state gauges; 0 off
  int64_t task_resend_ms = 1000;     ///< REST v1: resend an unclaimed task message after; 0 off

  bool operator==(const system_config&) const = default;
};

struct sqlite_config {
  /// The reference's `aio.subsystems.store.sqlite.enabled`. SQLite is used when PostgreSQL
  /// is not enabled; disabling both is a config_error.
  bool enabled = true;
  std::string path = "resonate.db";  ///< ":memory:" for an in-memory database
  int64_t batch_size = 1000;         ///< submissions per transaction at most

  bool operator==(const sqlite_config&) const = default;
};

struct postgres_config {
  std::string host = "localhost";
  std::string port = "5432";
  std::string username;
  std::string password;
  std::string database = "resonate";
  std::map<std::string, std::string> query;  ///< extra libpq parameters
  /// Connections, one store actor each. 2: one batch executes while the other
  /// commits; on 2 cores 2 beat 1 and 4 (bench/README.md, "Store workers").
  int64_t workers = 2;
  int64_t batch_size = 1000;
  /// At start, how long to keep trying to reach the database (one try a
  /// second): a node may come up before its database, as in docker-compose.
  /// 0 tries once and fails at once.
  int64_t connect_retry_ms = 0;

  bool operator==(const postgres_config&) const = default;
};

/// The SSE poller (REST v1 3.4): its own listener; workers connect to
/// `GET /{group}/{id}` and receive their task messages as `data:` frames.
struct poll_config {
  bool enabled = true;
  std::string addr = ":8002";               ///< host:port; port 0 picks a free port
  int64_t max_connections = 1000;           ///< further connections are refused (429)
  int64_t buffer_size = 100;                ///< messages queued per connection; full -> send fails
  int64_t disconnect_after_ms = 0;          ///< close streams after this long (0 = never)
  int64_t keepalive_ms = 15000;             ///< SSE comment written on idle streams (0 = never)
  int64_t ttr_ms = 15000;                   ///< retry a failed delivery after this long
  int64_t ttc_ms = 60000;                   ///< a delivered task must be claimed within this
  std::map<std::string, std::string> auth;  ///< basic auth user -> password; empty: off
  std::vector<std::string> cors_allow_origins;  ///< CORS origins (`*` = any); empty: off

  bool operator==(const poll_config&) const = default;
};

/// HTTP push delivery to `http://` and `https://` receivers (REST v1 3.5).
struct push_config {
  bool enabled = true;
  int64_t size = 100;               ///< deliveries queued behind the in-flight ones
  int64_t workers = 64;             ///< deliveries in flight at once
  int64_t timeout_ms = 180000;      ///< whole request
  int64_t conn_timeout_ms = 10000;  ///< TCP connect
  int64_t ttr_ms = 15000;
  int64_t ttc_ms = 60000;
  std::string ca_file;  ///< PEM CAs trusted for https besides the system store

  bool operator==(const push_config&) const = default;
};

struct sender_config {
  /// Logical receiver names -> receiver URLs (`default` is `poll://any@default`
  /// unless set here), e.g. `workers=poll://any@workers`.
  std::map<std::string, std::string> targets;
  /// `aio.subsystems.sender.config.targets` in the reference's shape {name, type, data}:
  /// type is `poll` (data cast, group, id) or `http` (data url). Tried before `targets`.
  struct target_object {
    std::string name;
    std::string type;
    std::map<std::string, std::string> data;
    bool operator==(const target_object&) const = default;
  };
  std::vector<target_object> target_objects;

  bool operator==(const sender_config&) const = default;
};

/// `aio.subsystems.router.config.sources`: tag sources tried in order, first match wins
/// (the router appends `default` on resonate:invoke when none is named default).
struct router_config {
  struct tag_source {
    std::string name;
    std::string key;
    bool operator==(const tag_source&) const = default;
  };
  std::vector<tag_source> sources;

  bool operator==(const router_config&) const = default;
};

/// Several nodes on one PostgreSQL database (docs/cluster-plan.md). A node
/// without a node id runs alone, as it always did.
struct cluster_config {
  std::string node_id;           ///< cluster.nodeId: this node's name in the leases; "" alone
  int64_t lease_ttl_ms = 10000;  ///< cluster.leaseTtl: how long a lease on the work lasts
  /// cluster.listen: host:port of this node's cluster port (CAF), where the other
  /// nodes hand it messages for its SSE streams; "" opens none (a node alone).
  std::string listen;
  /// cluster.seeds: host:port of other nodes' cluster ports, joined at start.
  std::vector<std::string> seeds;

  bool operator==(const cluster_config&) const = default;
};

struct config {
  http_config http;
  poll_config poll;
  push_config push;
  sender_config sender;
  router_config router;
  system_config system;
  int64_t api_size = 1000;  ///< API submission queue; full -> 503 (50301)
  int64_t aio_size = 1000;  ///< AIO submission queue; full -> 503 (50302)
  /// `api.auth.publicKey`: path of the PEM RSA public key that enables JWT auth; "" = off.
  std::string auth_public_key;
  store_kind store = store_kind::sqlite;
  durability store_durability = durability::process;
  sqlite_config sqlite;
  postgres_config postgres;
  std::string metrics_addr = ":9090";  ///< "" disables the metrics listener
  /// Protocol 2026-04-01 debug mode (debug.*, resonate:debug_time); off in production.
  bool debug = false;
  std::string log_level = "info";  ///< debug, info, warn, error, off
  /// `schedules.timeZone`: the IANA zone cron expressions are evaluated in;
  /// "" = the server's local zone (TZ, else /etc/localtime), as the reference.
  std::string schedule_time_zone;
  cluster_config cluster;

  bool operator==(const config&) const = default;
};

/// libpq connection string ("host=localhost port=5432 ... dbname=resonate") for the postgres
/// section. Values are single-quoted when needed (empty, spaces, quotes, backslashes) with
/// `\'` and `\\` escapes; empty username/password are left out so libpq uses its own
/// defaults; `query` entries (e.g. sslmode=disable) are appended in key order, then
/// the limits on a dead peer (connect_timeout, keepalives, tcp_user_timeout) that
/// `query` does not set.
std::string postgres_conninfo(const postgres_config& pg);

/// Splits "host:port" (host may be empty or [v6]); throws config_error on a bad value.
/// ":8001" -> {"", 8001}; "127.0.0.1:0" -> {"127.0.0.1", 0}; "[::1]:8001" -> {"::1", 8001}.
/// `key` names the option in the error message (e.g. "--api-http-addr").
std::pair<std::string, uint16_t> split_host_port(const std::string& addr, const std::string& key);

}  // namespace resonate::config
