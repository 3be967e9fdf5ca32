// `resonate promises|tasks|tree|invoke|schedules|migrate` run as subprocesses of the
// test, against a real `resonate serve` (SQLite file; PostgreSQL too for migrate when
// RESONATE_TEST_PG is set). Checked: `-o json` parsed with Boost.JSON, the key content of
// the tables, what the server stored afterwards, and the exit codes (0 ok, 1 server error,
// 2 usage, 3 unreachable). The schedules commands run against a fake HTTP listener that
// records each request, so their wire requests are checked exactly.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "tests/support/cli_run.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/pg_scratch.hpp"
#include "tests/support/raw_conn.hpp"
#include "tests/support/scratch_store.hpp"
#include "tests/support/server_process.hpp"

namespace resonate::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

// ---- against a real server --------------------------------------------------------------

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    store_ = new scratch_store(store_kind::sqlite);
    server_ = new server_process(store_->server_args());
    server_->start();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete store_;
  }

  static std::string url() { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  // Runs a client command against the server; `-S` is added.
  static cli_result cli(std::vector<std::string> args) {
    args.push_back("-S");
    args.push_back(url());
    return run_cli(args);
  }
  static json::value ok_json(std::vector<std::string> args) {
    args.push_back("-o");
    args.push_back("json");
    auto r = cli(args);
    EXPECT_EQ(r.code, 0) << describe(args, r);
    return r.out.empty() ? json::value() : r.json();
  }
  static std::string ok_table(const std::vector<std::string>& args) {
    auto r = cli(args);
    EXPECT_EQ(r.code, 0) << describe(args, r);
    return r.out;
  }
  static json::value get_promise(const std::string& id) {
    http_client c("127.0.0.1", server_->port());
    auto r = c.get("/promises/" + url_encode(id));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }

  static inline scratch_store* store_ = nullptr;
  static inline server_process* server_ = nullptr;
};

std::string str(const json::value& v, std::initializer_list<const char*> path) {
  const json::value* cur = &v;
  for (const char* k : path) {
    if (!cur->is_object() || !cur->as_object().contains(k))
      return "<missing " + std::string(k) + ">";
    cur = &cur->as_object().at(k);
  }
  return cur->is_string() ? std::string(cur->as_string()) : json::serialize(*cur);
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

TEST_F(CliTest, CreateGetSearchAndCompletePromises) {
  const int64_t before = now_ms();
  auto p = ok_json({"promises", "create", "cli-a", "--timeout", "1h", "--data", "hello", "--header",
                    "h1=v1", "--tag", "k1=v1", "--tag", "k2=v2", "--idempotency-key", "ik-a"});
  EXPECT_EQ(str(p, {"id"}), "cli-a");
  EXPECT_EQ(str(p, {"state"}), "PENDING");
  EXPECT_EQ(str(p, {"param", "data"}), "aGVsbG8=");  // base64("hello")
  EXPECT_EQ(str(p, {"param", "headers", "h1"}), "v1");
  EXPECT_EQ(str(p, {"tags", "k2"}), "v2");
  EXPECT_EQ(str(p, {"idempotencyKeyForCreate"}), "ik-a");
  const int64_t timeout = p.as_object().at("timeout").as_int64();
  EXPECT_GE(timeout, before + 3600000);
  EXPECT_LE(timeout, now_ms() + 3600000);

  // The same create with the same key deduplicates (200), the table says so.
  auto again = ok_table({"promises", "create", "cli-a", "-t", "1h", "-i", "ik-a"});
  EXPECT_NE(again.find("cli-a (deduplicated)"), std::string::npos) << again;

  auto table = ok_table({"promises", "get", "cli-a"});
  EXPECT_NE(table.find("PENDING"), std::string::npos) << table;
  EXPECT_NE(table.find("hello"), std::string::npos) << table;  // decoded param data
  EXPECT_NE(table.find("k1=v1 k2=v2"), std::string::npos) << table;
  EXPECT_NE(table.find("ik-a"), std::string::npos) << table;
  EXPECT_EQ(get_promise("cli-a"), ok_json({"promises", "get", "cli-a"}));

  ok_json({"promises", "create", "cli-b", "-t", "1h", "--tag", "k1=other"});
  ok_json({"promises", "create", "cli-c", "-t", "1h"});
  auto found = ok_json({"promises", "search", "cli-*", "--tag", "k1=v1"});
  ASSERT_EQ(found.at("promises").as_array().size(), 1u) << found;
  EXPECT_EQ(str(found.at("promises").as_array()[0], {"id"}), "cli-a");

  // Paging: limit 2 of three gives a cursor; the table names it, the next page has the rest.
  auto page = ok_json({"promises", "search", "cli-*", "--limit", "2"});
  ASSERT_EQ(page.at("promises").as_array().size(), 2u);
  ASSERT_TRUE(page.at("cursor").is_string());
  auto next =
      ok_json({"promises", "search", "--cursor", std::string(page.at("cursor").as_string())});
  EXPECT_EQ(next.at("promises").as_array().size(), 1u) << next;
  auto search_table = ok_table({"promises", "search", "cli-*", "--limit", "2"});
  EXPECT_NE(search_table.find("ID"), std::string::npos);
  EXPECT_NE(search_table.find("--cursor"), std::string::npos) << search_table;

  auto resolved =
      ok_json({"promises", "resolve", "cli-a", "--data", "done", "-H", "r=1", "-i", "ik-r"});
  EXPECT_EQ(str(resolved, {"state"}), "RESOLVED");
  EXPECT_EQ(str(resolved, {"value", "data"}), "ZG9uZQ==");  // base64("done")
  EXPECT_EQ(str(get_promise("cli-a"), {"value", "headers", "r"}), "1");
  auto rejected = ok_table({"promises", "reject", "cli-b"});
  EXPECT_NE(rejected.find("Rejected promise: cli-b"), std::string::npos) << rejected;
  EXPECT_EQ(str(get_promise("cli-b"), {"state"}), "REJECTED");
  ok_table({"promises", "cancel", "cli-c"});
  EXPECT_EQ(str(get_promise("cli-c"), {"state"}), "REJECTED_CANCELED");
  auto by_state = ok_json({"promises", "search", "cli-*", "--state", "rejected"});
  EXPECT_EQ(by_state.at("promises").as_array().size(), 2u) << by_state;

  EXPECT_EQ(str(resolved, {"idempotencyKeyForComplete"}), "ik-r");
  // Strict by default: another state with the same key is an error; --strict=false
  // deduplicates on the key alone (spec 4.3).
  auto strict = cli({"promises", "reject", "cli-a", "-i", "ik-r"});
  EXPECT_EQ(strict.code, 1) << describe({}, strict);
  EXPECT_NE(strict.err.find("already been resolved"), std::string::npos) << strict.err;
  EXPECT_NE(strict.err.find("40301"), std::string::npos) << strict.err;
  auto lenient = ok_table({"promises", "reject", "cli-a", "-i", "ik-r", "--strict=false"});
  EXPECT_NE(lenient.find("(deduplicated)"), std::string::npos) << lenient;
}

TEST_F(CliTest, SchedulesAgainstTheServer) {
  auto created = ok_json({"schedules", "create", "cli-s", "--cron", "0 0 1 1 *", "--promise-id",
                          "cli-s.{{.timestamp}}", "--promise-timeout", "1h", "--description",
                          "yearly", "--tag", "team=a", "--promise-tag", "p=q",
                          "--idempotency-key", "ik"});
  EXPECT_EQ(str(created, {"id"}), "cli-s");
  EXPECT_EQ(str(created, {"desc"}), "yearly");  // the CLI sends `desc`, which the server reads
  EXPECT_EQ(str(created, {"promiseTimeout"}), "3600000");
  EXPECT_EQ(str(created, {"tags", "team"}), "a");
  EXPECT_EQ(str(created, {"promiseTags", "p"}), "q");
  EXPECT_EQ(str(created, {"idempotencyKey"}), "ik");
  // The same key again is the stored schedule (200); the CLI still exits 0.
  auto again = ok_json({"schedules", "create", "cli-s", "--cron", "* * * * *", "--promise-id",
                        "x", "--promise-timeout", "1m", "--idempotency-key", "ik"});
  EXPECT_EQ(str(again, {"cron"}), "0 0 1 1 *");
  auto conflict = cli({"schedules", "create", "cli-s", "--cron", "* * * * *", "--promise-id",
                       "x", "--promise-timeout", "1m"});
  EXPECT_EQ(conflict.code, 1) << conflict.out << conflict.err;
  auto bad = cli({"schedules", "create", "cli-bad", "--cron", "nope", "--promise-id", "x",
                  "--promise-timeout", "1m"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE((bad.out + bad.err).find("cron"), std::string::npos) << bad.out << bad.err;

  auto got = ok_json({"schedules", "get", "cli-s"});
  EXPECT_EQ(str(got, {"promiseId"}), "cli-s.{{.timestamp}}");
  auto found = ok_json({"schedules", "search", "cli-*", "--tag", "team=a"});
  ASSERT_EQ(found.at("schedules").as_array().size(), 1u);
  EXPECT_EQ(str(found.at("schedules").as_array()[0], {"id"}), "cli-s");

  EXPECT_EQ(cli({"schedules", "delete", "cli-s"}).code, 0);
  EXPECT_EQ(cli({"schedules", "delete", "cli-s"}).code, 1);
  EXPECT_EQ(cli({"schedules", "get", "cli-s"}).code, 1);
}

TEST_F(CliTest, CallbacksAndSubscriptions) {
  ok_json({"promises", "create", "cb-root", "-t", "1h"});
  ok_json({"promises", "create", "cb-leaf", "-t", "1h"});
  auto cb = ok_json({"promises", "callback", "cb-leaf", "--root-promise-id", "cb-root", "-t", "30m",
                     "--recv", "poll://any@g"});
  EXPECT_EQ(str(cb, {"callback", "id"}), "__resume:cb-root:cb-leaf");
  EXPECT_EQ(str(cb, {"promise", "state"}), "PENDING");
  const int64_t t = cb.at("callback").at("timeout").as_int64();
  EXPECT_NEAR(static_cast<double>(t), static_cast<double>(now_ms() + 1800000), 60000.0);
  auto dup = ok_table({"promises", "callback", "cb-leaf", "-p", "cb-root"});
  EXPECT_NE(dup.find("__resume:cb-root:cb-leaf (deduplicated)"), std::string::npos) << dup;

  auto sub = ok_table({"promises", "subscribe", "cb-leaf", "--id", "s1", "--recv",
                       R"({"type":"poll","data":{"group":"g","id":"1"}})"});
  EXPECT_NE(sub.find("Created subscription: __notify:cb-leaf:s1"), std::string::npos) << sub;
  auto rows =
      store_->query("SELECT id, recv FROM callbacks WHERE promise_id = 'cb-leaf' ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], R"(__notify:cb-leaf:s1|{"type":"poll","data":{"group":"g","id":"1"}})");
  EXPECT_EQ(rows[1], R"(__resume:cb-root:cb-leaf|"poll://any@g")");

  ok_json({"promises", "resolve", "cb-leaf"});
  auto late = ok_table({"promises", "subscribe", "cb-leaf", "-i", "s2"});
  EXPECT_NE(late.find("already RESOLVED"), std::string::npos) << late;
}

TEST_F(CliTest, InvokeAndTasks) {
  // REST v1 stays one flag away for the REST-era SDKs.
  auto inv = ok_json({"invoke", "inv-1", "--func", "add", "--arg", "1", "--arg", "two", "--arg",
                      R"({"k":[3]})", "--target", "poll://any@nobody", "--protocol", "v1"});
  EXPECT_EQ(str(inv, {"tags", "resonate:invoke"}), "poll://any@nobody");
  EXPECT_EQ(str(inv, {"tags", "resonate:target"}), "<missing resonate:target>");
  EXPECT_TRUE(store_->query("SELECT id FROM tasks26 WHERE id = 'inv-1'").empty());
  // The param is {"func","args","version"} as JSON, base64-encoded.
  auto p = get_promise("inv-1");
  const std::string data = str(p, {"param", "data"});
  EXPECT_EQ(data, "eyJmdW5jIjoiYWRkIiwiYXJncyI6WzEsInR3byIseyJrIjpbM119XSwidmVyc2lvbiI6MX0=")
      << "base64 of {\"func\":\"add\",\"args\":[1,\"two\",{\"k\":[3]}],\"version\":1}";
  auto delayed =
      ok_json({"invoke", "inv-2", "--func", "f", "--json-args", "[1,2]", "--version", "3",
               "--delay", "10m", "-t", "1h", "--target", "poll://any@nobody", "--protocol", "v1"});
  const int64_t delay = std::stoll(str(delayed, {"tags", "resonate:delay"}));
  EXPECT_NEAR(static_cast<double>(delay), static_cast<double>(now_ms() + 600000), 60000.0);
  EXPECT_EQ(delayed.at("timeout").as_int64(), delay + 3600000);

  auto claim =
      ok_json({"tasks", "claim", "__invoke:inv-1", "--counter", "1", "--pid", "w1", "--ttl", "5m"});
  EXPECT_EQ(str(claim, {"type"}), "invoke");
  EXPECT_EQ(str(claim, {"promises", "root", "id"}), "inv-1");
  auto rows = store_->query("SELECT process_id, ttl FROM tasks WHERE id = '__invoke:inv-1'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], "w1|300000");

  auto hb = ok_json({"tasks", "heartbeat", "--pid", "w1"});
  EXPECT_EQ(str(hb, {"tasksAffected"}), "1");
  auto hb_table = ok_table({"tasks", "heartbeat", "-p", "nobody"});
  EXPECT_NE(hb_table.find("0 task(s)"), std::string::npos) << hb_table;

  auto wrong = cli({"tasks", "complete", "__invoke:inv-1", "-c", "2"});
  EXPECT_EQ(wrong.code, 1) << describe({}, wrong);
  EXPECT_NE(wrong.err.find("40308"), std::string::npos) << wrong.err;
  auto done = ok_table({"tasks", "complete", "__invoke:inv-1", "-c", "1"});
  EXPECT_NE(done.find("Completed task: __invoke:inv-1"), std::string::npos) << done;
  auto again = ok_json({"tasks", "complete", "__invoke:inv-1", "-c", "1"});
  EXPECT_TRUE(again.as_object().contains("completedOn")) << again;

  // Claim in table form, then drop: the counter goes up.
  auto claim2 = ok_table({"tasks", "claim", "__invoke:inv-2", "-c", "1"});
  EXPECT_NE(claim2.find("Claimed task: __invoke:inv-2"), std::string::npos) << claim2;
  EXPECT_NE(claim2.find("inv-2"), std::string::npos);
  ok_table({"tasks", "drop", "__invoke:inv-2", "-c", "1"});
  EXPECT_EQ(store_->query("SELECT counter FROM tasks WHERE id = '__invoke:inv-2'"),
            std::vector<std::string>{"2"});
}

TEST_F(CliTest, InvokeOverProtocol2026MakesATaskForTodaysSdk) {
  auto out = ok_table({"invoke", "inv26", "--func", "add", "--arg", "1", "--protocol", "2026",
                       "--target", "poll://any@workers", "-t", "1h"});
  EXPECT_NE(out.find("Invoked add as promise: inv26 (pending)"), std::string::npos) << out;
  // The same promise over REST v1: the SDK's root tags, the same param encoding.
  auto p = get_promise("inv26");
  EXPECT_EQ(str(p, {"tags", "resonate:target"}), "poll://any@workers");
  EXPECT_EQ(str(p, {"tags", "resonate:scope"}), "global");
  EXPECT_EQ(str(p, {"tags", "resonate:origin"}), "inv26");
  EXPECT_EQ(str(p, {"param", "data"}), "eyJmdW5jIjoiYWRkIiwiYXJncyI6WzFdLCJ2ZXJzaW9uIjoxfQ==")
      << "base64 of {\"func\":\"add\",\"args\":[1],\"version\":1}";
  // A pending protocol 2026 task at version 0, with its execute queued.
  EXPECT_EQ(store_->query("SELECT state, version, address FROM tasks26 WHERE id = 'inv26'"),
            std::vector<std::string>{"0|0|poll://any@workers"});
  // Idempotent: the stored promise comes back; -o json prints the envelope.
  auto again = ok_json({"invoke", "inv26", "--func", "other", "--protocol", "2026"});
  EXPECT_EQ(str(again, {"head", "status"}), "200");
  EXPECT_EQ(str(again, {"data", "promise", "tags", "resonate:target"}), "poll://any@workers");
  auto bad = cli({"invoke", "inv27", "--func", "f", "--protocol", "2027"});
  EXPECT_EQ(bad.code, 2) << describe({}, bad);
}

// The README of @resonatehq/sdk 0.11.5 runs `resonate invoke countdown.1 --func
// countdown --arg 5 --arg 60` against a worker made with `new Resonate({url})`:
// with no flags that must be protocol 2026-04-01 aimed at the SDK's default group.
TEST_F(CliTest, InvokeDefaultsToProtocol2026AndTheSdkDefaultGroup) {
  auto out =
      ok_table({"invoke", "countdown.1", "--func", "countdown", "--arg", "5", "--arg", "60"});
  EXPECT_NE(out.find("Invoked countdown as promise: countdown.1 (pending)"), std::string::npos)
      << out;
  auto p = get_promise("countdown.1");
  EXPECT_EQ(str(p, {"tags", "resonate:target"}), "poll://any@default");
  EXPECT_EQ(str(p, {"tags", "resonate:origin"}), "countdown.1");
  EXPECT_EQ(str(p, {"tags", "resonate:invoke"}), "<missing resonate:invoke>");
  EXPECT_EQ(str(p, {"param", "data"}),
            "eyJmdW5jIjoiY291bnRkb3duIiwiYXJncyI6WzUsNjBdLCJ2ZXJzaW9uIjoxfQ==")
      << "base64 of {\"func\":\"countdown\",\"args\":[5,60],\"version\":1}";
  EXPECT_EQ(store_->query("SELECT state, version, address FROM tasks26 WHERE id = 'countdown.1'"),
            std::vector<std::string>{"0|0|poll://any@default"});
  auto help = cli({"invoke", "--help"});
  EXPECT_NE(help.out.find("=2026"), std::string::npos) << help.out;  // the default shown
}

// A workflow as @resonatehq/sdk 0.11.5 writes it (spec protocol-2026-04-01 2.9):
// no resonate:root; every descendant carries the origin, a sleep is a timer, a
// detached child hangs off the origin whichever context spawned it.
TEST_F(CliTest, TreeFollowsTheProtocol2026Lineage) {
  http_client c("127.0.0.1", server_->port());
  const int64_t timeout_at = now_ms() + 3600000;
  auto create = [&](const std::string& id, json::object tags, const std::string& param_data) {
    tags["resonate:origin"] = "tw";
    const json::object envelope{{"kind", "promise.create"},
                                {"head", {{"corrId", "c-" + id}, {"version", "2026-04-01"}}},
                                {"data",
                                 {{"id", id},
                                  {"timeoutAt", timeout_at},
                                  {"param", {{"headers", json::object{}}, {"data", param_data}}},
                                  {"tags", tags}}}};
    auto r = c.post("/", json::serialize(envelope), {{"Content-Type", "application/json"}});
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(str(json::parse(r.body), {"head", "status"}), "200") << r.body;
  };
  const std::string nobody = "poll://any@tree-nobody";
  // base64 of {"func":"wf"|"child"|"bg","args":[],"version":1}
  const std::string wf = "eyJmdW5jIjoid2YiLCJhcmdzIjpbXSwidmVyc2lvbiI6MX0=";
  const std::string child = "eyJmdW5jIjoiY2hpbGQiLCJhcmdzIjpbXSwidmVyc2lvbiI6MX0=";
  const std::string bg = "eyJmdW5jIjoiYmciLCJhcmdzIjpbXSwidmVyc2lvbiI6MX0=";
  create("tw",
         {{"resonate:scope", "global"},
          {"resonate:target", nobody},
          {"resonate:branch", "tw"},
          {"resonate:parent", "tw"}},
         wf);
  create("tw:0",
         {{"resonate:scope", "local"}, {"resonate:branch", "tw"}, {"resonate:parent", "tw"}}, "");
  create("tw:1",
         {{"resonate:scope", "global"},
          {"resonate:target", nobody},
          {"resonate:timer", "true"},
          {"resonate:branch", "tw:1"},
          {"resonate:parent", "tw"}},
         "IiI=");
  create("tw:2",
         {{"resonate:scope", "global"},
          {"resonate:target", nobody},
          {"resonate:branch", "tw:2"},
          {"resonate:parent", "tw"}},
         child);
  create("tw:2.0",
         {{"resonate:scope", "local"}, {"resonate:branch", "tw:2"}, {"resonate:parent", "tw:2"}},
         "");
  create("tw:3",
         {{"resonate:scope", "global"}, {"resonate:branch", "tw:3"}, {"resonate:parent", "tw"}},
         "");
  // Spawned by tw:2, yet its parent is the origin.
  create("tw:d000000000abcdef",
         {{"resonate:scope", "global"},
          {"resonate:target", nobody},
          {"resonate:branch", "tw:d000000000abcdef"},
          {"resonate:parent", "tw"}},
         bg);
  ok_json({"promises", "resolve", "tw:0"});
  // Not in the tree: another lineage.
  ok_json({"promises", "create", "tx:0", "-t", "1h", "--tag", "resonate:origin=tx", "--tag",
           "resonate:parent=tx"});

  const std::string pending = " \xF0\x9F\x9F\xA1 PENDING";
  const std::string tee = "\xE2\x94\x9C\xE2\x94\x80\xE2\x94\x80 ";
  const std::string ell = "\xE2\x94\x94\xE2\x94\x80\xE2\x94\x80 ";
  const std::string bar = "\xE2\x94\x82   ";
  const std::string expected = "tw" + pending + " (rpc wf)\n" +                  //
                               tee + "tw:0 \xF0\x9F\x9F\xA2 RESOLVED (run)\n" +  //
                               tee + "tw:1" + pending + " (sleep)\n" +           //
                               tee + "tw:2" + pending + " (rpc child)\n" +       //
                               bar + ell + "tw:2.0" + pending + " (run)\n" +     //
                               tee + "tw:3" + pending + " (promise)\n" +         //
                               ell + "tw:d000000000abcdef" + pending + " (detached bg)\n";
  EXPECT_EQ(ok_table({"tree", "tw"}), expected);

  auto tree = ok_json({"tree", "tw"});
  const auto& kids = tree.at("children").as_array();
  ASSERT_EQ(kids.size(), 5u) << tree;
  EXPECT_EQ(str(kids[2].at("children").as_array().at(0), {"id"}), "tw:2.0");
  // Any node of the lineage: its subtree.
  EXPECT_EQ(ok_table({"tree", "tw:2"}),
            "tw:2" + pending + " (rpc child)\n" + ell + "tw:2.0" + pending + " (run)\n");
}

TEST_F(CliTest, TreeOverThreeLevels) {
  // root -> a (local) -> a.1 ; root -> b (global, its own root) -> b.1
  ok_json({"promises", "create", "tr", "-t", "1h"});
  ok_json({"promises", "create", "tr.a", "-t", "1h", "--tag", "resonate:root=tr", "--tag",
           "resonate:parent=tr", "--tag", "resonate:scope=local"});
  ok_json({"promises", "create", "tr.b", "-t", "1h", "--tag", "resonate:root=tr", "--tag",
           "resonate:parent=tr", "--tag", "resonate:scope=global"});
  ok_json({"promises", "create", "tr.a.1", "-t", "1h", "--tag", "resonate:root=tr", "--tag",
           "resonate:parent=tr.a"});
  ok_json({"promises", "create", "tr.b.1", "-t", "1h", "--tag", "resonate:root=tr.b", "--tag",
           "resonate:parent=tr.b"});
  ok_json({"promises", "resolve", "tr.a.1"});
  // Not in the tree: another root's child.
  ok_json({"promises", "create", "other.1", "-t", "1h", "--tag", "resonate:root=other", "--tag",
           "resonate:parent=other"});

  const std::string expected =
      "tr \xF0\x9F\x9F\xA1 PENDING\n"
      "\xE2\x94\x9C\xE2\x94\x80\xE2\x94\x80 tr.a \xF0\x9F\x9F\xA1 PENDING (run)\n"
      "\xE2\x94\x82   \xE2\x94\x94\xE2\x94\x80\xE2\x94\x80 tr.a.1 \xF0\x9F\x9F\xA2 RESOLVED\n"
      "\xE2\x94\x94\xE2\x94\x80\xE2\x94\x80 tr.b \xF0\x9F\x9F\xA1 PENDING (rpc)\n"
      "    \xE2\x94\x94\xE2\x94\x80\xE2\x94\x80 tr.b.1 \xF0\x9F\x9F\xA1 PENDING\n";
  EXPECT_EQ(ok_table({"tree", "tr"}), expected);

  auto tree = ok_json({"tree", "tr"});
  EXPECT_EQ(str(tree, {"id"}), "tr");
  const auto& kids = tree.at("children").as_array();
  ASSERT_EQ(kids.size(), 2u);
  EXPECT_EQ(str(kids[0], {"id"}), "tr.a");
  ASSERT_EQ(kids[0].at("children").as_array().size(), 1u);
  EXPECT_EQ(str(kids[0].at("children").as_array()[0], {"state"}), "RESOLVED");
  EXPECT_EQ(str(kids[1].at("children").as_array()[0], {"id"}), "tr.b.1");

  auto missing = cli({"tree", "no-such-root"});
  EXPECT_EQ(missing.code, 1) << describe({}, missing);
  EXPECT_NE(missing.err.find("not found"), std::string::npos) << missing.err;
}

TEST_F(CliTest, ErrorsHaveTheirExitCodes) {
  auto nf = cli({"promises", "get", "does-not-exist"});
  EXPECT_EQ(nf.code, 1) << describe({}, nf);
  EXPECT_NE(nf.err.find("404"), std::string::npos) << nf.err;
  EXPECT_NE(nf.err.find("The specified promise was not found"), std::string::npos) << nf.err;
  EXPECT_NE(nf.err.find("40400"), std::string::npos) << nf.err;
  EXPECT_EQ(nf.out, "");
  // With -o json the error body goes to stdout for scripts.
  auto nf_json = cli({"promises", "get", "does-not-exist", "-o", "json"});
  EXPECT_EQ(nf_json.code, 1);
  EXPECT_EQ(str(nf_json.json(), {"error", "code"}), "40400");

  auto conflict = cli({"promises", "create", "dup", "-t", "1h"});
  EXPECT_EQ(conflict.code, 0) << describe({}, conflict);
  conflict = cli({"promises", "create", "dup", "-t", "1h"});
  EXPECT_EQ(conflict.code, 1);
  EXPECT_NE(conflict.err.find("40900"), std::string::npos) << conflict.err;

  // Usage errors: exit 2 before anything is sent.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"promises", "create", "u1"},                // --timeout is required
           {"promises", "create", "u2", "-t", "soon"},  // not a duration
           {"promises", "create", "u3", "-t", "1h", "--tag", "novalue"},
           {"promises", "get"},  // no id
           {"promises", "frobnicate", "x"},
           {"promises", "get", "x", "--bogus"},
           {"promises", "search", "*", "--limit", "500"},
           {"promises", "search", "*", "--state", "sleeping"},
           {"tasks", "claim", "t1"},  // --counter is required
           {"invoke", "u4"},          // --func is required
           {"invoke", "u5", "--func", "f", "--json-args", "{}"},
           {"promises", "get", "x", "-o", "yaml"},
           {"promises", "get", "x", "-S", "https://secure"}}) {
    auto r = cli(args);
    EXPECT_EQ(r.code, 2) << describe(args, r);
    EXPECT_FALSE(r.err.empty()) << describe(args, r);
  }
  for (const char* id : {"u1", "u2", "u3"}) {
    http_client c("127.0.0.1", server_->port());
    EXPECT_EQ(c.get(std::string("/promises/") + id).status, 404) << id;
  }
  // The global flags work between the command names too.
  auto between = run_cli({"promises", "-S", url(), "-o", "json", "get", "cli-nothing"});
  EXPECT_EQ(between.code, 1) << describe({}, between);
  EXPECT_EQ(str(between.json(), {"error", "code"}), "40400");
  auto none = run_cli({});
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("promises"), std::string::npos) << none.err;

  auto help = cli({"promises", "create", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--idempotency-key"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("Exit codes"), std::string::npos) << help.out;
}

// ---- the top level: help, version, unknown commands -------------------------------------

const std::vector<std::string> k_every_command{"serve",          "dev",       "invoke", "tree",
                                               "promises",       "schedules", "tasks",  "migrate",
                                               "config-example", "help",      "version"};

void expect_every_command(const std::string& text, const std::string& what) {
  for (const auto& c : k_every_command) {
    EXPECT_NE(text.find("\n  " + c + " "), std::string::npos) << what << " lacks " << c << ":\n"
                                                              << text;
  }
}

TEST(CliTopLevel, HelpListsEveryCommand) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--help"}, {"help"}, {"-h"}}) {
    auto r = run_cli(args);
    EXPECT_EQ(r.code, 0) << describe(args, r);
    expect_every_command(r.out, describe(args, r));
    EXPECT_NE(r.out.find("--aio-store-sqlite-path"), std::string::npos);  // serve's flags too
  }
  // `help <command>` is `<command> --help`, for the client and the server commands.
  auto promises = run_cli({"help", "promises"});
  EXPECT_EQ(promises.code, 0) << describe({}, promises);
  EXPECT_NE(promises.out.find("subscribe"), std::string::npos) << promises.out;
  auto serve = run_cli({"help", "serve"});
  EXPECT_EQ(serve.code, 0) << describe({}, serve);
  EXPECT_NE(serve.out.find("Usage: resonate serve"), std::string::npos) << serve.out;
  auto none = run_cli({});
  EXPECT_EQ(none.code, 2);
  expect_every_command(none.err, "no command");
}

TEST(CliTopLevel, VersionIsTheServersVersion) {
  // The one version string: what the server sends as Resonate-Version.
  scratch_store store(store_kind::sqlite);
  server_process server(store.server_args());
  server.start();
  http_client c("127.0.0.1", server.port());
  const std::string version = c.get("/promises/none").header("Resonate-Version").value_or("?");
  for (const auto& args : std::vector<std::vector<std::string>>{{"version"}, {"--version"}}) {
    auto r = run_cli(args);
    EXPECT_EQ(r.code, 0) << describe(args, r);
    EXPECT_EQ(r.out, "resonate version " + version + " (protocol 2026-04-01)\n")
        << describe(args, r);
  }
}

TEST(CliTopLevel, UnknownCommandListsEveryCommand) {
  auto r = run_cli({"frobnicate"});
  EXPECT_EQ(r.code, 2) << describe({}, r);
  EXPECT_NE(r.err.find("unknown command \"frobnicate\""), std::string::npos) << r.err;
  expect_every_command(r.err, "unknown command");
  auto typo = run_cli({"promsies", "get", "x"});
  EXPECT_EQ(typo.code, 2);
  EXPECT_NE(typo.err.find("did you mean promises?"), std::string::npos) << typo.err;
  auto help_unknown = run_cli({"help", "frobnicate"});
  EXPECT_EQ(help_unknown.code, 2);
  EXPECT_NE(help_unknown.err.find("unknown command"), std::string::npos) << help_unknown.err;
}

TEST(CliUnreachable, ServerDownExitsThreeNamingTheUrl) {
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port());
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"promises", "get", "x", "-S", url},
                                             {"tree", "x", "--server", url},
                                             {"tasks", "heartbeat", "-S", url}}) {
    auto r = run_cli(args);
    EXPECT_EQ(r.code, 3) << describe(args, r);
    EXPECT_NE(r.err.find(url), std::string::npos) << describe(args, r);
  }
  auto dns = run_cli({"promises", "get", "x", "-S", "http://no-such-host.invalid:8001"});
  EXPECT_EQ(dns.code, 3) << describe({}, dns);
  EXPECT_NE(dns.err.find("no-such-host.invalid"), std::string::npos) << dns.err;
}

// ---- migrate ----------------------------------------------------------------------------

int64_t latest_version(const std::string& status) {
  auto at = status.find("Latest version:");
  return at == std::string::npos ? -1 : std::stoll(status.substr(at + 15));
}

TEST(CliMigrate, StatusOnFreshAndUpToDateSqlite) {
  temp_dir dir;
  const std::string db = dir.path() + "/m.db";
  // A file that does not exist yet: version 0, every migration pending, nothing created.
  auto fresh = run_cli({"migrate", "status", "--aio-store-sqlite-path", db}, dir.path());
  ASSERT_EQ(fresh.code, 0) << describe({}, fresh);
  EXPECT_NE(fresh.out.find("Current version: 0"), std::string::npos) << fresh.out;
  EXPECT_NE(fresh.out.find("001_initial_schema.sql"), std::string::npos) << fresh.out;
  const int64_t latest = latest_version(fresh.out);
  EXPECT_GE(latest, 2);
  EXPECT_FALSE(fs::exists(db));

  // An empty file is a fresh database too; dry-run prints the SQL and changes nothing.
  std::ofstream(db).close();
  auto dry = run_cli({"migrate", "dry-run", "--aio-store-sqlite-path", db}, dir.path());
  ASSERT_EQ(dry.code, 0) << describe({}, dry);
  EXPECT_NE(dry.out.find("CREATE TABLE"), std::string::npos);
  EXPECT_EQ(fs::file_size(db), 0u);

  auto up = run_cli({"migrate", "up", "--aio-store-sqlite-path", db}, dir.path());
  ASSERT_EQ(up.code, 0) << describe({}, up);
  EXPECT_NE(up.out.find("Applied 001_initial_schema.sql"), std::string::npos) << up.out;

  // The config file chooses the store as for serve.
  std::ofstream(dir.path() + "/resonate.yaml")
      << "aio:\n  subsystems:\n    store:\n      sqlite:\n        config:\n          path: " << db
      << "\n";
  auto current = run_cli({"migrate", "status"}, dir.path());
  ASSERT_EQ(current.code, 0) << describe({}, current);
  EXPECT_NE(current.out.find("Current version: " + std::to_string(latest)), std::string::npos)
      << current.out;
  EXPECT_NE(current.out.find("up to date"), std::string::npos) << current.out;
  auto noop = run_cli({"migrate", "up", "-c", "resonate.yaml"}, dir.path());
  EXPECT_EQ(noop.code, 0);
  EXPECT_NE(noop.out.find("Nothing to apply"), std::string::npos) << noop.out;

  auto bad = run_cli({"migrate", "status", "--aio-store-sqlite-pth", db}, dir.path());
  EXPECT_EQ(bad.code, 2) << describe({}, bad);
  EXPECT_NE(bad.err.find("did you mean"), std::string::npos) << bad.err;
}

TEST(CliMigrate, StatusOfADatabaseTheServerMigrated) {
  scratch_store store(store_kind::sqlite);
  {
    server_process server(store.server_args());
    server.start();
    server.stop();
  }
  auto args = store.server_args();
  args.insert(args.begin(), {"migrate", "status"});
  auto r = run_cli(args);
  ASSERT_EQ(r.code, 0) << describe(args, r);
  EXPECT_NE(r.out.find("Current version: " + std::to_string(latest_version(r.out))),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("up to date"), std::string::npos) << r.out;
}

TEST(CliMigrate, PostgresFreshThenUp) {
  auto ci = test_pg_conninfo();
  if (!ci) GTEST_SKIP() << "RESONATE_TEST_PG is not set";
  pg_scratch_db db(*ci);
  auto with = [&](const char* mode) {
    std::vector<std::string> a{"migrate", mode};
    auto s = db.server_args();
    a.insert(a.end(), s.begin(), s.end());
    return run_cli(a);
  };
  auto fresh = with("status");
  ASSERT_EQ(fresh.code, 0) << describe({}, fresh);
  EXPECT_NE(fresh.out.find("Current version: 0"), std::string::npos) << fresh.out;
  EXPECT_TRUE(db.query("SELECT to_regclass('migrations') IS NULL") ==
              std::vector<std::string>{"t"});
  auto up = with("up");
  ASSERT_EQ(up.code, 0) << describe({}, up);
  auto after = with("status");
  EXPECT_NE(after.out.find("up to date"), std::string::npos) << after.out;
  EXPECT_EQ(db.query("SELECT MAX(id) FROM migrations"),
            std::vector<std::string>{std::to_string(latest_version(after.out))});
}

// ---- schedules, against a fake listener ---------------------------------------------------

struct recorded {
  std::string method, target, body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
    }
    return "";
  }
};

// Answers every request with the next canned response and records what it got.
class fake_server {
 public:
  explicit fake_server(std::vector<std::string> responses) : responses_(std::move(responses)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 8);
    thread_ = std::thread([this] { serve(); });
  }
  ~fake_server() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<recorded> requests() {
    std::lock_guard<std::mutex> g(mu_);
    return requests_;
  }

 private:
  void serve() {
    size_t next = 0;
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::string raw;
      char buf[4096];
      size_t need = std::string::npos;
      while (true) {
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        raw.append(buf, static_cast<size_t>(n));
        const size_t end = raw.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        if (need == std::string::npos) {
          need = end + 4;
          const size_t cl = raw.find("Content-Length: ");
          if (cl != std::string::npos && cl < end) need += std::stoul(raw.substr(cl + 16));
        }
        if (raw.size() >= need) break;
      }
      recorded r;
      const size_t end = raw.find("\r\n\r\n");
      std::istringstream head(raw.substr(0, end));
      std::string line;
      std::getline(head, line);
      std::istringstream first(line);
      first >> r.method >> r.target;
      while (std::getline(head, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const size_t colon = line.find(':');
        if (colon != std::string::npos)
          r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
      }
      if (end != std::string::npos) r.body = raw.substr(end + 4);
      {
        std::lock_guard<std::mutex> g(mu_);
        requests_.push_back(r);
      }
      const std::string resp = next < responses_.size()
                                   ? responses_[next++]
                                   : "HTTP/1.1 500 X\r\nContent-Length: 0\r\n\r\n";
      ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }

  std::vector<std::string> responses_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<recorded> requests_;
};

std::string reply(int status, const std::string& reason, const std::string& body,
                  bool chunked = false) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + reason +
                  "\r\nContent-Type: application/json\r\n";
  if (chunked) {
    // Split in two chunks, as a streaming server might.
    const size_t half = body.size() / 2;
    auto hex = [](size_t n) {
      std::ostringstream o;
      o << std::hex << n;
      return o.str();
    };
    return r + "Transfer-Encoding: chunked\r\n\r\n" + hex(half) + "\r\n" + body.substr(0, half) +
           "\r\n" + hex(body.size() - half) + "\r\n" + body.substr(half) + "\r\n0\r\n\r\n";
  }
  return r + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

constexpr const char* k_schedule =
    R"({"id":"s1","desc":"every 5","cron":"*/5 * * * *","tags":{"team":"a"},)"
    R"("promiseId":"s1.{{.timestamp}}","promiseTimeout":3600000,"promiseParam":{"data":"aGk="},)"
    R"("promiseTags":{"p":"q"},"nextRunTime":1700000300000,"createdOn":1700000000000})";

TEST(CliSchedules, CreateGetSearchDeleteOnTheWire) {
  fake_server fake(
      {reply(201, "Created", k_schedule), reply(200, "OK", k_schedule, true),
       reply(200, "OK", std::string(R"({"cursor":null,"schedules":[)") + k_schedule + "]}"),
       "HTTP/1.1 204 No Content\r\n\r\n",
       reply(404, "Not Found",
             R"({"error":{"code":40401,"message":"The specified schedule was not found"}})")});
  const std::string url = fake.url();
  auto created = run_cli({"schedules",
                          "create",
                          "s1",
                          "--cron",
                          "*/5 * * * *",
                          "--promise-id",
                          "s1.{{.timestamp}}",
                          "--promise-timeout",
                          "1h",
                          "--description",
                          "every 5",
                          "--tag",
                          "team=a",
                          "--promise-data",
                          "hi",
                          "--promise-header",
                          "h=1",
                          "--promise-tag",
                          "p=q",
                          "--idempotency-key",
                          "ik",
                          "-S",
                          url,
                          "-T",
                          "tok"});
  EXPECT_EQ(created.code, 0) << describe({}, created);
  EXPECT_NE(created.out.find("Created schedule: s1"), std::string::npos) << created.out;
  auto got = run_cli({"schedules", "get", "s1", "-S", url, "-U", "user", "-P", "pw"});
  EXPECT_EQ(got.code, 0) << describe({}, got);
  EXPECT_NE(got.out.find("*/5 * * * *"), std::string::npos) << got.out;
  EXPECT_NE(got.out.find("every 5"), std::string::npos) << got.out;
  EXPECT_NE(got.out.find("hi"), std::string::npos) << got.out;  // decoded promise param
  auto found = run_cli({"schedules", "search", "s*", "--tag", "team=a", "-S", url, "-o", "json"});
  EXPECT_EQ(found.code, 0) << describe({}, found);
  EXPECT_EQ(str(found.json().at("schedules").as_array()[0], {"id"}), "s1");
  auto deleted = run_cli({"schedules", "delete", "s1", "-S", url});
  EXPECT_EQ(deleted.code, 0) << describe({}, deleted);
  EXPECT_NE(deleted.out.find("Deleted schedule: s1"), std::string::npos);
  auto missing = run_cli({"schedules", "delete", "s1", "-S", url});
  EXPECT_EQ(missing.code, 1) << describe({}, missing);
  EXPECT_NE(missing.err.find("The specified schedule was not found (code 40401)"),
            std::string::npos)
      << missing.err;

  const auto reqs = fake.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/schedules");
  EXPECT_EQ(json::parse(reqs[0].body),
            json::parse(
                R"({"id":"s1","desc":"every 5","cron":"*/5 * * * *","tags":{"team":"a"},)"
                R"("promiseId":"s1.{{.timestamp}}","promiseTimeout":3600000,)"
                R"("promiseParam":{"headers":{"h":"1"},"data":"aGk="},"promiseTags":{"p":"q"}})"));
  EXPECT_EQ(reqs[0].header("Idempotency-Key"), "ik");
  EXPECT_EQ(reqs[0].header("Authorization"), "Bearer tok");
  EXPECT_EQ(reqs[1].method + " " + reqs[1].target, "GET /schedules/s1");
  EXPECT_EQ(reqs[1].header("Authorization"), "Basic dXNlcjpwdw==");  // user:pw
  EXPECT_EQ(reqs[2].method + " " + reqs[2].target,
            "GET /schedules?id=s%2A&limit=100&tags%5Bteam%5D=a");
  EXPECT_EQ(reqs[3].method + " " + reqs[3].target, "DELETE /schedules/s1");
  EXPECT_EQ(reqs[3].header("Authorization"), "");
}

TEST(CliSchedules, CreateNeedsItsFlags) {
  fake_server fake({});
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"schedules", "create", "s1", "-i", "p", "-t", "1h"},  // no cron
           {"schedules", "create", "s1", "-c", "* * * * *", "-t", "1h"},
           {"schedules", "create", "s1", "-c", "* * * * *", "-i", "p", "-t", "forever"}}) {
    auto a = args;
    a.insert(a.end(), {"-S", fake.url()});
    auto r = run_cli(a);
    EXPECT_EQ(r.code, 2) << describe(a, r);
  }
  EXPECT_TRUE(fake.requests().empty());
}

}  // namespace
}  // namespace resonate::test
