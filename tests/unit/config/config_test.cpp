#include <gtest/gtest.h>

#include <unistd.h>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/config.hpp"
#include "config/descriptors.hpp"
#include "config/loader.hpp"

namespace resonate::config {
namespace {

namespace fs = std::filesystem;
using env_list = std::vector<std::pair<std::string, std::string>>;

// Each test gets its own empty working directory, so no resonate.yaml leaks in.
class config_test : public ::testing::Test {
protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("resonate_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_file(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }

  command_line run(const std::vector<std::string>& args, const env_list& env = {}) {
    return load(args, env, dir_.string());
  }

  // The config_error message of a load that must fail.
  std::string error_of(const std::vector<std::string>& args, const env_list& env = {}) {
    try {
      run(args, env);
    } catch (const config_error& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected a config_error";
    return "";
  }

  fs::path dir_;
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// "a.b.c" + "v" -> "a:\n  b:\n    c: v\n"
std::string nested_yaml(const std::string& key, const std::string& value) {
  std::string out;
  std::string indent;
  size_t start = 0;
  for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', start)) {
    out += indent + key.substr(start, dot - start) + ":\n";
    indent += "  ";
    start = dot + 1;
  }
  return out + indent + key.substr(start) + ": " + value + "\n";
}

std::string yaml_scalar(const std::string& v) {
  std::string out = "\"";
  for (char ch : v) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

// A value for `d` that is valid and differs from its default, found by trying candidates
// through the descriptor's own setter so the test needs no per-option knowledge.
std::string sample_value(const descriptor& d) {
  const config defaults;
  std::vector<std::string> candidates;
  switch (d.type) {
    case value_type::int64:
    case value_type::duration:
      candidates = {std::to_string(d.min + 1), std::to_string(d.min + 2)};
      break;
    case value_type::boolean:
      candidates = {"true", "false"};
      break;
    case value_type::choice:
      candidates = d.choices;
      break;
    case value_type::string_map:
      candidates = {"sslmode=require"};
      break;
    case value_type::string_list:
      // The second: lists of objects; the third: lists of addresses.
      candidates = {"http://a.example", "w=poll:group=g", "10.0.0.2:7000"};
      break;
    case value_type::string:
      candidates = {"127.0.0.1:4321", "http://example.com:9", "6543", "some-value"};
      break;
  }
  for (const auto& c : candidates) {
    config probe;
    try {
      d.set(probe, c, "test");
    } catch (const config_error&) {
      continue;
    }
    if (d.get(probe) != d.get(defaults)) return c;
  }
  throw std::logic_error("no sample value for " + d.key);
}

// ---- defaults and layers ---------------------------------------------------------------

TEST_F(config_test, defaults_without_file_env_or_flags) {
  const auto cl = run({"serve"});
  EXPECT_EQ(cl.command, "serve");
  EXPECT_FALSE(cl.help);
  EXPECT_EQ(cl.config_file, "");
  EXPECT_TRUE(cl.warnings.empty());
  EXPECT_EQ(cl.cfg, config{});
  EXPECT_EQ(cl.cfg.http.addr, ":8001");
  EXPECT_EQ(cl.cfg.system.signal_timeout_ms, 1000);
  EXPECT_EQ(cl.cfg.store, store_kind::sqlite);
  EXPECT_EQ(cl.cfg.sqlite.path, "resonate.db");
  EXPECT_EQ(cl.cfg.store_durability, durability::process);
  EXPECT_EQ(cl.cfg.metrics_addr, ":9090");
  EXPECT_EQ(cl.cfg.log_level, "info");
  EXPECT_EQ(cl.cfg.postgres.port, "5432");
  EXPECT_TRUE(cl.cfg.postgres.query.empty());
}

TEST_F(config_test, dev_defaults_and_dev_file) {
  write_file("resonate.yaml", "logLevel: error\n");
  auto cl = run({"dev"});
  EXPECT_EQ(cl.cfg.sqlite.path, ":memory:");
  EXPECT_TRUE(cl.cfg.debug) << "dev serves debug.* (protocol 2026-04-01)";
  EXPECT_FALSE(run({"serve"}).cfg.debug);
  EXPECT_FALSE(run({"dev", "--debug=false"}).cfg.debug);
  EXPECT_EQ(cl.cfg.postgres.query, (std::map<std::string, std::string>{{"sslmode", "disable"}}));
  EXPECT_EQ(cl.cfg.log_level, "info") << "dev must not read resonate.yaml";
  EXPECT_EQ(cl.cfg, default_config("dev"));

  write_file("resonate-dev.yaml", "logLevel: debug\n");
  cl = run({"dev"});
  EXPECT_EQ(cl.cfg.log_level, "debug");
  EXPECT_EQ(cl.cfg.sqlite.path, ":memory:");
  EXPECT_TRUE(contains(cl.config_file, "resonate-dev.yaml"));
}

TEST_F(config_test, yaml_file_values_with_reference_keys) {
  write_file("resonate.yaml", R"(
system:
  url: http://example.com:8001
  coroutineMaxSize: 50
  signalTimeout: 250ms
api:
  size: 77
  subsystems:
    http:
      config:
        addr: 127.0.0.1:0
        bodyLimit: 2048
        idleTimeout: 1h30m
        maxConnections: 12
        threads: 4
        timeout: 45s
aio:
  size: 88
  subsystems:
    store:
      durability: power
      sqlite:
        config:
          path: /tmp/x.db
          batchSize: 10
      postgres:
        enabled: true
        config:
          host: db.internal
          port: "6543"
          username: alice
          password: s3cret
          database: prod
          query:
            sslmode: require
            connect_timeout: 5
          workers: 3
          batchSize: 20
metricsAddr: ""
logLevel: WARN
)");
  const auto cl = run({"serve"});
  const config& c = cl.cfg;
  EXPECT_EQ(c.system.url, "http://example.com:8001");
  EXPECT_EQ(c.system.coroutine_max_size, 50);
  EXPECT_EQ(c.system.signal_timeout_ms, 250);
  EXPECT_EQ(c.api_size, 77);
  EXPECT_EQ(c.http.addr, "127.0.0.1:0");
  EXPECT_EQ(c.http.body_limit, 2048);
  EXPECT_EQ(c.http.idle_timeout_ms, 5400000);
  EXPECT_EQ(c.http.max_connections, 12);
  EXPECT_EQ(c.http.threads, 4);
  EXPECT_EQ(c.http.shutdown_timeout_ms, 45000);
  EXPECT_EQ(c.aio_size, 88);
  EXPECT_EQ(c.store_durability, durability::power);
  EXPECT_EQ(c.sqlite.path, "/tmp/x.db");
  EXPECT_EQ(c.sqlite.batch_size, 10);
  EXPECT_EQ(c.store, store_kind::postgres);
  EXPECT_EQ(c.postgres.host, "db.internal");
  EXPECT_EQ(c.postgres.port, "6543");
  EXPECT_EQ(c.postgres.username, "alice");
  EXPECT_EQ(c.postgres.password, "s3cret");
  EXPECT_EQ(c.postgres.database, "prod");
  EXPECT_EQ(c.postgres.query,
            (std::map<std::string, std::string>{{"connect_timeout", "5"}, {"sslmode", "require"}}));
  EXPECT_EQ(c.postgres.workers, 3);
  EXPECT_EQ(c.postgres.batch_size, 20);
  EXPECT_EQ(c.metrics_addr, "");
  EXPECT_EQ(c.log_level, "warn");
}

TEST_F(config_test, yaml_keys_match_ignoring_case) {
  write_file("resonate.yaml", "SYSTEM:\n  COROUTINEMAXSIZE: 5\nloglevel: debug\n");
  const auto cl = run({"serve"});
  EXPECT_EQ(cl.cfg.system.coroutine_max_size, 5);
  EXPECT_EQ(cl.cfg.log_level, "debug");
}

TEST_F(config_test, empty_file_and_empty_sections_are_fine) {
  write_file("resonate.yaml", "");
  EXPECT_EQ(run({"serve"}).cfg, config{});
  write_file("resonate.yaml", "system:\napi:\n  subsystems:\n");
  EXPECT_EQ(run({"serve"}).cfg, config{});
}

TEST_F(config_test, precedence_defaults_yaml_env_flags) {
  write_file("resonate.yaml",
             "api:\n  size: 10\naio:\n  size: 10\nsystem:\n  coroutineMaxSize: 10\n");
  const env_list env = {{"RESONATE_AIO_SIZE", "20"}, {"RESONATE_SYSTEM_COROUTINEMAXSIZE", "20"}};
  const auto cl = run({"serve", "--system-coroutine-max-size", "30"}, env);
  EXPECT_EQ(cl.cfg.api_size, 10);                   // YAML over default
  EXPECT_EQ(cl.cfg.aio_size, 20);                   // env over YAML
  EXPECT_EQ(cl.cfg.system.coroutine_max_size, 30);  // flag over env
  EXPECT_EQ(cl.cfg.system.submission_batch_size, 1000);
}

TEST_F(config_test, explicit_config_file) {
  write_file("resonate.yaml", "api:\n  size: 1\n");
  write_file("other.yaml", "api:\n  size: 2\n");
  EXPECT_EQ(run({"serve", "-c", "other.yaml"}).cfg.api_size, 2);
  EXPECT_EQ(run({"serve", "--config=other.yaml"}).cfg.api_size, 2);
  EXPECT_EQ(run({"serve", "--config", (dir_ / "other.yaml").string()}).cfg.api_size, 2);
  EXPECT_EQ(run({"serve"}).cfg.api_size, 1);
}

TEST_F(config_test, flag_forms) {
  auto cl = run({"serve", "--api-size=5", "--aio-size", "6", "--aio-store-postgres-enable"});
  EXPECT_EQ(cl.cfg.api_size, 5);
  EXPECT_EQ(cl.cfg.aio_size, 6);
  EXPECT_EQ(cl.cfg.store, store_kind::postgres);
  cl = run({"serve", "--aio-store-postgres-enable=false"},
           {{"RESONATE_AIO_STORE_POSTGRES_ENABLE", "1"}});
  EXPECT_EQ(cl.cfg.store, store_kind::sqlite);
  // A boolean flag never swallows the next argument.
  cl = run({"serve", "--aio-store-postgres-enable", "--api-size", "7"});
  EXPECT_EQ(cl.cfg.store, store_kind::postgres);
  EXPECT_EQ(cl.cfg.api_size, 7);
  // The last occurrence wins.
  EXPECT_EQ(run({"serve", "--api-size", "1", "--api-size", "2"}).cfg.api_size, 2);
  // Values may start with '-' and may contain '='.
  cl = run({"serve", "--aio-store-postgres-password", "-x=y", "--aio-store-postgres-username=a=b"});
  EXPECT_EQ(cl.cfg.postgres.password, "-x=y");
  EXPECT_EQ(cl.cfg.postgres.username, "a=b");
}

TEST_F(config_test, store_selection_postgres_wins) {
  write_file("resonate.yaml",
             "aio:\n  subsystems:\n    store:\n      sqlite:\n        enabled: true\n"
             "      postgres:\n        enabled: true\n");
  EXPECT_EQ(run({"serve"}).cfg.store, store_kind::postgres);
  EXPECT_EQ(
    run({"serve", "--aio-store-sqlite-enable=false", "--aio-store-postgres-enable"}).cfg.store,
    store_kind::postgres);
  EXPECT_EQ(run({"serve", "--aio-store-postgres-enable=false"}).cfg.store, store_kind::sqlite);
}

TEST_F(config_test, query_map_flags_accumulate_and_replace_lower_layers) {
  write_file("resonate.yaml",
             "aio:\n  subsystems:\n    store:\n      postgres:\n        config:\n"
             "          query: {sslmode: disable, application_name: yaml}\n");
  auto cl =
    run({"serve"}, {{"RESONATE_AIO_STORE_POSTGRES_QUERY", "sslmode=prefer,connect_timeout=3"}});
  EXPECT_EQ(cl.cfg.postgres.query,
            (std::map<std::string, std::string>{{"connect_timeout", "3"}, {"sslmode", "prefer"}}));
  cl = run({"serve", "--aio-store-postgres-query", "sslmode=require",
            "--aio-store-postgres-query=a=1,b=2"});
  EXPECT_EQ(cl.cfg.postgres.query,
            (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}, {"sslmode", "require"}}));
}

// Every row of the table is reachable through its YAML key (as spelled and lower case),
// each of its environment variables and each of its flags in both forms.
TEST_F(config_test, auth_and_cors_options) {
  using origins = std::vector<std::string>;
  using users = std::map<std::string, std::string>;
  // The reference's keys: a YAML list of origins, a user -> password map, the key path.
  write_file("resonate.yaml", R"(
api:
  auth:
    publicKey: /etc/resonate/public.pem
  subsystems:
    http:
      config:
        auth: {alice: "s3cret", "bob.smith": "p=w,x"}
        cors:
          allowOrigins: ["http://a.example", "https://b.example"]
aio:
  plugins:
    poll:
      config:
        auth: {worker: pw}
        cors: {allowOrigins: ["*"]}
)");
  auto cl = run({"serve"});
  EXPECT_TRUE(cl.warnings.empty()) << "these keys are implemented now";
  EXPECT_EQ(cl.cfg.auth_public_key, "/etc/resonate/public.pem");
  EXPECT_EQ(cl.cfg.http.auth, (users{{"alice", "s3cret"}, {"bob.smith", "p=w,x"}}));
  EXPECT_EQ(cl.cfg.http.cors_allow_origins, (origins{"http://a.example", "https://b.example"}));
  EXPECT_EQ(cl.cfg.poll.auth, (users{{"worker", "pw"}}));
  EXPECT_EQ(cl.cfg.poll.cors_allow_origins, (origins{"*"}));
  fs::remove(dir_ / "resonate.yaml");
  // Flags: repeated list and map flags accumulate; a list flag also takes commas.
  cl = run({"serve", "--api-http-cors-allow-origin", "http://a.example",
            "--api-http-cors-allow-origin=http://b.example, http://c.example", "--api-http-auth",
            "alice=1", "--api-http-auth", "bob=2:3"});
  EXPECT_EQ(cl.cfg.http.cors_allow_origins,
            (origins{"http://a.example", "http://b.example", "http://c.example"}));
  EXPECT_EQ(cl.cfg.http.auth, (users{{"alice", "1"}, {"bob", "2:3"}}));
  cl = run({"serve"}, {{"RESONATE_API_HTTP_CORS_ALLOW_ORIGIN", "http://x.example,http://y.example"},
                       {"RESONATE_AIO_POLL_AUTH", "w=p"}});
  EXPECT_EQ(cl.cfg.http.cors_allow_origins, (origins{"http://x.example", "http://y.example"}));
  EXPECT_EQ(cl.cfg.poll.auth, (users{{"w", "p"}}));
  // What gin-contrib/cors and basic auth could not take.
  EXPECT_TRUE(contains(error_of({"serve", "--api-http-cors-allow-origin", "a.example"}),
                       "origins must be * or start with http:// or https://"));
  EXPECT_TRUE(contains(error_of({"serve", "--aio-poll-cors-allow-origin", "ftp://x"}),
                       "origins must be * or start with http:// or https://"));
  write_file("resonate.yaml",
             "api:\n  subsystems:\n    http:\n      config:\n        auth: {\"a:b\": c}\n");
  EXPECT_TRUE(contains(error_of({"serve"}), "user names must be non-empty and without ':'"));
  write_file("resonate.yaml",
             "api:\n  subsystems:\n    http:\n      config:\n"
             "        cors: {allowOrigins: [[x]]}\n");
  EXPECT_TRUE(contains(error_of({"serve"}), "expected a list of plain values"));
}

TEST_F(config_test, every_descriptor_reachable_from_yaml_env_and_flags) {
  ASSERT_GE(descriptors().size(), 30u);
  for (const auto& d : descriptors()) {
    SCOPED_TRACE(d.key);
    const std::string value = sample_value(d);
    config expected;
    d.set(expected, value, "test");
    const std::string want = d.get(expected);
    // Disabling SQLite is only valid with PostgreSQL enabled (checked after all layers).
    const bool needs_pg = d.key == "aio.subsystems.store.sqlite.enabled";
    auto serve = [&](std::vector<std::string> more) {
      std::vector<std::string> args = {"serve"};
      if (needs_pg) args.push_back("--aio-store-postgres-enable");
      args.insert(args.end(), more.begin(), more.end());
      return args;
    };

    for (const std::string& key : {d.key, std::string()}) {
      std::string k = key.empty() ? d.key : key;
      if (key.empty()) {
        for (auto& ch : k) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      }
      write_file("resonate.yaml", nested_yaml(k, yaml_scalar(value)));
      EXPECT_EQ(d.get(run(serve({})).cfg), want) << "yaml " << k;
    }
    fs::remove(dir_ / "resonate.yaml");

    ASSERT_FALSE(d.env.empty());
    EXPECT_EQ(d.env.front().rfind("RESONATE_", 0), 0u);
    for (const auto& name : d.env) {
      EXPECT_EQ(d.get(run(serve({}), {{name, value}}).cfg), want) << "env " << name;
    }
    ASSERT_FALSE(d.flags.empty());
    for (const auto& f : d.flags) {
      EXPECT_EQ(d.get(run(serve({"--" + f + "=" + value})).cfg), want) << "flag --" << f;
      if (d.type != value_type::boolean) {
        EXPECT_EQ(d.get(run(serve({"--" + f, value})).cfg), want) << "flag --" << f;
      }
    }
  }
}

TEST_F(config_test, names_are_unique_and_derived) {
  std::set<std::string> keys, flags, envs;
  for (const auto& d : descriptors()) {
    std::string lower = d.key;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_TRUE(keys.insert(lower).second) << d.key;
    for (const auto& f : d.flags) EXPECT_TRUE(flags.insert(f).second) << f;
    for (const auto& e : d.env) EXPECT_TRUE(envs.insert(e).second) << e;
    std::string derived = "RESONATE_";
    for (char ch : d.key) {
      derived += ch == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    EXPECT_EQ(d.env.front(), derived);
  }
  EXPECT_TRUE(flags.count("api-http-addr"));
  EXPECT_TRUE(envs.count("RESONATE_AIO_SUBSYSTEMS_STORE_SQLITE_CONFIG_PATH"));
  EXPECT_TRUE(envs.count("RESONATE_AIO_STORE_SQLITE_PATH"));
  EXPECT_TRUE(envs.count("RESONATE_SYSTEM_COROUTINEMAXSIZE"));
  EXPECT_TRUE(envs.count("RESONATE_LOG_LEVEL"));
}

TEST_F(config_test, env_aliases_must_agree) {
  auto cl = run({"serve"}, {{"RESONATE_LOGLEVEL", "debug"}, {"RESONATE_LOG_LEVEL", "debug"}});
  EXPECT_EQ(cl.cfg.log_level, "debug");
  const auto msg =
    error_of({"serve"}, {{"RESONATE_LOGLEVEL", "debug"}, {"RESONATE_LOG_LEVEL", "error"}});
  EXPECT_TRUE(contains(msg, "RESONATE_LOGLEVEL")) << msg;
  EXPECT_TRUE(contains(msg, "RESONATE_LOG_LEVEL")) << msg;
}

TEST_F(config_test, unknown_resonate_env_is_a_warning) {
  const auto cl = run({"serve"}, {{"RESONATE_API_SIZ", "3"}, {"HOME", "/root"}});
  ASSERT_EQ(cl.warnings.size(), 1u);
  EXPECT_TRUE(contains(cl.warnings[0], "RESONATE_API_SIZ"));
}

// ---- durations -------------------------------------------------------------------------

TEST(durations, go_syntax_and_plain_milliseconds) {
  const std::pair<const char*, int64_t> ok[] = {
    {"10s", 10000},   {"1m", 60000},        {"1h30m", 5400000},
    {"250ms", 250},   {"1500", 1500},       {"0", 0},
    {"0s", 0},        {"1.5s", 1500},       {"0.1s", 100},
    {"1h", 3600000},  {"2m3s4ms", 123004},  {"1000us", 1},
    {"1000000ns", 1}, {"1000\xC2\xB5s", 1}, {"-1s", -1000},
    {"+2s", 2000},
  };
  for (const auto& [in, want] : ok) EXPECT_EQ(parse_duration_ms(in, "k"), want) << in;
  for (const char* bad : {"", "s", "10x", "1.5ms", "ms10", "1h30", "--1s", ".s", "1e3s",
                          "99999999999999999999h", "10 s"}) {
    try {
      parse_duration_ms(bad, "system.signalTimeout");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const config_error& e) {
      EXPECT_TRUE(contains(e.what(), "system.signalTimeout")) << e.what();
    }
  }
}

TEST(durations, format_round_trips) {
  for (int64_t ms : {0, 1, 250, 1000, 1500, 60000, 90500, 3600000, 5400000, 86400000}) {
    EXPECT_EQ(parse_duration_ms(format_duration_ms(ms), "k"), ms) << format_duration_ms(ms);
  }
  EXPECT_EQ(format_duration_ms(5400000), "1h30m");
  EXPECT_EQ(format_duration_ms(250), "250ms");
  EXPECT_EQ(format_duration_ms(0), "0s");
}

// ---- errors name what is wrong -----------------------------------------------------------

TEST_F(config_test, unknown_flag) {
  auto msg = error_of({"serve", "--api-htp-addr", ":1"});
  EXPECT_TRUE(contains(msg, "unknown flag --api-htp-addr")) << msg;
  EXPECT_TRUE(contains(msg, "--api-http-addr")) << msg;  // the suggestion
  msg = error_of({"serve", "-x"});
  EXPECT_TRUE(contains(msg, "-x")) << msg;
  msg = error_of({"serve", "stray"});
  EXPECT_TRUE(contains(msg, "stray")) << msg;
  msg = error_of({"serve", "--api-size"});
  EXPECT_TRUE(contains(msg, "--api-size needs a value")) << msg;
}

TEST_F(config_test, unknown_or_missing_command) {
  EXPECT_TRUE(contains(error_of({"serv"}), "serv"));
  EXPECT_TRUE(contains(error_of({}), "missing command"));
  EXPECT_TRUE(contains(error_of({"--api-size", "1"}), "missing command"));
}

TEST_F(config_test, unknown_yaml_key_under_known_section) {
  write_file("resonate.yaml", "system:\n  coroutineMaxSise: 5\n");
  const auto msg = error_of({"serve"});
  EXPECT_TRUE(contains(msg, "system.coroutineMaxSise")) << msg;
  EXPECT_TRUE(contains(msg, "line 2")) << msg;
  EXPECT_TRUE(contains(msg, "system.coroutineMaxSize")) << msg;  // the suggestion
  write_file("resonate.yaml", "bogus: 1\n");
  EXPECT_TRUE(contains(error_of({"serve"}), "unknown key bogus"));
}

TEST_F(config_test, reference_sections_we_do_not_implement_are_warnings) {
  write_file("resonate.yaml", R"(
api:
  subsystems:
    grpc:
      enabled: true
      config: {addr: ":50051"}
aio:
  plugins:
    kafka:
      enabled: false
  subsystems:
    store:
      sqlite:
        config:
          txTimeout: 10s
)");
  const auto cl = run({"serve"});
  EXPECT_EQ(cl.cfg, config{});
  ASSERT_EQ(cl.warnings.size(), 3u);
  EXPECT_TRUE(contains(cl.warnings[0], "api.subsystems.grpc"));
}

TEST_F(config_test, wrong_type) {
  write_file("resonate.yaml", "api:\n  size: lots\n");
  auto msg = error_of({"serve"});
  EXPECT_TRUE(contains(msg, "api.size")) << msg;
  EXPECT_TRUE(contains(msg, "\"lots\"")) << msg;
  write_file("resonate.yaml", "api:\n  size: [1, 2]\n");
  EXPECT_TRUE(contains(error_of({"serve"}), "api.size"));
  write_file("resonate.yaml", "system: 3\n");
  EXPECT_TRUE(contains(error_of({"serve"}), "system must be a mapping"));
  fs::remove(dir_ / "resonate.yaml");
  msg = error_of({"serve", "--aio-store-postgres-enable=maybe"});
  EXPECT_TRUE(contains(msg, "--aio-store-postgres-enable")) << msg;
  EXPECT_TRUE(contains(msg, "maybe")) << msg;
}

TEST_F(config_test, out_of_range) {
  auto msg = error_of({"serve"}, {{"RESONATE_API_SIZE", "0"}});
  EXPECT_TRUE(contains(msg, "environment variable RESONATE_API_SIZE")) << msg;
  EXPECT_TRUE(contains(msg, "\"0\"")) << msg;
  EXPECT_TRUE(contains(msg, "out of range")) << msg;
  msg = error_of({"serve", "--api-http-threads", "100000"});
  EXPECT_TRUE(contains(msg, "--api-http-threads")) << msg;
  msg = error_of({"serve", "--api-size", "99999999999999999999999"});
  EXPECT_TRUE(contains(msg, "--api-size")) << msg;
  msg = error_of({"serve", "--aio-store-postgres-port", "70000"});
  EXPECT_TRUE(contains(msg, "--aio-store-postgres-port")) << msg;
}

TEST_F(config_test, bad_duration) {
  const auto msg = error_of({"serve", "--system-signal-timeout", "10 parsecs"});
  EXPECT_TRUE(contains(msg, "--system-signal-timeout")) << msg;
  EXPECT_TRUE(contains(msg, "10 parsecs")) << msg;
  write_file("resonate.yaml", "system:\n  signalTimeout: 0s\n");
  EXPECT_TRUE(contains(error_of({"serve"}), "system.signalTimeout"));
}

TEST_F(config_test, bad_enum) {
  auto msg = error_of({"serve", "--log-level", "loud"});
  EXPECT_TRUE(contains(msg, "--log-level")) << msg;
  EXPECT_TRUE(contains(msg, "debug|info|warn|error|off")) << msg;
  msg = error_of({"serve"}, {{"RESONATE_AIO_STORE_DURABILITY", "disk"}});
  EXPECT_TRUE(contains(msg, "RESONATE_AIO_STORE_DURABILITY")) << msg;
  EXPECT_TRUE(contains(msg, "process|power")) << msg;
}

TEST_F(config_test, bad_host_port) {
  auto msg = error_of({"serve", "--api-http-addr", "8001"});
  EXPECT_TRUE(contains(msg, "--api-http-addr")) << msg;
  EXPECT_TRUE(contains(msg, "\"8001\"")) << msg;
  write_file("resonate.yaml", "metricsAddr: \"localhost:http\"\n");
  msg = error_of({"serve"});
  EXPECT_TRUE(contains(msg, "metricsAddr")) << msg;
  fs::remove(dir_ / "resonate.yaml");
  msg = error_of({"serve", "--system-url", "example.com"});
  EXPECT_TRUE(contains(msg, "--system-url")) << msg;
}

TEST_F(config_test, config_file_errors) {
  auto msg = error_of({"serve", "-c", "missing.yaml"});
  EXPECT_TRUE(contains(msg, "missing.yaml")) << msg;
  EXPECT_TRUE(contains(msg, "-c/--config")) << msg;
  write_file("resonate.yaml", "api:\n  size: [1\n");
  msg = error_of({"serve"});
  EXPECT_TRUE(contains(msg, "resonate.yaml")) << msg;
  EXPECT_TRUE(contains(msg, "line")) << msg;
  write_file("resonate.yaml", "- a\n- b\n");
  EXPECT_TRUE(contains(error_of({"serve"}), "top level"));
}

TEST_F(config_test, no_store_enabled) {
  const auto msg = error_of({"serve", "--aio-store-sqlite-enable=false"});
  EXPECT_TRUE(contains(msg, "aio.subsystems.store.sqlite.enabled")) << msg;
}

TEST_F(config_test, bad_query_key) {
  const auto msg = error_of({"serve", "--aio-store-postgres-query", "ssl mode=x"});
  EXPECT_TRUE(contains(msg, "--aio-store-postgres-query")) << msg;
  EXPECT_TRUE(contains(error_of({"serve", "--aio-store-postgres-query", "novalue"}),
                       "--aio-store-postgres-query"));
}

// ---- help, example, hidden commands ------------------------------------------------------

TEST_F(config_test, help_flag_skips_loading) {
  write_file("resonate.yaml", "this is: [not valid\n");
  auto cl = run({"serve", "--help"}, {{"RESONATE_API_SIZE", "zero"}});
  EXPECT_TRUE(cl.help);
  EXPECT_EQ(cl.command, "serve");
  EXPECT_TRUE(run({"dev", "-h"}).help);
  EXPECT_TRUE(run({"-h"}).help);
  EXPECT_TRUE(contains(error_of({"serve", "-h", "--nope"}), "--nope"));
}

TEST(help, lists_every_flag_env_and_key) {
  for (const std::string cmd : {"serve", "dev", ""}) {
    const std::string h = help_text(cmd);
    EXPECT_TRUE(contains(h, "--config")) << cmd;
    EXPECT_TRUE(contains(h, "--help")) << cmd;
    for (const auto& d : descriptors()) {
      for (const auto& f : d.flags)
        EXPECT_TRUE(contains(h, "--" + f + " ") || contains(h, "--" + f + "\n")) << f;
      for (const auto& e : d.env) EXPECT_TRUE(contains(h, e)) << e;
      EXPECT_TRUE(contains(h, d.key)) << d.key;
    }
  }
  EXPECT_TRUE(contains(help_text("dev"), "(default \":memory:\")"));
  EXPECT_TRUE(contains(help_text("serve"), "(default \"resonate.db\")"));
  EXPECT_TRUE(contains(help_text("serve"), "(default 1s)"));
}

TEST_F(config_test, config_example_command) {
  const auto cl = run({"config-example"});
  EXPECT_EQ(cl.command, "config-example");
}

TEST_F(config_test, example_file_is_current_and_parses_to_defaults) {
  std::ifstream in(std::string(RESONATE_SOURCE_DIR) + "/resonate.yaml.example");
  ASSERT_TRUE(in) << "resonate.yaml.example missing at the repository root";
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), example_yaml()) << "regenerate with `resonate config-example`";

  write_file("example.yaml", example_yaml());
  const auto cl = run({"serve", "-c", "example.yaml"});
  EXPECT_EQ(cl.cfg, config{});
  EXPECT_TRUE(cl.warnings.empty());
  for (const auto& d : descriptors()) EXPECT_TRUE(contains(example_yaml(), d.env.front())) << d.key;
}

// ---- postgres_conninfo and split_host_port ------------------------------------------------

// A connection whose peer vanishes without a word (a node cut off from the
// network, a database host that died) must fail within seconds, not hang on
// TCP's own timers for many minutes: every store thread and the cluster
// directory would wait on it, and the node would never serve again.
const std::string dead_peer_limits =
  " connect_timeout=10 keepalives=1 keepalives_count=3 keepalives_idle=10 keepalives_interval=2"
  " tcp_user_timeout=10000";

TEST(conninfo, defaults_and_escaping) {
  postgres_config pg;
  EXPECT_EQ(postgres_conninfo(pg), "host=localhost port=5432 dbname=resonate" + dead_peer_limits);
  pg.username = "bob";
  pg.password = "it's a \\secret";
  pg.database = "";
  pg.query = {{"sslmode", "disable"}, {"application_name", "resonate node"}};
  EXPECT_EQ(postgres_conninfo(pg),
            "host=localhost port=5432 user=bob password='it\\'s a \\\\secret' dbname='' "
            "application_name='resonate node' sslmode=disable" +
              dead_peer_limits);
  pg.password = "a=b";
  EXPECT_TRUE(contains(postgres_conninfo(pg), "password='a=b'"));
}

TEST(conninfo, the_users_parameters_win_over_the_dead_peer_limits) {
  postgres_config pg;
  pg.query = {{"tcp_user_timeout", "0"}, {"connect_timeout", "3"}};
  EXPECT_EQ(postgres_conninfo(pg),
            "host=localhost port=5432 dbname=resonate connect_timeout=3 tcp_user_timeout=0 "
            "keepalives=1 keepalives_count=3 keepalives_idle=10 keepalives_interval=2");
}

TEST(host_port, accepted_forms) {
  using hp = std::pair<std::string, uint16_t>;
  EXPECT_EQ(split_host_port(":8001", "k"), (hp{"", 8001}));
  EXPECT_EQ(split_host_port("127.0.0.1:0", "k"), (hp{"127.0.0.1", 0}));
  EXPECT_EQ(split_host_port("[::1]:8001", "k"), (hp{"::1", 8001}));
  EXPECT_EQ(split_host_port("[::]:65535", "k"), (hp{"::", 65535}));
  EXPECT_EQ(split_host_port("localhost:9090", "k"), (hp{"localhost", 9090}));
}

TEST(host_port, errors_name_the_key) {
  for (const char* bad : {"", "8001", ":", "host:", ":65536", ":80a", "::1:80", "[::1]",
                          "[::1]8001", "[::1:80", "[]:80", "a b:80", ":-1", ":123456"}) {
    try {
      split_host_port(bad, "--api-http-addr");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const config_error& e) {
      EXPECT_TRUE(contains(e.what(), "--api-http-addr")) << e.what();
      EXPECT_TRUE(contains(e.what(), std::string("\"") + bad + "\"")) << e.what();
    }
  }
}

// ---- router sources and sender targets: lists of objects (spec 4.11, 4.12) ----------------

TEST_F(config_test, router_sources_and_sender_targets_from_yaml_and_flags) {
  write_file("resonate.yaml", R"(
aio:
  subsystems:
    router:
      config:
        sources: [{name: mine, type: tag, data: {key: "myapp:target"}}]
    sender:
      config:
        targets:
          - {name: workers, type: poll, data: {cast: uni, group: w}}
          - {name: hook, type: http, data: {url: "https://example.com/h"}}
)");
  auto cl = run({"serve"});
  ASSERT_EQ(cl.cfg.router.sources.size(), 1u);
  EXPECT_EQ(cl.cfg.router.sources[0].name, "mine");
  EXPECT_EQ(cl.cfg.router.sources[0].key, "myapp:target");
  ASSERT_EQ(cl.cfg.sender.target_objects.size(), 2u);
  EXPECT_EQ(cl.cfg.sender.target_objects[0].type, "poll");
  EXPECT_EQ(cl.cfg.sender.target_objects[0].data.at("group"), "w");
  EXPECT_EQ(cl.cfg.sender.target_objects[1].data.at("url"), "https://example.com/h");
  // Flags replace the file's list and keep their order.
  cl = run({"serve", "--aio-router-sources", "b=k2", "--aio-router-sources", "a=k1"});
  ASSERT_EQ(cl.cfg.router.sources.size(), 2u);
  EXPECT_EQ(cl.cfg.router.sources[0].name, "b");
  EXPECT_EQ(cl.cfg.router.sources[1].key, "k1");
}

TEST_F(config_test, router_source_and_sender_target_bad_types_are_startup_errors) {
  write_file("resonate.yaml", R"(
aio: {subsystems: {router: {config: {sources: [{name: x, type: regex, data: {key: k}}]}}}}
)");
  EXPECT_TRUE(contains(error_of({"serve"}), "unknown router source type"));
  write_file("resonate.yaml", "logLevel: error\n");
  EXPECT_TRUE(contains(error_of({"serve", "--aio-sender-target", "q=sqs:url=https://x"}),
                       "unknown sender target type"));
  EXPECT_TRUE(contains(error_of({"serve", "--aio-sender-target", "p=poll:cast=any"}),
                       "poll target needs data group"));
  EXPECT_TRUE(
    contains(error_of({"serve", "--aio-router-sources", "noequals"}), "expected name=tagkey"));
}

// https push trusts the system store only unless a CA file is named (spec 3.5, issue 5).
TEST_F(config_test, http_push_ca_file) {
  EXPECT_EQ(run({"serve"}).cfg.push.ca_file, "");
  write_file("resonate.yaml",
             "aio:\n  plugins:\n    http:\n      config:\n        caFile: /y/ca.pem\n");
  EXPECT_EQ(run({"serve"}).cfg.push.ca_file, "/y/ca.pem");
  EXPECT_EQ(run({"serve", "--aio-http-ca-file", "/f/ca.pem"}).cfg.push.ca_file, "/f/ca.pem");
  EXPECT_EQ(run({"serve"}, {{"RESONATE_AIO_HTTP_CA_FILE", "/e/ca.pem"}}).cfg.push.ca_file,
            "/e/ca.pem");
}

}  // namespace
}  // namespace resonate::config
