// REST v1 callbacks, subscriptions, tasks, the router and message delivery
// against a real `resonate serve` process, over sockets, on every store: a
// SQLite file always, PostgreSQL when RESONATE_TEST_PG is set.
//
// The request semantics of spec sections 3.3, 4.2, 4.4, 4.7, 4.10 and 4.13 are
// one table of cases, as in promises_test.cpp: each case is a sequence of HTTP
// steps (plus SQL read-backs) on its own ids, every status and body checked
// exactly. Every step that expects a 4xx also reads the store before and after
// and requires it unchanged ("bad input changes nothing").
//
// The table runs with a one-hour background period, so no task is enqueued,
// timed out or retried behind the test's back, and every invoke goes to a poll
// group no worker joins: a send (if the server tries one right after a commit)
// fails and leaves the task INIT. The delivery tests further down run with a
// 100 ms period and real SSE connections.

#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "tests/support/http_client.hpp"
#include "tests/support/raw_conn.hpp"
#include "tests/support/scratch_store.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/tls_receiver.hpp"
#include "tests/support/wire_match.hpp"

// The expected records below are designated initializers that name only the
// fields that differ from the defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace resonate::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* k_future = "32503680000000";  // year 3000
constexpr const char* k_past = "1";
constexpr const char* k_url = "http://resonate.test";  // --system-url: the base of every href

// ---- the case table -------------------------------------------------------------------

struct step {
  std::string method;  // an HTTP method, or "SQL": `target` is a query, `expect` its rows
  std::string target;
  header_list headers;
  std::string body;
  int status;
  std::string expect;  // exact body template (wire_match.hpp); "" = empty body
};

struct table_case {
  std::string id;  // the base of every id in the case: [a-z0-9-] only
  std::vector<step> steps;
};

/// Expected promise JSON, in wire order.
struct P {
  std::string state = "PENDING";
  std::string value = "{}";
  std::string timeout = "{future}";
  std::optional<std::string> ikc;
  std::string tags;       // raw JSON object, "" = omitted
  std::string completed;  // "" = omitted
  std::string id = "{id}";

  std::string str() const {
    std::string s = R"({"id":")" + id + R"(","state":")" + state + R"(","param":{},"value":)" +
                    value + R"(,"timeout":)" + timeout;
    if (ikc) s += R"(,"idempotencyKeyForCreate":")" + *ikc + "\"";
    if (!tags.empty()) s += R"(,"tags":)" + tags;
    s += R"(,"createdOn":{now})";
    if (!completed.empty()) s += R"(,"completedOn":)" + completed;
    return s + "}";
  }
};

/// Expected task JSON (spec 2.4), in wire order.
struct T {
  std::string id = "__invoke:{id}";
  std::string counter = "1";
  std::string timeout = "{future}";
  std::string root = "{id}";
  std::optional<std::string> pid;
  std::string completed;  // "" = omitted, else "{now}" / "{int}"

  std::string str() const {
    std::string s = R"({"id":")" + id + R"(","counter":)" + counter + R"(,"timeout":)" + timeout +
                    R"(,"rootPromiseId":")" + root + "\"";
    if (pid) s += R"(,"processId":")" + *pid + "\"";
    s += R"(,"createdOn":{now})";
    if (!completed.empty()) s += R"(,"completedOn":)" + completed;
    return s + "}";
  }
};

/// Expected callback JSON (spec 2.3): rootPromiseId is always "" on the wire.
struct C {
  std::string id;
  std::string promise = "{id}";
  std::string timeout = "{future}";
  std::string str() const {
    return R"({"id":")" + id + R"(","promiseId":")" + promise + R"(","rootPromiseId":"","timeout":)" +
           timeout + R"(,"createdOn":{now}})";
  }
};

const std::string k_tags = R"({"resonate:invoke":"poll://any@nobody"})";
const std::string inv = "__invoke:{id}";
const std::string res = "__resume:{id}-root:{id}";

// Bodies of promises: plain and with an invoke tag.
std::string promise_body(const std::string& id = "{id}", const std::string& extra = "") {
  return R"({"id":")" + id + R"(","timeout":{future})" + extra + "}";
}
std::string tagged_body(const std::string& id = "{id}") {
  return promise_body(id, R"(,"tags":)" + k_tags);
}
std::string tagged(const std::string& id = "{id}") { return P{.tags = k_tags, .id = id}.str(); }
std::string pending(const std::string& id = "{id}") { return P{.id = id}.str(); }
std::string resolved(const std::string& id = "{id}", const std::string& tags = "") {
  return P{.state = "RESOLVED", .tags = tags, .completed = "{now}", .id = id}.str();
}

header_list ik(std::string k) { return {{"Idempotency-Key", std::move(k)}}; }
header_list fence(const std::string& task, const std::string& counter) {
  return {{"Task-Id", task}, {"Task-Counter", counter}};
}

std::string E(int code) { return error_body(code); }
std::string V() { return validation_body(); }
// A 400 from the request's own Validate(): a ServerError detail with the Go error text.
std::string validate_error(const std::string& text) { return substitute(error_body(40000), "str", text); }

step http(std::string method, std::string target, header_list h, std::string body, int status,
          std::string expect) {
  return {std::move(method), std::move(target), std::move(h), std::move(body), status,
          std::move(expect)};
}
step create(std::string body, int status, std::string expect, header_list h = {}) {
  return http("POST", "/promises", std::move(h), std::move(body), status, std::move(expect));
}
step read(const std::string& id, int status, std::string expect) {
  return http("GET", "/promises/" + id, {}, "", status, std::move(expect));
}
step settle(const std::string& id, const std::string& state, int status, std::string expect,
            header_list h = {}) {
  return http("PATCH", "/promises/" + id, std::move(h), R"({"state":")" + state + "\"}", status,
              std::move(expect));
}
step ptask(std::string body, int status, std::string expect, header_list h = {}) {
  return http("POST", "/promises/task", std::move(h), std::move(body), status, std::move(expect));
}
std::string ptask_body(const std::string& promise, const std::string& task) {
  return R"({"promise":)" + promise + R"(,"task":)" + task + "}";
}
const std::string k_ptask_task = R"({"processId":"{id}-p","ttl":30000})";

std::string cb_body(const std::string& root = "{id}-root", const std::string& recv =
                      R"("poll://any@nobody")") {
  return R"({"rootPromiseId":")" + root + R"(","recv":)" + recv + R"(,"timeout":{future}})";
}
step callback(const std::string& id, std::string body, int status, std::string expect,
              header_list h = {}) {
  return http("POST", "/promises/callback/" + id, std::move(h), std::move(body), status,
              std::move(expect));
}
std::string cb_response(const std::optional<std::string>& callback, const std::string& promise) {
  return R"({"callback":)" + callback.value_or("null") + R"(,"promise":)" + promise + "}";
}
std::string sub_body(const std::string& sid = "s1") {
  return R"({"id":")" + sid + R"(","recv":"poll://any@nobody","timeout":{future}})";
}
step subscribe(const std::string& id, std::string body, int status, std::string expect) {
  return http("POST", "/promises/subscribe/" + id, {}, std::move(body), status, std::move(expect));
}

std::string task_req(const std::string& task, const std::string& counter) {
  return R"({"id":")" + task + R"(","counter":)" + counter + "}";
}
step claim(const std::string& task, const std::string& counter, const std::string& pid,
           int status, std::string expect, const std::string& ttl = "30000") {
  return http("POST", "/tasks/claim", {},
              R"({"id":")" + task + R"(","counter":)" + counter + R"(,"processId":")" + pid +
                R"(","ttl":)" + ttl + "}",
              status, std::move(expect));
}
step claim_raw(std::string body, int status, std::string expect) {
  return http("POST", "/tasks/claim", {}, std::move(body), status, std::move(expect));
}
step complete_task(const std::string& task, const std::string& counter, int status,
                   std::string expect) {
  return http("POST", "/tasks/complete", {}, task_req(task, counter), status, std::move(expect));
}
/// Drop answers 200/201 with no body.
step drop_task(const std::string& task, const std::string& counter, int status,
               std::string expect = "") {
  return http("POST", "/tasks/drop", {}, task_req(task, counter), status, std::move(expect));
}
step heartbeat(const std::string& pid, int status, std::string expect) {
  return http("POST", "/tasks/heartbeat", {}, R"({"processId":")" + pid + "\"}", status,
              std::move(expect));
}
std::string affected(int n) { return R"({"tasksAffected":)" + std::to_string(n) + "}"; }
step get(const std::string& target, int status, std::string expect) {
  return http("GET", target, {}, "", status, std::move(expect));
}

/// The 201 body of a claim (spec 3.3): the root, and the leaf for a resume.
// The claim body: gin renders it from maps, so its keys come sorted
// (`promises` before `type`; `leaf` before `root`; `data`, `href`, `id`).
std::string claimed(const std::string& type, const std::string& root, const std::string& root_data,
                    const std::string& leaf = "", const std::string& leaf_data = "") {
  auto ref = [](const std::string& id, const std::string& data) {
    return R"({"data":)" + data + R"(,"href":")" + std::string(k_url) + "/promises/" + id +
           R"(","id":")" + id + "\"}";
  };
  std::string s = R"({"promises":{)";
  if (!leaf.empty()) s += R"("leaf":)" + ref(leaf, leaf_data) + ",";
  s += R"("root":)" + ref(root, root_data);
  return s + R"(},"type":")" + type + "\"}";
}

// SQL read-backs; `{recv}` becomes the store's text form of the recv column.
step sql(std::string query, std::string rows) {
  return {"SQL", std::move(query), {}, "", 0, std::move(rows)};
}
/// Waits (up to 10 s) until the query gives the rows: for what the server does
/// after a response, so that no later step's before/after snapshot straddles it.
step sql_eventually(std::string query, std::string rows) {
  return {"SQL~", std::move(query), {}, "", 0, std::move(rows)};
}
/// state|counter|process_id|ttl of a task.
step task_row(const std::string& task, const std::string& row) {
  return sql("SELECT state, counter, process_id, ttl FROM tasks WHERE id = '" + task + "'", row);
}
step count(const std::string& table, const std::string& where, int n) {
  return sql("SELECT COUNT(*) FROM " + table + " WHERE " + where, std::to_string(n));
}

// POST /promises/task (3.3, 4.2) and the router (4.11).
std::vector<table_case> promise_and_task_cases() {
  const std::string claimed_task = T{.pid = "{id}-p"}.str();
  const std::string with_task = R"({"promise":)" + tagged() + R"(,"task":)" + claimed_task + "}";
  auto no_task = [](const std::string& promise) {
    return R"({"promise":)" + promise + R"(,"task":null})";
  };
  // A promise whose resonate:invoke tag has the value `v` (JSON-escaped already).
  auto with_tag = [](const std::string& v) {
    return promise_body("{id}", R"(,"tags":{"resonate:invoke":)" + v + "}");
  };
  auto tag_json = [](const std::string& v) { return R"({"resonate:invoke":)" + v + "}"; };
  auto no_match = [&](const std::string& id, const std::string& v) {
    return table_case{id,
                      {ptask(ptask_body(with_tag(v), k_ptask_task), 201,
                             no_task(P{.tags = tag_json(v)}.str())),
                       count("tasks", "root_promise_id = '{id}'", 0),
                       claim(inv, "1", "{id}-q", 404, E(40403))}};
  };
  return {
    {"ptask-match",
     {ptask(ptask_body(tagged_body(), k_ptask_task), 201, with_task), read("{id}", 200, tagged()),
      task_row(inv, "4|1|{id}-p|30000"),
      sql("SELECT {recv} FROM tasks WHERE id = '" + inv + "'", R"("poll://any@nobody")"),
      heartbeat("{id}-p", 200, affected(1)), claim(inv, "1", "{id}-q", 403, E(40306)),
      complete_task(inv, "1", 201, T{.completed = "{now}"}.str()),
      complete_task(inv, "1", 200, T{.completed = "{now}"}.str()),
      heartbeat("{id}-p", 200, affected(0))}},
    {"ptask-no-tag",
     {ptask(ptask_body(promise_body(), k_ptask_task), 201, no_task(pending())),
      read("{id}", 200, pending()), count("tasks", "root_promise_id = '{id}'", 0),
      claim(inv, "1", "{id}-q", 404, E(40403))}},
    // Only a non-JSON string or a {type,data} object with a type is a receiver.
    no_match("ptask-tag-number", R"("123")"),
    no_match("ptask-tag-true", R"("true")"),
    no_match("ptask-tag-array", R"("[]")"),
    no_match("ptask-tag-json-string", R"("\"poll://any@nobody\"")"),
    no_match("ptask-tag-empty-type", R"("{\"type\":\"\",\"data\":{}}")"),
    no_match("ptask-tag-unknown-field", R"("{\"type\":\"poll\",\"data\":{},\"x\":1}")"),
    {"ptask-tag-physical",
     {ptask(ptask_body(with_tag(R"("{\"type\":\"poll\",\"data\":{\"cast\":\"any\",\"group\":\"nobody\"}}")"),
                       k_ptask_task),
            201,
            R"({"promise":)" +
              P{.tags = tag_json(R"("{\"type\":\"poll\",\"data\":{\"cast\":\"any\",\"group\":\"nobody\"}}")")}
                .str() +
              R"(,"task":)" + claimed_task + "}"),
      sql("SELECT {recv} FROM tasks WHERE id = '" + inv + "'",
          R"({"type":"poll","data":{"cast":"any","group":"nobody"}})")}},
    {"ptask-tag-target-name",
     {ptask(ptask_body(with_tag(R"("default")"), k_ptask_task), 201,
            R"({"promise":)" + P{.tags = tag_json(R"("default")")}.str() + R"(,"task":)" +
              claimed_task + "}"),
      sql("SELECT {recv} FROM tasks WHERE id = '" + inv + "'", R"("default")")}},
    // Deduplicated by the idempotency key: 200 and no task; without the key: 409.
    {"ptask-dedup",
     {ptask(ptask_body(tagged_body(), k_ptask_task), 201,
            R"({"promise":)" + P{.ikc = "k", .tags = k_tags}.str() + R"(,"task":)" + claimed_task +
              "}",
            ik("k")),
      ptask(ptask_body(tagged_body(), R"({"processId":"{id}-other","ttl":5})"), 200,
            no_task(P{.ikc = "k", .tags = k_tags}.str()), ik("k")),
      ptask(ptask_body(tagged_body(), k_ptask_task), 409, E(40900)),
      ptask(ptask_body(tagged_body(), k_ptask_task), 409, E(40900), ik("other")),
      task_row(inv, "4|1|{id}-p|30000"), heartbeat("{id}-other", 200, affected(0))}},
    // The promise exists already (made by POST /promises): no second task.
    {"ptask-exists",
     {create(tagged_body(), 201, P{.ikc = "k", .tags = k_tags}.str(), ik("k")),
      ptask(ptask_body(tagged_body(), k_ptask_task), 200,
            no_task(P{.ikc = "k", .tags = k_tags}.str()), ik("k")),
      task_row(inv, "1|1||0")}},
    // ttl is clamped: now + MaxInt64 does not overflow.
    {"ptask-max-ttl",
     {ptask(ptask_body(tagged_body(), R"({"processId":"{id}-p","ttl":9223372036854775807})"), 201,
            with_task),
      sql("SELECT expires_at FROM tasks WHERE id = '" + inv + "'", "9223372036854775807")}},
    {"ptask-zero-ttl",
     {ptask(ptask_body(tagged_body(), R"({"processId":"{id}-p","ttl":0})"), 201, with_task),
      task_row(inv, "4|1|{id}-p|0")}},
    // The fence headers are ignored on this route.
    {"ptask-fence-ignored",
     {ptask(ptask_body(tagged_body(), k_ptask_task), 201, with_task, fence("no-such-task", "1"))}},
    {"ptask-negative-ttl",
     {ptask(ptask_body(tagged_body(), R"({"processId":"{id}-p","ttl":-1})"), 400, V()),
      read("{id}", 404, E(40400))}},
    {"ptask-missing-process-id",
     {ptask(ptask_body(tagged_body(), R"({"ttl":1000})"), 400, V()), read("{id}", 404, E(40400))}},
    {"ptask-empty-process-id",
     {ptask(ptask_body(tagged_body(), R"({"processId":"","ttl":1000})"), 400, V()),
      read("{id}", 404, E(40400))}},
    {"ptask-missing-promise-id",
     {ptask(ptask_body(R"({"timeout":{future}})", k_ptask_task), 400, V())}},
    {"ptask-ttl-overflow",
     {ptask(ptask_body(tagged_body(), R"({"processId":"{id}-p","ttl":9223372036854775808})"), 400,
            V()),
      read("{id}", 404, E(40400))}},
    {"ptask-bad-json", {ptask(R"({"promise":)", 400, V())}},
  };
}

// Callbacks and subscriptions (3.3, 4.7), new and deprecated routes.
std::vector<table_case> callback_cases() {
  const std::string cb = C{.id = res}.str();
  const std::string sub = C{.id = "__notify:{id}:s1"}.str();
  return {
    {"cb-pending",
     {create(promise_body(), 201, pending()),
      callback("{id}", cb_body(), 201, cb_response(cb, pending())),
      sql("SELECT id, promise_id, root_promise_id, {recv}, timeout FROM callbacks WHERE "
          "promise_id = '{id}'",
          res + "|{id}|{id}-root|\"poll://any@nobody\"|{future}"),
      // The same id again, even with another receiver: 200 and no callback.
      callback("{id}", cb_body(), 200, cb_response(std::nullopt, pending())),
      callback("{id}", cb_body("{id}-root", R"("poll://any@other")"), 200,
               cb_response(std::nullopt, pending())),
      count("callbacks", "promise_id = '{id}'", 1),
      // Another root is another callback.
      callback("{id}", cb_body("{id}-root2"), 201,
               cb_response(C{.id = "__resume:{id}-root2:{id}"}.str(), pending())),
      count("callbacks", "promise_id = '{id}'", 2)}},
    {"cb-settled",
     {create(promise_body(), 201, pending()), settle("{id}", "RESOLVED", 201, resolved()),
      callback("{id}", cb_body(), 200, cb_response(std::nullopt, resolved())),
      count("callbacks", "promise_id = '{id}'", 0), count("tasks", "id = '" + res + "'", 0)}},
    {"cb-missing-promise",
     {callback("{id}", cb_body(), 404, E(40400)), count("callbacks", "promise_id = '{id}'", 0)}},
    {"cb-root-is-promise",
     {create(promise_body(), 201, pending()),
      callback("{id}", cb_body("{id}"), 400,
               validate_error("promise and root promise must be different"))}},
    // Validate() comes before the read: 400 even for a missing promise.
    {"cb-root-is-missing-promise",
     {callback("{id}", cb_body("{id}"), 400,
               validate_error("promise and root promise must be different"))}},
    {"cb-missing-recv",
     {create(promise_body(), 201, pending()),
      callback("{id}", R"({"rootPromiseId":"{id}-root","timeout":1})", 400, V())}},
    // Spec 11.29: the reference panics on a null recv; it must be refused up front.
    {"cb-null-recv",
     {create(promise_body(), 201, pending()), callback("{id}", cb_body("{id}-root", "null"), 400, V())}},
    {"cb-missing-root",
     {create(promise_body(), 201, pending()),
      callback("{id}", R"({"recv":"poll://any@nobody","timeout":1})", 400, V())}},
    {"cb-empty-root",
     {create(promise_body(), 201, pending()), callback("{id}", cb_body(""), 400, V())}},
    {"cb-timeout-string",
     {create(promise_body(), 201, pending()),
      callback("{id}", R"({"rootPromiseId":"{id}-root","recv":"default","timeout":"1"})", 400, V())}},
    {"cb-bad-json",
     {create(promise_body(), 201, pending()), callback("{id}", R"({"rootPromiseId":)", 400, V())}},
    {"cb-bad-task-counter",
     {create(promise_body(), 201, pending()),
      callback("{id}", cb_body(), 400, V(), fence("t", "x1"))}},
    {"cb-default-timeout",
     {create(promise_body(), 201, pending()),
      callback("{id}", R"({"rootPromiseId":"{id}-root","recv":"poll://any@nobody"})", 201,
               cb_response(C{.id = res, .timeout = "0"}.str(), pending()))}},
    {"cb-recv-object",
     {create(promise_body(), 201, pending()),
      callback("{id}", cb_body("{id}-root", R"({"type":"poll","data":{"cast":"uni","group":"g","id":"w"}})"),
               201, cb_response(cb, pending())),
      sql("SELECT {recv} FROM callbacks WHERE id = '" + res + "'",
          R"({"type":"poll","data":{"cast":"uni","group":"g","id":"w"}})")}},
    // On the new route the path names the promise; a promiseId in the body is ignored.
    {"cb-path-wins",
     {create(promise_body(), 201, pending()),
      callback("{id}",
               R"({"promiseId":"{id}-other","rootPromiseId":"{id}-root","recv":"poll://any@nobody","timeout":{future}})",
               201, cb_response(cb, pending()))}},
    {"cb-slash-id",
     {create(promise_body("{id}/leaf"), 201, pending("{id}/leaf")),
      callback("{id}/leaf", cb_body(), 201,
               cb_response(C{.id = "__resume:{id}-root:{id}/leaf", .promise = "{id}/leaf"}.str(),
                           pending("{id}/leaf")))}},
    {"cb-deprecated-route",
     {create(promise_body(), 201, pending()),
      http("POST", "/callbacks", {},
           R"({"promiseId":"{id}","rootPromiseId":"{id}-root","recv":"poll://any@nobody","timeout":{future}})",
           201, cb_response(cb, pending())),
      http("POST", "/callbacks", {},
           R"({"promiseId":"{id}","rootPromiseId":"{id}-root","recv":"poll://any@nobody","timeout":{future}})",
           200, cb_response(std::nullopt, pending())),
      http("POST", "/callbacks", {},
           R"({"promiseId":"{id}-none","rootPromiseId":"{id}-root","recv":"default","timeout":1})",
           404, E(40400)),
      // The body's promiseId is not required (the newer route takes it from the
      // path), so a missing one names the promise "": not found.
      http("POST", "/callbacks", {}, R"({"rootPromiseId":"{id}-root","recv":"default","timeout":1})",
           404, E(40400))}},
    // No lazy timeout here: a pending promise past its timeout takes a callback (201),
    // which becomes a task when the timeout is applied.
    {"cb-elapsed-pending",
     {create(R"({"id":"{id}","timeout":{past}})", 201, P{.timeout = "{past}"}.str()),
      callback("{id}", cb_body(), 201, cb_response(cb, P{.timeout = "{past}"}.str())),
      read("{id}", 200,
           P{.state = "REJECTED_TIMEDOUT", .timeout = "{past}", .completed = "{past}"}.str()),
      count("callbacks", "promise_id = '{id}'", 0), task_row(res, "1|1||0"),
      claim(res, "1", "{id}-p", 201,
            claimed("resume", "{id}-root", "null", "{id}",
                    P{.state = "REJECTED_TIMEDOUT", .timeout = "{past}", .completed = "{past}"}
                      .str()))}},
    {"cb-fence-invalid",
     {create(promise_body(), 201, pending()),
      callback("{id}", cb_body(), 412, E(41200), fence("no-such-task", "1")),
      count("callbacks", "promise_id = '{id}'", 0)}},

    {"sub-pending",
     {create(promise_body(), 201, pending()),
      subscribe("{id}", sub_body(), 201, cb_response(sub, pending())),
      sql("SELECT id, promise_id, root_promise_id, {recv}, timeout FROM callbacks WHERE "
          "promise_id = '{id}'",
          "__notify:{id}:s1|{id}|{id}|\"poll://any@nobody\"|{future}"),
      subscribe("{id}", sub_body(), 200, cb_response(std::nullopt, pending())),
      subscribe("{id}", sub_body("s2"), 201,
                cb_response(C{.id = "__notify:{id}:s2"}.str(), pending())),
      // Completing the promise turns both into tasks and deletes the subscriptions.
      settle("{id}", "RESOLVED", 201, resolved()), count("callbacks", "promise_id = '{id}'", 0),
      count("tasks", "id IN ('__notify:{id}:s1', '__notify:{id}:s2') AND root_promise_id = '{id}'",
            2),
      // Each notify gets its one best-effort send after the commit, and then is
      // COMPLETED whatever the outcome (nobody listens here). That happens after
      // the response, so it is awaited: a later case's refusal check once
      // caught it between its two snapshots.
      sql_eventually("SELECT COUNT(*) FROM tasks WHERE id IN ('__notify:{id}:s1', "
                     "'__notify:{id}:s2') AND state = 8",
                     "2")}},
    {"sub-settled",
     {create(promise_body(), 201, pending()), settle("{id}", "REJECTED", 201,
                                                      P{.state = "REJECTED", .completed = "{now}"}.str()),
      subscribe("{id}", sub_body(), 200,
                cb_response(std::nullopt, P{.state = "REJECTED", .completed = "{now}"}.str())),
      count("callbacks", "promise_id = '{id}'", 0)}},
    {"sub-missing-promise", {subscribe("{id}", sub_body(), 404, E(40400))}},
    {"sub-missing-id",
     {create(promise_body(), 201, pending()),
      subscribe("{id}", R"({"recv":"poll://any@nobody","timeout":1})", 400, V())}},
    {"sub-empty-id",
     {create(promise_body(), 201, pending()), subscribe("{id}", sub_body(""), 400, V())}},
    {"sub-missing-recv",
     {create(promise_body(), 201, pending()), subscribe("{id}", R"({"id":"s1","timeout":1})", 400, V())}},
    {"sub-null-recv",
     {create(promise_body(), 201, pending()),
      subscribe("{id}", R"({"id":"s1","recv":null,"timeout":1})", 400, V())}},
    // The id key of the body matches case-insensitively (Go's decoder).
    {"sub-id-key-case",
     {create(promise_body(), 201, pending()),
      subscribe("{id}", R"({"ID":"s1","recv":"poll://any@nobody","timeout":{future}})", 201,
                cb_response(sub, pending()))}},
    {"sub-deprecated-route",
     {create(promise_body(), 201, pending()),
      http("POST", "/subscriptions", {},
           R"({"promiseId":"{id}","id":"s1","recv":"poll://any@nobody","timeout":{future}})", 201,
           cb_response(sub, pending())),
      // As for /callbacks: no promiseId in the body is the promise "".
      http("POST", "/subscriptions", {}, R"({"id":"s1","recv":"default","timeout":1})", 404,
           E(40400)),
      http("POST", "/subscriptions", {},
           R"({"promiseId":"{id}-none","id":"s1","recv":"default","timeout":1})", 404, E(40400))}},
  };
}

// Claim, complete, drop, heartbeat (3.3, 4.10) and the completion cascade (4.4).
std::vector<table_case> task_cases() {
  const std::string done = T{.completed = "{now}"}.str();
  return {
    {"task-claim-invoke",
     {create(tagged_body(), 201, tagged()), task_row(inv, "1|1||0"),
      claim(inv, "1", "{id}-p", 201, claimed("invoke", "{id}", tagged())),
      task_row(inv, "4|1|{id}-p|30000"), complete_task(inv, "1", 201, done),
      task_row(inv, "8|1||0"), read("{id}", 200, tagged())}},
    {"task-not-found",
     {claim(inv, "1", "{id}-p", 404, E(40403)), complete_task(inv, "1", 404, E(40403)),
      drop_task(inv, "1", 404, E(40403)), get("/tasks/claim/" + inv + "/1", 404, E(40403)),
      count("tasks", "id = '" + inv + "'", 0)}},
    // 40306 (claimed) before 40307 (completed) before 40308 (counter).
    {"task-claim-claimed",
     {create(tagged_body(), 201, tagged()),
      claim(inv, "1", "{id}-p", 201, claimed("invoke", "{id}", tagged())),
      claim(inv, "1", "{id}-p", 403, E(40306)), claim(inv, "2", "{id}-q", 403, E(40306)),
      task_row(inv, "4|1|{id}-p|30000")}},
    {"task-claim-completed",
     {create(tagged_body(), 201, tagged()),
      claim(inv, "1", "{id}-p", 201, claimed("invoke", "{id}", tagged())),
      complete_task(inv, "1", 201, done), claim(inv, "1", "{id}-p", 403, E(40307)),
      claim(inv, "7", "{id}-p", 403, E(40307))}},
    {"task-claim-counter",
     {create(tagged_body(), 201, tagged()), claim(inv, "2", "{id}-p", 403, E(40308)),
      claim(inv, "-1", "{id}-p", 403, E(40308)), task_row(inv, "1|1||0"),
      claim(inv, "1", "{id}-p", 201, claimed("invoke", "{id}", tagged()))}},
    {"task-claim-bad-input",
     {create(tagged_body(), 201, tagged()),
      claim(inv, "0", "{id}-p", 400, V()),
      claim_raw(R"({"id":"__invoke:{id}","processId":"{id}-p","ttl":1})", 400, V()),
      claim_raw(R"({"id":"__invoke:{id}","counter":1,"ttl":1})", 400, V()),
      claim(inv, "1", "", 400, V()), claim(inv, "1", "{id}-p", 400, V(), "-1"),
      claim(inv, "1", "{id}-p", 400, V(), "9223372036854775808"),
      claim_raw(R"({"counter":1,"processId":"{id}-p","ttl":1})", 400, V()),
      claim_raw(R"({"id":"__invoke:{id}","counter":"1","processId":"{id}-p","ttl":1})", 400, V()),
      claim_raw(R"({"id":"__invoke:{id}",)", 400, V()), task_row(inv, "1|1||0"),
      claim(inv, "1", "{id}-p", 201, claimed("invoke", "{id}", tagged()))}},
    {"task-claim-max-ttl",
     {create(tagged_body(), 201, tagged()),
      claim(inv, "1", "{id}-p", 201, claimed("invoke", "{id}", tagged()), "9223372036854775807"),
      sql("SELECT expires_at FROM tasks WHERE id = '" + inv + "'", "9223372036854775807")}},
    // Complete: 40309 while INIT or ENQUEUED (before the counter), 40308 on a counter
    // mismatch while CLAIMED, 200 once COMPLETED whatever the counter.
    {"task-complete",
     {create(tagged_body(), 201, tagged()), complete_task(inv, "1", 403, E(40309)),
      complete_task(inv, "2", 403, E(40309)),
      claim(inv, "1", "{id}-p", 201, claimed("invoke", "{id}", tagged())),
      complete_task(inv, "2", 403, E(40308)), task_row(inv, "4|1|{id}-p|30000"),
      complete_task(inv, "1", 201, done), complete_task(inv, "1", 200, done),
      complete_task(inv, "9", 200, done), drop_task(inv, "1", 200), task_row(inv, "8|1||0")}},
    {"task-complete-bad-input",
     {create(tagged_body(), 201, tagged()),
      claim(inv, "1", "{id}-p", 201, claimed("invoke", "{id}", tagged())),
      http("POST", "/tasks/complete", {}, R"({"id":"__invoke:{id}"})", 400, V()),
      http("POST", "/tasks/complete", {}, R"({"counter":1})", 400, V()),
      http("POST", "/tasks/complete", {}, R"({"id":"__invoke:{id}","counter":0})", 400, V()),
      http("POST", "/tasks/complete", {}, R"({"id":"__invoke:{id}","counter":"1"})", 400, V()),
      http("POST", "/tasks/drop", {}, R"({"id":"__invoke:{id}"})", 400, V()),
      http("POST", "/tasks/drop", {}, R"({"counter":1})", 400, V()),
      task_row(inv, "4|1|{id}-p|30000")}},
    // Drop: back to INIT with counter+1, so the old holder can neither claim nor complete.
    {"task-drop",
     {create(tagged_body(), 201, tagged()), drop_task(inv, "1", 200), drop_task(inv, "5", 200),
      task_row(inv, "1|1||0"),
      claim(inv, "1", "{id}-p", 201, claimed("invoke", "{id}", tagged())),
      drop_task(inv, "2", 403, E(40308)), task_row(inv, "4|1|{id}-p|30000"), drop_task(inv, "1", 201),
      task_row(inv, "1|2||0"), drop_task(inv, "2", 200),
      claim(inv, "1", "{id}-p", 403, E(40308)), complete_task(inv, "1", 403, E(40309)),
      claim(inv, "2", "{id}-q", 201, claimed("invoke", "{id}", tagged())),
      complete_task(inv, "1", 403, E(40308)),
      complete_task(inv, "2", 201, T{.counter = "2", .completed = "{now}"}.str()),
      drop_task(inv, "2", 200), drop_task(inv, "1", 200), task_row(inv, "8|2||0")}},
    // Heartbeat counts the CLAIMED tasks of that process, whatever their counter.
    {"task-heartbeat",
     {create(tagged_body(), 201, tagged()), create(tagged_body("{id}-b"), 201, tagged("{id}-b")),
      create(tagged_body("{id}-c"), 201, tagged("{id}-c")), heartbeat("{id}-p", 200, affected(0)),
      claim(inv, "1", "{id}-p", 201, claimed("invoke", "{id}", tagged())),
      claim("__invoke:{id}-b", "1", "{id}-p", 201, claimed("invoke", "{id}-b", tagged("{id}-b"))),
      claim("__invoke:{id}-c", "1", "{id}-q", 201, claimed("invoke", "{id}-c", tagged("{id}-c"))),
      heartbeat("{id}-p", 200, affected(2)), heartbeat("{id}-q", 200, affected(1)),
      heartbeat("{id}-none", 200, affected(0)), drop_task("__invoke:{id}-b", "1", 201),
      claim("__invoke:{id}-b", "2", "{id}-p", 201, claimed("invoke", "{id}-b", tagged("{id}-b"))),
      heartbeat("{id}-p", 200, affected(2)), complete_task(inv, "1", 201, done),
      heartbeat("{id}-p", 200, affected(1)), drop_task("__invoke:{id}-b", "2", 201),
      heartbeat("{id}-p", 200, affected(0)), heartbeat("{id}-q", 200, affected(1)),
      http("POST", "/tasks/heartbeat", {}, "{}", 400, V()),
      http("POST", "/tasks/heartbeat", {}, R"({"processId":""})", 400, V())}},
    // The GET forms: processId "{id}/{counter}", ttl = the task frequency (1 minute).
    {"task-get-forms",
     {create(tagged_body(), 201, tagged()),
      get("/tasks/claim/" + inv + "/1", 201, claimed("invoke", "{id}", tagged())),
      task_row(inv, "4|1|" + inv + "/1|60000"), get("/tasks/claim/" + inv + "/1", 403, E(40306)),
      get("/tasks/heartbeat/" + inv + "/1", 200, affected(1)),
      heartbeat(inv + "/1", 200, affected(1)), get("/tasks/heartbeat/" + inv + "/2", 200, affected(0)),
      get("/tasks/complete/" + inv + "/2", 403, E(40308)),
      get("/tasks/complete/" + inv + "/1", 201, done), get("/tasks/complete/" + inv + "/1", 200, done),
      get("/tasks/drop/" + inv + "/1", 200, ""), task_row(inv, "8|1||0")}},
    {"task-get-drop",
     {create(tagged_body(), 201, tagged()),
      get("/tasks/claim/" + inv + "/1", 201, claimed("invoke", "{id}", tagged())),
      get("/tasks/drop/" + inv + "/2", 403, E(40308)), get("/tasks/drop/" + inv + "/1", 201, ""),
      task_row(inv, "1|2||0"), get("/tasks/claim/" + inv + "/1", 403, E(40308))}},
    {"task-get-bad-counters",
     {create(tagged_body(), 201, tagged()), get("/tasks/claim/" + inv + "/abc", 400, V()),
      get("/tasks/claim/" + inv + "/1x", 400, V()),
      get("/tasks/claim/" + inv + "/9223372036854775808", 400, V()),
      get("/tasks/complete/" + inv + "/abc", 400, V()), get("/tasks/drop/" + inv + "/abc", 400, V()),
      get("/tasks/heartbeat/" + inv + "/abc", 400, V()), task_row(inv, "1|1||0")}},
    // A resume task: created by completing the leaf; the root row may not exist.
    {"task-resume-root-missing",
     {create(promise_body(), 201, pending()), callback("{id}", cb_body(), 201,
                                                        cb_response(C{.id = res}.str(), pending())),
      count("tasks", "id = '" + res + "'", 0), settle("{id}", "RESOLVED", 201, resolved()),
      task_row(res, "1|1||0"), count("callbacks", "promise_id = '{id}'", 0),
      sql("SELECT root_promise_id, timeout FROM tasks WHERE id = '" + res + "'",
          "{id}-root|{future}"),
      claim(res, "1", "{id}-p", 201, claimed("resume", "{id}-root", "null", "{id}", resolved())),
      complete_task(res, "1", 201, T{.id = res, .root = "{id}-root", .completed = "{now}"}.str())}},
    {"task-resume-root-exists",
     {create(promise_body("{id}-root"), 201, pending("{id}-root")),
      create(promise_body(), 201, pending()),
      callback("{id}", cb_body(), 201, cb_response(C{.id = res}.str(), pending())),
      settle("{id}", "REJECTED", 201, P{.state = "REJECTED", .completed = "{now}"}.str()),
      claim(res, "1", "{id}-p", 201,
            claimed("resume", "{id}-root", pending("{id}-root"), "{id}",
                    P{.state = "REJECTED", .completed = "{now}"}.str()))}},
    // Completing a root completes its INIT, ENQUEUED and CLAIMED tasks (4.4 step 2);
    // CompleteTasks touches only state and completedOn, so a claimed task keeps its
    // processId, but it is no longer CLAIMED for heartbeats.
    {"cascade-root-completes-claimed-task",
     {create(tagged_body(), 201, tagged()),
      claim(inv, "1", "{id}-p", 201, claimed("invoke", "{id}", tagged())),
      settle("{id}", "RESOLVED", 201, resolved("{id}", k_tags)), task_row(inv, "8|1|{id}-p|30000"),
      complete_task(inv, "1", 200, T{.pid = "{id}-p", .completed = "{now}"}.str()),
      heartbeat("{id}-p", 200, affected(0)), claim(inv, "1", "{id}-p", 403, E(40307)),
      drop_task(inv, "1", 200)}},
    {"cascade-root-completes-init-task",
     {create(tagged_body(), 201, tagged()),
      settle("{id}", "REJECTED_CANCELED", 201,
             P{.state = "REJECTED_CANCELED", .tags = k_tags, .completed = "{now}"}.str()),
      task_row(inv, "8|1||0"), complete_task(inv, "1", 200, done),
      claim(inv, "1", "{id}-p", 403, E(40307))}},
    {"cascade-root-completes-resume-task",
     {create(promise_body("{id}-root"), 201, pending("{id}-root")),
      create(promise_body(), 201, pending()),
      callback("{id}", cb_body(), 201, cb_response(C{.id = res}.str(), pending())),
      settle("{id}", "RESOLVED", 201, resolved()), task_row(res, "1|1||0"),
      settle("{id}-root", "RESOLVED", 201, resolved("{id}-root")), task_row(res, "8|1||0"),
      claim(res, "1", "{id}-p", 403, E(40307)),
      complete_task(res, "1", 200, T{.id = res, .root = "{id}-root", .completed = "{now}"}.str())}},
    // A lazy timeout runs the same completion transaction.
    {"cascade-lazy-timeout",
     {create(R"({"id":"{id}","timeout":{past},"tags":)" + k_tags + "}", 201,
             P{.timeout = "{past}", .tags = k_tags}.str()),
      read("{id}", 200,
           P{.state = "REJECTED_TIMEDOUT", .timeout = "{past}", .tags = k_tags,
             .completed = "{past}"}.str()),
      // COMPLETED by the cascade, or TIMEDOUT if a send attempt saw it first.
      complete_task(inv, "1", 200, T{.timeout = "{past}", .completed = "{int}"}.str()),
      claim(inv, "1", "{id}-p", 403, E(40307))}},
  };
}

// Fencing tokens (4.13): only a CLAIMED task with that counter passes.
std::vector<table_case> fence_cases() {
  const header_list f1 = fence(inv, "1");
  const header_list f1k = {{"Task-Id", inv}, {"Task-Counter", "1"}, {"Idempotency-Key", "k"}};
  const std::string child = promise_body("{id}-child");
  const std::string claim_ok = claimed("invoke", "{id}", tagged());
  return {
    {"fence-create-valid",
     {create(tagged_body(), 201, tagged()), claim(inv, "1", "{id}-p", 201, claim_ok),
      create(child, 201, pending("{id}-child"), f1), read("{id}-child", 200, pending("{id}-child")),
      // The path of an existing promise (dedup) is fenced too.
      create(promise_body("{id}-child2"), 201, P{.ikc = "k", .id = "{id}-child2"}.str(), f1k),
      create(promise_body("{id}-child2"), 200, P{.ikc = "k", .id = "{id}-child2"}.str(), f1k),
      create(promise_body("{id}-child2"), 412, E(41200),
             {{"Task-Id", inv}, {"Task-Counter", "2"}, {"Idempotency-Key", "k"}})}},
    {"fence-create-wrong-counter",
     {create(tagged_body(), 201, tagged()), claim(inv, "1", "{id}-p", 201, claim_ok),
      create(child, 412, E(41200), fence(inv, "2")), create(child, 412, E(41200), fence(inv, "0")),
      read("{id}-child", 404, E(40400))}},
    {"fence-create-task-not-claimed",
     {create(tagged_body(), 201, tagged()), create(child, 412, E(41200), f1),
      read("{id}-child", 404, E(40400))}},
    {"fence-create-task-missing",
     {create(child, 412, E(41200), fence("__invoke:{id}-none", "1")),
      read("{id}-child", 404, E(40400))}},
    {"fence-complete",
     {create(tagged_body(), 201, tagged()), claim(inv, "1", "{id}-p", 201, claim_ok),
      create(child, 201, pending("{id}-child")),
      settle("{id}-child", "RESOLVED", 412, E(41200), fence(inv, "2")),
      settle("{id}-child", "RESOLVED", 412, E(41200), fence("__invoke:{id}-none", "1")),
      read("{id}-child", 200, pending("{id}-child")),
      settle("{id}-child", "RESOLVED", 201, resolved("{id}-child"), f1)}},
    {"fence-callback",
     {create(tagged_body(), 201, tagged()), claim(inv, "1", "{id}-p", 201, claim_ok),
      create(child, 201, pending("{id}-child")),
      callback("{id}-child", cb_body("{id}"), 412, E(41200), fence(inv, "2")),
      count("callbacks", "promise_id = '{id}-child'", 0),
      callback("{id}-child", cb_body("{id}"), 201,
               cb_response(C{.id = "__resume:{id}:{id}-child", .promise = "{id}-child"}.str(),
                           pending("{id}-child")),
               f1)}},
    // Once the task is completed or dropped, its token is dead.
    {"fence-after-complete",
     {create(tagged_body(), 201, tagged()), claim(inv, "1", "{id}-p", 201, claim_ok),
      complete_task(inv, "1", 201, T{.completed = "{now}"}.str()),
      create(child, 412, E(41200), f1), read("{id}-child", 404, E(40400))}},
    {"fence-after-drop",
     {create(tagged_body(), 201, tagged()), claim(inv, "1", "{id}-p", 201, claim_ok),
      drop_task(inv, "1", 201), create(child, 412, E(41200), f1),
      create(child, 412, E(41200), fence(inv, "2")),
      claim(inv, "2", "{id}-p", 201, claim_ok), create(child, 201, pending("{id}-child"),
                                                       fence(inv, "2"))}},
    // Reads ignore the fence.
    {"fence-read-ignored",
     {create(promise_body(), 201, pending()),
      http("GET", "/promises/{id}", fence("no-such-task", "1"), "", 200, pending())}},
  };
}

// Locks (2.7, 3.3, 4.9). The table's background period is an hour, so no lock is
// reaped behind the test's back: an expired lock stays until TimeoutLocks runs.
std::string lock_body(const std::string& resource, const std::string& execution,
                      const std::string& process, const std::string& ttl) {
  return R"({"resourceId":")" + resource + R"(","executionId":")" + execution +
         R"(","processId":")" + process + R"(","ttl":)" + ttl + "}";
}
step acquire(std::string body, int status, std::string expect) {
  return http("POST", "/locks/acquire", {}, std::move(body), status, std::move(expect));
}
step acquire(const std::string& execution, const std::string& process, const std::string& ttl,
             int status, std::string expect) {
  return acquire(lock_body("{id}", execution, process, ttl), status, std::move(expect));
}
std::string lock_json(const std::string& execution, const std::string& process,
                      const std::string& ttl, const std::string& expires) {
  return R"({"resourceId":"{id}","executionId":")" + execution + R"(","processId":")" + process +
         R"(","ttl":)" + ttl + R"(,"expiresAt":)" + expires + "}";
}
step release(std::string body, int status, std::string expect = "") {
  return http("POST", "/locks/release", {}, std::move(body), status, std::move(expect));
}
std::string release_body(const std::string& execution, const std::string& resource = "{id}") {
  return R"({"resourceId":")" + resource + R"(","executionId":")" + execution + "\"}";
}
step heartbeat_locks(const std::string& pid, int status, std::string expect) {
  return http("POST", "/locks/heartbeat", {}, R"({"processId":")" + pid + "\"}", status,
              std::move(expect));
}
std::string locks_affected(int n) { return R"({"locksAffected":)" + std::to_string(n) + "}"; }
/// execution_id|process_id|ttl of the lock on `{id}`, or "" when there is none.
step lock_row(const std::string& row) {
  return sql("SELECT execution_id, process_id, ttl FROM locks WHERE resource_id = '{id}'", row);
}

std::vector<table_case> lock_cases() {
  const std::string k_max = "9223372036854775807";
  return {
    // 201 with the lock; ttl 0 expires at once, so expiresAt is the tick time itself.
    {"lock-acquire",
     {acquire("{id}-a", "{id}-p", "0", 201, lock_json("{id}-a", "{id}-p", "0", "{now}")),
      lock_row("{id}-a|{id}-p|0"), count("locks", "resource_id = '{id}'", 1)}},
    // The same execution re-acquires (201, refreshed); another is refused with 403.
    {"lock-reacquire",
     {acquire("{id}-a", "{id}-p", "30000", 201, lock_json("{id}-a", "{id}-p", "30000", "{int}")),
      acquire("{id}-a", "{id}-q", "60000", 201, lock_json("{id}-a", "{id}-q", "60000", "{int}")),
      lock_row("{id}-a|{id}-q|60000"), acquire("{id}-b", "{id}-p", "30000", 403, E(40305)),
      acquire("{id}-b", "{id}-q", "60000", 403, E(40305)), lock_row("{id}-a|{id}-q|60000")}},
    // Expired but not reaped yet: it still blocks another execution, not its own.
    {"lock-expired-blocks",
     {acquire("{id}-a", "{id}-p", "0", 201, lock_json("{id}-a", "{id}-p", "0", "{now}")),
      acquire("{id}-b", "{id}-p", "0", 403, E(40305)), lock_row("{id}-a|{id}-p|0"),
      acquire("{id}-a", "{id}-p", "10", 201, lock_json("{id}-a", "{id}-p", "10", "{int}"))}},
    // Locks on other resources are independent.
    {"lock-two-resources",
     {acquire("{id}-a", "{id}-p", "1000", 201, lock_json("{id}-a", "{id}-p", "1000", "{int}")),
      acquire(lock_body("{id}-2", "{id}-b", "{id}-p", "1000"), 201,
              R"({"resourceId":"{id}-2","executionId":"{id}-b","processId":"{id}-p","ttl":1000,)"
              R"("expiresAt":{int}})"),
      count("locks", "resource_id LIKE '{id}%'", 2)}},
    // Not clamped: now + MaxInt64 wraps around as Go's int64 does.
    {"lock-max-ttl",
     {acquire("{id}-a", "{id}-p", k_max, 201, lock_json("{id}-a", "{id}-p", k_max, "-{int}")),
      count("locks", "resource_id = '{id}' AND expires_at < 0", 1)}},
    // Release needs both the resource and its execution: 204 with no body, else 404.
    {"lock-release",
     {acquire("{id}-a", "{id}-p", "30000", 201, lock_json("{id}-a", "{id}-p", "30000", "{int}")),
      release(release_body("{id}-b"), 404, E(40402)),
      release(release_body("{id}-a", "{id}-other"), 404, E(40402)), lock_row("{id}-a|{id}-p|30000"),
      release(release_body("{id}-a"), 204), lock_row(""),
      release(release_body("{id}-a"), 404, E(40402)),
      acquire("{id}-b", "{id}-p", "30000", 201, lock_json("{id}-b", "{id}-p", "30000", "{int}"))}},
    {"lock-release-missing", {release(release_body("{id}-a"), 404, E(40402))}},
    // Heartbeat counts every lock of the process, expired or not.
    {"lock-heartbeat",
     {acquire("{id}-a", "{id}-p", "0", 201, lock_json("{id}-a", "{id}-p", "0", "{now}")),
      acquire(lock_body("{id}-2", "{id}-a", "{id}-p", "30000"), 201,
              R"({"resourceId":"{id}-2","executionId":"{id}-a","processId":"{id}-p","ttl":30000,)"
              R"("expiresAt":{int}})"),
      acquire(lock_body("{id}-3", "{id}-a", "{id}-q", "30000"), 201,
              R"({"resourceId":"{id}-3","executionId":"{id}-a","processId":"{id}-q","ttl":30000,)"
              R"("expiresAt":{int}})"),
      heartbeat_locks("{id}-p", 200, locks_affected(2)),
      heartbeat_locks("{id}-q", 200, locks_affected(1)),
      heartbeat_locks("{id}-nobody", 200, locks_affected(0))}},
    // Bad input: 400 and nothing changes (every 4xx step checks the store).
    {"lock-acquire-missing-fields",
     {acquire("{}", 400,
              validation_body({"The field resourceid is required.",
                               "The field executionid is required.",
                               "The field processid is required."})),
      acquire(R"({"resourceId":"{id}","processId":"p","ttl":1})", 400,
              validation_body("The field executionid is required.")),
      acquire("", "{id}-p", "1", 400, validation_body("The field executionid is required.")),
      acquire("{id}-a", "", "1", 400, validation_body("The field processid is required.")),
      count("locks", "resource_id = '{id}'", 0)}},
    {"lock-acquire-negative-ttl",
     {acquire("{id}-a", "{id}-p", "-1", 400,
              validation_body("The field ttl must be be at least length 0.")),
      count("locks", "resource_id = '{id}'", 0)}},
    {"lock-acquire-bad-ttl",
     {acquire("{id}-a", "{id}-p", "9223372036854775808", 400, V()),
      acquire("{id}-a", "{id}-p", R"("1")", 400, V()), acquire("{id}-a", "{id}-p", "1.5", 400, V()),
      count("locks", "resource_id = '{id}'", 0)}},
    {"lock-acquire-bad-json",
     {acquire(R"({"resourceId":)", 400, V()), acquire("[]", 400, V()),
      acquire(R"({"resourceId":1,"executionId":"e","processId":"p"})", 400, V())}},
    // A refused acquire leaves the holder's lock as it was.
    {"lock-bad-input-keeps-the-lock",
     {acquire("{id}-a", "{id}-p", "30000", 201, lock_json("{id}-a", "{id}-p", "30000", "{int}")),
      acquire("{id}-a", "{id}-q", "-5", 400, V()), lock_row("{id}-a|{id}-p|30000"),
      release(R"({"resourceId":"{id}"})", 400,
              validation_body("The field executionid is required.")),
      release(R"({"executionId":"{id}-a"})", 400,
              validation_body("The field resourceid is required.")),
      release(R"({"resourceId":"{id}","executionId":1})", 400, V()), lock_row("{id}-a|{id}-p|30000")}},
    {"lock-heartbeat-bad-input",
     {heartbeat_locks("", 400, validation_body("The field processid is required.")),
      http("POST", "/locks/heartbeat", {}, "{}", 400,
           validation_body("The field processid is required.")),
      http("POST", "/locks/heartbeat", {}, R"({"processId":7})", 400, V())}},
  };
}

// ---- fixture --------------------------------------------------------------------------

class TasksTest : public ::testing::TestWithParam<store_kind> {
 protected:
  void SetUp() override {
    if (GetParam() == store_kind::postgres && !test_pg_conninfo())
      GTEST_SKIP() << "RESONATE_TEST_PG is not set";
    store_ = std::make_unique<scratch_store>(GetParam());
    start_server({"--system-signal-timeout", "1h"});
    t0_ = now_ms() - 5000;
  }

  void TearDown() override {
    client_.reset();
    if (server_ && server_->running()) {
      int st = server_->stop();
      EXPECT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
        << "the server did not exit 0 on SIGTERM (status " << st << ")";
    }
    if (HasFailure() && server_) std::cerr << "--- server log ---\n" << server_->log_tail() << "\n";
  }

  void start_server(std::vector<std::string> extra) {
    auto args = store_->server_args();
    args.insert(args.end(), {"--system-url", k_url, "--log-level", "info"});
    args.insert(args.end(), extra.begin(), extra.end());
    client_.reset();
    if (server_ && server_->running()) server_->stop();
    server_ = std::make_unique<server_process>(args);
    server_->start();
    client_ = std::make_unique<http_client>("127.0.0.1", server_->port());
  }

  std::string expand(std::string s, const std::string& id) const {
    s = substitute(std::move(s), "id", id);
    s = substitute(std::move(s), "future", k_future);
    s = substitute(std::move(s), "past", k_past);
    return substitute(std::move(s), "recv", text_of("recv"));
  }

  /// The SQL expression for a BLOB/BYTEA column as text.
  std::string text_of(const std::string& column) const {
    return store_->kind() == store_kind::sqlite ? "CAST(" + column + " AS TEXT)"
                                                : "convert_from(" + column + ", 'UTF8')";
  }

  ::testing::AssertionResult matches(const std::string& body, const std::string& tmpl) const {
    return body_matches(body, tmpl, t0_, now_ms() + 5000);
  }

  std::string query(const std::string& sql) const {
    std::string out;
    for (const auto& row : store_->query(sql)) {
      if (!out.empty()) out.push_back('\n');
      out += row;
    }
    return out;
  }

  /// Everything a request could change, except what send attempts change behind
  /// the test's back (attempt, and expires_at of tasks that are not CLAIMED).
  std::string snapshot() const {
    return query("SELECT id, state, " + text_of("value_data") +
                 ", value_headers, idempotency_key_for_create, idempotency_key_for_complete, tags, "
                 "completed_on FROM promises ORDER BY id") +
           "\n--\n" +
           query("SELECT id, promise_id, root_promise_id, " + text_of("recv") +
                 ", timeout, created_on FROM callbacks ORDER BY id") +
           "\n--\n" +
           query("SELECT id, state, counter, process_id, ttl, CASE WHEN state = 4 THEN expires_at "
                 "ELSE 0 END, timeout, root_promise_id, created_on, completed_on FROM tasks ORDER "
                 "BY id") +
           "\n--\n" +
           query("SELECT resource_id, execution_id, process_id, ttl, expires_at FROM locks ORDER BY "
                 "resource_id");
  }

  void run(const std::vector<table_case>& cases) {
    std::set<std::string> ids;
    size_t steps = 0;
    for (const auto& c : cases) {
      ASSERT_TRUE(ids.insert(c.id).second) << "duplicate case id " << c.id;
      for (size_t i = 0; i < c.steps.size(); ++i) {
        const auto& s = c.steps[i];
        const std::string target = expand(s.target, c.id);
        SCOPED_TRACE("case " + c.id + " step " + std::to_string(i + 1) + ": " + s.method + " " +
                     target + " " + expand(s.body, c.id));
        ++steps;
        if (s.method == "SQL") {
          EXPECT_EQ(query(target), expand(s.expect, c.id));
          continue;
        }
        if (s.method == "SQL~") {
          std::string got;
          EXPECT_TRUE(eventually([&] { return (got = query(target)) == expand(s.expect, c.id); }))
            << got;
          continue;
        }
        const bool refusal = s.status >= 400 && s.status < 500;
        const std::string before = refusal ? snapshot() : "";
        header_list headers = s.headers;
        for (auto& [k, v] : headers) v = expand(v, c.id);
        auto r = client_->request(s.method, target, headers, expand(s.body, c.id));
        EXPECT_EQ(r.status, s.status) << r.body;
        if (s.expect.empty()) {
          EXPECT_EQ(r.body, "");
        } else {
          EXPECT_TRUE(matches(r.body, expand(s.expect, c.id)));
          EXPECT_EQ(r.header("Content-Type").value_or("<none>"),
                    "application/json; charset=utf-8");
        }
        EXPECT_EQ(r.header("Resonate-Version").value_or("<none>"), "0.8.2");
        if (refusal) {
          EXPECT_EQ(snapshot(), before) << "a " << s.status << " changed the store";
        }
      }
    }
    std::cout << "[ table ] " << cases.size() << " cases, " << steps << " steps\n";
  }

  // ---- helpers of the delivery tests ----

  /// An SSE stream on the poller's own port, or with `via_api_` on the API port's
  /// `/poll/...` (spec 3.4, "Proxy on the main port").
  std::unique_ptr<sse_stream> connect(const std::string& group, const std::string& id) {
    auto s = via_api_ ? std::make_unique<sse_stream>("127.0.0.1", server_->port(),
                                                     "/poll/" + group + "/" + id)
                      : std::make_unique<sse_stream>("127.0.0.1", server_->poll_port(),
                                                     "/" + group + "/" + id);
    EXPECT_EQ(s->status(), 200);
    EXPECT_EQ(s->header("Content-Type").value_or(""), "text/event-stream");
    return s;
  }

  /// The next message on `s` whose task (or promise, for notify) has this id.
  std::optional<json::object> await(sse_stream& s, const std::string& id,
                                    std::chrono::milliseconds timeout = 10s,
                                    std::string* raw = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      std::optional<std::string> data;
      try {
        data = s.next(left);
      } catch (const http_error& e) {
        ADD_FAILURE() << "the SSE stream ended: " << e.what();
        return std::nullopt;
      }
      if (!data) break;
      json::value v;
      try {
        v = json::parse(*data);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "an SSE event is not JSON: " << *data;
        continue;
      }
      if (!v.is_object()) continue;
      auto& o = v.as_object();
      std::string got;
      if (o.contains("task")) got = str(o.at("task").at("id"));
      if (o.contains("promise")) got = str(o.at("promise").at("id"));
      if (got == id) {
        if (raw) *raw = *data;
        return o;
      }
      std::cout << "[ sse ] skipped " << *data << "\n";
    }
    return std::nullopt;
  }

  /// Polls `f` every 20 ms until it is true or `timeout` passes.
  bool eventually(const std::function<bool()>& f, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (f()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return f();
  }

  http_response post(const std::string& target, const std::string& body, header_list h = {}) {
    return client_->post(target, body, h);
  }
  std::string future_promise(const std::string& id, const std::string& tags = "") {
    return R"({"id":")" + id + R"(","timeout":)" + k_future +
           (tags.empty() ? "" : R"(,"tags":)" + tags) + "}";
  }
  static std::string invoke_tag(const std::string& recv) {
    return R"({"resonate:invoke":")" + recv + "\"}";
  }
  /// tasksAffected of a heartbeat of `pid` (-1 if the heartbeat failed).
  int64_t heartbeat_count(const std::string& pid) {
    auto r = post("/tasks/heartbeat", R"({"processId":")" + pid + "\"}");
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return -1;
    return r.json().at("tasksAffected").as_int64();
  }
  /// state|counter of a task, read from the store.
  std::string task_state(const std::string& id) {
    return query("SELECT state, counter FROM tasks WHERE id = '" + id + "'");
  }
  /// Waits until the poller has registered `group/id`: a probe promise addressed
  /// to exactly that connection gets its invoke through, and is settled again.
  void ensure_registered(sse_stream& s, const std::string& group, const std::string& id) {
    const std::string probe = "probe-" + group + "-" + id + "-" + std::to_string(probes_++);
    ASSERT_EQ(post("/promises", future_promise(probe, invoke_tag("poll://uni@" + group + "/" + id)))
                .status,
              201);
    ASSERT_TRUE(await(s, "__invoke:" + probe)) << "the poller never delivered to " << group << "/"
                                                << id;
    ASSERT_EQ(client_->patch("/promises/" + probe, R"({"state":"RESOLVED"})").status, 201);
  }

  std::unique_ptr<scratch_store> store_;
  std::unique_ptr<server_process> server_;
  std::unique_ptr<http_client> client_;
  int64_t t0_ = 0;
  int probes_ = 0;
  bool via_api_ = false;  ///< connect() on the API port's /poll/...
};

TEST_P(TasksTest, CreatePromiseAndTask) { run(promise_and_task_cases()); }

TEST_P(TasksTest, CallbacksAndSubscriptions) { run(callback_cases()); }

TEST_P(TasksTest, ClaimCompleteDropHeartbeatAndCascade) { run(task_cases()); }

TEST_P(TasksTest, FencingTokens) { run(fence_cases()); }

TEST_P(TasksTest, Locks) { run(lock_cases()); }

// expiresAt is the tick time plus ttl, for an acquire and for a heartbeat.
TEST_P(TasksTest, LockExpiryIsNowPlusTtl) {
  auto expires = [&](const std::string& resource) {
    return std::stoll(query("SELECT expires_at FROM locks WHERE resource_id = '" + resource + "'"));
  };
  const int64_t before = now_ms();
  auto r = post("/locks/acquire", lock_body("exp", "e", "exp-p", "60000"));
  const int64_t after = now_ms();
  ASSERT_EQ(r.status, 201) << r.body;
  const int64_t acquired = r.json().at("expiresAt").as_int64();
  EXPECT_GE(acquired, before + 60000);
  EXPECT_LE(acquired, after + 60000);
  EXPECT_EQ(expires("exp"), acquired);

  std::this_thread::sleep_for(50ms);
  const int64_t hb_before = now_ms();
  r = post("/locks/heartbeat", R"({"processId":"exp-p"})");
  const int64_t hb_after = now_ms();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, locks_affected(1));
  EXPECT_GE(expires("exp"), hb_before + 60000);
  EXPECT_LE(expires("exp"), hb_after + 60000);
  EXPECT_GT(expires("exp"), acquired);
}

// TimeoutLocks (4.9) with a 100 ms background period: an expired lock is deleted,
// after which another execution acquires it; a live lock stays.
TEST_P(TasksTest, TimeoutLocksFreesExpiredLocks) {
  start_server({"--system-signal-timeout", "100ms"});
  auto acquire_status = [&](const std::string& resource, const std::string& execution,
                            const std::string& ttl) {
    auto r = post("/locks/acquire", lock_body(resource, execution, "tl-p", ttl));
    return r.status;
  };
  ASSERT_EQ(acquire_status("tl", "tl-a", "300"), 201);
  ASSERT_EQ(acquire_status("tl-live", "tl-a", "3600000"), 201);
  // Held by A and not yet expired: B is refused.
  EXPECT_EQ(acquire_status("tl", "tl-b", "1000"), 403);
  EXPECT_TRUE(eventually([&] {
    return query("SELECT COUNT(*) FROM locks WHERE resource_id = 'tl'") == "0";
  })) << "TimeoutLocks never deleted the expired lock";
  EXPECT_EQ(acquire_status("tl", "tl-b", "60000"), 201);
  EXPECT_EQ(query("SELECT execution_id FROM locks WHERE resource_id = 'tl'"), "tl-b");
  std::this_thread::sleep_for(300ms);  // several more passes
  EXPECT_EQ(query("SELECT execution_id FROM locks ORDER BY resource_id"), "tl-b\ntl-a");
  EXPECT_EQ(acquire_status("tl-live", "tl-b", "1000"), 403);
}

// Task routes that do not exist: the GET forms take exactly one id and one counter segment.
TEST_P(TasksTest, TaskRouteShapes) {
  for (const char* target : {"/tasks/claim/a", "/tasks/claim/a/1/2", "/tasks/complete", "/tasks/x/a/1"}) {
    SCOPED_TRACE(target);
    auto r = client_->get(target);
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.body, "404 page not found");
  }
}

// ---- delivery: SSE poller, HTTP push, background jobs ---------------------------------

std::vector<std::string> delivery_args() {
  return {"--system-signal-timeout", "100ms", "--aio-poll-ttr", "500ms", "--aio-http-ttr", "500ms"};
}

// The poller's own routes (spec 3.4).
TEST_P(TasksTest, PollerRoutes) {
  start_server(delivery_args());
  ASSERT_NE(server_->poll_port(), 0) << "no poll_port= on the listening line";
  http_client p("127.0.0.1", server_->poll_port());
  auto r = p.get("/g");
  EXPECT_EQ(r.status, 400) << r.body;
  p.close();
  r = p.post("/g/w", "{}");
  EXPECT_EQ(r.status, 405) << r.body;
  p.close();

  auto first = connect("g", "w");
  EXPECT_EQ(first->header("Cache-Control").value_or(""), "no-cache");
  ensure_registered(*first, "g", "w");
  // The newest connection with the same (group, id) evicts the older one.
  auto second = connect("g", "w");
  EXPECT_TRUE(first->wait_ended(5s)) << "the replaced connection is still open";
  ensure_registered(*second, "g", "w");
  // An empty id is an id ("/g/"): the connection is taken, and any-cast reaches it.
  auto empty = connect("g2", "");
  ASSERT_EQ(post("/promises", future_promise("poll-empty-id", invoke_tag("poll://any@g2"))).status,
            201);
  EXPECT_TRUE(await(*empty, "__invoke:poll-empty-id"));
}

// Invoke over SSE, then the resume of a child: the resume waits while the root's
// invoke task is CLAIMED (one active task per root), and goes once it completes.
TEST_P(TasksTest, InvokeAndResumeOverSseOneActiveTaskPerRoot) {
  start_server(delivery_args());
  t0_ = now_ms() - 5000;
  auto s = connect("g1", "w1");
  ensure_registered(*s, "g1", "w1");

  const std::string recv = "poll://uni@g1/w1";
  ASSERT_EQ(post("/promises", future_promise("root-1", invoke_tag(recv))).status, 201);
  std::string raw;
  auto invoke = await(*s, "__invoke:root-1", 10s, &raw);
  ASSERT_TRUE(invoke);
  const std::string url = k_url;
  EXPECT_TRUE(matches(
    raw, R"({"type":"invoke","task":{"id":"__invoke:root-1","counter":1,"timeout":)" +
           std::string(k_future) + R"(,"rootPromiseId":"root-1","createdOn":{now}},"href":{"base":")" +
           url + R"(","claim":")" + url + R"(/tasks/claim/__invoke:root-1/1","complete":")" + url +
           R"(/tasks/complete/__invoke:root-1/1","heartbeat":")" + url +
           R"(/tasks/heartbeat/__invoke:root-1/1"}})"));
  EXPECT_TRUE(eventually([&] { return task_state("__invoke:root-1") == "2|1"; }))  // ENQUEUED
    << task_state("__invoke:root-1");

  auto r = post("/tasks/claim", R"({"id":"__invoke:root-1","counter":1,"processId":"w1","ttl":60000})");
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(post("/promises", future_promise("root-1.child")).status, 201);
  r = post("/promises/callback/root-1.child",
           R"({"rootPromiseId":"root-1","recv":")" + recv + R"(","timeout":)" + k_future + "}");
  ASSERT_EQ(r.status, 201) << r.body;
  r = client_->patch("/promises/root-1.child", R"({"state":"RESOLVED","value":{"data":"aGk="}})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string resume_id = "__resume:root-1:root-1.child";
  EXPECT_EQ(task_state(resume_id), "1|1");
  // Held back while the invoke task is CLAIMED.
  EXPECT_FALSE(await(*s, resume_id, 1500ms));
  EXPECT_EQ(task_state(resume_id), "1|1");

  r = post("/tasks/complete", R"({"id":"__invoke:root-1","counter":1})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto resume = await(*s, resume_id, 10s, &raw);
  ASSERT_TRUE(resume);
  EXPECT_TRUE(matches(
    raw, R"({"type":"resume","task":{"id":")" + resume_id + R"(","counter":1,"timeout":)" +
           std::string(k_future) + R"(,"rootPromiseId":"root-1","createdOn":{now}},"href":{"base":")" +
           url + R"(","claim":")" + url + "/tasks/claim/" + resume_id + R"(/1","complete":")" + url +
           "/tasks/complete/" + resume_id + R"(/1","heartbeat":")" + url + "/tasks/heartbeat/" +
           resume_id + R"(/1"}})"));
  r = post("/tasks/claim", R"({"id":")" + resume_id + R"(","counter":1,"processId":"w1","ttl":60000})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = r.json();
  EXPECT_EQ(str(j.at("type")), "resume");
  EXPECT_EQ(str(j.at("promises").at("leaf").at("data").at("value").at("data")), "aGk=");
  EXPECT_EQ(str(j.at("promises").at("root").at("data").at("state")), "PENDING");
  // Resolving the root completes the resume task it is running in (4.4).
  ASSERT_EQ(client_->patch("/promises/root-1", R"({"state":"RESOLVED"})").status, 201);
  r = post("/tasks/complete", R"({"id":")" + resume_id + R"(","counter":1})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(task_state(resume_id), "8|1");
}

// The REST-era TypeScript SDK ignores messages for a root it is still
// finishing, and a root's resume leaves a few milliseconds after the worker's
// own complete of that root. A worker that drops every message in the 200 ms
// after its complete still gets the resume, with the same counter, within 5 s
// (before: only at the claim deadline, a minute later); once claimed, it is
// not sent again.
TEST_P(TasksTest, ResumeDroppedRightAfterTheRootsCompleteIsSentAgain) {
  start_server(delivery_args());
  t0_ = now_ms() - 5000;
  auto s = connect("gd", "w");
  ensure_registered(*s, "gd", "w");
  const std::string recv = "poll://uni@gd/w";
  ASSERT_EQ(post("/promises", future_promise("drop-1", invoke_tag(recv))).status, 201);
  ASSERT_TRUE(await(*s, "__invoke:drop-1"));
  auto r = post("/tasks/claim", R"({"id":"__invoke:drop-1","counter":1,"processId":"w","ttl":60000})");
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(post("/promises", future_promise("drop-1.child")).status, 201);
  r = post("/promises/callback/drop-1.child",
           R"({"rootPromiseId":"drop-1","recv":")" + recv + R"(","timeout":)" + k_future + "}");
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(client_->patch("/promises/drop-1.child", R"({"state":"RESOLVED"})").status, 201);

  r = post("/tasks/complete", R"({"id":"__invoke:drop-1","counter":1})");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto completed_at = std::chrono::steady_clock::now();
  const std::string resume_id = "__resume:drop-1:drop-1.child";
  // The worker is still finishing the root: whatever arrives now is dropped.
  std::vector<std::string> dropped;
  while (std::chrono::steady_clock::now() - completed_at < 200ms) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      200ms - (std::chrono::steady_clock::now() - completed_at));
    if (auto data = s->next(left)) dropped.push_back(*data);
  }
  ASSERT_EQ(dropped.size(), 1u) << "the resume did not leave right after the complete";
  EXPECT_NE(dropped.front().find(resume_id), std::string::npos) << dropped.front();

  auto resume = await(*s, resume_id, 4800ms);
  ASSERT_TRUE(resume) << "the dropped resume was not sent again within 5 s";
  EXPECT_EQ(resume->at("task").at("counter").as_int64(), 1);
  r = post("/tasks/claim", R"({"id":")" + resume_id + R"(","counter":1,"processId":"w","ttl":60000})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(await(*s, resume_id, 2500ms)) << "a claimed task's message was sent again";
}

// Notify: one send, then COMPLETED without completedOn (spec 2.5, 11.20).
TEST_P(TasksTest, NotifyIsSentOnceOverSse) {
  start_server(delivery_args());
  t0_ = now_ms() - 5000;
  auto s = connect("gn", "w");
  ensure_registered(*s, "gn", "w");
  ASSERT_EQ(post("/promises", future_promise("note-1")).status, 201);
  auto r = post("/promises/subscribe/note-1",
                R"({"id":"sub","recv":"poll://uni@gn/w","timeout":)" + std::string(k_future) + "}");
  ASSERT_EQ(r.status, 201) << r.body;
  // A second subscription to a connection nobody holds: sent once, fails, done anyway.
  r = post("/promises/subscribe/note-1",
           R"({"id":"lost","recv":"poll://uni@gn/nobody","timeout":)" + std::string(k_future) + "}");
  ASSERT_EQ(r.status, 201) << r.body;
  r = client_->patch("/promises/note-1", R"({"state":"RESOLVED","value":{"data":"b2s="}})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string promise = r.body;
  std::string raw;
  ASSERT_TRUE(await(*s, "note-1", 10s, &raw));
  EXPECT_EQ(raw, R"({"type":"notify","promise":)" + promise + "}");
  EXPECT_TRUE(eventually([&] {
    return query("SELECT state, completed_on FROM tasks WHERE id LIKE '__notify:note-1:%' ORDER "
                 "BY id") == "8|\n8|";
  })) << query("SELECT id, state, completed_on, attempt FROM tasks");
  EXPECT_FALSE(await(*s, "note-1", 1500ms)) << "a notify was sent twice";
}

// A lease that is not heartbeated expires: INIT with counter+1, sent again; the
// old holder's counter is dead. An ENQUEUED task nobody claims within the TTC
// goes the same way.
TEST_P(TasksTest, LeaseAndClaimDeadlinesBumpTheCounterAndRedeliver) {
  auto args = delivery_args();
  args.insert(args.end(), {"--aio-poll-ttc", "1s"});
  start_server(args);
  t0_ = now_ms() - 5000;
  auto s = connect("gl", "w");
  ensure_registered(*s, "gl", "w");
  ASSERT_EQ(post("/promises", future_promise("lease-1", invoke_tag("poll://uni@gl/w"))).status, 201);
  auto m = await(*s, "__invoke:lease-1");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at("task").at("counter").as_int64(), 1);
  auto r = post("/tasks/claim", R"({"id":"__invoke:lease-1","counter":1,"processId":"a","ttl":300})");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto claimed_at = std::chrono::steady_clock::now();
  m = await(*s, "__invoke:lease-1");
  ASSERT_TRUE(m) << "not redelivered after the lease expired";
  EXPECT_GE(std::chrono::steady_clock::now() - claimed_at, 300ms);
  EXPECT_EQ(m->at("task").at("counter").as_int64(), 2);
  EXPECT_TRUE(str(m->at("href").at("claim")).ends_with("/tasks/claim/__invoke:lease-1/2"));
  EXPECT_EQ(heartbeat_count("a"), 0);
  r = post("/tasks/claim", R"({"id":"__invoke:lease-1","counter":1,"processId":"a","ttl":300})");
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(matches(r.body, E(40308)));
  // Not claimed within the TTC (1 s): counter 3.
  const auto sent_at = std::chrono::steady_clock::now();
  m = await(*s, "__invoke:lease-1");
  ASSERT_TRUE(m) << "not redelivered after the claim deadline";
  EXPECT_GE(std::chrono::steady_clock::now() - sent_at, 800ms);
  EXPECT_EQ(m->at("task").at("counter").as_int64(), 3);
  r = post("/tasks/claim", R"({"id":"__invoke:lease-1","counter":3,"processId":"b","ttl":60000})");
  ASSERT_EQ(r.status, 201) << r.body;
  // The stale holders' counters: 40308 while someone else holds the task.
  for (const char* counter : {"1", "2"}) {
    r = post("/tasks/complete", std::string(R"({"id":"__invoke:lease-1","counter":)") + counter + "}");
    EXPECT_EQ(r.status, 403) << counter;
    EXPECT_TRUE(matches(r.body, E(40308))) << counter;
  }
  r = post("/tasks/complete", R"({"id":"__invoke:lease-1","counter":3})");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(task_state("__invoke:lease-1"), "8|3");
}

// Heartbeats keep a short lease alive; without them it expires.
TEST_P(TasksTest, HeartbeatKeepsTheLease) {
  start_server(delivery_args());
  t0_ = now_ms() - 5000;
  auto s = connect("gh", "w");
  ensure_registered(*s, "gh", "w");
  ASSERT_EQ(post("/promises", future_promise("hb-1", invoke_tag("poll://uni@gh/w"))).status, 201);
  ASSERT_TRUE(await(*s, "__invoke:hb-1"));
  auto r = post("/tasks/claim", R"({"id":"__invoke:hb-1","counter":1,"processId":"hb","ttl":800})");
  ASSERT_EQ(r.status, 201) << r.body;
  for (int i = 0; i < 12; ++i) {  // 2.4 s, three leases' worth
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(heartbeat_count("hb"), 1) << "heartbeat " << i;
  }
  EXPECT_EQ(task_state("__invoke:hb-1"), "4|1");
  EXPECT_TRUE(eventually([&] { return task_state("__invoke:hb-1") != "4|1"; }, 5s));
  EXPECT_EQ(heartbeat_count("hb"), 0);
  auto m = await(*s, "__invoke:hb-1");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at("task").at("counter").as_int64(), 2);
}

// Unicast fails without the named connection (the task stays INIT and is retried
// after the TTR); any-cast falls back to another connection of the group.
TEST_P(TasksTest, UnicastAndAnycastAddressing) {
  start_server(delivery_args());
  auto a = connect("gu", "a");
  ensure_registered(*a, "gu", "a");
  ASSERT_EQ(post("/promises", future_promise("uni-1", invoke_tag("poll://uni@gu/b"))).status, 201);
  EXPECT_FALSE(await(*a, "__invoke:uni-1", 1500ms));
  EXPECT_EQ(task_state("__invoke:uni-1"), "1|1");
  EXPECT_NE(query("SELECT attempt FROM tasks WHERE id = '__invoke:uni-1'"), "0");
  auto b = connect("gu", "b");
  auto m = await(*b, "__invoke:uni-1");
  ASSERT_TRUE(m) << "not retried to the connection once it exists";
  EXPECT_EQ(m->at("task").at("counter").as_int64(), 1);  // a send retry keeps the counter

  ASSERT_EQ(post("/promises", future_promise("any-1", invoke_tag("poll://any@gu/zzz"))).status, 201);
  // Either connection of the group may get it (random), exactly one does.
  std::optional<json::object> got;
  for (int i = 0; i < 50 && !got; ++i) {
    got = await(*a, "__invoke:any-1", 100ms);
    if (!got) got = await(*b, "__invoke:any-1", 100ms);
  }
  EXPECT_TRUE(got) << "any-cast to a missing id was not delivered to the group";
  EXPECT_TRUE(eventually([&] { return task_state("__invoke:any-1") == "2|1"; }));
  // The default logical target is poll any@default.
  auto d = connect("default", "w");
  ensure_registered(*d, "default", "w");
  ASSERT_EQ(post("/promises", future_promise("dflt-1", invoke_tag("default"))).status, 201);
  EXPECT_TRUE(await(*d, "__invoke:dflt-1"));
}

// Router sources and sender targets from config (spec 4.11, 4.12): a custom
// tag source routes a promise, and a configured target name resolves.
TEST_P(TasksTest, ConfiguredRouterSourcesAndSenderTargets) {
  auto args = delivery_args();
  args.insert(args.end(), {"--aio-router-sources", "mine=myapp:target", "--aio-sender-target",
                           "crew=poll:cast=any;group=gcfg"});
  start_server(args);
  auto w = connect("gcfg", "w1");
  ensure_registered(*w, "gcfg", "w1");
  // The custom tag alone routes; its value may be a configured target's name.
  ASSERT_EQ(post("/promises", future_promise("cfg-1", R"({"myapp:target":"crew"})")).status, 201);
  auto m = await(*w, "__invoke:cfg-1");
  ASSERT_TRUE(m) << "a promise tagged with the configured source did not reach the target";
  EXPECT_TRUE(eventually([&] { return task_state("__invoke:cfg-1") == "2|1"; }));
  // resonate:invoke still routes (the default source is appended), also to the named target.
  ASSERT_EQ(post("/promises", future_promise("cfg-2", invoke_tag("crew"))).status, 201);
  EXPECT_TRUE(await(*w, "__invoke:cfg-2"));
  // A tag no source reads makes no task.
  ASSERT_EQ(post("/promises", future_promise("cfg-3", R"({"other:tag":"crew"})")).status, 201);
  EXPECT_EQ(query("SELECT count(*) FROM tasks WHERE id = '__invoke:cfg-3'"), "0");
}

// resonate:delay: the invoke is not sent before that time (but can be claimed).
TEST_P(TasksTest, DelayTagHoldsTheInvoke) {
  start_server(delivery_args());
  auto s = connect("gd", "w");
  ensure_registered(*s, "gd", "w");
  const int64_t at = now_ms() + 1500;
  ASSERT_EQ(post("/promises", future_promise("delay-1", R"({"resonate:invoke":"poll://uni@gd/w","resonate:delay":")" +
                                                          std::to_string(at) + "\"}"))
              .status,
            201);
  EXPECT_EQ(query("SELECT expires_at FROM tasks WHERE id = '__invoke:delay-1'"), std::to_string(at));
  ASSERT_TRUE(await(*s, "__invoke:delay-1"));
  EXPECT_GE(now_ms(), at);
}

// The trace context of the create goes into the message head, which the poller
// adds to the SSE body.
TEST_P(TasksTest, TraceparentReachesTheMessageHead) {
  start_server(delivery_args());
  auto s = connect("gt", "w");
  ensure_registered(*s, "gt", "w");
  const std::string tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  ASSERT_EQ(post("/promises", future_promise("trace-1", invoke_tag("poll://uni@gt/w")),
                 {{"traceparent", tp}, {"tracestate", "k=v"}})
              .status,
            201);
  auto m = await(*s, "__invoke:trace-1");
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->contains("head")) << json::serialize(*m);
  EXPECT_EQ(str(m->at("head").at("traceparent")), tp);
  EXPECT_EQ(str(m->at("head").at("tracestate")), "k=v");
}

/// One-shot HTTP receiver on 127.0.0.1:0: records each request (head and body)
/// and answers every request with `status`.
class push_receiver {
 public:
  explicit push_receiver(int status) : status_(status) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0)
      throw std::runtime_error("push_receiver: bind/listen failed");
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~push_receiver() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  struct request {
    std::string head, body;
  };
  std::vector<request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string buf;
      char chunk[8192];
      const auto deadline = std::chrono::steady_clock::now() + 5s;
      size_t head_end = std::string::npos, need = 0;
      while (std::chrono::steady_clock::now() < deadline) {
        pollfd q{c, POLLIN, 0};
        if (::poll(&q, 1, 50) <= 0) continue;
        ssize_t n = ::recv(c, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        buf.append(chunk, static_cast<size_t>(n));
        if (head_end == std::string::npos && (head_end = buf.find("\r\n\r\n")) != std::string::npos) {
          std::string lower;
          for (char ch : buf.substr(0, head_end)) lower.push_back(static_cast<char>(std::tolower(ch)));
          auto cl = lower.find("content-length:");
          need = cl == std::string::npos ? 0 : std::stoul(lower.substr(cl + 15));
        }
        if (head_end != std::string::npos && buf.size() >= head_end + 4 + need) break;
      }
      if (head_end != std::string::npos) {
        std::lock_guard lock(mu_);
        requests_.push_back({buf.substr(0, head_end), buf.substr(head_end + 4)});
      }
      std::string reply = "HTTP/1.1 " + std::to_string(status_) +
                          " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }

  int status_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<request> requests_;
};

/// The body template (wire_match) of the first invoke message of root promise `id`
/// with a k_future timeout: spec 3.5.
std::string invoke_message(const std::string& id) {
  const std::string base = k_url, task = "__invoke:" + id;
  return R"({"type":"invoke","task":{"id":")" + task + R"(","counter":1,"timeout":)" +
         std::string(k_future) + R"(,"rootPromiseId":")" + id +
         R"(","createdOn":{now}},"href":{"base":")" + base + R"(","claim":")" + base +
         "/tasks/claim/" + task + R"(/1","complete":")" + base + "/tasks/complete/" + task +
         R"(/1","heartbeat":")" + base + "/tasks/heartbeat/" + task + R"(/1"}})";
}

// HTTP push: POST of the same body to the URL, Content-Type application/json;
// delivered means connected, so a 500 from the receiver still makes it ENQUEUED.
TEST_P(TasksTest, HttpPushPostsTheMessage) {
  start_server(delivery_args());
  t0_ = now_ms() - 5000;
  push_receiver rx(500);
  const std::string url = "http://127.0.0.1:" + std::to_string(rx.port()) + "/hook";
  ASSERT_EQ(post("/promises", future_promise("push-1", invoke_tag(url))).status, 201);
  ASSERT_TRUE(eventually([&] { return !rx.requests().empty(); })) << "nothing was pushed";
  auto req = rx.requests().front();
  EXPECT_EQ(req.head.rfind("POST /hook HTTP/1.1\r\n", 0), 0u) << req.head;
  std::string lower;
  for (char ch : req.head) lower.push_back(static_cast<char>(std::tolower(ch)));
  EXPECT_NE(lower.find("\r\ncontent-type: application/json"), std::string::npos) << req.head;
  EXPECT_TRUE(matches(req.body, invoke_message("push-1")));
  EXPECT_TRUE(eventually([&] { return task_state("__invoke:push-1") == "2|1"; }))
    << task_state("__invoke:push-1");
}

// HTTPS push: the receiver's self-signed certificate is trusted through
// --aio-http-ca-file, and the invoke arrives over TLS as over plain HTTP. A
// receiver whose certificate does not name the URL's host is never delivered to:
// its task stays INIT (the failed handshake is a failed delivery, retried).
TEST_P(TasksTest, HttpsPushPostsTheMessageToATrustedReceiver) {
  temp_dir dir;
  auto good = make_self_signed(dir.path(), "good", "localhost", "IP:127.0.0.1,DNS:localhost");
  auto other = make_self_signed(dir.path(), "other", "elsewhere.test", "DNS:elsewhere.test");
  // One CA file trusting both: only the host name check can refuse `other`.
  const std::string ca = dir.path() + "/ca.pem";
  ASSERT_EQ(std::system(("cat " + good.cert + " " + other.cert + " > " + ca).c_str()), 0);
  auto args = delivery_args();
  args.insert(args.end(), {"--aio-http-ca-file", ca});
  start_server(args);
  t0_ = now_ms() - 5000;
  tls_receiver rx(good, 500);
  tls_receiver wrong(other);

  const std::string url = "https://127.0.0.1:" + std::to_string(rx.port()) + "/hook";
  ASSERT_EQ(post("/promises", future_promise("tls-1", invoke_tag(url))).status, 201);
  ASSERT_TRUE(eventually([&] { return !rx.requests().empty(); })) << "nothing was pushed";
  auto req = rx.requests().front();
  EXPECT_EQ(req.head.rfind("POST /hook HTTP/1.1\r\n", 0), 0u) << req.head;
  EXPECT_NE(req.head.find("\r\nContent-Type: application/json"), std::string::npos) << req.head;
  EXPECT_TRUE(matches(req.body, invoke_message("tls-1")));
  EXPECT_TRUE(eventually([&] { return task_state("__invoke:tls-1") == "2|1"; }))
    << task_state("__invoke:tls-1");

  const std::string wrong_url = "https://127.0.0.1:" + std::to_string(wrong.port()) + "/hook";
  ASSERT_EQ(post("/promises", future_promise("tls-2", invoke_tag(wrong_url))).status, 201);
  // Retried every 500 ms (--aio-http-ttr): several refused handshakes, never a request.
  EXPECT_TRUE(eventually([&] { return wrong.failed_handshakes() >= 2; }, 5s))
    << wrong.failed_handshakes();
  EXPECT_TRUE(wrong.requests().empty());
  EXPECT_EQ(task_state("__invoke:tls-2"), "1|1");
}

// An unreadable --aio-http-ca-file stops the server at startup.
TEST_P(TasksTest, HttpsPushMissingCaFileStopsTheServer) {
  server_->stop();
  server_process p([&] {
    auto args = store_->server_args();
    args.insert(args.end(), {"--aio-http-ca-file", "/nonexistent/resonate-ca.pem"});
    return args;
  }());
  EXPECT_THROW(p.start(10s), std::runtime_error);
  EXPECT_NE(p.log().find("/nonexistent/resonate-ca.pem"), std::string::npos) << p.log();
}

// ---- GET /poll/... on the API port: the socket is handed over to the poll server ----

// A message created through POST /promises reaches a stream opened on :8001; the
// streams of both ports are one table: eviction of the same (group, id) crosses
// ports, unicast and anycast behave as on the poller's own port, which still works.
TEST_P(TasksTest, PollOnTheApiPortIsTheSameHub) {
  start_server(delivery_args());
  via_api_ = true;
  auto first = connect("gm", "w");
  EXPECT_EQ(first->header("Cache-Control").value_or(""), "no-cache");
  EXPECT_EQ(first->header("Resonate-Version").value_or(""), "0.8.2");
  ensure_registered(*first, "gm", "w");
  ASSERT_EQ(post("/promises", future_promise("api-poll-1", invoke_tag("poll://uni@gm/w"))).status,
            201);
  auto m = await(*first, "__invoke:api-poll-1");
  ASSERT_TRUE(m);
  EXPECT_EQ(str(m->at("type")), "invoke");

  // The newest (group, id) wins, on either port.
  auto second = connect("gm", "w");
  EXPECT_TRUE(first->wait_ended(5s)) << "the replaced :8001 stream is still open";
  ensure_registered(*second, "gm", "w");
  via_api_ = false;
  auto third = connect("gm", "w");  // the poller's own port
  EXPECT_TRUE(second->wait_ended(5s)) << "a :8002 stream did not evict the :8001 one";
  ensure_registered(*third, "gm", "w");
  via_api_ = true;
  auto fourth = connect("gm", "w");
  EXPECT_TRUE(third->wait_ended(5s)) << "a :8001 stream did not evict the :8002 one";
  ensure_registered(*fourth, "gm", "w");

  // Unicast to an id with no stream is not delivered; anycast falls back to the group.
  ASSERT_EQ(post("/promises", future_promise("api-uni", invoke_tag("poll://uni@gm/nobody"))).status,
            201);
  EXPECT_FALSE(await(*fourth, "__invoke:api-uni", 1500ms));
  EXPECT_EQ(task_state("__invoke:api-uni"), "1|1");
  ASSERT_EQ(post("/promises", future_promise("api-any", invoke_tag("poll://any@gm/nobody"))).status,
            201);
  EXPECT_TRUE(await(*fourth, "__invoke:api-any"));
  // The missing unicast id connects on :8001 and gets its retried message.
  auto nobody = connect("gm", "nobody");
  EXPECT_TRUE(await(*nobody, "__invoke:api-uni"));
}

// The poll server's answers come through unchanged; other methods and paths are the
// API's own 404s; a percent-encoded /poll is the same route (gin matches the decoded
// path), a doubled slash is not.
TEST_P(TasksTest, PollOnTheApiPortPaths) {
  start_server(delivery_args());
  auto r = client_->get("/poll/g");
  EXPECT_EQ(r.status, 400) << r.body;  // the poller's "invalid request"
  client_->close();
  for (auto [method, target] : {std::pair{"POST", "/poll/g/w"}, {"GET", "//poll/g/w"},
                                {"GET", "/poll"}, {"PUT", "/poll/g/w"}}) {
    r = client_->request(method, target, {}, "");
    EXPECT_EQ(r.status, 404) << method << " " << target << ": " << r.body;
    EXPECT_EQ(r.body, "404 page not found");
  }
  sse_stream encoded("127.0.0.1", server_->port(), "/%70oll/ge/w%2F1");
  ASSERT_EQ(encoded.status(), 200);
  ensure_registered(encoded, "ge", "w/1");
  // A query string is not part of the id.
  sse_stream query("127.0.0.1", server_->port(), "/poll/gq/w?x=1");
  ASSERT_EQ(query.status(), 200);
  ensure_registered(query, "gq", "w");
  // Counted under the route's template, without a duration (spec 3.1, 7).
  http_client m("127.0.0.1", server_->metrics_port());
  auto text = m.get("/metrics").body;
  EXPECT_NE(text.find(R"(http_requests_total{method="GET",path="/poll/*rest",status="200"} 2)"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find(R"(http_requests_total{method="GET",path="/poll/*rest",status="400"} 1)"),
            std::string::npos);
  EXPECT_EQ(text.find(R"(http_requests_duration_seconds_count{method="GET",path="/poll/*rest"})"),
            std::string::npos);
}

// A request pipelined before the /poll one on the same connection is answered first;
// the stream then follows on that connection.
TEST_P(TasksTest, PollOnTheApiPortAfterPipelinedRequests) {
  start_server(delivery_args());
  raw_conn c(server_->port());
  c.send("GET /promises/none HTTP/1.1\r\nHost: x\r\n\r\n"
         "GET /poll/gp/w HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.read_until("HTTP/1.1 404")) << c.text;
  ASSERT_TRUE(c.read_until("text/event-stream")) << c.text;
  EXPECT_LT(c.text.find("HTTP/1.1 404"), c.text.find("HTTP/1.1 200"));
  const size_t from = c.text.size();
  ASSERT_EQ(post("/promises", future_promise("pipelined", invoke_tag("poll://uni@gp/w"))).status,
            201);
  EXPECT_TRUE(c.read_until("__invoke:pipelined", from, 10s)) << c.text;
}

// A reader that never reads, on :8001: the API keeps answering at once and other
// streams keep receiving; the stalled stream only loses its own messages.
TEST_P(TasksTest, SlowReaderOnTheApiPortNeverBlocksTheKernel) {
  auto args = delivery_args();
  args.insert(args.end(), {"--aio-poll-buffer-size", "2"});
  start_server(args);
  raw_conn slow(server_->port(), 2048);
  slow.send("GET /poll/gs/slow HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(slow.read_until("text/event-stream")) << slow.text;
  via_api_ = true;
  auto healthy = connect("gs", "ok");
  ensure_registered(*healthy, "gs", "ok");
  // Long ids make long messages (the id is in the task id and every href): a few
  // megabytes fill the socket buffers of a reader that never reads.
  const std::string pad(3000, 'a');
  auto slowest = std::chrono::steady_clock::duration::zero();
  for (int i = 0; i < 400; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = post("/promises", future_promise("slow-" + std::to_string(i) + "-" + pad,
                                              invoke_tag("poll://uni@gs/slow")));
    slowest = std::max(slowest, std::chrono::steady_clock::now() - t0);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  EXPECT_LT(slowest, 2s) << "an API request waited on the stalled stream";
  // The stream did stall: some of its sends failed (a full buffer) and wait to be retried.
  EXPECT_TRUE(eventually([&] {
    return query("SELECT count(*) FROM tasks WHERE id LIKE '__invoke:slow-%' AND state = 1 "
                 "AND attempt > 0") != "0";
  })) << "the reader never stalled: the test proves nothing";
  ASSERT_EQ(post("/promises", future_promise("slow-healthy", invoke_tag("poll://uni@gs/ok"))).status,
            201);
  EXPECT_TRUE(await(*healthy, "__invoke:slow-healthy"));
}

// Poll plugin off: /poll on the API port is an unknown route.
TEST_P(TasksTest, PollOnTheApiPortNeedsThePollPlugin) {
  start_server({"--aio-poll-enable=false"});
  auto r = client_->get("/poll/g/w");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(r.body, "404 page not found");
}

// Shutdown closes every handed-over stream.
TEST_P(TasksTest, ShutdownClosesTheApiPortStreams) {
  start_server(delivery_args());
  via_api_ = true;
  auto s = connect("gz", "w");
  ensure_registered(*s, "gz", "w");
  server_->stop();
  EXPECT_TRUE(s->wait_ended(5s)) << "a handed-over stream outlived the server";
}

// The gauges tasks{state} and promises{state} (GaugeStates, every
// --system-gauge-interval): one task in each of INIT, ENQUEUED and CLAIMED, two
// COMPLETED, none TIMEDOUT; every state is on /metrics, the empty ones as 0,
// within a few intervals of the last change.
TEST_P(TasksTest, GaugesOfTasksAndPromisesByState) {
  auto args = delivery_args();
  args.insert(args.end(), {"--system-gauge-interval", "200ms"});
  start_server(args);
  auto s = connect("gg", "w");
  ensure_registered(*s, "gg", "w");  // its probe: a RESOLVED promise, a COMPLETED task

  const std::string nobody = invoke_tag("poll://any@gauge-nobody");  // no worker: stays INIT
  for (const char* id : {"gauge-init", "gauge-claimed", "gauge-completed"})
    ASSERT_EQ(post("/promises", future_promise(id, nobody)).status, 201) << id;
  for (const char* id : {"gauge-claimed", "gauge-completed"}) {
    auto r = post("/tasks/claim", R"({"id":"__invoke:)" + std::string(id) +
                                    R"(","counter":1,"processId":"gw","ttl":60000})");
    ASSERT_EQ(r.status, 201) << id << ": " << r.body;
  }
  auto r = post("/tasks/complete", R"({"id":"__invoke:gauge-completed","counter":1})");
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(post("/promises", future_promise("gauge-enqueued", invoke_tag("poll://uni@gg/w"))).status,
            201);
  ASSERT_TRUE(await(*s, "__invoke:gauge-enqueued"));
  ASSERT_TRUE(eventually([&] { return task_state("__invoke:gauge-enqueued") == "2|1"; }))
    << task_state("__invoke:gauge-enqueued");
  ASSERT_EQ(post("/promises", future_promise("gauge-canceled")).status, 201);
  ASSERT_EQ(client_->patch("/promises/gauge-canceled", R"({"state":"REJECTED_CANCELED"})").status,
            201);
  ASSERT_EQ(query("SELECT state, COUNT(*) FROM tasks GROUP BY state ORDER BY state"),
            "1|1\n2|1\n4|1\n8|2");

  const std::vector<std::string> want = {
    R"(tasks{state="init"} 1)",          R"(tasks{state="enqueued"} 1)",
    R"(tasks{state="claimed"} 1)",       R"(promises{state="pending"} 4)"};
  http_client m("127.0.0.1", server_->metrics_port());
  std::string text;
  auto all_there = [&] {
    text = m.get("/metrics").body;
    for (const auto& line : want)
      if (text.find("\n" + line + "\n") == std::string::npos) return false;
    return true;
  };
  // 200 ms gauge period on a 100 ms tick: 2 s is many periods.
  EXPECT_TRUE(eventually(all_there, 2s)) << text;
  EXPECT_NE(text.find("# TYPE tasks gauge\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE promises gauge\n"), std::string::npos);
  // Terminal states are not gauged (they only grow; the *_total counters count them).
  EXPECT_EQ(text.find("\ntasks{state=\"completed\"}"), std::string::npos) << text;
  EXPECT_EQ(text.find("\npromises{state=\"resolved\"}"), std::string::npos) << text;

  // The claimed task completes: claimed drops to 0 (still listed, not left at 1).
  r = post("/tasks/complete", R"({"id":"__invoke:gauge-claimed","counter":1})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(eventually(
    [&] {
      text = m.get("/metrics").body;
      return text.find("\ntasks{state=\"claimed\"} 0\n") != std::string::npos;
    },
    2s))
    << text;
}

INSTANTIATE_TEST_SUITE_P(Stores, TasksTest,
                         ::testing::Values(store_kind::sqlite, store_kind::postgres),
                         [](const auto& info) { return to_string(info.param); });

}  // namespace
}  // namespace resonate::test
