// Several nodes on one PostgreSQL database, as real processes over real
// sockets (docs/cluster-plan.md, slice 1): one node at a time holds the lease
// on the background work (promise timeouts, task timers, schedules, the
// outbox); every node serves requests. Killed, the owner's work is taken over
// within one lease; stopped past its lease and let go on, its background
// writes are refused by the epoch fence. Skipped without RESONATE_TEST_PG.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/pg_scratch.hpp"
#include "tests/support/server_process.hpp"

namespace resonate::test {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// Long enough that a node starved of CPU by a loaded machine (ctest -j2) still
// renews in time (every third of it), short enough to keep the tests short.
constexpr int64_t lease_ttl_ms = 3000;

std::vector<std::string> node_args(const pg_scratch_db& db, const std::string& id) {
  auto args = db.server_args();
  args.insert(args.end(),
              {"--cluster-node-id", id, "--cluster-lease-ttl", std::to_string(lease_ttl_ms) + "ms",
               "--system-signal-timeout", "100ms"});
  return args;
}

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The lease row as "owner|epoch", or "" while no node has claimed it.
std::string lease_of(const pg_scratch_db& db) {
  auto rows = db.query("SELECT owner, epoch FROM partition_leases WHERE partition_id = 0");
  return rows.empty() ? "" : rows.front();
}

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto until = clock_type::now() + limit;
  while (clock_type::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

// Whether the background work timed promise `id` out, read from the database:
// a GET of a pending promise past its timeout answers REJECTED_TIMEDOUT on any
// node, whoever does the background work, so it would prove nothing here.
bool timed_out(const pg_scratch_db& db, const std::string& id) {
  auto rows = db.query("SELECT state FROM promises WHERE id = '" + id + "'");
  return rows.size() == 1 && rows.front() == "16";  // queues::promise_state::rejected_timedout
}

class ClusterTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto pg = test_pg_conninfo();
    if (!pg) GTEST_SKIP() << "RESONATE_TEST_PG is not set";
    db_ = std::make_unique<pg_scratch_db>(*pg);
  }
  // Starts `owner` (node "a"), waits until it holds the lease (epoch 1), then
  // starts `standby`.
  void start_owner_then_standby(server_process& owner, server_process& standby) {
    owner.start();
    ASSERT_TRUE(wait_for([&] { return lease_of(*db_) == "a|1"; }, 10s)) << lease_of(*db_);
    standby.start();
  }
  std::unique_ptr<pg_scratch_db> db_;
};

TEST_F(ClusterTest, ASingleNodeWithoutAClusterIdLeasesNothing) {
  server_process alone(db_->server_args());
  alone.start();
  http_client c("127.0.0.1", alone.port());
  ASSERT_EQ(
    c.post("/promises", R"({"id":"p","timeout":)" + std::to_string(wall_ms() + 100) + "}").status,
    201);
  ASSERT_TRUE(wait_for([&] { return timed_out(*db_, "p"); }, 5s));
  EXPECT_EQ(lease_of(*db_), "");
}

TEST_F(ClusterTest, TheSurvivorTakesTheWorkOverWhenItsOwnerIsKilled) {
  server_process a(node_args(*db_, "a")), b(node_args(*db_, "b"));
  ASSERT_NO_FATAL_FAILURE(start_owner_then_standby(a, b));

  // Timers armed through b, whose work a owns; then a dies.
  http_client c("127.0.0.1", b.port());
  const int64_t deadline = wall_ms() + 300;
  std::vector<std::string> ids;
  for (int i = 0; i < 32; ++i) {
    ids.push_back("t" + std::to_string(i));
    auto r = c.post("/promises",
                    R"({"id":")" + ids.back() + R"(","timeout":)" + std::to_string(deadline) + "}");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  a.kill9();
  const auto killed = clock_type::now();

  // b takes the lease over once a's lapses, and fires every timer.
  ASSERT_TRUE(wait_for(
    [&] {
      for (const auto& id : ids)
        if (!timed_out(*db_, id)) return false;
      return true;
    },
    std::chrono::milliseconds(lease_ttl_ms * 2 + 3000)))
    << "timers of the dead owner's work did not fire: " << b.log_tail();
  const auto took =
    std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - killed);
  EXPECT_EQ(lease_of(*db_), "b|2");
  // Within one lease, one renewal period and one pass of the job, on a quiet
  // machine (bench figures); the bound here leaves room for a loaded one.
  EXPECT_LT(took.count(), 2 * lease_ttl_ms + 2000) << took.count() << " ms";
  std::printf("[ cluster ] kill to every timer fired: %lld ms (lease %lld ms)\n",
              static_cast<long long>(took.count()), static_cast<long long>(lease_ttl_ms));
}

TEST_F(ClusterTest, AnOwnerStoppedPastItsLeaseIsFencedOutWhenItGoesOn) {
  server_process a(node_args(*db_, "a")), b(node_args(*db_, "b"));
  ASSERT_NO_FATAL_FAILURE(start_owner_then_standby(a, b));

  ASSERT_EQ(::kill(a.pid(), SIGSTOP), 0);
  ASSERT_TRUE(
    wait_for([&] { return lease_of(*db_) == "b|2"; }, std::chrono::milliseconds(lease_ttl_ms * 3)))
    << lease_of(*db_);
  // b does the work now.
  http_client cb("127.0.0.1", b.port());
  ASSERT_EQ(
    cb.post("/promises", R"({"id":"p","timeout":)" + std::to_string(wall_ms() + 100) + "}").status,
    201);
  ASSERT_TRUE(wait_for([&] { return timed_out(*db_, "p"); }, 10s)) << lease_of(*db_);

  // a goes on believing it holds the lease: the jobs it starts at once are
  // refused by the fence, and its next renewal tells it it lost the lease.
  ASSERT_EQ(::kill(a.pid(), SIGCONT), 0);
  ASSERT_TRUE(wait_for([&] { return a.metric_sum("cluster_fenced_writes_total") > 0; }, 10s))
    << "no background write of a was refused: " << a.log_tail();
  ASSERT_TRUE(wait_for([&] { return a.metric_sum("cluster_owned_partitions") == 0; }, 10s));
  // Both nodes still serve requests; b does the work of what a took.
  http_client ca("127.0.0.1", a.port());
  EXPECT_EQ(ca.get("/promises/p").status, 200);
  auto r = ca.post("/promises", R"({"id":"q","timeout":)" + std::to_string(wall_ms() + 100) + "}");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(wait_for([&] { return timed_out(*db_, "q"); }, 10s)) << lease_of(*db_);
}

TEST_F(ClusterTest, AnOwnerFrozenInsideATransactionDoesNotKeepTheLease) {
  // a's timeout of promise "slow" sleeps 2 s inside its transaction (a
  // trigger), which holds the lease row FOR SHARE (the fence). a is frozen
  // during that sleep: its transaction stays open, and b could never take the
  // lease over if PostgreSQL did not end the idle session.
  server_process a(node_args(*db_, "a")), b(node_args(*db_, "b"));
  ASSERT_NO_FATAL_FAILURE(start_owner_then_standby(a, b));
  // The tables exist once a node has migrated the database.
  db_->query(
    "CREATE FUNCTION slow_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF NEW.id = 'slow' THEN PERFORM pg_sleep(2); END IF; RETURN NEW; END $$");
  db_->query(
    "CREATE TRIGGER slow_update BEFORE UPDATE ON promises FOR EACH ROW EXECUTE "
    "FUNCTION slow_update()");
  http_client ca("127.0.0.1", a.port());
  ASSERT_EQ(
    ca.post("/promises", R"({"id":"slow","timeout":)" + std::to_string(wall_ms() + 50) + "}")
      .status,
    201);
  ASSERT_TRUE(wait_for(
    [&] {
      return !db_
                ->query(
                  "SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND "
                  "datname = current_database()")
                .empty();
    },
    10s))
    << "a's timeout did not reach the trigger";
  ASSERT_EQ(::kill(a.pid(), SIGSTOP), 0);
  const bool taken = wait_for([&] { return lease_of(*db_) == "b|2"; }, 15s);
  ASSERT_EQ(::kill(a.pid(), SIGCONT), 0);
  ASSERT_TRUE(taken) << "b never took the lease over: " << lease_of(*db_);
  // a's transaction was rolled back with its session; b times the promise out.
  EXPECT_TRUE(wait_for([&] { return timed_out(*db_, "slow"); }, 15s)) << lease_of(*db_);
}

TEST_F(ClusterTest, AClusterNodeIdOnSqliteIsRefused) {
  server_process lone({"--aio-store-sqlite-path", ":memory:", "--cluster-node-id", "a"});
  EXPECT_THROW(lone.start(5s), std::runtime_error);
  EXPECT_NE(lone.log().find("cluster.nodeId needs the PostgreSQL store"), std::string::npos)
    << lone.log();
}

}  // namespace
}  // namespace resonate::test
