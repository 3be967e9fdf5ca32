// The differential test of protocol 2026-04-01 (differential.mjs) in CTest:
// for each seed, a real `resonate serve --debug` on a fresh store (SQLite, and
// PostgreSQL when RESONATE_TEST_PG is set) against the SDK 0.11.5's own state
// machine, 1,000 steps, statuses and normalised data compared after every step.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <memory>

#include "tests/support/child_process.hpp"
#include "tests/support/scratch_store.hpp"
#include "tests/support/server_process.hpp"

namespace resonate::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct diff_case {
  store_kind store;
  int seed;
};

void PrintTo(const diff_case& c, std::ostream* os) {
  *os << to_string(c.store) << " seed " << c.seed;
}

class DifferentialTest : public ::testing::TestWithParam<diff_case> {};

TEST_P(DifferentialTest, AgreesWithTheSdkStateMachine) {
  const auto [store, seed] = GetParam();
  if (store == store_kind::postgres && !test_pg_conninfo())
    GTEST_SKIP() << "RESONATE_TEST_PG is not set";
  if (!fs::exists(fs::path(SDK_DIR) / "node_modules/@resonatehq/sdk"))
    GTEST_SKIP() << "the SDK is not installed: npm ci --prefix tests/sdk (scripts/setup.sh does)";
  scratch_store db(store);
  auto args = db.server_args();
  args.push_back("--debug");
  server_process server(args);
  server.start();
  child_process diff({NODE_EXECUTABLE, DIFF_SCRIPT, "--url",
                      "http://127.0.0.1:" + std::to_string(server.port()), "--seed",
                      std::to_string(seed), "--steps", "1000"});
  auto line = diff.read_line(300s);
  ASSERT_TRUE(line) << "differential.mjs printed nothing\n" << diff.stderr_text();
  boost::json::value result;
  ASSERT_NO_THROW(result = boost::json::parse(*line)) << *line;
  const auto* ok = result.is_object() ? result.as_object().if_contains("ok") : nullptr;
  EXPECT_TRUE(ok && ok->is_bool() && ok->as_bool()) << *line << "\n"
                                                    << server.log_tail(4000);
  std::cout << *line << "\n";
}

std::vector<diff_case> all_cases() {
  std::vector<diff_case> cases;
  for (auto store : {store_kind::sqlite, store_kind::postgres})
    for (int seed : {1, 2, 3}) cases.push_back({store, seed});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(
  Seeds, DifferentialTest, ::testing::ValuesIn(all_cases()),
  [](const ::testing::TestParamInfo<diff_case>& info) {
    return to_string(info.param.store) + "_seed" + std::to_string(info.param.seed);
  });

}  // namespace
}  // namespace resonate::test
