#include "config/descriptors.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <type_traits>
#include <utility>

#include "config/loader.hpp"

namespace resonate::config {

namespace {

// One place that formats "bad value" errors, so every source (YAML, env, flag) reads alike.
[[noreturn]] void bad_value(const std::string& raw, const std::string& where,
                            const std::string& why) {
  throw config_error("invalid value \"" + raw + "\" for " + where + ": " + why);
}

std::string to_env_name(const std::string& s) {
  std::string out = "RESONATE_";
  for (char ch : s) {
    out += (ch == '.' || ch == '-')
             ? '_'
             : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return out;
}

std::string to_lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

int64_t parse_int(const std::string& raw, const std::string& where) {
  int64_t v = 0;
  const char* first = raw.data();
  const char* last = raw.data() + raw.size();
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (ec == std::errc::result_out_of_range) bad_value(raw, where, "integer out of range");
  if (raw.empty() || ec != std::errc() || ptr != last) bad_value(raw, where, "expected an integer");
  return v;
}

void check_range(int64_t v, int64_t min, int64_t max, const std::string& raw,
                 const std::string& where, bool duration) {
  if (v >= min && v <= max) return;
  auto show = [duration](int64_t x) {
    return duration ? format_duration_ms(x) : std::to_string(x);
  };
  bad_value(raw, where, "out of range: must be between " + show(min) + " and " + show(max));
}

bool parse_bool(const std::string& raw, const std::string& where) {
  // Go's strconv.ParseBool spellings plus the YAML 1.1 ones people write by hand.
  const std::string v = to_lower(raw);
  if (v == "true" || v == "t" || v == "1" || v == "yes" || v == "y" || v == "on") return true;
  if (v == "false" || v == "f" || v == "0" || v == "no" || v == "n" || v == "off") return false;
  bad_value(raw, where, "expected true or false");
}

// A field accessor is a generic lambda `[](auto& c) -> auto& { return c.x.y; }`: the same
// lambda yields a mutable reference for set and a const one for get.
#define RESONATE_FIELD(path) \
  [](auto& c) -> auto& {     \
    return c.path;           \
  }

descriptor make(std::string key, std::string flag, value_type type, std::string placeholder,
                std::string help) {
  descriptor d;
  d.key = std::move(key);
  d.flags = {std::move(flag)};
  d.type = type;
  d.placeholder = std::move(placeholder);
  d.help = std::move(help);
  // Two spellings: the reference-style RESONATE_<YAML KEY> and the friendlier RESONATE_<FLAG>.
  d.env.push_back(to_env_name(d.key));
  std::string alias = to_env_name(d.flags.front());
  if (alias != d.env.front()) d.env.push_back(std::move(alias));
  return d;
}

using check_fn = std::function<void(const std::string& raw, const std::string& where)>;

template <class Ref>
descriptor string_option(std::string key, std::string flag, std::string help, Ref ref,
                         check_fn check = {}) {
  descriptor d =
    make(std::move(key), std::move(flag), value_type::string, "string", std::move(help));
  d.set = [ref, check](config& c, const std::string& raw, const std::string& where) {
    if (check) check(raw, where);
    ref(c) = raw;
  };
  d.get = [ref](const config& c) -> std::string { return ref(c); };
  return d;
}

template <class Ref>
descriptor int_option(std::string key, std::string flag, std::string help, int64_t min, int64_t max,
                      Ref ref) {
  descriptor d = make(std::move(key), std::move(flag), value_type::int64, "int", std::move(help));
  d.min = min;
  d.max = max;
  d.set = [ref, min, max](config& c, const std::string& raw, const std::string& where) {
    int64_t v = parse_int(raw, where);
    check_range(v, min, max, raw, where, false);
    ref(c) = v;
  };
  d.get = [ref](const config& c) { return std::to_string(ref(c)); };
  return d;
}

template <class Ref>
descriptor duration_option(std::string key, std::string flag, std::string help, int64_t min_ms,
                           int64_t max_ms, Ref ref) {
  descriptor d =
    make(std::move(key), std::move(flag), value_type::duration, "duration", std::move(help));
  d.min = min_ms;
  d.max = max_ms;
  d.set = [ref, min_ms, max_ms](config& c, const std::string& raw, const std::string& where) {
    int64_t v = parse_duration_ms(raw, where);
    check_range(v, min_ms, max_ms, raw, where, true);
    ref(c) = v;
  };
  d.get = [ref](const config& c) { return format_duration_ms(ref(c)); };
  return d;
}

descriptor bool_option(std::string key, std::string flag, std::string help,
                       std::function<void(config&, bool)> put,
                       std::function<bool(const config&)> read) {
  descriptor d = make(std::move(key), std::move(flag), value_type::boolean, "", std::move(help));
  d.set = [put](config& c, const std::string& raw, const std::string& where) {
    put(c, parse_bool(raw, where));
  };
  d.get = [read](const config& c) -> std::string { return read(c) ? "true" : "false"; };
  return d;
}

descriptor choice_option(std::string key, std::string flag, std::string help,
                         std::vector<std::string> choices,
                         std::function<void(config&, const std::string&)> put,
                         std::function<std::string(const config&)> read) {
  std::string placeholder;
  for (const auto& ch : choices) placeholder += (placeholder.empty() ? "" : "|") + ch;
  descriptor d =
    make(std::move(key), std::move(flag), value_type::choice, placeholder, std::move(help));
  d.choices = choices;
  d.set = [put, choices, placeholder](config& c, const std::string& raw, const std::string& where) {
    const std::string v = to_lower(raw);
    for (const auto& ch : choices) {
      if (ch == v) return put(c, v);
    }
    bad_value(raw, where, "expected one of " + placeholder);
  };
  d.get = std::move(read);
  return d;
}

/// Map keys that become libpq keywords: letters, digits and '_' only, so that a key can
/// never smuggle a second parameter into the connection string.
void check_word_key(const std::string& k, const std::string& v, const std::string& where) {
  bool ok = !k.empty();
  for (char ch : k) ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_');
  if (!ok) bad_value(k + "=" + v, where, "keys may hold only letters, digits and '_'");
}

/// Basic-auth user names: a ':' would split differently in the Authorization header.
void check_user_key(const std::string& k, const std::string& v, const std::string& where) {
  if (k.empty() || k.find(':') != std::string::npos) {
    bad_value(k + "=" + v, where, "user names must be non-empty and without ':'");
  }
}

using key_check_fn = void (*)(const std::string&, const std::string&, const std::string&);

template <class Ref>
descriptor map_option(std::string key, std::string flag, std::string help, Ref ref,
                      key_check_fn check_key = check_word_key) {
  descriptor d =
    make(std::move(key), std::move(flag), value_type::string_map, "k=v", std::move(help));
  d.set_map = [ref, check_key](config& c, const std::map<std::string, std::string>& m,
                               const std::string& where) {
    for (const auto& [k, v] : m) check_key(k, v, where);
    ref(c) = m;
  };
  d.set = [set_map = d.set_map](config& c, const std::string& raw, const std::string& where) {
    set_map(c, parse_string_map(raw, where), where);
  };
  d.get_map = [ref](const config& c) { return ref(c); };
  d.get = [ref](const config& c) {
    std::string out;
    for (const auto& [k, v] : ref(c)) out += (out.empty() ? "" : ",") + k + "=" + v;
    return out;
  };
  return d;
}

/// A comma-separated list (surrounding spaces trimmed, empty items dropped); `check` sees
/// each item.
template <class Ref>
descriptor list_option(std::string key, std::string flag, std::string help, Ref ref,
                       check_fn check = {}) {
  descriptor d =
    make(std::move(key), std::move(flag), value_type::string_list, "string", std::move(help));
  d.set = [ref, check](config& c, const std::string& raw, const std::string& where) {
    std::vector<std::string> items;
    size_t start = 0;
    while (start <= raw.size()) {
      size_t end = std::min(raw.find(',', start), raw.size());
      size_t a = start, b = end;
      while (a < b && std::isspace(static_cast<unsigned char>(raw[a]))) ++a;
      while (b > a && std::isspace(static_cast<unsigned char>(raw[b - 1]))) --b;
      if (b > a) {
        items.push_back(raw.substr(a, b - a));
        if (check) check(items.back(), where);
      }
      start = end + 1;
    }
    ref(c) = std::move(items);
  };
  d.get = [ref](const config& c) {
    std::string out;
    for (const auto& item : ref(c)) out += (out.empty() ? "" : ",") + item;
    return out;
  };
  return d;
}

/// gin-contrib/cors refuses to start with anything but `*` or an http(s) origin.
void check_origin(const std::string& raw, const std::string& where) {
  if (raw == "*" || raw.rfind("http://", 0) == 0 || raw.rfind("https://", 0) == 0) return;
  bad_value(raw, where, "origins must be * or start with http:// or https://");
}

void check_addr(const std::string& raw, const std::string& where) {
  split_host_port(raw, where);
}

void check_optional_addr(const std::string& raw, const std::string& where) {
  if (!raw.empty()) split_host_port(raw, where);
}

void check_url(const std::string& raw, const std::string& where) {
  if (raw.empty() || raw.rfind("http://", 0) == 0 || raw.rfind("https://", 0) == 0) return;
  bad_value(raw, where, "expected an http:// or https:// URL, or empty");
}

void check_port(const std::string& raw, const std::string& where) {
  int64_t v = parse_int(raw, where);
  if (v < 1 || v > 65535) bad_value(raw, where, "expected a port between 1 and 65535");
}

void check_not_empty(const std::string& raw, const std::string& where) {
  if (raw.empty()) bad_value(raw, where, "must not be empty");
}

// ---- lists of objects: router sources, sender targets ---------------------------------
// Their flag/env spelling is a comma list of items; YAML gives [{name, type, data}] and the
// loader turns each mapping into the same item spelling via item_from_map.

std::vector<std::string> split_items(const std::string& raw) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t end = std::min(raw.find(',', start), raw.size());
    size_t a = start, b = end;
    while (a < b && std::isspace(static_cast<unsigned char>(raw[a]))) ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(raw[b - 1]))) --b;
    if (b > a) items.push_back(raw.substr(a, b - a));
    start = end + 1;
  }
  return items;
}

std::string field_of(const std::map<std::string, std::string>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? std::string() : it->second;
}

void only_fields(const std::map<std::string, std::string>& m, const std::string& where,
                 const std::vector<std::string>& allowed) {
  for (const auto& [k, v] : m) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      bad_value(k + ": " + v, where, "unknown field " + k);
    }
  }
}

/// Source item "name=tagkey"; only type `tag` exists (spec 4.11).
router_config::tag_source parse_source(const std::string& item, const std::string& where) {
  const size_t eq = item.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
    bad_value(item, where, "expected name=tagkey");
  }
  return {item.substr(0, eq), item.substr(eq + 1)};
}

std::string source_from_map(const std::map<std::string, std::string>& m, const std::string& where) {
  only_fields(m, where, {"name", "type", "data.key"});
  const std::string type = field_of(m, "type");
  if (type != "tag") bad_value(type, where, "unknown router source type (only tag is supported)");
  return field_of(m, "name") + "=" + field_of(m, "data.key");
}

/// Target item "name=type:k=v;k=v", e.g. "workers=poll:cast=any;group=workers" or
/// "hook=http:url=https://example.com/hook". Types: poll (cast any|uni, group, id), http (url).
sender_config::target_object parse_target(const std::string& item, const std::string& where) {
  const size_t eq = item.find('=');
  const size_t colon = eq == std::string::npos ? eq : item.find(':', eq);
  if (eq == 0 || colon == std::string::npos)
    bad_value(item, where, "expected name=type:key=value;...");
  sender_config::target_object t;
  t.name = item.substr(0, eq);
  t.type = item.substr(eq + 1, colon - eq - 1);
  size_t start = colon + 1;
  while (start < item.size()) {
    const size_t end = std::min(item.find(';', start), item.size());
    const std::string kv = item.substr(start, end - start);
    const size_t e = kv.find('=');
    if (e == std::string::npos || e == 0) bad_value(item, where, "data must be key=value pairs");
    t.data[kv.substr(0, e)] = kv.substr(e + 1);
    start = end + 1;
  }
  auto need = [&](const std::string& k) {
    if (field_of(t.data, k).empty()) bad_value(item, where, t.type + " target needs data " + k);
  };
  if (t.type == "poll") {
    need("group");
    const std::string cast = field_of(t.data, "cast");
    if (!cast.empty() && cast != "any" && cast != "uni")
      bad_value(item, where, "cast must be any or uni");
    for (const auto& [k, v] : t.data) {
      if (k != "cast" && k != "group" && k != "id")
        bad_value(item, where, "unknown poll data " + k);
    }
  } else if (t.type == "http") {
    need("url");
    const std::string url = field_of(t.data, "url");
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      bad_value(item, where, "http target url must start with http:// or https://");
    }
    if (t.data.size() != 1) bad_value(item, where, "http target data holds only url");
  } else {
    bad_value(item, where, "unknown sender target type \"" + t.type + "\" (poll or http)");
  }
  return t;
}

std::string target_from_map(const std::map<std::string, std::string>& m, const std::string& where) {
  std::string out = field_of(m, "name") + "=" + field_of(m, "type") + ":";
  bool first = true;
  for (const auto& [k, v] : m) {
    if (k == "name" || k == "type") continue;
    if (k.rfind("data.", 0) != 0) bad_value(k + ": " + v, where, "unknown field " + k);
    out += (first ? "" : ";") + k.substr(5) + "=" + v;
    first = false;
  }
  return out;
}

std::string render_target(const sender_config::target_object& t) {
  std::string out = t.name + "=" + t.type + ":";
  bool first = true;
  for (const auto& [k, v] : t.data) {
    out += (first ? "" : ";") + k + "=" + v;
    first = false;
  }
  return out;
}

template <class Ref, class Parse, class Render>
descriptor object_list_option(std::string key, std::string flag, std::string help, Ref ref,
                              Parse parse, Render render,
                              std::string (*from_map)(const std::map<std::string, std::string>&,
                                                      const std::string&)) {
  descriptor d =
    make(std::move(key), std::move(flag), value_type::string_list, "string", std::move(help));
  d.set = [ref, parse](config& c, const std::string& raw, const std::string& where) {
    std::remove_reference_t<decltype(ref(c))> items;
    for (const auto& item : split_items(raw)) items.push_back(parse(item, where));
    ref(c) = std::move(items);
  };
  d.get = [ref, render](const config& c) {
    std::string out;
    for (const auto& item : ref(c)) out += (out.empty() ? "" : ",") + render(item);
    return out;
  };
  d.item_from_map = from_map;
  return d;
}

constexpr int64_t k_big = 100'000'000;  // generous upper bound for sizes: catches typos like 1e12
constexpr int64_t k_hour = 3'600'000;

std::vector<descriptor> build_table() {
  std::vector<descriptor> t;
  // --- system (kernel) -----------------------------------------------------------------
  t.push_back(string_option("system.url", "system-url",
                            "base URL used in hrefs sent to clients; empty means "
                            "http://<api-http-addr>",
                            RESONATE_FIELD(system.url), check_url));
  t.push_back(int_option("system.coroutineMaxSize", "system-coroutine-max-size",
                         "maximum in-flight request coroutines; further requests get 503", 1, k_big,
                         RESONATE_FIELD(system.coroutine_max_size)));
  t.push_back(int_option("system.submissionBatchSize", "system-submission-batch-size",
                         "API requests admitted per kernel tick", 1, k_big,
                         RESONATE_FIELD(system.submission_batch_size)));
  t.push_back(int_option("system.completionBatchSize", "system-completion-batch-size",
                         "AIO completions processed per kernel tick", 1, k_big,
                         RESONATE_FIELD(system.completion_batch_size)));
  t.push_back(int_option("system.promiseBatchSize", "system-promise-batch-size",
                         "promises per background timeout pass", 1, k_big,
                         RESONATE_FIELD(system.promise_batch_size)));
  t.push_back(int_option("system.promiseMaxIterations", "system-promise-max-iterations",
                         "timeout passes per background run", 1, k_big,
                         RESONATE_FIELD(system.promise_max_iterations)));
  t.push_back(int_option("system.scheduleBatchSize", "system-schedule-batch-size",
                         "schedules per background pass", 1, k_big,
                         RESONATE_FIELD(system.schedule_batch_size)));
  t.push_back(
    int_option("system.scheduleMaxIterations", "system-schedule-max-iterations",
               "accepted for compatibility, unused: a pass fires one batch and starts the next", 1,
               k_big, RESONATE_FIELD(system.schedule_max_iterations)));
  t.push_back(int_option("system.taskBatchSize", "system-task-batch-size",
                         "tasks per background pass", 1, k_big,
                         RESONATE_FIELD(system.task_batch_size)));
  t.push_back(int_option("system.taskMaxIterations", "system-task-max-iterations",
                         "task passes per background run", 1, k_big,
                         RESONATE_FIELD(system.task_max_iterations)));
  t.push_back(duration_option("system.signalTimeout", "system-signal-timeout",
                              "idle tick period for background work", 1, k_hour,
                              RESONATE_FIELD(system.signal_timeout_ms)));
  t.push_back(duration_option("system.gaugeInterval", "system-gauge-interval",
                              "period of the tasks{state} and promises{state} gauges (a count "
                              "by state on the store); 0 turns them off",
                              0, k_hour, RESONATE_FIELD(system.gauge_interval_ms)));
  t.push_back(duration_option("system.taskResendAfter", "system-task-resend-after",
                              "REST v1: a task message not claimed after this long is sent "
                              "again (same counter), then after twice as long, until claimed or "
                              "its claim deadline; 0 turns it off",
                              0, k_hour, RESONATE_FIELD(system.task_resend_ms)));
  t.push_back(string_option("schedules.timeZone", "schedule-time-zone",
                            "IANA time zone of cron expressions (e.g. UTC, Europe/Berlin); "
                            "empty means the server's local zone",
                            RESONATE_FIELD(schedule_time_zone)));
  // --- cluster -----------------------------------------------------------------------
  t.push_back(string_option("cluster.nodeId", "cluster-node-id",
                            "this node's name when several nodes share one PostgreSQL "
                            "database: the background work is leased to one of them at a "
                            "time; empty runs alone",
                            RESONATE_FIELD(cluster.node_id)));
  t.push_back(duration_option("cluster.leaseTtl", "cluster-lease-ttl",
                              "how long a node's lease on the background work lasts on the "
                              "database's clock (renewed every third of it); a node that dies "
                              "hands the work over after it",
                              300, k_hour, RESONATE_FIELD(cluster.lease_ttl_ms)));
  t.push_back(string_option("cluster.listen", "cluster-listen",
                            "host:port of this node's cluster port, where the other nodes "
                            "hand it the messages for the SSE streams connected to it (a "
                            "wildcard host is advertised as this machine's host name); empty "
                            "opens none",
                            RESONATE_FIELD(cluster.listen), check_optional_addr));
  t.push_back(list_option("cluster.seeds", "cluster-seeds",
                          "host:port of other nodes' cluster ports, joined at start (the "
                          "others are found in the database)",
                          RESONATE_FIELD(cluster.seeds), check_addr));
  // --- api ---------------------------------------------------------------------------
  t.push_back(int_option("api.size", "api-size",
                         "API submission queue size; when full requests get 503", 1, k_big,
                         RESONATE_FIELD(api_size)));
  t.push_back(string_option("api.subsystems.http.config.addr", "api-http-addr",
                            "HTTP API listen address host:port; port 0 picks a free port",
                            RESONATE_FIELD(http.addr), check_addr));
  t.push_back(int_option("api.subsystems.http.config.bodyLimit", "api-http-body-limit",
                         "largest accepted request body in bytes; larger bodies get 413", 1,
                         int64_t{1} << 30, RESONATE_FIELD(http.body_limit)));
  t.push_back(duration_option("api.subsystems.http.config.idleTimeout", "api-http-idle-timeout",
                              "keep-alive connections idle longer than this are closed", 1,
                              24 * k_hour, RESONATE_FIELD(http.idle_timeout_ms)));
  t.push_back(int_option("api.subsystems.http.config.maxConnections", "api-http-max-connections",
                         "open connections at most; further ones get 503 and are closed", 1,
                         10'000'000, RESONATE_FIELD(http.max_connections)));
  t.push_back(int_option("api.subsystems.http.config.threads", "api-http-threads",
                         "HTTP I/O threads", 1, 256, RESONATE_FIELD(http.threads)));
  t.push_back(duration_option("api.subsystems.http.config.timeout", "api-http-timeout",
                              "graceful shutdown: how long to drain open requests", 0, k_hour,
                              RESONATE_FIELD(http.shutdown_timeout_ms)));
  t.push_back(duration_option("api.subsystems.http.config.taskFrequency", "api-http-task-frequency",
                              "ttl of a task claimed with GET /tasks/claim (REST v1)", 1,
                              24 * k_hour, RESONATE_FIELD(http.task_frequency_ms)));
  t.push_back(map_option("api.subsystems.http.config.auth", "api-http-auth",
                         "basic auth users of the HTTP API as user=password (off when empty; "
                         "/ping, /health and /ready stay open)",
                         RESONATE_FIELD(http.auth), check_user_key));
  t.push_back(list_option("api.subsystems.http.config.cors.allowOrigins",
                          "api-http-cors-allow-origin",
                          "origins allowed by CORS on the HTTP API (* = any; off when empty)",
                          RESONATE_FIELD(http.cors_allow_origins), check_origin));
  t.push_back(string_option("api.auth.publicKey", "api-auth-public-key",
                            "path of a PEM RSA public key: enables JWT bearer tokens "
                            "(RS256/384/512) with prefix authorisation; empty = off",
                            RESONATE_FIELD(auth_public_key)));
  // --- aio ---------------------------------------------------------------------------
  t.push_back(int_option("aio.size", "aio-size",
                         "AIO submission queue size; when full requests get 503", 1, k_big,
                         RESONATE_FIELD(aio_size)));
  t.push_back(choice_option(
    "aio.subsystems.store.durability", "aio-store-durability",
    "process: commits survive a crash of the server; power: they survive power loss too "
    "(fsync on every commit)",
    {"process", "power"},
    [](config& c, const std::string& v) {
      c.store_durability = v == "power" ? durability::power : durability::process;
    },
    [](const config& c) -> std::string {
      return c.store_durability == durability::power ? "power" : "process";
    }));
  t.push_back(bool_option(
    "aio.subsystems.store.sqlite.enabled", "aio-store-sqlite-enable",
    "use SQLite (only when PostgreSQL is not enabled; disabling both is an error)",
    [](config& c, bool v) { c.sqlite.enabled = v; },
    [](const config& c) { return c.sqlite.enabled; }));
  t.push_back(string_option("aio.subsystems.store.sqlite.config.path", "aio-store-sqlite-path",
                            "SQLite database file; :memory: for an in-memory database",
                            RESONATE_FIELD(sqlite.path), check_not_empty));
  t.push_back(int_option(
    "aio.subsystems.store.sqlite.config.batchSize", "aio-store-sqlite-batch-size",
    "submissions per SQLite transaction at most", 1, k_big, RESONATE_FIELD(sqlite.batch_size)));
  t.push_back(bool_option(
    "aio.subsystems.store.postgres.enabled", "aio-store-postgres-enable",
    "use PostgreSQL instead of SQLite (an enabled PostgreSQL store wins)",
    [](config& c, bool v) { c.store = v ? store_kind::postgres : store_kind::sqlite; },
    [](const config& c) { return c.store == store_kind::postgres; }));
  t.push_back(string_option("aio.subsystems.store.postgres.config.host", "aio-store-postgres-host",
                            "PostgreSQL host", RESONATE_FIELD(postgres.host)));
  t.push_back(string_option("aio.subsystems.store.postgres.config.port", "aio-store-postgres-port",
                            "PostgreSQL port", RESONATE_FIELD(postgres.port), check_port));
  t.push_back(string_option("aio.subsystems.store.postgres.config.username",
                            "aio-store-postgres-username", "PostgreSQL user",
                            RESONATE_FIELD(postgres.username)));
  t.push_back(string_option("aio.subsystems.store.postgres.config.password",
                            "aio-store-postgres-password", "PostgreSQL password",
                            RESONATE_FIELD(postgres.password)));
  t.push_back(string_option("aio.subsystems.store.postgres.config.database",
                            "aio-store-postgres-database", "PostgreSQL database",
                            RESONATE_FIELD(postgres.database)));
  t.push_back(map_option("aio.subsystems.store.postgres.config.query", "aio-store-postgres-query",
                         "extra libpq connection parameters, e.g. sslmode=disable",
                         RESONATE_FIELD(postgres.query)));
  t.push_back(int_option("aio.subsystems.store.postgres.config.workers",
                         "aio-store-postgres-workers", "PostgreSQL connections (store workers)", 1,
                         1024, RESONATE_FIELD(postgres.workers)));
  t.push_back(int_option("aio.subsystems.store.postgres.config.batchSize",
                         "aio-store-postgres-batch-size",
                         "submissions per PostgreSQL transaction at most", 1, k_big,
                         RESONATE_FIELD(postgres.batch_size)));
  t.push_back(duration_option(
    "aio.subsystems.store.postgres.config.connectRetry", "aio-store-postgres-connect-retry",
    "at start, keep trying to reach PostgreSQL this long, once a second (a database that comes "
    "up after the node); 0 tries once",
    0, k_big, RESONATE_FIELD(postgres.connect_retry_ms)));
  // --- message delivery: SSE poller, HTTP push, logical targets ---------------------------
  t.push_back(bool_option(
    "aio.plugins.poll.enabled", "aio-poll-enable", "deliver task messages over the SSE poller",
    [](config& c, bool v) { c.poll.enabled = v; }, [](const config& c) { return c.poll.enabled; }));
  t.push_back(string_option("aio.plugins.poll.config.addr", "aio-poll-addr",
                            "SSE poller listen address host:port; port 0 picks a free port",
                            RESONATE_FIELD(poll.addr), check_addr));
  t.push_back(int_option("aio.plugins.poll.config.maxConnections", "aio-poll-max-connections",
                         "open SSE connections at most; further ones get 429", 1, 10'000'000,
                         RESONATE_FIELD(poll.max_connections)));
  t.push_back(int_option("aio.plugins.poll.config.bufferSize", "aio-poll-buffer-size",
                         "messages queued per SSE connection; a full buffer fails the delivery", 1,
                         k_big, RESONATE_FIELD(poll.buffer_size)));
  t.push_back(duration_option("aio.plugins.poll.config.disconnectAfter",
                              "aio-poll-disconnect-after",
                              "close SSE streams after this long (0 = never)", 0, 24 * k_hour,
                              RESONATE_FIELD(poll.disconnect_after_ms)));
  t.push_back(duration_option("aio.plugins.poll.config.keepalive", "aio-poll-keepalive",
                              "write an SSE comment on idle streams this often (0 = never)", 0,
                              k_hour, RESONATE_FIELD(poll.keepalive_ms)));
  t.push_back(duration_option("aio.plugins.poll.config.timeToRetry", "aio-poll-ttr",
                              "retry a failed SSE delivery after this long", 0, 24 * k_hour,
                              RESONATE_FIELD(poll.ttr_ms)));
  t.push_back(
    duration_option("aio.plugins.poll.config.timeToClaim", "aio-poll-ttc",
                    "a task delivered over SSE must be claimed within this (0 = no limit)", 0,
                    24 * k_hour, RESONATE_FIELD(poll.ttc_ms)));
  t.push_back(map_option("aio.plugins.poll.config.auth", "aio-poll-auth",
                         "basic auth users of the SSE poller as user=password (off when empty)",
                         RESONATE_FIELD(poll.auth), check_user_key));
  t.push_back(list_option("aio.plugins.poll.config.cors.allowOrigins", "aio-poll-cors-allow-origin",
                          "origins allowed by CORS on the SSE poller (* = any; off when empty)",
                          RESONATE_FIELD(poll.cors_allow_origins), check_origin));
  t.push_back(bool_option(
    "aio.plugins.http.enabled", "aio-http-enable", "deliver task messages by HTTP push",
    [](config& c, bool v) { c.push.enabled = v; }, [](const config& c) { return c.push.enabled; }));
  t.push_back(int_option("aio.plugins.http.config.size", "aio-http-size",
                         "HTTP push deliveries queued behind the in-flight ones", 1, k_big,
                         RESONATE_FIELD(push.size)));
  t.push_back(int_option("aio.plugins.http.config.concurrency", "aio-http-concurrency",
                         "HTTP push deliveries in flight at once", 1, 100'000,
                         RESONATE_FIELD(push.workers)));
  t.push_back(duration_option("aio.plugins.http.config.timeout", "aio-http-timeout",
                              "HTTP push request timeout", 1, 24 * k_hour,
                              RESONATE_FIELD(push.timeout_ms)));
  t.push_back(duration_option("aio.plugins.http.config.connTimeout", "aio-http-conn-timeout",
                              "HTTP push connect timeout", 1, k_hour,
                              RESONATE_FIELD(push.conn_timeout_ms)));
  t.push_back(duration_option("aio.plugins.http.config.timeToRetry", "aio-http-ttr",
                              "retry a failed HTTP push after this long", 0, 24 * k_hour,
                              RESONATE_FIELD(push.ttr_ms)));
  t.push_back(duration_option("aio.plugins.http.config.timeToClaim", "aio-http-ttc",
                              "a task pushed over HTTP must be claimed within this (0 = no limit)",
                              0, 24 * k_hour, RESONATE_FIELD(push.ttc_ms)));
  t.push_back(string_option("aio.plugins.http.config.caFile", "aio-http-ca-file",
                            "PEM file of CA certificates trusted for https push besides the "
                            "system store (empty: the system store only)",
                            RESONATE_FIELD(push.ca_file)));
  t.push_back(map_option("aio.subsystems.sender.config.targetUrls", "aio-sender-targets",
                         "logical receiver names and their URLs, e.g. "
                         "default=poll://any@default (the built-in default)",
                         RESONATE_FIELD(sender.targets)));
  t.push_back(object_list_option(
    "aio.subsystems.sender.config.targets", "aio-sender-target",
    "logical receivers in the reference's shape [{name, type: poll|http, data}]; as a flag "
    "name=type:key=value;... e.g. workers=poll:cast=any;group=workers",
    RESONATE_FIELD(sender.target_objects), parse_target, render_target, target_from_map));
  t.push_back(object_list_option(
    "aio.subsystems.router.config.sources", "aio-router-sources",
    "router tag sources tried in order [{name, type: tag, data: {key}}]; as a flag "
    "name=tagkey; a default source on resonate:invoke is appended unless one is named default",
    RESONATE_FIELD(router.sources), parse_source,
    [](const router_config::tag_source& s) { return s.name + "=" + s.key; }, source_from_map));
  // --- process -------------------------------------------------------------------------
  t.push_back(bool_option(
    "debug", "debug",
    "protocol 2026-04-01 debug mode: debug.* operations and head[\"resonate:debug_time\"] "
    "(tests only)",
    [](config& c, bool v) { c.debug = v; }, [](const config& c) { return c.debug; }));
  t.push_back(string_option("metricsAddr", "metrics-addr",
                            "Prometheus /metrics listen address host:port; empty disables it",
                            RESONATE_FIELD(metrics_addr), check_optional_addr));
  t.push_back(choice_option(
    "logLevel", "log-level", "log level", {"debug", "info", "warn", "error", "off"},
    [](config& c, const std::string& v) { c.log_level = v; },
    [](const config& c) { return c.log_level; }));
  return t;
}

#undef RESONATE_FIELD

}  // namespace

const std::vector<descriptor>& descriptors() {
  static const std::vector<descriptor> table = build_table();
  return table;
}

const std::vector<std::string>& ignored_keys() {
  // Sections of the reference server's resonate.yaml this server does not implement (yet).
  // Accepting them keeps a reference config file usable; each one is reported as a warning.
  static const std::vector<std::string> keys = {
    "api.subsystems.http.enabled",
    "api.subsystems.grpc",
    "api.subsystems.kafka",
    "aio.plugins.sqs",
    "aio.plugins.kafka",
    "aio.plugins.http.config.workers",
    "aio.plugins.poll.config.size",
    "aio.plugins.poll.config.timeout",
    "aio.subsystems.router.config.size",
    "aio.subsystems.router.config.workers",
    "aio.subsystems.router.enabled",
    "aio.subsystems.sender.config.size",
    "aio.subsystems.store.sqlite.config.size",
    "aio.subsystems.store.sqlite.config.txTimeout",
    "aio.subsystems.store.sqlite.config.reset",
    "aio.subsystems.store.postgres.config.size",
    "aio.subsystems.store.postgres.config.txTimeout",
    "aio.subsystems.store.postgres.config.reset",
  };
  return keys;
}

int64_t parse_duration_ms(const std::string& raw, const std::string& where) {
  if (raw.empty()) bad_value(raw, where, "expected a duration such as 10s, 1m or 250ms");
  // A plain integer is milliseconds (our own convenience; Go would reject it).
  {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), v);
    if (ec == std::errc() && ptr == raw.data() + raw.size()) return v;
  }
  size_t i = 0;
  bool negative = false;
  if (raw[i] == '-' || raw[i] == '+') negative = raw[i++] == '-';
  const auto fail = [&](const std::string& why) -> int64_t { bad_value(raw, where, why); };
  if (i == raw.size()) return fail("expected a duration such as 10s, 1m or 250ms");
  constexpr int64_t max_ns = std::numeric_limits<int64_t>::max();
  int64_t total_ns = 0;
  while (i < raw.size()) {
    int64_t whole = 0;
    bool any_digit = false;
    while (i < raw.size() && std::isdigit(static_cast<unsigned char>(raw[i]))) {
      if (whole > (max_ns - 9) / 10) return fail("duration out of range");
      whole = whole * 10 + (raw[i++] - '0');
      any_digit = true;
    }
    long double frac = 0;
    if (i < raw.size() && raw[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < raw.size() && std::isdigit(static_cast<unsigned char>(raw[i]))) {
        frac += scale * (raw[i++] - '0');
        scale /= 10;
        any_digit = true;
      }
    }
    if (!any_digit) return fail("expected a number before each unit (e.g. 1h30m)");
    size_t unit_start = i;
    while (i < raw.size() && raw[i] != '.' && !std::isdigit(static_cast<unsigned char>(raw[i])))
      ++i;
    const std::string unit = raw.substr(unit_start, i - unit_start);
    int64_t unit_ns = 0;
    if (unit == "ns")
      unit_ns = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
      unit_ns = 1'000;
    else if (unit == "ms")
      unit_ns = 1'000'000;
    else if (unit == "s")
      unit_ns = 1'000'000'000;
    else if (unit == "m")
      unit_ns = 60'000'000'000;
    else if (unit == "h")
      unit_ns = 3'600'000'000'000;
    else if (unit.empty())
      return fail("missing unit (ns, us, ms, s, m, h)");
    else
      return fail("unknown unit \"" + unit + "\" (expected ns, us, ms, s, m, h)");
    if (whole > max_ns / unit_ns) return fail("duration out of range");
    // Rounded to the nanosecond so that "0.1s" is exactly 100ms despite binary fractions.
    const int64_t part = whole * unit_ns + static_cast<int64_t>(std::llround(frac * unit_ns));
    if (part > max_ns - total_ns) return fail("duration out of range");
    total_ns += part;
  }
  if (total_ns % 1'000'000 != 0) return fail("durations are kept in whole milliseconds");
  const int64_t ms = total_ns / 1'000'000;
  return negative ? -ms : ms;
}

std::string format_duration_ms(int64_t ms) {
  if (ms == 0) return "0s";
  if (ms < 0) {
    // Built by append: GCC 12 at -O3 reports a false -Wrestrict on `"-" + string`.
    std::string negative = "-";
    negative += format_duration_ms(-ms);
    return negative;
  }
  std::string out;
  const std::pair<int64_t, const char*> units[] = {
    {3'600'000, "h"}, {60'000, "m"}, {1'000, "s"}, {1, "ms"}};
  for (const auto& [size, name] : units) {
    if (ms >= size) {
      out += std::to_string(ms / size) + name;
      ms %= size;
    }
  }
  return out;
}

std::map<std::string, std::string> parse_string_map(const std::string& raw,
                                                    const std::string& where) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start <= raw.size() && !raw.empty()) {
    size_t end = raw.find(',', start);
    if (end == std::string::npos) end = raw.size();
    const std::string item = raw.substr(start, end - start);
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      bad_value(raw, where, "expected key=value pairs separated by ','");
    }
    out[item.substr(0, eq)] = item.substr(eq + 1);
    start = end + 1;
  }
  return out;
}

}  // namespace resonate::config
