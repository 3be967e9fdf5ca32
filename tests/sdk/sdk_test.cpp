// End to end with the real @resonatehq/sdk 0.11.5 from npm (tests/sdk): every
// scenario of run.mjs against a real `resonate serve`, on SQLite and on a
// scratch PostgreSQL database. The test owns the server: it counts the
// protocol 2026-04-01 requests a scenario sent (from /metrics) and, for
// `restart`, SIGKILLs the server mid-workflow and starts it again on the same
// store and port.

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

#include "tests/support/child_process.hpp"
#include "tests/support/cli_run.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/raw_conn.hpp"
#include "tests/support/scratch_store.hpp"
#include "tests/support/server_process.hpp"

namespace resonate::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// What a scenario sent: the protocol 2026 envelopes the server answered.
constexpr const char* k_requests = "protocol_2026_requests_total";

struct scenario_case {
  store_kind store;
  std::string scenario;
};

void PrintTo(const scenario_case& c, std::ostream* os) {
  *os << to_string(c.store) << " " << c.scenario;
}

std::string case_name(const ::testing::TestParamInfo<scenario_case>& info) {
  return to_string(info.param.store) + "_" + info.param.scenario;
}

/// What run.mjs printed, for a failed test.
void print_run(child_process& runner) {
  std::cerr << "--- run.mjs stdout ---\n";
  for (const auto& l : runner.lines()) std::cerr << l << "\n";
  std::cerr << "--- run.mjs stderr ---\n" << runner.stderr_text() << "\n";
}

class SdkTest : public ::testing::TestWithParam<scenario_case> {
protected:
  void SetUp() override {
    if (GetParam().store == store_kind::postgres && !test_pg_conninfo())
      GTEST_SKIP() << "RESONATE_TEST_PG is not set";
    if (!fs::exists(fs::path(SDK_DIR) / "node_modules/@resonatehq/sdk"))
      GTEST_SKIP() << "the SDK is not installed: npm ci --prefix tests/sdk (scripts/setup.sh does)";
    store_ = std::make_unique<scratch_store>(GetParam().store);
    // One port across a restart: the SDK clients hold the server's URL.
    port_ = closed_port();
    auto args = store_->server_args();
    args.insert(args.end(),
                {"--api-http-addr", "127.0.0.1:" + std::to_string(port_), "--log-level", "info"});
    server_ = std::make_unique<server_process>(args);
    server_->start();
  }

  void TearDown() override {
    if (runner_ && HasFailure()) print_run(*runner_);
    runner_.reset();
    if (server_ && server_->running()) server_->stop();
    if (HasFailure() && server_)
      std::cerr << "--- server log ---\n" << server_->log_tail(8000) << "\n";
  }

  std::unique_ptr<scratch_store> store_;
  std::unique_ptr<server_process> server_;
  std::unique_ptr<child_process> runner_;
  uint16_t port_ = 0;
};

TEST_P(SdkTest, Scenario) {
  const auto& scenario = GetParam().scenario;
  const auto marker = fs::temp_directory_path() /
                      ("resonate-sdk-" + std::to_string(::getpid()) + "-" + scenario + ".marker");
  fs::remove(marker);
  const double requests_before = server_->metric_sum(k_requests);
  const auto t0 = std::chrono::steady_clock::now();
  runner_ = std::make_unique<child_process>(std::vector<std::string>{
    "/usr/bin/env", "RESONATE_URL=http://127.0.0.1:" + std::to_string(port_),
    "RESONATE_MARKER=" + marker.string(), NODE_EXECUTABLE, std::string(SDK_DIR) + "/run.mjs",
    scenario, to_string(GetParam().store) + std::to_string(::getpid())});

  double requests_lost = 0;  // counted by the killed server, gone with it
  if (scenario == "restart") {
    // SIGKILL as soon as step 1 has run: the workflow is then between steps
    // (suspending on, or asleep in, its ctx.sleep).
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!fs::exists(marker) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    ASSERT_TRUE(fs::exists(marker)) << "step 1 never ran";
    requests_lost = server_->metric_sum(k_requests) - requests_before;
    server_->kill9();
    server_->start();
  }

  auto line = runner_->read_line(120s);
  fs::remove(marker);
  ASSERT_TRUE(line) << "run.mjs printed nothing";
  const auto wall_ms =
    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
      .count();
  boost::json::value result;
  ASSERT_NO_THROW(result = boost::json::parse(*line)) << *line;
  ASSERT_TRUE(result.is_object()) << *line;
  EXPECT_EQ(result.as_object().if_contains("ok") ? result.at("ok") : boost::json::value(false),
            boost::json::value(true))
    << *line;
  const double requests =
    server_->metric_sum(k_requests) - (scenario == "restart" ? 0 : requests_before) + requests_lost;
  // The figures the closing notes and tests/sdk/README.md quote.
  std::cout << "sdk scenario=" << scenario << " store=" << to_string(GetParam().store)
            << " wall_ms=" << wall_ms << " requests=" << requests << "\n";
}

std::vector<scenario_case> all_cases() {
  std::vector<scenario_case> cases;
  for (auto store : {store_kind::sqlite, store_kind::postgres})
    for (const char* s : {"countdown", "rpc", "fanout", "crash", "restart", "schedule", "hitl",
                          "rest", "heartbeat", "large"})
      cases.push_back({store, s});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Sdk, SdkTest, ::testing::ValuesIn(all_cases()), case_name);

// Several nodes on one PostgreSQL (tests/cluster): the SDK's workers stream
// from node b, while the driver's requests go to node a, which holds the
// lease on the background work. Every execute and unblock for a worker
// crosses from a to b over the cluster port, or is sent by b itself.
class SdkClusterTest : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    if (!test_pg_conninfo()) GTEST_SKIP() << "RESONATE_TEST_PG is not set";
    if (!fs::exists(fs::path(SDK_DIR) / "node_modules/@resonatehq/sdk"))
      GTEST_SKIP() << "the SDK is not installed: npm ci --prefix tests/sdk (scripts/setup.sh does)";
    store_ = std::make_unique<scratch_store>(store_kind::postgres);
    a_ = std::make_unique<server_process>(node_args("a", ""));
    a_->start();
    std::string seed;
    for (auto until = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(20ms)) {
      auto lease = store_->query("SELECT owner FROM partition_leases WHERE partition_id = 0");
      auto addr = store_->query("SELECT cluster_addr FROM cluster_nodes WHERE node_id = 'a'");
      if (!lease.empty() && lease.front() == "a" && !addr.empty()) {
        seed = addr.front();
        break;
      }
    }
    ASSERT_FALSE(seed.empty()) << "a never held the lease: " << a_->log_tail();
    b_ = std::make_unique<server_process>(node_args("b", seed));
    b_->start();
  }

  void TearDown() override {
    if (runner_ && HasFailure()) print_run(*runner_);
    runner_.reset();
    for (auto* node : {a_.get(), b_.get()}) {
      if (!node) continue;
      if (node->running()) node->stop();
      if (HasFailure()) std::cerr << "--- server log ---\n" << node->log_tail(6000) << "\n";
    }
  }

  std::vector<std::string> node_args(const std::string& id, const std::string& seeds) const {
    auto args = store_->server_args();
    args.insert(args.end(), {"--cluster-node-id", id, "--cluster-lease-ttl", "3s",
                             "--cluster-listen", "127.0.0.1:0", "--log-level", "info"});
    if (!seeds.empty()) args.insert(args.end(), {"--cluster-seeds", seeds});
    return args;
  }

  std::unique_ptr<scratch_store> store_;
  std::unique_ptr<server_process> a_, b_;
  std::unique_ptr<child_process> runner_;
};

TEST_P(SdkClusterTest, WorkersOnAnotherNode) {
  const auto& scenario = GetParam();
  const auto marker = fs::temp_directory_path() /
                      ("resonate-sdk-cluster-" + std::to_string(::getpid()) + "-" + scenario);
  fs::remove(marker);
  const auto t0 = std::chrono::steady_clock::now();
  runner_ = std::make_unique<child_process>(std::vector<std::string>{
    "/usr/bin/env", "RESONATE_URL=http://127.0.0.1:" + std::to_string(a_->port()),
    "RESONATE_WORKER_URL=http://127.0.0.1:" + std::to_string(b_->port()),
    "RESONATE_MARKER=" + marker.string(), NODE_EXECUTABLE, std::string(SDK_DIR) + "/run.mjs",
    scenario, "cluster" + std::to_string(::getpid())});
  auto line = runner_->read_line(120s);
  fs::remove(marker);
  ASSERT_TRUE(line) << "run.mjs printed nothing";
  boost::json::value result;
  ASSERT_NO_THROW(result = boost::json::parse(*line)) << *line;
  ASSERT_TRUE(result.is_object()) << *line;
  EXPECT_EQ(result.as_object().if_contains("ok") ? result.at("ok") : boost::json::value(false),
            boost::json::value(true))
    << *line;
  const double crossed =
    b_->metric_sum(R"(cluster_deliveries_received_total{outcome="delivered"})");
  EXPECT_GT(crossed, 0) << "no message crossed from a to b: the test proves nothing";
  std::cout << "sdk cluster scenario=" << scenario << " wall_ms="
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now() - t0)
                 .count()
            << " forwarded=" << crossed << "\n";
}

// restart kills the one server the SDK talks to; the others run as on one node.
INSTANTIATE_TEST_SUITE_P(Sdk, SdkClusterTest,
                         ::testing::Values("countdown", "rpc", "fanout", "crash", "schedule",
                                           "hitl", "heartbeat", "large"));

// The quickstart of the SDK's README, step by step: `resonate serve`, the
// README's countdown worker (readme_countdown.mjs), then the README's two
// commands. The shape of both commands is the README's; the differences: -S
// names the test's server (the README's is the default http://localhost:8001),
// and the arguments are 5 and 1, not 5 and 60: five one-second sleeps keep the
// test near 6 s where the README's would take five minutes.
using SdkReadmeTest = SdkTest;

TEST_P(SdkReadmeTest, QuickstartCountdownInvokeAndTree) {
  const std::string url = "http://127.0.0.1:" + std::to_string(port_);
  const auto t0 = std::chrono::steady_clock::now();
  runner_ = std::make_unique<child_process>(
    std::vector<std::string>{"/usr/bin/env", "RESONATE_URL=" + url, NODE_EXECUTABLE,
                             std::string(SDK_DIR) + "/readme_countdown.mjs"});
  // The worker's SSE stream must be open, or the first execute has nobody to go to.
  for (auto until = std::chrono::steady_clock::now() + 15s;
       server_->metric_sum("sse_connections") < 1 && std::chrono::steady_clock::now() < until;)
    std::this_thread::sleep_for(20ms);
  ASSERT_GE(server_->metric_sum("sse_connections"), 1) << "the worker never connected";

  const std::vector<std::string> invoke{"invoke", "countdown.1", "--func", "countdown", "--arg",
                                        "5",      "--arg",       "1",      "-S",        url};
  auto inv = run_cli(invoke);
  ASSERT_EQ(inv.code, 0) << describe(invoke, inv);

  std::vector<std::string> printed;
  while (printed.empty() || printed.back() != "Done!") {
    auto line = runner_->read_line(15s);
    if (!line) break;
    printed.push_back(*line);
  }
  EXPECT_EQ(printed, (std::vector<std::string>{"Countdown: 5", "Countdown: 4", "Countdown: 3",
                                               "Countdown: 2", "Countdown: 1", "Done!"}));
  // The root settles when the worker fulfils its task, just after "Done!".
  http_client c("127.0.0.1", port_);
  std::string state;
  for (auto until = std::chrono::steady_clock::now() + 10s;
       state != "RESOLVED" && std::chrono::steady_clock::now() < until;) {
    auto r = c.get("/promises/countdown.1");
    if (r.status == 200) state = std::string(boost::json::parse(r.body).at("state").as_string());
    if (state != "RESOLVED") std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(state, "RESOLVED");
  const auto wall_ms =
    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
      .count();

  const std::vector<std::string> tree{"tree", "countdown.1", "-S", url};
  auto t = run_cli(tree);
  ASSERT_EQ(t.code, 0) << describe(tree, t);
  // Per round a ctx.run child then a ctx.sleep timer: countdown.1:0 ... countdown.1:9.
  const std::string resolved = " \xF0\x9F\x9F\xA2 RESOLVED";
  EXPECT_EQ(t.out.rfind("countdown.1" + resolved + " (rpc countdown)\n", 0), 0u) << t.out;
  for (int i = 0; i < 10; ++i) {
    const std::string child =
      "countdown.1:" + std::to_string(i) + resolved + (i % 2 == 0 ? " (run)" : " (sleep)");
    EXPECT_NE(t.out.find(child), std::string::npos) << child << " missing in\n" << t.out;
  }
  EXPECT_EQ(std::count(t.out.begin(), t.out.end(), '\n'), 11) << t.out;
  std::cout << "sdk readme store=" << to_string(GetParam().store) << " wall_ms=" << wall_ms << "\n"
            << t.out;
}

INSTANTIATE_TEST_SUITE_P(Sdk, SdkReadmeTest,
                         ::testing::Values(scenario_case{store_kind::sqlite, "readme"},
                                           scenario_case{store_kind::postgres, "readme"}),
                         case_name);

}  // namespace
}  // namespace resonate::test
