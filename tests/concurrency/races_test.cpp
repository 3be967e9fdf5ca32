// Concurrent writers of both protocols against one real `resonate serve`, over real
// sockets: every racer is a thread with its own HTTP connection, and the
// server runs on SQLite and on PostgreSQL with four store workers (four
// connections committing side by side). Each test races the same requests
// round after round and then checks what the spec promises whoever wins:
//  - a registration (subscription or callback) answered 201 saw the promise
//    PENDING, and gets its notify (or its resume task) when the promise
//    settles: no callback row outlives its promise;
//  - concurrent settles of one promise have one winner (201), the others get
//    the 403 of the winner's state, and the store holds the winner's outcome;
//  - one counter of a task is claimed by one worker, and completed once;
//  - the same for protocol 2026-04-01 through POST /: a listener or a
//    task.suspend raced against the settlement (by either protocol) is never
//    left waiting on a settled promise, concurrent settles agree, and one
//    version of a task is acquired by one worker.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/json.hpp>

#include <atomic>
#include <barrier>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/scratch_store.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/wire_match.hpp"

namespace resonate::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* k_future = "32503680000000";  // year 3000
constexpr int k_groups = 4;                         // races run side by side, one per store worker

std::string promise_body(const std::string& id, const std::string& tags = "") {
  return R"({"id":")" + id + R"(","timeout":)" + k_future +
         (tags.empty() ? "" : R"(,"tags":)" + tags) + "}";
}

// One HTTP exchange's outcome: status and body.
struct reply {
  int status = 0;
  std::string body;
};

reply reply_of(const http_response& r) {
  return reply{r.status, r.body};
}

// The `error.code` of an error body, 0 if there is none.
int64_t error_code(const reply& r) {
  try {
    auto v = json::parse(r.body);
    return v.at("error").at("code").as_int64();
  } catch (const std::exception&) {
    return 0;
  }
}

// The state of the promise in a body: the body itself, or its `promise`.
std::string promise_state(const reply& r) {
  try {
    auto v = json::parse(r.body).as_object();
    if (v.contains("promise")) return str(v.at("promise").at("state"));
    return str(v.at("state"));
  } catch (const std::exception&) {
    return "<no promise in " + r.body + ">";
  }
}

class RacesTest : public ::testing::TestWithParam<store_kind> {
protected:
  void SetUp() override {
    if (GetParam() == store_kind::postgres && !test_pg_conninfo())
      GTEST_SKIP() << "RESONATE_TEST_PG is not set";
    store_ = std::make_unique<scratch_store>(GetParam());
    auto args = store_->server_args();
    if (GetParam() == store_kind::postgres) {
      args.insert(args.end(), {"--aio-store-postgres-workers", std::to_string(k_groups)});
    }
    // A send to an SSE connection the poller has not registered yet is tried
    // again after the TTR: keep it short, so the probes of notify_collector
    // do not wait for the default.
    args.insert(args.end(), {"--system-signal-timeout", "100ms", "--aio-poll-ttr", "500ms",
                             "--log-level", "info"});
    server_ = std::make_unique<server_process>(args);
    server_->start();
  }

  void TearDown() override {
    if (server_ && server_->running()) {
      int st = server_->stop();
      EXPECT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
        << "the server did not exit 0 on SIGTERM (status " << st << ")";
    }
    if (HasFailure() && server_) std::cerr << "--- server log ---\n" << server_->log_tail() << "\n";
  }

  std::unique_ptr<http_client> client() const {
    return std::make_unique<http_client>("127.0.0.1", server_->port());
  }

  std::vector<std::string> rows(const std::string& sql) const { return store_->query(sql); }

  /// Runs `rounds` rounds in each of k_groups groups of `racers` threads, each
  /// thread with its own connection. In a round, racer 0 runs `setup` first;
  /// then all racers of the group start `race` together (a barrier).
  /// `reply_slot(group, round, racer)` indexes the replies kept by `race`.
  void race(int racers, int rounds,
            const std::function<void(int group, int round, http_client&)>& setup,
            const std::function<reply(int group, int round, int racer, http_client&)>& race_fn) {
    replies_.assign(static_cast<size_t>(k_groups * rounds * racers), reply{});
    racers_ = racers;
    rounds_ = rounds;
    std::vector<std::unique_ptr<std::barrier<>>> barriers;
    for (int g = 0; g < k_groups; ++g) barriers.push_back(std::make_unique<std::barrier<>>(racers));
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int g = 0; g < k_groups; ++g) {
      for (int k = 0; k < racers; ++k) {
        threads.emplace_back([&, g, k] {
          auto c = client();
          for (int r = 0; r < rounds; ++r) {
            try {
              if (k == 0 && setup) setup(g, r, *c);
            } catch (const std::exception& e) {
              ++failures;
              std::cerr << "setup of round " << r << " failed: " << e.what() << "\n";
            }
            barriers[static_cast<size_t>(g)]->arrive_and_wait();
            try {
              at(g, r, k) = race_fn(g, r, k, *c);
            } catch (const std::exception& e) {
              ++failures;
              at(g, r, k) = reply{-1, e.what()};
            }
          }
        });
      }
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0) << "requests failed on the connection";
  }

  /// The racer whose reply in (group, round) is the one 201, or -1 (with a
  /// failure added) when not exactly one is; every other reply must have
  /// `loser_status`, and `loser_code` as its error code unless it is 0.
  int sole_winner(int group, int round, const std::string& id, int loser_status,
                  int64_t loser_code = 0) {
    int winner = -1, winners = 0;
    for (int k = 0; k < racers_; ++k) {
      const auto& one = at(group, round, k);
      if (one.status == 201) {
        winner = k;
        ++winners;
        continue;
      }
      EXPECT_EQ(one.status, loser_status) << id << " racer " << k << ": " << one.body;
      if (loser_code != 0) {
        EXPECT_EQ(error_code(one), loser_code) << id << ": " << one.body;
      }
    }
    EXPECT_EQ(winners, 1) << id << ": " << winners << " replies were 201";
    return winners == 1 ? winner : -1;
  }

  reply& at(int group, int round, int racer) {
    return replies_[static_cast<size_t>((group * rounds_ + round) * racers_ + racer)];
  }

  std::unique_ptr<scratch_store> store_;
  std::unique_ptr<server_process> server_;
  std::vector<reply> replies_;
  int racers_ = 0;
  int rounds_ = 0;
};

/// Notifies read from one SSE connection per group on a thread of its own, so
/// that no connection's buffer fills while the races run.
class notify_collector {
public:
  notify_collector(const server_process& server, http_client& setup) {
    for (int g = 0; g < k_groups; ++g) {
      const std::string id = "g" + std::to_string(g);
      streams_.push_back(
        std::make_unique<sse_stream>("127.0.0.1", server.poll_port(), "/race/" + id));
      register_stream(*streams_.back(), id, setup);
    }
    for (auto& s : streams_) readers_.emplace_back([this, &s] { read(*s); });
  }
  ~notify_collector() {
    stop_ = true;
    for (auto& t : readers_) t.join();
  }

  /// The address of group g's connection.
  static std::string recv(int g) { return "poll://uni@race/g" + std::to_string(g); }

  /// Waits until a notify for each of `ids` has arrived; returns those that did not.
  std::set<std::string> wait_for(const std::set<std::string>& ids,
                                 std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::set<std::string> missing;
      {
        std::lock_guard lock(mu_);
        for (const auto& id : ids)
          if (!notified_.count(id)) missing.insert(id);
      }
      if (missing.empty() || std::chrono::steady_clock::now() >= deadline) return missing;
      std::this_thread::sleep_for(50ms);
    }
  }

private:
  // The poller registers a connection asynchronously: a probe invoke addressed
  // to exactly this connection shows that it has.
  void register_stream(sse_stream& s, const std::string& id, http_client& c) {
    const std::string probe = "probe-" + id;
    auto r = c.post("/promises",
                    promise_body(probe, R"({"resonate:invoke":"poll://uni@race/)" + id + "\"}"));
    ASSERT_EQ(r.status, 201) << r.body;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    bool seen = false;
    while (!seen && std::chrono::steady_clock::now() < deadline) {
      auto data = s.next(1s);
      if (data && data->find("__invoke:" + probe) != std::string::npos) seen = true;
    }
    ASSERT_TRUE(seen) << "the poller never delivered to race/" << id;
    ASSERT_EQ(c.patch("/promises/" + probe, R"({"state":"RESOLVED"})").status, 201);
  }

  void read(sse_stream& s) {
    while (!stop_) {
      std::optional<std::string> data;
      try {
        data = s.next(100ms);
      } catch (const http_error&) {
        return;
      }
      if (!data) continue;
      try {
        auto v = json::parse(*data).as_object();
        if (str(v.at("type")) != "notify") continue;
        std::lock_guard lock(mu_);
        notified_.insert(str(v.at("promise").at("id")));
      } catch (const std::exception&) {
        // not a message of this test
      }
    }
  }

  std::vector<std::unique_ptr<sse_stream>> streams_;
  std::vector<std::thread> readers_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::set<std::string> notified_;
};

// The race of the issue "Many writers, one truth": a subscription and a
// callback registered while another connection settles the promise.
TEST_P(RacesTest, RegistrationsRacedAgainstTheCompletionAreNeverOrphaned) {
  constexpr int rounds = 100;  // per group: 400 subscriptions and 400 callbacks
  auto setup_client = client();
  notify_collector notifies(*server_, *setup_client);
  if (HasFatalFailure()) return;
  auto id_of = [](int g, int r) { return "p-" + std::to_string(g) + "-" + std::to_string(r); };
  auto root_of = [](int g) { return "root-" + std::to_string(g); };
  enum racer { subscriber, completer, registrar };
  race(
    3, rounds,
    [&](int g, int r, http_client& c) {
      auto res = c.post("/promises", promise_body(id_of(g, r)));
      if (res.status != 201) throw std::runtime_error("create: " + res.body);
    },
    [&](int g, int r, int k, http_client& c) -> reply {
      const auto id = id_of(g, r);
      const std::string timeout = std::string(",\"timeout\":") + k_future + "}";
      switch (k) {
        case subscriber:
          return reply_of(
            c.post("/promises/subscribe/" + id,
                   R"({"id":"s","recv":")" + notify_collector::recv(g) + "\"" + timeout));
        case completer:
          return reply_of(c.patch("/promises/" + id, R"({"state":"RESOLVED"})"));
        default:
          return reply_of(c.post(
            "/promises/callback/" + id,
            R"({"rootPromiseId":")" + root_of(g) + R"(","recv":"poll://uni@nobody/x")" + timeout));
      }
    });

  std::set<std::string> want_notify, want_resume;
  int pending_subscriptions = 0, pending_callbacks = 0;
  for (int g = 0; g < k_groups; ++g) {
    for (int r = 0; r < rounds; ++r) {
      const auto id = id_of(g, r);
      const auto& done = at(g, r, completer);
      EXPECT_EQ(done.status, 201) << id << ": " << done.body;
      for (int k : {subscriber, registrar}) {
        const auto& reg = at(g, r, k);
        ASSERT_TRUE(reg.status == 201 || reg.status == 200) << id << ": " << reg.body;
        if (reg.status != 201) {
          EXPECT_EQ(promise_state(reg), "RESOLVED") << id << ": 200 on a pending promise";
          continue;
        }
        // 201 means the callback was created on a PENDING promise (spec 3.3).
        EXPECT_EQ(promise_state(reg), "PENDING") << id << ": " << reg.body;
        if (k == subscriber) {
          ++pending_subscriptions;
          want_notify.insert(id);
        } else {
          ++pending_callbacks;
          want_resume.insert("__resume:" + root_of(g) + ":" + id);
        }
      }
    }
  }
  std::cout << "[ race ] 201 while pending: " << pending_subscriptions << " of "
            << k_groups * rounds << " subscriptions, " << pending_callbacks << " of "
            << k_groups * rounds << " callbacks\n";

  // No callback outlives its promise: every promise is settled now.
  auto left = rows("SELECT id FROM callbacks ORDER BY id");
  EXPECT_TRUE(left.empty()) << left.size() << " callbacks left on settled promises, e.g. "
                            << left.front();
  // Every callback answered 201 became its resume task.
  std::set<std::string> resumes;
  for (auto& id : rows("SELECT id FROM tasks WHERE id LIKE '__resume:%'")) resumes.insert(id);
  int missing_resumes = 0;
  for (const auto& id : want_resume) missing_resumes += resumes.count(id) == 0;
  EXPECT_EQ(missing_resumes, 0) << "callbacks answered 201 never became a task";
  // Every subscription answered 201 is notified.
  auto missing = notifies.wait_for(want_notify, 15s);
  EXPECT_TRUE(missing.empty()) << missing.size() << " subscriptions answered 201 were never "
                               << "notified, e.g. " << *missing.begin();
}

// Four connections settle one promise at once, each with its own state, value
// and idempotency key: one 201, the others 403 with the winner's state (spec
// 4.3: a completed promise, keys that do not match), the winner's outcome stored.
TEST_P(RacesTest, ConcurrentSettlesOfOnePromiseAgreeOnOneOutcome) {
  constexpr int rounds = 50;
  constexpr int racers = 4;
  const char* states[racers] = {"RESOLVED", "REJECTED", "REJECTED_CANCELED", "RESOLVED"};
  const std::map<std::string, int64_t> refusal = {
    {"RESOLVED", 40301}, {"REJECTED", 40302}, {"REJECTED_CANCELED", 40303}};
  auto id_of = [](int g, int r) { return "s-" + std::to_string(g) + "-" + std::to_string(r); };
  // base64 of "0" .. "3": the value tells the racer.
  const char* values[racers] = {"MA==", "MQ==", "Mg==", "Mw=="};
  race(
    racers, rounds,
    [&](int g, int r, http_client& c) {
      auto res = c.post("/promises", promise_body(id_of(g, r)));
      if (res.status != 201) throw std::runtime_error("create: " + res.body);
    },
    [&](int g, int r, int k, http_client& c) {
      return reply_of(c.patch(
        "/promises/" + id_of(g, r),
        R"({"state":")" + std::string(states[k]) + R"(","value":{"data":")" + values[k] + "\"}}",
        {{"Idempotency-Key", "key-" + std::to_string(k)}}));
    });

  auto c = client();
  for (int g = 0; g < k_groups; ++g) {
    for (int r = 0; r < rounds; ++r) {
      const auto id = id_of(g, r);
      const int w = sole_winner(g, r, id, 403);
      if (w < 0) continue;
      const std::string won = states[w];
      EXPECT_EQ(promise_state(at(g, r, w)), won) << id;
      for (int k = 0; k < racers; ++k) {
        if (k != w) {
          EXPECT_EQ(error_code(at(g, r, k)), refusal.at(won)) << id;
        }
      }
      auto stored = c->get("/promises/" + id);
      ASSERT_EQ(stored.status, 200) << stored.body;
      auto p = stored.json().as_object();
      EXPECT_EQ(str(p.at("state")), won) << id;
      EXPECT_EQ(str(p.at("value").at("data")), values[w]) << id;
      EXPECT_EQ(str(p.at("idempotencyKeyForComplete")), "key-" + std::to_string(w)) << id;
    }
  }
}

// Four workers claim the same counter of a task at once: one 201, the others
// 403 40306 (already claimed), the claim stored is the winner's; then all four
// complete it at once: one 201, the others 200 (already completed, spec 4.10).
TEST_P(RacesTest, OneTaskCounterIsClaimedByOneWorkerAndCompletedOnce) {
  constexpr int rounds = 50;
  constexpr int racers = 4;
  auto task_of = [](int g, int r) {
    return "__invoke:t-" + std::to_string(g) + "-" + std::to_string(r);
  };
  race(
    racers, rounds,
    [&](int g, int r, http_client& c) {
      // Invoked at a group nobody polls: the task stays INIT, claimable.
      auto res =
        c.post("/promises", promise_body("t-" + std::to_string(g) + "-" + std::to_string(r),
                                         R"({"resonate:invoke":"poll://any@nobody"})"));
      if (res.status != 201) throw std::runtime_error("create: " + res.body);
    },
    [&](int g, int r, int k, http_client& c) {
      return reply_of(c.post("/tasks/claim", R"({"id":")" + task_of(g, r) +
                                               R"(","counter":1,"processId":"w)" +
                                               std::to_string(k) + R"(","ttl":60000})"));
    });
  for (int g = 0; g < k_groups; ++g) {
    for (int r = 0; r < rounds; ++r) {
      const auto id = task_of(g, r);
      const int w = sole_winner(g, r, id, 403, 40306);
      if (w < 0) continue;
      EXPECT_EQ(rows("SELECT state, counter, process_id FROM tasks WHERE id = '" + id + "'"),
                std::vector<std::string>{"4|1|w" + std::to_string(w)})
        << id;
    }
  }

  race(racers, rounds, nullptr, [&](int g, int r, int, http_client& c) {
    return reply_of(c.post("/tasks/complete", R"({"id":")" + task_of(g, r) + R"(","counter":1})"));
  });
  for (int g = 0; g < k_groups; ++g) {
    for (int r = 0; r < rounds; ++r) {
      const auto id = task_of(g, r);
      sole_winner(g, r, id, 200);
      EXPECT_EQ(rows("SELECT state, counter FROM tasks WHERE id = '" + id + "'"),
                std::vector<std::string>{"8|1"})
        << id;
    }
  }
}

// -- protocol 2026-04-01 -----------------------------------------------------------

std::string envelope26(std::string_view kind, const std::string& data) {
  return R"({"kind":")" + std::string(kind) +
         R"(","head":{"corrId":"race","version":"2026-04-01"},"data":)" + data + "}";
}

reply call26(http_client& c, std::string_view kind, const std::string& data) {
  return reply_of(c.post("/", envelope26(kind, data), {{"Content-Type", "application/json"}}));
}

std::string create26(const std::string& id, const std::string& tags) {
  return R"({"id":")" + id + R"(","timeoutAt":)" + k_future +
         R"(,"param":{"headers":{},"data":""},"tags":)" + tags + "}";
}

// The `data.promise.state` of a protocol 2026 answer.
std::string state26(const reply& r) {
  try {
    return str(json::parse(r.body).at("data").at("promise").at("state"));
  } catch (const std::exception&) {
    return "<no promise in " + r.body + ">";
  }
}

// The registrations of protocol 2026 (a listener, and a callback through
// task.suspend) raced against the settlement of the awaited promise, by
// promise.settle in even rounds and by REST v1's PATCH in odd ones: whoever
// wins, nothing waits on a settled promise. A listener registered while the
// promise was pending is turned into its unblock message, a task suspended on
// it is resumed.
TEST_P(RacesTest, Protocol2026RegistrationsRacedAgainstTheSettlementAreNeverOrphaned) {
  constexpr int rounds = 60;
  auto awaited_of = [](int g, int r) { return "a-" + std::to_string(g) + "-" + std::to_string(r); };
  auto task_of = [](int g, int r) { return "w-" + std::to_string(g) + "-" + std::to_string(r); };
  enum racer { listener, settler, suspender };
  race(
    3, rounds,
    [&](int g, int r, http_client& c) {
      auto a =
        call26(c, "promise.create", create26(awaited_of(g, r), R"({"resonate:scope":"global"})"));
      if (a.status != 200) throw std::runtime_error("promise.create: " + a.body);
      auto t =
        call26(c, "task.create",
               R"({"pid":"w","ttl":600000,"action":{"kind":"promise.create","head":{},)"
               R"("data":)" +
                 create26(task_of(g, r), R"({"resonate:target":"poll://any@nobody"})") + "}}");
      if (t.status != 200) throw std::runtime_error("task.create: " + t.body);
    },
    [&](int g, int r, int k, http_client& c) -> reply {
      const auto a = awaited_of(g, r);
      switch (k) {
        case listener:
          return call26(c, "promise.register_listener",
                        R"({"awaited":")" + a + R"(","address":"poll://uni@nobody/l"})");
        case settler:
          if (r % 2 == 0) {
            return call26(
              c, "promise.settle",
              R"({"id":")" + a + R"(","state":"resolved","value":{"headers":{},"data":""}})");
          }
          return reply_of(c.patch("/promises/" + a, R"({"state":"RESOLVED"})"));
        default:
          return call26(c, "task.suspend",
                        R"({"id":")" + task_of(g, r) +
                          R"(","version":1,"actions":[{"kind":"promise.register_callback",)"
                          R"("head":{},"data":{"awaited":")" +
                          a + R"(","awaiter":")" + task_of(g, r) + R"("}}]})");
      }
    });

  int pending_listeners = 0, suspended = 0;
  std::set<std::string> want_unblock, want_resumed;
  for (int g = 0; g < k_groups; ++g) {
    for (int r = 0; r < rounds; ++r) {
      const auto a = awaited_of(g, r);
      const auto& done = at(g, r, settler);
      EXPECT_TRUE(done.status == 200 || done.status == 201) << a << ": " << done.body;
      const auto& l = at(g, r, listener);
      ASSERT_EQ(l.status, 200) << a << ": " << l.body;
      if (state26(l) == "pending") {
        ++pending_listeners;
        want_unblock.insert(a);
      } else {
        EXPECT_EQ(state26(l), "resolved") << a << ": " << l.body;
      }
      const auto& s = at(g, r, suspender);
      ASSERT_TRUE(s.status == 200 || s.status == 300) << a << ": " << s.body;
      if (s.status == 200) {
        ++suspended;
        want_resumed.insert(task_of(g, r));
      }
    }
  }
  std::cout << "[ race ] registered while pending: " << pending_listeners << " of "
            << k_groups * rounds << " listeners, " << suspended << " of " << k_groups * rounds
            << " suspensions\n";

  // Nothing is left waiting on a settled promise.
  auto listeners = rows("SELECT promise_id FROM listeners26 ORDER BY promise_id");
  EXPECT_TRUE(listeners.empty()) << listeners.size() << " listeners left on settled promises, e.g. "
                                 << listeners.front();
  auto callbacks = rows("SELECT awaited FROM callbacks26 ORDER BY awaited");
  EXPECT_TRUE(callbacks.empty()) << callbacks.size() << " callbacks left on settled promises, e.g. "
                                 << callbacks.front();
  // Every listener registered on a pending promise got its unblock message
  // (queued, or parked: nobody polls poll://uni@nobody/l).
  std::set<std::string> unblocks;
  for (auto& id : rows("SELECT promise_id FROM outbox_unblock26")) unblocks.insert(id);
  for (auto& id : rows("SELECT id FROM outbox_parked26 WHERE version < 0")) unblocks.insert(id);
  int missing_unblocks = 0;
  for (const auto& id : want_unblock) missing_unblocks += unblocks.count(id) == 0;
  EXPECT_EQ(missing_unblocks, 0) << "listeners registered on a pending promise never unblocked";
  // No task stays suspended on a settled promise; one that suspended is
  // pending again, resumed by the settlement.
  auto stuck = rows("SELECT id FROM tasks26 WHERE state = 2 ORDER BY id");
  EXPECT_TRUE(stuck.empty()) << stuck.size() << " tasks suspended on settled promises, e.g. "
                             << stuck.front();
  for (const auto& id : want_resumed) {
    EXPECT_EQ(rows("SELECT state, resumes FROM tasks26 WHERE id = '" + id + "'"),
              std::vector<std::string>{"0|1"})
      << id << " suspended and was not resumed";
  }
}

// Four connections settle one promise at once through POST /, each with its
// own state and value: every answer shows the one outcome that is stored.
TEST_P(RacesTest, Protocol2026ConcurrentSettlesAgreeOnOneOutcome) {
  constexpr int rounds = 50;
  constexpr int racers = 4;
  const char* states[racers] = {"resolved", "rejected", "rejected_canceled", "resolved"};
  const char* values[racers] = {"MA==", "MQ==", "Mg==", "Mw=="};
  auto id_of = [](int g, int r) { return "z-" + std::to_string(g) + "-" + std::to_string(r); };
  race(
    racers, rounds,
    [&](int g, int r, http_client& c) {
      auto res = call26(c, "promise.create", create26(id_of(g, r), "{}"));
      if (res.status != 200) throw std::runtime_error("promise.create: " + res.body);
    },
    [&](int g, int r, int k, http_client& c) {
      return call26(c, "promise.settle",
                    R"({"id":")" + id_of(g, r) + R"(","state":")" + states[k] +
                      R"(","value":{"headers":{},"data":")" + values[k] + R"("}})");
    });
  auto c = client();
  for (int g = 0; g < k_groups; ++g) {
    for (int r = 0; r < rounds; ++r) {
      const auto id = id_of(g, r);
      auto stored = call26(*c, "promise.get", R"({"id":")" + id + R"("})");
      ASSERT_EQ(stored.status, 200) << stored.body;
      const auto want = json::parse(stored.body).at("data").at("promise");
      EXPECT_NE(str(want.at("state")), "pending") << id;
      for (int k = 0; k < racers; ++k) {
        const auto& one = at(g, r, k);
        ASSERT_EQ(one.status, 200) << id << " racer " << k << ": " << one.body;
        EXPECT_EQ(json::parse(one.body).at("data").at("promise"), want)
          << id << " racer " << k << " saw another outcome";
      }
    }
  }
}

// Four workers acquire version 0 of one task at once: one gets it (200), the
// others 409, and the task stored is the winner's, at version 1.
TEST_P(RacesTest, Protocol2026OneTaskVersionIsAcquiredByOneWorker) {
  constexpr int rounds = 50;
  constexpr int racers = 4;
  auto id_of = [](int g, int r) { return "q-" + std::to_string(g) + "-" + std::to_string(r); };
  race(
    racers, rounds,
    [&](int g, int r, http_client& c) {
      // Addressed to a group nobody polls: the task stays pending at version 0.
      auto res = call26(c, "promise.create",
                        create26(id_of(g, r), R"({"resonate:target":"poll://any@nobody"})"));
      if (res.status != 200) throw std::runtime_error("promise.create: " + res.body);
    },
    [&](int g, int r, int k, http_client& c) {
      return call26(c, "task.acquire",
                    R"({"id":")" + id_of(g, r) + R"(","version":0,"pid":"w)" + std::to_string(k) +
                      R"(","ttl":600000})");
    });
  for (int g = 0; g < k_groups; ++g) {
    for (int r = 0; r < rounds; ++r) {
      const auto id = id_of(g, r);
      int winner = -1, winners = 0;
      for (int k = 0; k < racers; ++k) {
        const auto& one = at(g, r, k);
        if (one.status == 200) {
          winner = k;
          ++winners;
        } else {
          EXPECT_EQ(one.status, 409) << id << " racer " << k << ": " << one.body;
        }
      }
      ASSERT_EQ(winners, 1) << id << ": " << winners << " workers acquired version 0";
      EXPECT_EQ(rows("SELECT state, version, pid FROM tasks26 WHERE id = '" + id + "'"),
                std::vector<std::string>{"1|1|w" + std::to_string(winner)})
        << id;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, RacesTest,
                         ::testing::Values(store_kind::sqlite, store_kind::postgres),
                         [](const auto& info) { return to_string(info.param); });

}  // namespace
}  // namespace resonate::test
