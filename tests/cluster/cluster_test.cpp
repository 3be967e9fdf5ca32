// Several nodes on one PostgreSQL database, as real processes over real
// sockets (docs/cluster-plan.md, slice 1): one node at a time holds the lease
// on the background work (promise timeouts, task timers, schedules, the
// outbox); every node serves requests. Killed, the owner's work is taken over
// within one lease; stopped past its lease and let go on, its background
// writes are refused by the epoch fence. Skipped without RESONATE_TEST_PG.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <boost/json.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/pg_scratch.hpp"
#include "tests/support/promise_history.hpp"
#include "tests/support/server_process.hpp"

namespace resonate::test {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// Long enough that a node starved of CPU by a loaded machine (ctest -j2) still
// renews in time (every third of it), short enough to keep the tests short.
constexpr int64_t lease_ttl_ms = 3000;

// `period`: of the background jobs (--system-signal-timeout).
std::vector<std::string> node_args(const pg_scratch_db& db, const std::string& id,
                                   const std::string& period = "100ms") {
  auto args = db.server_args();
  args.insert(args.end(), {"--cluster-node-id", id, "--cluster-lease-ttl",
                           std::to_string(lease_ttl_ms) + "ms", "--system-signal-timeout", period});
  return args;
}

// A node with a cluster port of its own (the OS picks it): the other nodes
// hand it the messages for the SSE streams connected to it.
std::vector<std::string> linked_node_args(const pg_scratch_db& db, const std::string& id,
                                          const std::string& seeds = "",
                                          const std::string& period = "100ms") {
  auto args = node_args(db, id, period);
  args.insert(args.end(), {"--cluster-listen", "127.0.0.1:0"});
  if (!seeds.empty()) args.insert(args.end(), {"--cluster-seeds", seeds});
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
  // Starts `owner` (node "a", with a cluster port) and waits until it holds
  // the lease; `seed` is its cluster address, which the others join.
  void start_linked_owner(server_process& owner, std::string& seed);
  // start_linked_owner, then node "b" joined to "a" (its seed), connected;
  // `period` of both nodes' background jobs.
  void start_linked_pair(std::unique_ptr<server_process>& a, std::unique_ptr<server_process>& b,
                         const std::string& period = "100ms");
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

// An owner that stops gracefully (SIGTERM) lets its lease lapse as it goes:
// the other node takes the work over at its next renewal (every third of
// the lease), not a whole lease after the owner's last renewal.
TEST_F(ClusterTest, AnOwnerThatStopsHandsTheWorkOverAtOnce) {
  server_process a(node_args(*db_, "a")), b(node_args(*db_, "b"));
  ASSERT_NO_FATAL_FAILURE(start_owner_then_standby(a, b));
  const auto stopping = clock_type::now();
  ASSERT_EQ(a.stop(), 0) << a.log_tail();
  // Renewed at most a third of a lease ago, a's lease would have two thirds
  // left now, had a not given it up.
  auto lapsed = db_->query(
    "SELECT owner = 'b' OR expires_at <= CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS "
    "BIGINT) FROM partition_leases WHERE partition_id = 0");
  ASSERT_EQ(lapsed.size(), 1u);
  EXPECT_EQ(lapsed.front(), "t") << "a kept its lease after it stopped: " << lease_of(*db_);
  ASSERT_TRUE(wait_for([&] { return lease_of(*db_) == "b|2"; }, 10s)) << lease_of(*db_);
  std::printf(
    "[ cluster ] stop of the owner to the lease taken over: %lld ms (lease %lld ms)\n",
    static_cast<long long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - stopping).count()),
    static_cast<long long>(lease_ttl_ms));
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

// The cluster address node `id` registered (cluster_nodes), "" before it has.
std::string cluster_addr_of(const pg_scratch_db& db, const std::string& id) {
  auto rows = db.query("SELECT cluster_addr FROM cluster_nodes WHERE node_id = '" + id + "'");
  return rows.empty() ? "" : rows.front();
}

// Whether node `id` has the stream (group, stream) in the directory.
bool in_directory(const pg_scratch_db& db, const std::string& id, const std::string& group,
                  const std::string& stream) {
  return !db.query("SELECT 1 FROM cluster_streams WHERE node_id = '" + id + "' AND grp = '" +
                   group + "' AND stream_id = '" + stream + "'")
            .empty();
}

void ClusterTest::start_linked_owner(server_process& owner, std::string& seed) {
  owner.start();
  ASSERT_TRUE(wait_for([&] { return lease_of(*db_) == "a|1"; }, 10s)) << lease_of(*db_);
  seed = cluster_addr_of(*db_, "a");
  ASSERT_FALSE(seed.empty()) << "a registered no cluster address";
}

void ClusterTest::start_linked_pair(std::unique_ptr<server_process>& a,
                                    std::unique_ptr<server_process>& b, const std::string& period) {
  a = std::make_unique<server_process>(linked_node_args(*db_, "a", "", period));
  std::string seed;
  ASSERT_NO_FATAL_FAILURE(start_linked_owner(*a, seed));
  b = std::make_unique<server_process>(linked_node_args(*db_, "b", seed, period));
  b->start();
  ASSERT_TRUE(wait_for([&] { return b->metric_sum("cluster_peers") == 1; }, 5s)) << b->log_tail();
}

// The next event on `s` whose data names `id`, skipping others, within `limit`.
bool event_naming(sse_stream& s, const std::string& id, std::chrono::milliseconds limit) {
  const auto until = clock_type::now() + limit;
  while (clock_type::now() < until) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock_type::now());
    auto data = s.next(std::max(left, std::chrono::milliseconds(1)));
    if (!data) return false;
    if (data->find("\"" + id + "\"") != std::string::npos) return true;
  }
  return false;
}

std::string invoke_promise(const std::string& id, const std::string& recv) {
  return R"({"id":")" + id + R"(","timeout":32503680000000,"tags":{"resonate:invoke":")" + recv +
         R"("}})";
}

std::string create_2026(const std::string& id, const std::string& target) {
  return R"({"kind":"promise.create","head":{"corrId":"c","version":"2026-04-01"},)"
         R"("data":{"id":")" +
         id + R"(","timeoutAt":32503680000000,"tags":{"resonate:target":")" + target + R"("}}})";
}

// A worker's SSE stream is on b; the work (a's lease) and the requests are on
// a. Every message for the stream crosses from a to b over the cluster port:
// REST v1 task messages (poll://uni and poll://any) and a protocol
// 2026-04-01 execute. Before, a had no such stream and every send failed.
TEST_F(ClusterTest, MessagesReachAStreamOnAnotherNode) {
  std::unique_ptr<server_process> pa, pb;
  ASSERT_NO_FATAL_FAILURE(start_linked_pair(pa, pb));
  server_process &a = *pa, &b = *pb;

  sse_stream uni("127.0.0.1", b.poll_port(), "/g/w1");
  ASSERT_EQ(uni.status(), 200);
  sse_stream any("127.0.0.1", b.port(), "/poll/g2/w2");  // through b's API port
  ASSERT_EQ(any.status(), 200);
  ASSERT_TRUE(wait_for(
    [&] { return in_directory(*db_, "b", "g", "w1") && in_directory(*db_, "b", "g2", "w2"); }, 5s));

  http_client ca("127.0.0.1", a.port());
  ASSERT_EQ(ca.post("/promises", invoke_promise("r1", "poll://uni@g/w1")).status, 201);
  EXPECT_TRUE(event_naming(uni, "__invoke:r1", 5s)) << a.log_tail() << b.log_tail();
  ASSERT_EQ(ca.post("/promises", invoke_promise("r2", "poll://any@g2")).status, 201);
  EXPECT_TRUE(event_naming(any, "__invoke:r2", 5s)) << a.log_tail();
  auto r = ca.post("/", create_2026("e1", "poll://uni@g/w1"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(event_naming(uni, "e1", 5s)) << a.log_tail();

  // The counters move once the message is queued to the stream and once b's
  // answer is back: both may come after the worker read the message.
  EXPECT_TRUE(wait_for(
    [&] { return a.metric_sum(R"(cluster_forwards_total{outcome="delivered"})") >= 3; }, 5s));
  EXPECT_TRUE(wait_for(
    [&] { return b.metric_sum(R"(cluster_deliveries_received_total{outcome="delivered"})") >= 3; },
    5s));
  EXPECT_EQ(b.metric_sum("cluster_peers"), 1);
}

// A REST v1 completion served by b, which does not hold the lease, makes a
// resume task that only a may enqueue (one active task per root, across
// nodes). b nudges a over the cluster port, and the worker gets its resume at
// once. Before, it waited for a's next pass: here the passes are a minute apart.
TEST_F(ClusterTest, ACompletionOnANodeWithoutTheLeaseNudgesTheHolder) {
  std::unique_ptr<server_process> pa, pb;
  ASSERT_NO_FATAL_FAILURE(start_linked_pair(pa, pb, "60s"));
  server_process &a = *pa, &b = *pb;
  sse_stream worker("127.0.0.1", b.poll_port(), "/g/w1");
  ASSERT_EQ(worker.status(), 200);
  ASSERT_TRUE(wait_for([&] { return in_directory(*db_, "b", "g", "w1"); }, 5s));

  http_client ca("127.0.0.1", a.port()), cb("127.0.0.1", b.port());
  ASSERT_EQ(ca.post("/promises", invoke_promise("root", "poll://uni@g/w1")).status, 201);
  ASSERT_TRUE(event_naming(worker, "__invoke:root", 5s)) << a.log_tail();
  auto r =
    cb.post("/tasks/claim", R"({"id":"__invoke:root","counter":1,"processId":"w1","ttl":60000})");
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(cb.post("/promises", R"({"id":"child","timeout":32503680000000})").status, 201);
  r = cb.post("/promises/callback/child",
              R"({"rootPromiseId":"root","recv":"poll://uni@g/w1","timeout":32503680000000})");
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(cb.post("/tasks/complete", R"({"id":"__invoke:root","counter":1})").status, 201);

  const auto completed = clock_type::now();
  r = cb.patch("/promises/child", R"({"state":"RESOLVED"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(event_naming(worker, "__resume:root:child", 5s))
    << "the resume waited for the holder's next pass" << a.log_tail() << b.log_tail();
  const auto took =
    std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - completed);
  EXPECT_GE(b.metric_sum("cluster_nudges_sent_total"), 1);
  std::printf(
    "[ cluster ] resume made on the node without the lease reached the worker in %lld ms\n",
    static_cast<long long>(took.count()));
}

// Clients spread over three nodes, one thread's operations alternating
// between them: every node serves every request on the one database, and the
// history of creates, completions and reads is one that a single server
// could have produced (tests/support/promise_history.*).
TEST_F(ClusterTest, PromisesStayLinearizableWithClientsOnThreeNodes) {
  server_process a(node_args(*db_, "a")), b(node_args(*db_, "b")), c(node_args(*db_, "c"));
  ASSERT_NO_FATAL_FAILURE(start_owner_then_standby(a, b));
  c.start();
  auto history = run_promise_history({a.port(), b.port(), c.port()});
  http_client reader("127.0.0.1", c.port());
  auto bad = check_promise_history(
    history, [&](const std::string& id) { return reader.get("/promises/" + id); });
  EXPECT_TRUE(bad.empty()) << ::testing::PrintToString(bad);
  size_t ops = 0;
  for (const auto& [id, seen] : history.by_id) ops += seen.size();
  EXPECT_EQ(ops, 6u * 300u);
}

// A worker streams from b, and b is killed once tasks for it were handed to
// it, before the worker read them; more are made on a while b is dead. The
// worker connects to c: every task reaches it there, those b took and never
// passed on (resent while unclaimed) and those whose send to dead b failed
// (tried again).
TEST_F(ClusterTest, NoMessageIsLostWhenTheWorkersNodeIsKilled) {
  // A failed send is tried again after 0.5-2 s (15 s by default).
  auto args = [&](const std::string& id, const std::string& seed) {
    auto v = linked_node_args(*db_, id, seed);
    v.insert(v.end(), {"--aio-poll-ttr", "500ms"});
    return v;
  };
  server_process a(args("a", ""));
  std::string seed;
  ASSERT_NO_FATAL_FAILURE(start_linked_owner(a, seed));
  server_process b(args("b", seed)), c(args("c", seed));
  b.start();
  c.start();
  ASSERT_TRUE(wait_for([&] { return c.metric_sum("cluster_peers") >= 1; }, 5s)) << c.log_tail();
  http_client ca("127.0.0.1", a.port());
  std::set<std::string> got;
  auto take = [&got](sse_stream& s, std::chrono::milliseconds limit) {
    const auto until = clock_type::now() + limit;
    while (clock_type::now() < until) {
      std::optional<std::string> data;
      try {
        data = s.next(std::chrono::milliseconds(50));
      } catch (const http_error&) {
        return;  // the node died under the stream
      }
      if (!data) continue;
      auto at = data->find("\"id\":\"__invoke:");
      if (at == std::string::npos) continue;
      at += 14;
      got.insert(data->substr(at, data->find('"', at) - at));
    }
  };
  constexpr int total = 60;
  {
    sse_stream on_b("127.0.0.1", b.poll_port(), "/g/w1");
    ASSERT_EQ(on_b.status(), 200);
    ASSERT_TRUE(wait_for([&] { return in_directory(*db_, "b", "g", "w1"); }, 5s));
    for (int i = 0; i < total / 2; ++i)
      ASSERT_EQ(
        ca.post("/promises", invoke_promise("k" + std::to_string(i), "poll://uni@g/w1")).status,
        201);
    // Handed to b (ENQUEUED), then b dies before the worker read a thing.
    ASSERT_TRUE(wait_for(
      [&] { return db_->query("SELECT 1 FROM tasks WHERE state = 2").size() == total / 2; }, 5s));
    b.kill9();
  }
  // Made while b is dead and still in the directory, then with the worker on c.
  for (int i = total / 2; i < total; ++i)
    ASSERT_EQ(
      ca.post("/promises", invoke_promise("k" + std::to_string(i), "poll://uni@g/w1")).status, 201);
  sse_stream on_c("127.0.0.1", c.poll_port(), "/g/w1");
  ASSERT_EQ(on_c.status(), 200);
  const auto connected = clock_type::now();
  const auto until = connected + 10s;
  while (got.size() < total && clock_type::now() < until) take(on_c, 200ms);
  EXPECT_EQ(got.size(), static_cast<size_t>(total)) << a.log_tail() << c.log_tail();
  std::printf("[ cluster ] worker got %zu of %d tasks in %lld ms on c\n", got.size(), total,
              static_cast<long long>(
                std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - connected)
                  .count()));
}

// A listener whose accept queue is full and never drained: the kernel drops
// further SYNs, so a connect to it hangs as one to a host whose packets are
// dropped (a partition, a firewall) would, until TCP gives up (minutes).
class black_hole {
public:
  black_hole() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), len) != 0 || ::listen(fd_, 0) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0)
      throw std::runtime_error("black_hole: cannot listen");
    port_ = ntohs(sa.sin_port);
    // Fill the queue (backlog 0 holds one), with non-blocking connects.
    for (int i = 0; i < 3; ++i) {
      int c = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      // The first completes into the queue; the others stay in progress.
      const int rc = ::connect(c, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
      if (rc != 0 && errno != EINPROGRESS) throw std::runtime_error("black_hole: cannot connect");
      fillers_.push_back(c);
    }
    std::this_thread::sleep_for(100ms);
  }
  ~black_hole() {
    for (int c : fillers_) ::close(c);
    ::close(fd_);
  }
  black_hole(const black_hole&) = delete;
  black_hole& operator=(const black_hole&) = delete;
  std::string addr() const { return "127.0.0.1:" + std::to_string(port_); }

private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::vector<int> fillers_;
};

// A live member whose cluster port drops every packet (kept alive in the
// directory by this test's heartbeats) sorts first, so both nodes dial it
// before each other. CAF's middleman connects synchronously, one at a time:
// without a probe of their own, both nodes' connects would wait behind it
// for minutes and the two would never link. The probe gives up on it within
// the connect timeout and the nodes link.
TEST_F(ClusterTest, APeerThatDropsEveryPacketDoesNotHoldTheOthersLinks) {
  black_hole hole;
  // Neither node is given the other as a seed: each finds the other (and the
  // hole) in the directory. a's start makes the tables.
  server_process a(linked_node_args(*db_, "a")), c(linked_node_args(*db_, "c"));
  a.start();
  auto fresh = [&] {
    db_->query(
      "INSERT INTO cluster_nodes (node_id, incarnation, api_addr, cluster_addr, heartbeat_at) "
      "VALUES ('0-hole', 1, 'http://127.0.0.1:1', '" +
      hole.addr() +
      "', CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)) ON CONFLICT (node_id) DO "
      "UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at RETURNING 1");
  };
  std::atomic<bool> beating{true};
  std::thread heart([&] {
    while (beating) {
      fresh();
      std::this_thread::sleep_for(300ms);
    }
  });
  struct stop_heart {
    std::atomic<bool>& b;
    std::thread& t;
    ~stop_heart() {
      b = false;
      t.join();
    }
  } stopper{beating, heart};

  std::this_thread::sleep_for(2500ms);  // a dials the hole (its mend pass)
  c.start();
  EXPECT_TRUE(wait_for(
    [&] { return a.metric_sum("cluster_peers") == 1 && c.metric_sum("cluster_peers") == 1; }, 10s))
    << a.log_tail() << c.log_tail();
}

// A protocol 2026-04-01 message for a stream that no node holds waits parked
// in the outbox. When the worker connects to b, which does not hold the
// lease, b tells a, whose drain sends the parked message across to b: the
// worker gets it at once, not with its task's retry timer (30 s and more).
TEST_F(ClusterTest, AMessageParkedForALateWorkerReachesItOnAnotherNode) {
  std::unique_ptr<server_process> pa, pb;
  ASSERT_NO_FATAL_FAILURE(start_linked_pair(pa, pb));
  server_process &a = *pa, &b = *pb;

  http_client cb("127.0.0.1", b.port());
  auto r = cb.post("/", create_2026("late1", "poll://uni@lg/w1"));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(wait_for([&] { return !db_->query("SELECT 1 FROM outbox_parked26").empty(); }, 5s))
    << "the execute was never parked";

  const auto connected = clock_type::now();
  sse_stream late("127.0.0.1", b.poll_port(), "/lg/w1");
  ASSERT_EQ(late.status(), 200);
  EXPECT_TRUE(event_naming(late, "late1", 5s)) << a.log_tail() << b.log_tail();
  std::printf("[ cluster ] late worker on the other node got its execute after %lld ms\n",
              static_cast<long long>(
                std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - connected)
                  .count()));
}

// A worker that leaves b for c is looked for on c: b's directory row goes
// with its stream, c's comes with the new one.
TEST_F(ClusterTest, AWorkerThatMovesToAnotherNodeIsFoundThere) {
  server_process a(linked_node_args(*db_, "a"));
  std::string seed;
  ASSERT_NO_FATAL_FAILURE(start_linked_owner(a, seed));
  server_process b(linked_node_args(*db_, "b", seed)), c(linked_node_args(*db_, "c", seed));
  b.start();
  c.start();
  http_client ca("127.0.0.1", a.port());
  {
    sse_stream on_b("127.0.0.1", b.poll_port(), "/g/mover");
    ASSERT_TRUE(wait_for([&] { return in_directory(*db_, "b", "g", "mover"); }, 5s));
    ASSERT_EQ(ca.post("/promises", invoke_promise("m1", "poll://uni@g/mover")).status, 201);
    EXPECT_TRUE(event_naming(on_b, "__invoke:m1", 5s)) << a.log_tail();
  }
  ASSERT_TRUE(wait_for([&] { return !in_directory(*db_, "b", "g", "mover"); }, 5s))
    << "b kept the row of a stream that closed";
  sse_stream on_c("127.0.0.1", c.poll_port(), "/g/mover");
  ASSERT_TRUE(wait_for([&] { return in_directory(*db_, "c", "g", "mover"); }, 5s));
  ASSERT_EQ(ca.post("/promises", invoke_promise("m2", "poll://uni@g/mover")).status, 201);
  EXPECT_TRUE(event_naming(on_c, "__invoke:m2", 5s)) << a.log_tail();
}

// `/ready` says how each node sees the cluster: which partitions it owns,
// and the live members with whether it is connected to them. A node alone
// answers as it always did.
TEST_F(ClusterTest, ReadyReportsTheClusterAsEachNodeSeesIt) {
  std::unique_ptr<server_process> pa, pb;
  ASSERT_NO_FATAL_FAILURE(start_linked_pair(pa, pb));
  server_process &a = *pa, &b = *pb;
  auto cluster_of = [](server_process& node) {
    auto r = http_client("127.0.0.1", node.port()).get("/ready");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json().at("status"), "ok") << r.body;
    return r.json().at("cluster").as_object();
  };
  // The members are read at each heartbeat (every second).
  ASSERT_TRUE(wait_for([&] { return cluster_of(a).at("members").as_array().size() == 2; }, 5s));
  auto ca = cluster_of(a);
  EXPECT_EQ(ca.at("node"), "a");
  EXPECT_EQ(ca.at("ownedPartitions"), boost::json::array{0});
  EXPECT_EQ(ca.at("address"), boost::json::value(cluster_addr_of(*db_, "a")));
  for (const auto& m : ca.at("members").as_array()) {
    EXPECT_EQ(m.at("connected"), true) << boost::json::serialize(m);
    EXPECT_EQ(m.at("incarnation"), 1) << boost::json::serialize(m);
  }
  EXPECT_EQ(ca.at("members").as_array()[1].at("node"), "b");
  EXPECT_EQ(ca.at("members").as_array()[1].at("api"),
            boost::json::value("http://127.0.0.1:" + std::to_string(b.port())));
  auto cb = cluster_of(b);
  EXPECT_EQ(cb.at("node"), "b");
  EXPECT_EQ(cb.at("ownedPartitions"), boost::json::array{});

  server_process alone(db_->server_args());
  alone.start();
  auto r = http_client("127.0.0.1", alone.port()).get("/ready");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
}

// A node whose cluster port other nodes have joined still stops within its
// grace: CAF 0.17 would hold the process in ~actor_system until the
// shutdown watchdog (15 s), past `docker stop`'s 10 s.
TEST_F(ClusterTest, ALinkedNodeStopsPromptly) {
  std::unique_ptr<server_process> pa, pb;
  ASSERT_NO_FATAL_FAILURE(start_linked_pair(pa, pb));
  server_process &a = *pa, &b = *pb;
  ASSERT_TRUE(wait_for([&] { return a.metric_sum("cluster_peers") == 1; }, 5s)) << a.log_tail();
  for (auto* node : {&b, &a}) {
    const auto stopping = clock_type::now();
    EXPECT_EQ(node->stop(), 0) << node->log_tail();
    const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - stopping);
    EXPECT_LT(took.count(), 5000) << node->log_tail();
  }
}

TEST_F(ClusterTest, AClusterPortWithoutANodeIdIsRefused) {
  server_process bad([&] {
    auto a = db_->server_args();
    a.insert(a.end(), {"--cluster-listen", "127.0.0.1:0"});
    return a;
  }());
  EXPECT_THROW(bad.start(5s), std::runtime_error);
  EXPECT_NE(bad.log().find("cluster.listen needs cluster.nodeId"), std::string::npos) << bad.log();
}

TEST_F(ClusterTest, AClusterNodeIdOnSqliteIsRefused) {
  server_process lone({"--aio-store-sqlite-path", ":memory:", "--cluster-node-id", "a"});
  EXPECT_THROW(lone.start(5s), std::runtime_error);
  EXPECT_NE(lone.log().find("cluster.nodeId needs the PostgreSQL store"), std::string::npos)
    << lone.log();
}

}  // namespace
}  // namespace resonate::test
