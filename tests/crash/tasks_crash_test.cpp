// Tasks under crash: invoke and resume tasks that were acknowledged but not yet
// delivered survive a SIGKILL of `resonate` and are delivered after the restart;
// a worker that is busy when the server dies loses nothing either. Throughout,
// a task is claimed at most once per (task id, counter) and completed once.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "tests/support/http_client.hpp"
#include "tests/support/scratch_store.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/wire_match.hpp"

namespace resonate::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* k_future = "32503680000000";

/// What one worker saw and did for one (task id, counter).
struct tally {
  int delivered = 0;
  int claimed = 0;          // 201
  int claim_refused = 0;    // any other status
  int claim_lost = 0;       // transport error: the server died
  int completed = 0;        // 201
  int complete_refused = 0;
  int complete_lost = 0;
};

/// A worker on its own thread: SSE to `/group/id`, and for each invoke or resume
/// a claim, a pause, a complete. It follows the server across restarts: after
/// set_ports() it reconnects to the new ports.
class worker {
 public:
  worker(std::string group, std::string id, std::chrono::milliseconds pause, int64_t ttl)
      : group_(std::move(group)), id_(std::move(id)), pause_(pause), ttl_(ttl) {}
  ~worker() { stop(); }

  void set_ports(uint16_t api, uint16_t poll) {
    api_port_ = api;
    poll_port_ = poll;
    ++generation_;
  }
  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::map<std::pair<std::string, int64_t>, tally> results() {
    std::lock_guard lock(mu_);
    return tallies_;
  }
  size_t completes() const { return completes_; }
  /// Whether a stream is open to the current server.
  bool connected() const { return connected_; }

 private:
  void run() {
    while (!stop_) {
      const int generation = generation_;
      const uint16_t api = api_port_, poll = poll_port_;
      std::unique_ptr<sse_stream> s;
      try {
        s = std::make_unique<sse_stream>("127.0.0.1", poll, "/" + group_ + "/" + id_,
                                         header_list{}, 2s);
      } catch (const http_error&) {
        std::this_thread::sleep_for(50ms);
        continue;
      }
      if (s->status() != 200) {
        std::this_thread::sleep_for(50ms);
        continue;
      }
      connected_ = true;
      http_client c("127.0.0.1", api);
      c.set_retry_stale(false);  // a resent claim or complete would blur the counts
      c.set_timeout(10s);
      while (!stop_ && generation == generation_) {
        std::optional<std::string> data;
        try {
          data = s->next(100ms);
        } catch (const http_error&) {
          break;  // the stream ended: the server is gone, reconnect
        }
        if (data) handle(c, *data);
      }
      connected_ = false;
    }
  }

  void handle(http_client& c, const std::string& data) {
    json::value v;
    try {
      v = json::parse(data);
    } catch (const std::exception&) {
      ADD_FAILURE() << "an SSE event is not JSON: " << data;
      return;
    }
    if (!v.is_object() || !v.as_object().contains("task")) return;
    const std::string id = str(v.at("task").at("id"));
    const int64_t counter = v.at("task").at("counter").as_int64();
    auto bump = [&](int tally::*field) {
      std::lock_guard lock(mu_);
      ++(tallies_[{id, counter}].*field);
    };
    bump(&tally::delivered);
    const std::string key = R"({"id":")" + id + R"(","counter":)" + std::to_string(counter);
    http_response r;
    try {
      r = c.post("/tasks/claim", key + R"(,"processId":")" + id_ + R"(","ttl":)" +
                                   std::to_string(ttl_) + "}");
    } catch (const http_error&) {
      bump(&tally::claim_lost);
      return;
    }
    if (r.status != 201) {
      bump(&tally::claim_refused);
      return;
    }
    bump(&tally::claimed);
    std::this_thread::sleep_for(pause_);
    try {
      r = c.post("/tasks/complete", key + "}");
    } catch (const http_error&) {
      bump(&tally::complete_lost);
      return;
    }
    if (r.status == 201) {
      bump(&tally::completed);
      ++completes_;
    } else {
      bump(&tally::complete_refused);
    }
  }

  std::string group_, id_;
  std::chrono::milliseconds pause_;
  int64_t ttl_;
  std::atomic<uint16_t> api_port_{0}, poll_port_{0};
  std::atomic<int> generation_{0};
  std::atomic<bool> stop_{false}, connected_{false};
  std::atomic<size_t> completes_{0};
  std::thread thread_;
  std::mutex mu_;
  std::map<std::pair<std::string, int64_t>, tally> tallies_;
};

class TasksCrashTest : public ::testing::TestWithParam<store_kind> {
 protected:
  void SetUp() override {
    if (GetParam() == store_kind::postgres && !test_pg_conninfo())
      GTEST_SKIP() << "RESONATE_TEST_PG is not set";
    store_ = std::make_unique<scratch_store>(GetParam());
    auto args = store_->server_args();
    // Background jobs every 100 ms, failed sends retried after 500 ms.
    args.insert(args.end(), {"--system-signal-timeout", "100ms", "--aio-poll-ttr", "500ms",
                             "--aio-poll-ttc", "5s", "--log-level", "info", "--metrics-addr", ""});
    server_ = std::make_unique<server_process>(args);
    server_->start();
  }

  void TearDown() override {
    if (server_ && server_->running()) server_->stop();
    if (HasFailure() && server_) std::cerr << "--- server log ---\n" << server_->log_tail() << "\n";
  }

  int64_t scalar(const std::string& sql) {
    auto rows = store_->query(sql);
    return rows.empty() ? -1 : std::stoll(rows.front());
  }

  bool eventually(const std::function<bool()>& f, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (f()) return true;
      std::this_thread::sleep_for(50ms);
    }
    return f();
  }

  /// Per task id: at most one successful claim per counter, and exactly one
  /// successful complete, or none when a complete's answer was lost in the crash.
  void check_once_each(const std::map<std::pair<std::string, int64_t>, tally>& seen,
                       const std::set<std::string>& tasks, bool crash_while_working) {
    std::map<std::string, tally> per_task;
    for (const auto& [key, t] : seen) {
      EXPECT_LE(t.claimed, 1) << key.first << " counter " << key.second << " claimed twice";
      EXPECT_LE(t.completed, 1) << key.first << " counter " << key.second;
      EXPECT_TRUE(tasks.count(key.first)) << "an unexpected task was delivered: " << key.first;
      auto& p = per_task[key.first];
      p.delivered += t.delivered;
      p.claimed += t.claimed;
      p.completed += t.completed;
      p.complete_lost += t.complete_lost;
      p.claim_lost += t.claim_lost;
    }
    size_t missing = 0;
    for (const auto& id : tasks) {
      auto it = per_task.find(id);
      if (it == per_task.end() || it->second.delivered == 0) {
        if (++missing <= 10) ADD_FAILURE() << "never delivered: " << id;
        continue;
      }
      const auto& p = it->second;
      if (crash_while_working && p.completed == 0) {
        EXPECT_GT(p.complete_lost, 0) << id << " is completed but no complete was acknowledged "
                                         "and none was cut off by the crash";
      } else {
        EXPECT_EQ(p.completed, 1) << id << " completed " << p.completed << " times";
      }
    }
    EXPECT_EQ(missing, 0u);
  }

  std::unique_ptr<scratch_store> store_;
  std::unique_ptr<server_process> server_;
};

// Invoke tasks and resume tasks whose sends fail (no worker in the group) are
// acknowledged and INIT when the server is SIGKILLed; after the restart a worker
// joins and gets every one of them, once.
TEST_P(TasksCrashTest, UndeliveredTasksSurviveSigkillAndRunOnceEach) {
  constexpr int n = 25;
  std::set<std::string> tasks;
  {
    http_client c("127.0.0.1", server_->port());
    for (int i = 0; i < n; ++i) {
      const std::string root = "cr-root-" + std::to_string(i);
      const std::string child = "cr-child-" + std::to_string(i);
      auto r = c.post("/promises", R"({"id":")" + root + R"(","timeout":)" + k_future +
                                     R"(,"tags":{"resonate:invoke":"poll://any@crash"}})");
      ASSERT_EQ(r.status, 201) << r.body;
      tasks.insert("__invoke:" + root);
      r = c.post("/promises", R"({"id":")" + child + R"(","timeout":)" + k_future + "}");
      ASSERT_EQ(r.status, 201) << r.body;
      r = c.post("/promises/callback/" + child, R"({"rootPromiseId":")" + root +
                                                  R"(","recv":"poll://any@crash","timeout":)" +
                                                  k_future + "}");
      ASSERT_EQ(r.status, 201) << r.body;
      r = c.patch("/promises/" + child, R"({"state":"RESOLVED"})");
      ASSERT_EQ(r.status, 201) << r.body;
      tasks.insert("__resume:" + root + ":" + child);
    }
  }
  // The sends fail and the tasks stay INIT.
  EXPECT_TRUE(eventually(
    [&] { return scalar("SELECT COUNT(*) FROM tasks WHERE state = 1 AND attempt > 0") >= n; }, 10s))
    << scalar("SELECT COUNT(*) FROM tasks WHERE attempt > 0") << " tasks had a send attempt";
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM tasks WHERE state <> 1"), 0);

  server_->kill9();
  ASSERT_NO_THROW(server_->start());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM tasks"), 2 * n);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM tasks WHERE state = 1"), 2 * n);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM callbacks"), 0);

  worker w("crash", "w", 0ms, 30000);
  w.set_ports(server_->port(), server_->poll_port());
  w.start();
  EXPECT_TRUE(eventually([&] { return scalar("SELECT COUNT(*) FROM tasks WHERE state = 8") == 2 * n; },
                         60s))
    << scalar("SELECT COUNT(*) FROM tasks WHERE state = 8") << " of " << 2 * n << " completed";
  // Anything still in flight would show up as a second claim.
  std::this_thread::sleep_for(1s);
  w.stop();
  check_once_each(w.results(), tasks, false);
  EXPECT_EQ(w.completes(), tasks.size());

  http_client c("127.0.0.1", server_->port());
  for (int i = 0; i < n; ++i) {
    auto r = c.get("/promises/cr-root-" + std::to_string(i));
    EXPECT_EQ(str(r.json().at("state")), "PENDING") << r.body;
    r = c.get("/promises/cr-child-" + std::to_string(i));
    EXPECT_EQ(str(r.json().at("state")), "RESOLVED") << r.body;
  }
}

// A worker is claiming and completing while clients create invoke promises; the
// server is SIGKILLed in the middle and restarted. Every acknowledged create has
// its task (same transaction), every task ends COMPLETED, and no (task, counter)
// is claimed twice; a claim whose complete was cut off comes back with a higher
// counter once its lease expires.
TEST_P(TasksCrashTest, SigkillWhileAWorkerIsBusyLosesNothingAndRunsEachTaskOnce) {
  worker w("busy", "w", 20ms, 1500);
  w.set_ports(server_->port(), server_->poll_port());
  w.start();
  ASSERT_TRUE(eventually([&] { return w.connected(); }, 10s));

  std::mutex mu;
  std::set<std::string> acked;
  std::atomic<bool> stop{false};
  std::vector<std::thread> creators;
  const uint16_t port = server_->port();
  for (int t = 0; t < 4; ++t) {
    creators.emplace_back([&, t] {
      http_client c("127.0.0.1", port);
      c.set_retry_stale(false);
      for (int i = 0; !stop; ++i) {
        const std::string id = "busy-" + std::to_string(t) + "-" + std::to_string(i);
        try {
          auto r = c.post("/promises", R"({"id":")" + id + R"(","timeout":)" + k_future +
                                         R"(,"tags":{"resonate:invoke":"poll://any@busy"}})");
          if (r.status == 201) {
            std::lock_guard lock(mu);
            acked.insert(id);
          }
        } catch (const http_error&) {
          return;  // the server is gone
        }
        std::this_thread::sleep_for(5ms);
      }
    });
  }
  ASSERT_TRUE(eventually(
    [&] {
      std::lock_guard lock(mu);
      return acked.size() >= 60 && w.completes() >= 15;
    },
    30s))
    << "acked " << acked.size() << ", completed " << w.completes();
  server_->kill9();
  stop = true;
  for (auto& th : creators) th.join();
  ASSERT_NO_THROW(server_->start());
  w.set_ports(server_->port(), server_->poll_port());

  // Same transaction: no promise without its task, no task without its promise.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM promises p WHERE p.id LIKE 'busy-%' AND NOT EXISTS "
                   "(SELECT 1 FROM tasks t WHERE t.id = '__invoke:' || p.id)"),
            0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM tasks t WHERE NOT EXISTS (SELECT 1 FROM promises p "
                   "WHERE t.id = '__invoke:' || p.id)"),
            0);
  std::set<std::string> tasks;
  for (const auto& row : store_->query("SELECT id FROM tasks")) tasks.insert(row);
  size_t lost = 0;
  for (const auto& id : acked) {
    if (!tasks.count("__invoke:" + id) && ++lost <= 10) ADD_FAILURE() << "acknowledged create lost: " << id;
  }
  EXPECT_EQ(lost, 0u);

  EXPECT_TRUE(eventually([&] { return scalar("SELECT COUNT(*) FROM tasks WHERE state <> 8") == 0; },
                         60s))
    << scalar("SELECT COUNT(*) FROM tasks WHERE state <> 8") << " tasks not completed; states: "
    << [&] {
         std::string s;
         for (const auto& r : store_->query("SELECT state, counter, COUNT(*) FROM tasks GROUP BY "
                                            "state, counter"))
           s += r + "; ";
         return s;
       }();
  std::this_thread::sleep_for(1s);
  w.stop();
  check_once_each(w.results(), tasks, true);
  std::cout << "[ busy ] " << acked.size() << " acked creates, " << tasks.size() << " tasks, "
            << w.completes() << " acknowledged completes\n";
}

INSTANTIATE_TEST_SUITE_P(Stores, TasksCrashTest,
                         ::testing::Values(store_kind::sqlite, store_kind::postgres),
                         [](const auto& info) { return to_string(info.param); });

}  // namespace
}  // namespace resonate::test
