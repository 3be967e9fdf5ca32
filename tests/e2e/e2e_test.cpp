// End to end: real worker processes (tests/e2e/worker.mjs, Node built-ins only)
// against a real `resonate serve`, on every store. A worker receives an invoke
// (SSE or HTTP push), claims it, creates a child and a resume callback on it,
// completes its task; the test resolves the child from outside; the worker
// receives the resume, claims it and resolves the root. A worker killed while it
// holds a task loses it when the lease expires, and a second worker gets the
// task again with a higher counter.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/scratch_store.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/wire_match.hpp"

namespace resonate::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* k_future = "32503680000000";

class E2eTest : public ::testing::TestWithParam<store_kind> {
 protected:
  void SetUp() override {
    if (GetParam() == store_kind::postgres && !test_pg_conninfo())
      GTEST_SKIP() << "RESONATE_TEST_PG is not set";
    store_ = std::make_unique<scratch_store>(GetParam());
    auto args = store_->server_args();
    // Background jobs every 100 ms; failed sends retried after 500 ms; an
    // unclaimed delivery is taken back after 3 s.
    args.insert(args.end(), {"--system-signal-timeout", "100ms", "--aio-poll-ttr", "500ms",
                             "--aio-poll-ttc", "3s", "--aio-http-ttr", "500ms", "--aio-http-ttc",
                             "3s", "--log-level", "info"});
    server_ = std::make_unique<server_process>(args);
    server_->start();
    ASSERT_NE(server_->poll_port(), 0) << "no poll_port= on the listening line";
    client_ = std::make_unique<http_client>("127.0.0.1", server_->port());
  }

  void TearDown() override {
    for (auto& w : workers_) {
      if (HasFailure()) {
        std::cerr << "--- worker " << w->pid() << " stdout ---\n";
        for (const auto& l : w->lines()) std::cerr << l << "\n";
        std::cerr << "--- worker stderr ---\n" << w->stderr_text() << "\n";
      }
      w->kill();
    }
    client_.reset();
    if (server_ && server_->running()) server_->stop();
    if (HasFailure() && server_) std::cerr << "--- server log ---\n" << server_->log_tail() << "\n";
  }

  child_process& start_worker(const std::string& transport, const std::string& mode,
                              const std::string& id, const std::string& group,
                              const std::string& ttl = "30000") {
    workers_.push_back(std::make_unique<child_process>(std::vector<std::string>{
      NODE_EXECUTABLE, E2E_WORKER, "--api", "http://127.0.0.1:" + std::to_string(server_->port()),
      "--poll", "http://127.0.0.1:" + std::to_string(server_->poll_port()), "--group", group,
      "--id", id, "--transport", transport, "--mode", mode, "--pid", id, "--ttl", ttl}));
    return *workers_.back();
  }

  /// The next line of `w` with this event (other events are skipped, errors fail).
  std::optional<json::object> await_event(child_process& w, const std::string& event,
                                          std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      auto line = w.read_line(left);
      if (!line) break;
      json::value v;
      try {
        v = json::parse(*line);
      } catch (const std::exception&) {
        ADD_FAILURE() << "the worker printed a line that is not JSON: " << *line;
        continue;
      }
      auto& o = v.as_object();
      if (str(o.at("event")) == "error") ADD_FAILURE() << "worker error: " << *line;
      if (str(o.at("event")) == event) return o;
    }
    ADD_FAILURE() << "no `" << event << "` from the worker within " << timeout.count() << " ms";
    return std::nullopt;
  }

  bool eventually(const std::function<bool()>& f, std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (f()) return true;
      std::this_thread::sleep_for(50ms);
    }
    return f();
  }

  std::string tasks_of(const std::string& root) {
    std::string out;
    for (const auto& row : store_->query(
           "SELECT id, state FROM tasks WHERE root_promise_id = '" + root + "' ORDER BY id")) {
      if (!out.empty()) out += "\n";
      out += row;
    }
    return out;
  }

  /// The whole flow once the worker is listening on `recv`.
  void run_flow(child_process& w, const std::string& root, const std::string& recv) {
    const std::string param = base64("the root's input");
    auto r = client_->post("/promises",
                           R"({"id":")" + root + R"(","timeout":)" + k_future +
                             R"(,"param":{"data":")" + param + R"("},"tags":{"resonate:invoke":")" +
                             recv + R"("}})");
    ASSERT_EQ(r.status, 201) << r.body;

    auto msg = await_event(w, "message");
    ASSERT_TRUE(msg);
    EXPECT_EQ(str(msg->at("type")), "invoke");
    EXPECT_EQ(str(msg->at("id")), "__invoke:" + root);
    EXPECT_EQ(msg->at("counter").as_int64(), 1);
    EXPECT_TRUE(str(msg->at("claimHref")).ends_with("/tasks/claim/__invoke:" + root + "/1"))
      << msg->at("claimHref");
    auto invoked = await_event(w, "invoked");
    ASSERT_TRUE(invoked);
    const std::string child = root + ".child";
    EXPECT_EQ(str(invoked->at("child")), child);
    EXPECT_EQ(invoked->at("createStatus").as_int64(), 201);
    EXPECT_EQ(invoked->at("callbackStatus").as_int64(), 201);
    EXPECT_EQ(str(invoked->at("callback").at("id")), "__resume:" + root + ":" + child);
    EXPECT_EQ(invoked->at("completeStatus").as_int64(), 201);
    EXPECT_EQ(tasks_of(root), "__invoke:" + root + "|8");

    // From outside: the child is pending until the test resolves it.
    r = client_->get("/promises/" + child);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(str(r.json().at("state")), "PENDING");
    const std::string value = base64("the child's result");
    r = client_->patch("/promises/" + child,
                       R"({"state":"RESOLVED","value":{"data":")" + value + R"("}})");
    ASSERT_EQ(r.status, 201) << r.body;

    msg = await_event(w, "message");
    ASSERT_TRUE(msg);
    EXPECT_EQ(str(msg->at("type")), "resume");
    EXPECT_EQ(str(msg->at("id")), "__resume:" + root + ":" + child);
    auto resumed = await_event(w, "resumed");
    ASSERT_TRUE(resumed);
    EXPECT_EQ(str(resumed->at("leafState")), "RESOLVED");
    EXPECT_EQ(resumed->at("resolveStatus").as_int64(), 201);
    // Resolving the root completed the resume task it ran in (spec 4.4), so the
    // worker's own complete finds it done.
    EXPECT_EQ(resumed->at("completeStatus").as_int64(), 200);

    json::value root_now;
    EXPECT_TRUE(eventually([&] {
      auto g = client_->get("/promises/" + root);
      if (g.status != 200) return false;
      root_now = g.json();
      return str(root_now.at("state")) == "RESOLVED";
    })) << root_now;
    EXPECT_EQ(str(root_now.at("value").at("data")), value);
    EXPECT_EQ(str(root_now.at("param").at("data")), param);
    EXPECT_EQ(tasks_of(root), "__invoke:" + root + "|8\n__resume:" + root + ":" + child + "|8");
  }

  std::unique_ptr<scratch_store> store_;
  std::unique_ptr<server_process> server_;
  std::unique_ptr<http_client> client_;
  std::vector<std::unique_ptr<child_process>> workers_;
};

TEST_P(E2eTest, SseWorkerRunsInvokeThenResume) {
  auto& w = start_worker("sse", "flow", "w1", "e2e");
  auto c = await_event(w, "connected");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->at("status").as_int64(), 200);
  EXPECT_EQ(str(c->at("contentType")), "text/event-stream");
  run_flow(w, "e2e-sse-root", "poll://any@e2e");
}

TEST_P(E2eTest, HttpPushWorkerRunsInvokeThenResume) {
  auto& w = start_worker("http", "flow", "h1", "unused");
  auto l = await_event(w, "listening");
  ASSERT_TRUE(l);
  const std::string recv = "http://127.0.0.1:" + std::to_string(l->at("port").as_int64()) + "/";
  run_flow(w, "e2e-http-root", recv);
  // Each delivery was one POST with a JSON body.
  size_t pushes = 0;
  for (const auto& line : w.lines()) {
    auto v = json::parse(line).as_object();
    if (str(v.at("event")) != "pushed") continue;
    ++pushes;
    EXPECT_EQ(str(v.at("method")), "POST");
    EXPECT_EQ(str(v.at("url")), "/");
    EXPECT_EQ(str(v.at("contentType")), "application/json");
  }
  EXPECT_EQ(pushes, 2u);
}

TEST_P(E2eTest, KilledWorkersTaskGoesToAnotherWorkerWithAHigherCounter) {
  const std::string root = "e2e-kill-root";
  const std::string task = "__invoke:" + root;
  auto& a = start_worker("sse", "hold", "a", "e2ek", "1000");
  ASSERT_TRUE(await_event(a, "connected"));
  // any@e2ek/b: to b when it is connected, otherwise to anyone in the group.
  auto r = client_->post("/promises", R"({"id":")" + root + R"(","timeout":)" + k_future +
                                        R"(,"tags":{"resonate:invoke":"poll://any@e2ek/b"}})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto first = await_event(a, "claimed");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->at("status").as_int64(), 201);
  ASSERT_EQ(first->at("counter").as_int64(), 1);
  a.kill(SIGKILL);

  auto& b = start_worker("sse", "wait", "b", "e2ek");
  ASSERT_TRUE(await_event(b, "connected"));
  auto second = await_event(b, "claimed");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->at("status").as_int64(), 201);
  const int64_t counter = second->at("counter").as_int64();
  EXPECT_GE(counter, 2) << "the lease expiry (and any redelivery) bumps the counter";

  // The dead worker's late complete, with its old counter: refused while b holds it.
  r = client_->post("/tasks/complete", R"({"id":")" + task + R"(","counter":1})");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.json().at("error").at("code").as_int64(), 40308) << r.body;
  r = client_->post("/tasks/heartbeat", R"({"processId":"a"})");
  EXPECT_EQ(r.body, R"({"tasksAffected":0})");
  r = client_->post("/tasks/heartbeat", R"({"processId":"b"})");
  EXPECT_EQ(r.body, R"({"tasksAffected":1})");

  b.write_line("complete");
  auto done = await_event(b, "completed");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->at("status").as_int64(), 201);
  EXPECT_EQ(store_->query("SELECT state, counter FROM tasks WHERE id = '" + task + "'"),
            std::vector<std::string>{"8|" + std::to_string(counter)});
  // Once completed, any counter gets 200.
  r = client_->post("/tasks/complete", R"({"id":")" + task + R"(","counter":1})");
  EXPECT_EQ(r.status, 200) << r.body;
}

INSTANTIATE_TEST_SUITE_P(Stores, E2eTest,
                         ::testing::Values(store_kind::sqlite, store_kind::postgres),
                         [](const auto& info) { return to_string(info.param); });

}  // namespace
}  // namespace resonate::test
