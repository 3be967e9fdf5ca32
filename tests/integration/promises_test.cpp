// REST v1 promises against a real `resonate serve` process, over sockets, on
// every store: a SQLite file always, PostgreSQL when RESONATE_TEST_PG is set.
//
// The decision tables of spec sections 4.2 (create) and 4.3 (complete) are one
// table of cases: each case is a sequence of HTTP steps on its own promise id,
// and every step's status and body are checked exactly (field order included).
// Unless a test says otherwise the server runs with a one-hour background
// period, so every timeout seen here was applied lazily by the request itself.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/json.hpp>

#include <csignal>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "tests/support/http_client.hpp"
#include "tests/support/promise_history.hpp"
#include "tests/support/scratch_store.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/wire_match.hpp"

// The expected promises below are designated initializers that name only the
// fields that differ from the defaults; that is the point, not an oversight.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace resonate::test {
namespace {

namespace json = boost::json;

constexpr const char* k_future = "32503680000000";  // year 3000
constexpr const char* k_past = "1";

// ---- the case table -------------------------------------------------------------------

struct step {
  std::string method;
  std::string target;
  header_list headers;
  std::string body;
  int status;
  std::string expect;  // exact body template (see wire_match.hpp); {id} {future} {past}
};

struct table_case {
  std::string id;  // also the promise id: [a-z0-9-] only
  std::vector<step> steps;
};

/// Expected promise JSON, in wire order.
struct P {
  std::string state = "PENDING";
  std::string param = "{}";
  std::string value = "{}";
  std::string timeout = "{future}";
  std::optional<std::string> ikc;   // idempotencyKeyForCreate
  std::optional<std::string> ikco;  // idempotencyKeyForComplete
  std::string tags;                 // raw JSON object, "" = omitted
  std::string completed;            // "" = omitted, else "{now}" / "{past}"
  std::string id = "{id}";

  std::string str() const {
    std::string s = R"({"id":")" + id + R"(","state":")" + state + R"(","param":)" + param +
                    R"(,"value":)" + value + R"(,"timeout":)" + timeout;
    if (ikc) s += R"(,"idempotencyKeyForCreate":")" + *ikc + "\"";
    if (ikco) s += R"(,"idempotencyKeyForComplete":")" + *ikco + "\"";
    if (!tags.empty()) s += R"(,"tags":)" + tags;
    s += R"(,"createdOn":{now})";
    if (!completed.empty()) s += R"(,"completedOn":)" + completed;
    return s + "}";
  }
};

header_list H() {
  return {};
}
header_list ik(std::string k) {
  return {{"Idempotency-Key", std::move(k)}};
}
header_list strict(std::optional<std::string> k = std::nullopt, std::string v = "true") {
  header_list h{{"Strict", std::move(v)}};
  if (k) h.emplace_back("Idempotency-Key", *k);
  return h;
}
header_list fence() {
  return {{"Task-Id", "no-such-task"}, {"Task-Counter", "1"}};
}

const std::string B = R"({"id":"{id}","timeout":{future}})";
const std::string B_past = R"({"id":"{id}","timeout":{past}})";
const std::string B_past_tag =
  R"({"id":"{id}","timeout":{past},"tags":{"resonate:timeout":"true"}})";

step create(std::string body, header_list h, int status, std::string expect) {
  return {"POST", "/promises", std::move(h), std::move(body), status, std::move(expect)};
}
step complete(std::string state, header_list h, int status, std::string expect,
              std::string value = "") {
  std::string body = R"({"state":")" + state + "\"";
  if (!value.empty()) body += R"(,"value":)" + value;
  body += "}";
  return {"PATCH", "/promises/{id}", std::move(h), std::move(body), status, std::move(expect)};
}
step patch_raw(std::string body, header_list h, int status, std::string expect) {
  return {"PATCH", "/promises/{id}", std::move(h), std::move(body), status, std::move(expect)};
}
step read(int status, std::string expect) {
  return {"GET", "/promises/{id}", {}, "", status, std::move(expect)};
}
std::string E(int code) {
  return error_body(code);
}
std::string V(std::string_view message = "{str}") {
  return validation_body(message);
}

// 4.2 createPromise: every row, and what the status does not depend on.
std::vector<table_case> create_cases() {
  const std::string rto_past =
    P{.state = "REJECTED_TIMEDOUT", .timeout = "{past}", .ikc = "k", .completed = "{past}"}.str();
  return {
    {"create-new-no-key", {create(B, H(), 201, P{}.str()), read(200, P{}.str())}},
    {"create-new-key-param-tags",
     {create(
        R"({"id":"{id}","timeout":{future},"param":{"headers":{"a":"1"},"data":"aGVsbG8="},"tags":{"x":"y"}})",
        ik("k1"), 201,
        P{.param = R"({"headers":{"a":"1"},"data":"aGVsbG8="})",
          .ikc = "k1",
          .tags = R"({"x":"y"})"}
          .str()),
      read(200, P{.param = R"({"headers":{"a":"1"},"data":"aGVsbG8="})",
                  .ikc = "k1",
                  .tags = R"({"x":"y"})"}
                  .str())}},
    // v0.8.2: an elapsed timeout still creates PENDING (201); the next look times it out.
    {"create-new-elapsed-timeout",
     {create(B_past, H(), 201, P{.timeout = "{past}"}.str()),
      read(200,
           P{.state = "REJECTED_TIMEDOUT", .timeout = "{past}", .completed = "{past}"}.str())}},
    {"create-new-missing-timeout",
     {create(R"({"id":"{id}"})", H(), 201, P{.timeout = "0"}.str()),
      read(200, P{.state = "REJECTED_TIMEDOUT", .timeout = "0", .completed = "0"}.str())}},
    {"create-dup-no-keys",
     {create(B, H(), 201, P{}.str()), create(B, H(), 409, E(40900)),
      create(B, strict(), 409, E(40900)), read(200, P{}.str())}},
    {"create-dup-stored-key-request-none",
     {create(B, ik("k"), 201, P{.ikc = "k"}.str()), create(B, H(), 409, E(40900)),
      create(B, strict(), 409, E(40900))}},
    {"create-dup-stored-none-request-key",
     {create(B, H(), 201, P{}.str()), create(B, ik("k"), 409, E(40900)),
      create(B, strict("k"), 409, E(40900))}},
    {"create-dup-key-mismatch",
     {create(B, ik("a"), 201, P{.ikc = "a"}.str()), create(B, ik("b"), 409, E(40900)),
      create(B, strict("b"), 409, E(40900)), read(200, P{.ikc = "a"}.str())}},
    {"create-dup-key-match-pending",
     {create(B, ik("k"), 201, P{.ikc = "k"}.str()), create(B, ik("k"), 200, P{.ikc = "k"}.str()),
      create(B, strict("k"), 200, P{.ikc = "k"}.str()),
      create(B, strict("k", "1"), 200, P{.ikc = "k"}.str())}},
    // param, timeout and tags of the request are never compared.
    {"create-dup-key-match-other-payload",
     {create(B, ik("k"), 201, P{.ikc = "k"}.str()),
      create(R"({"id":"{id}","timeout":5,"param":{"data":"eHl6"},"tags":{"a":"b"}})", ik("k"), 200,
             P{.ikc = "k"}.str())}},
    {"create-dup-key-match-resolved",
     {create(B, ik("k"), 201, P{.ikc = "k"}.str()),
      complete("RESOLVED", H(), 201,
               P{.state = "RESOLVED", .ikc = "k", .completed = "{now}"}.str()),
      create(B, ik("k"), 200, P{.state = "RESOLVED", .ikc = "k", .completed = "{now}"}.str()),
      create(B, strict("k", "F"), 200,
             P{.state = "RESOLVED", .ikc = "k", .completed = "{now}"}.str()),
      create(B, strict("k"), 409, E(40900)), create(B, strict("k", "T"), 409, E(40900)),
      create(B, ik("other"), 409, E(40900))}},
    {"create-dup-key-match-rejected",
     {create(B, ik("k"), 201, P{.ikc = "k"}.str()),
      complete("REJECTED", ik("c"), 201,
               P{.state = "REJECTED", .ikc = "k", .ikco = "c", .completed = "{now}"}.str()),
      create(B, ik("k"), 200,
             P{.state = "REJECTED", .ikc = "k", .ikco = "c", .completed = "{now}"}.str()),
      create(B, strict("k", "TRUE"), 409, E(40900))}},
    // The create itself applies the lazy timeout, then decides on the timed-out promise.
    {"create-dup-key-match-lazy-timeout",
     {create(B_past, ik("k"), 201, P{.timeout = "{past}", .ikc = "k"}.str()),
      create(B_past, ik("k"), 200, rto_past), read(200, rto_past)}},
    {"create-dup-key-match-lazy-timeout-strict",
     {create(B_past, ik("k"), 201, P{.timeout = "{past}", .ikc = "k"}.str()),
      create(B_past, strict("k"), 409, E(40900)), read(200, rto_past)}},
    {"create-dup-no-key-lazy-timeout",
     {create(B_past, H(), 201, P{.timeout = "{past}"}.str()), create(B_past, H(), 409, E(40900)),
      read(200,
           P{.state = "REJECTED_TIMEDOUT", .timeout = "{past}", .completed = "{past}"}.str())}},
    {"create-dup-key-match-timeout-tag",
     {create(B_past_tag, ik("k"), 201,
             P{.timeout = "{past}", .ikc = "k", .tags = R"({"resonate:timeout":"true"})"}.str()),
      create(B_past_tag, ik("k"), 200,
             P{.state = "RESOLVED",
               .timeout = "{past}",
               .ikc = "k",
               .tags = R"({"resonate:timeout":"true"})",
               .completed = "{past}"}
               .str()),
      create(B_past_tag, strict("k"), 409, E(40900))}},
    // An empty Idempotency-Key header is a key (the empty string), not the absence of one.
    {"create-empty-key",
     {create(B, ik(""), 201, P{.ikc = ""}.str()), create(B, ik(""), 200, P{.ikc = ""}.str()),
      create(B, H(), 409, E(40900)), create(B, ik("x"), 409, E(40900))}},
    // No task API yet: every fence is invalid, and nothing is written.
    {"create-fence-invalid", {create(B, fence(), 412, E(41200)), read(404, E(40400))}},
    {"create-fence-invalid-existing",
     {create(B, ik("k"), 201, P{.ikc = "k"}.str()), create(B, fence(), 412, E(41200)),
      read(200, P{.ikc = "k"}.str())}},
    // null members are Go zero values; a negative timeout is just an elapsed one.
    {"create-null-members",
     {create(R"({"id":"{id}","timeout":null,"param":null,"tags":null})", H(), 201,
             P{.timeout = "0"}.str())}},
    {"create-null-value-members",
     {create(R"({"id":"{id}","timeout":{future},"param":{"headers":null,"data":null}})", H(), 201,
             P{}.str())}},
    {"create-negative-timeout",
     {create(R"({"id":"{id}","timeout":-5})", H(), 201, P{.timeout = "-5"}.str()),
      read(200, P{.state = "REJECTED_TIMEDOUT", .timeout = "-5", .completed = "-5"}.str())}},
    // Header names are case-insensitive.
    {"create-header-name-case",
     {create(B, {{"idempotency-key", "k"}}, 201, P{.ikc = "k"}.str()),
      create(B, {{"IDEMPOTENCY-KEY", "k"}, {"strict", "true"}}, 200, P{.ikc = "k"}.str())}},
    // The fence is active only when Task-Id is non-empty.
    {"create-counter-without-task-id",
     {create(B, {{"Task-Counter", "5"}, {"Idempotency-Key", "k"}}, 201, P{.ikc = "k"}.str()),
      create(B, {{"Task-Id", ""}, {"Task-Counter", "1"}, {"Idempotency-Key", "k"}}, 200,
             P{.ikc = "k"}.str())}},
    {"create-strict-empty-is-false",
     {create(B, ik("k"), 201, P{.ikc = "k"}.str()),
      complete("RESOLVED", H(), 201,
               P{.state = "RESOLVED", .ikc = "k", .completed = "{now}"}.str()),
      create(B, strict("k", ""), 200,
             P{.state = "RESOLVED", .ikc = "k", .completed = "{now}"}.str())}},
  };
}

// 4.3 completePromise: every row of the decision table.
std::vector<table_case> complete_cases() {
  const std::string hv = R"({"headers":{"h":"v"},"data":"aGk="})";
  const std::string rto_past =
    P{.state = "REJECTED_TIMEDOUT", .timeout = "{past}", .completed = "{past}"}.str();
  const std::string resolved_on_timeout = P{.state = "RESOLVED",
                                            .timeout = "{past}",
                                            .tags = R"({"resonate:timeout":"true"})",
                                            .completed = "{past}"}
                                            .str();
  const std::string created = P{}.str();
  auto done = [](std::string state, std::optional<std::string> key, std::string value = "{}") {
    return P{.state = std::move(state),
             .value = std::move(value),
             .ikco = std::move(key),
             .completed = "{now}"}
      .str();
  };
  return {
    {"complete-not-found",
     {complete("RESOLVED", H(), 404, E(40400)), complete("RESOLVED", strict("k"), 404, E(40400)),
      read(404, E(40400))}},
    {"complete-resolve",
     {create(B, H(), 201, created),
      complete("RESOLVED", ik("c1"), 201, done("RESOLVED", "c1", hv), hv),
      read(200, done("RESOLVED", "c1", hv))}},
    {"complete-reject",
     {create(B, H(), 201, created), complete("REJECTED", H(), 201, done("REJECTED", std::nullopt)),
      read(200, done("REJECTED", std::nullopt))}},
    {"complete-cancel-lowercase",
     {create(B, H(), 201, created),
      complete("rejected_canceled", H(), 201, done("REJECTED_CANCELED", std::nullopt)),
      read(200, done("REJECTED_CANCELED", std::nullopt))}},
    {"complete-mixed-case-strict",
     {create(B, H(), 201, created), complete("Resolved", strict("c"), 201, done("RESOLVED", "c"))}},
    // PENDING, now >= timeout, tag resonate:timeout=true: 403 40301, strict or not.
    {"complete-timeout-tag-true",
     {create(B_past_tag, H(), 201,
             P{.timeout = "{past}", .tags = R"({"resonate:timeout":"true"})"}.str()),
      complete("RESOLVED", ik("c"), 403, E(40301)),
      complete("RESOLVED", strict("c"), 403, E(40301)), read(200, resolved_on_timeout)}},
    {"complete-timeout-tag-true-strict-first",
     {create(B_past_tag, H(), 201,
             P{.timeout = "{past}", .tags = R"({"resonate:timeout":"true"})"}.str()),
      complete("REJECTED", strict("c"), 403, E(40301)), read(200, resolved_on_timeout)}},
    // Only the exact value "true" resolves on timeout.
    {"complete-timeout-tag-not-exactly-true",
     {create(R"({"id":"{id}","timeout":{past},"tags":{"resonate:timeout":"TRUE"}})", H(), 201,
             P{.timeout = "{past}", .tags = R"({"resonate:timeout":"TRUE"})"}.str()),
      complete("RESOLVED", H(), 200,
               P{.state = "REJECTED_TIMEDOUT",
                 .timeout = "{past}",
                 .tags = R"({"resonate:timeout":"TRUE"})",
                 .completed = "{past}"}
                 .str())}},
    // PENDING, now >= timeout, no tag, strict: 403 40304.
    {"complete-timed-out-strict",
     {create(B_past, H(), 201, P{.timeout = "{past}"}.str()),
      complete("RESOLVED", strict("c"), 403, E(40304)), read(200, rto_past)}},
    // ... not strict: 200 + the timed-out promise; then completed REJECTED_TIMEDOUT rows.
    {"complete-timed-out-not-strict",
     {create(B_past, H(), 201, P{.timeout = "{past}"}.str()),
      complete("RESOLVED", ik("c"), 200, rto_past), complete("REJECTED", H(), 200, rto_past),
      complete("RESOLVED", strict("c"), 403, E(40304)), read(200, rto_past)}},
    {"complete-timed-out-after-read",
     {create(B_past, H(), 201, P{.timeout = "{past}"}.str()), read(200, rto_past),
      complete("REJECTED_CANCELED", ik("x"), 200, rto_past),
      complete("REJECTED_CANCELED", strict("x"), 403, E(40304))}},
    {"complete-resolved-on-timeout-after-read",
     {create(B_past_tag, H(), 201,
             P{.timeout = "{past}", .tags = R"({"resonate:timeout":"true"})"}.str()),
      read(200, resolved_on_timeout), complete("RESOLVED", H(), 403, E(40301)),
      complete("RESOLVED", strict(), 403, E(40301))}},
    // completed S, strict, S == requested, ikey match: 200 + stored.
    {"complete-dedup-strict-same-state",
     {create(B, H(), 201, created), complete("RESOLVED", ik("c"), 201, done("RESOLVED", "c")),
      complete("RESOLVED", strict("c"), 200, done("RESOLVED", "c")),
      complete("resolved", strict("c"), 200, done("RESOLVED", "c"))}},
    {"complete-dedup-strict-other-state",
     {create(B, H(), 201, created), complete("RESOLVED", ik("c"), 201, done("RESOLVED", "c")),
      complete("REJECTED", strict("c"), 403, E(40301)),
      complete("REJECTED_CANCELED", strict("c"), 403, E(40301))}},
    {"complete-dedup-strict-key-mismatch",
     {create(B, H(), 201, created), complete("REJECTED", ik("c"), 201, done("REJECTED", "c")),
      complete("REJECTED", strict("d"), 403, E(40302)),
      complete("REJECTED", strict(), 403, E(40302))}},
    // completed S, not strict, ikey match: 200 + stored, whatever state was asked for.
    {"complete-dedup-not-strict-other-state",
     {create(B, H(), 201, created), complete("REJECTED", ik("k"), 201, done("REJECTED", "k")),
      complete("RESOLVED", ik("k"), 200, done("REJECTED", "k")),
      complete("REJECTED_CANCELED", ik("k"), 200, done("REJECTED", "k")),
      read(200, done("REJECTED", "k"))}},
    // completed S otherwise: 403 with the code of S.
    {"complete-again-resolved",
     {create(B, H(), 201, created), complete("RESOLVED", H(), 201, done("RESOLVED", std::nullopt)),
      complete("RESOLVED", H(), 403, E(40301)), complete("RESOLVED", ik("k"), 403, E(40301)),
      complete("REJECTED", strict("k"), 403, E(40301))}},
    {"complete-again-rejected",
     {create(B, H(), 201, created), complete("REJECTED", ik("a"), 201, done("REJECTED", "a")),
      complete("REJECTED", ik("b"), 403, E(40302)), complete("RESOLVED", H(), 403, E(40302))}},
    {"complete-again-canceled",
     {create(B, H(), 201, created),
      complete("REJECTED_CANCELED", ik("a"), 201, done("REJECTED_CANCELED", "a")),
      complete("REJECTED_CANCELED", ik("b"), 403, E(40303)),
      complete("REJECTED_CANCELED", H(), 403, E(40303)),
      complete("RESOLVED", strict("b"), 403, E(40303))}},
    {"complete-empty-key-match",
     {create(B, H(), 201, created), complete("RESOLVED", ik(""), 201, done("RESOLVED", "")),
      complete("REJECTED", ik(""), 200, done("RESOLVED", "")),
      complete("RESOLVED", strict(""), 200, done("RESOLVED", "")),
      complete("RESOLVED", H(), 403, E(40301))}},
    {"complete-default-value",
     {create(B, H(), 201, created),
      patch_raw(R"({"state":"RESOLVED","value":null})", H(), 201, done("RESOLVED", std::nullopt))}},
    {"complete-fence-invalid",
     {create(B, H(), 201, created), complete("RESOLVED", fence(), 412, E(41200)),
      read(200, created)}},
    {"complete-fence-invalid-not-found", {complete("RESOLVED", fence(), 412, E(41200))}},
  };
}

// Bad input of every kind: 400 with a FieldValidationError, and nothing changes.
std::vector<table_case> bad_input_cases() {
  const std::string created = P{}.str();
  return {
    {"bad-create-missing-id",
     {create(R"({"timeout":1})", H(), 400, V("The field id is required."))}},
    {"bad-create-empty-id",
     {create(R"({"id":"","timeout":1})", H(), 400, V("The field id is required."))}},
    {"bad-create-null-id",
     {create(R"({"id":null,"timeout":1})", H(), 400, V("The field id is required."))}},
    {"bad-create-number-id", {create(R"({"id":5,"timeout":1})", H(), 400, V())}},
    {"bad-create-json", {create(R"({"id":"{id}",)", H(), 400, V()), read(404, E(40400))}},
    {"bad-create-empty-body", {create("", H(), 400, V()), read(404, E(40400))}},
    {"bad-create-array-body", {create("[]", H(), 400, V())}},
    {"bad-create-base64",
     {create(R"({"id":"{id}","timeout":{future},"param":{"data":"!!!"}})", H(), 400, V()),
      read(404, E(40400))}},
    {"bad-create-base64-unpadded",
     {create(R"({"id":"{id}","timeout":{future},"param":{"data":"aGVsbG8"}})", H(), 400, V()),
      read(404, E(40400))}},
    {"bad-create-timeout-overflow",
     {create(R"({"id":"{id}","timeout":9223372036854775808})", H(), 400, V()),
      read(404, E(40400))}},
    {"bad-create-timeout-float",
     {create(R"({"id":"{id}","timeout":1.5})", H(), 400, V()), read(404, E(40400))}},
    {"bad-create-timeout-string",
     {create(R"({"id":"{id}","timeout":"1"})", H(), 400, V()), read(404, E(40400))}},
    {"bad-create-tags-not-strings",
     {create(R"({"id":"{id}","timeout":{future},"tags":{"a":1}})", H(), 400, V()),
      read(404, E(40400))}},
    {"bad-create-timeout-underflow",
     {create(R"({"id":"{id}","timeout":-9223372036854775809})", H(), 400, V()),
      read(404, E(40400))}},
    {"bad-create-timeout-exponent",
     {create(R"({"id":"{id}","timeout":1e3})", H(), 400, V()), read(404, E(40400))}},
    // Go's ParseBool knows true/True/TRUE/t/T/1 and their negations, nothing else.
    {"bad-create-strict-mixed-case",
     {create(B, strict("k", "tRuE"), 400, V()), read(404, E(40400))}},
    {"bad-create-strict", {create(B, strict("k", "maybe"), 400, V()), read(404, E(40400))}},
    {"bad-create-task-counter",
     {create(B, {{"Task-Id", "t"}, {"Task-Counter", "abc"}}, 400, V()), read(404, E(40400))}},
    {"bad-complete-state",
     {create(B, H(), 201, created), complete("FOO", H(), 400, V()), read(200, created)}},
    {"bad-complete-state-pending",
     {create(B, H(), 201, created),
      complete("PENDING", H(), 400,
               V("the field state must be one of resolved, rejected, rejected_canceled")),
      complete("rejected_timedout", H(), 400,
               V("the field state must be one of resolved, rejected, rejected_canceled")),
      read(200, created)}},
    {"bad-complete-missing-state",
     {create(B, H(), 201, created),
      patch_raw(R"({"value":{}})", H(), 400, V("The field state is required.")),
      read(200, created)}},
    {"bad-complete-state-number",
     {create(B, H(), 201, created), patch_raw(R"({"state":2})", H(), 400, V()),
      read(200, created)}},
    {"bad-complete-json",
     {create(B, H(), 201, created), patch_raw(R"({"state":)", H(), 400, V()), read(200, created)}},
    {"bad-complete-base64",
     {create(B, H(), 201, created), complete("RESOLVED", H(), 400, V(), R"({"data":"%%%"})"),
      read(200, created)}},
    {"bad-complete-strict",
     {create(B, H(), 201, created), complete("RESOLVED", strict("k", "yes"), 400, V()),
      read(200, created)}},
    {"bad-complete-task-counter",
     {create(B, H(), 201, created),
      complete("RESOLVED", {{"Task-Id", "t"}, {"Task-Counter", "1x"}}, 400, V()),
      read(200, created)}},
    {"bad-complete-on-missing", {complete("FOO", H(), 400, V()), read(404, E(40400))}},
  };
}

// ---- fixture --------------------------------------------------------------------------

class PromisesTest : public ::testing::TestWithParam<store_kind> {
protected:
  void SetUp() override {
    if (GetParam() == store_kind::postgres && !test_pg_conninfo())
      GTEST_SKIP() << "RESONATE_TEST_PG is not set";
    store_ = std::make_unique<scratch_store>(GetParam());
    start_server("1h");
    t0_ = now_ms() - 5000;
  }

  void TearDown() override {
    client_.reset();
    if (server_ && server_->running()) {
      int st = server_->stop();
      EXPECT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
        << "the server did not exit 0 on SIGTERM (status " << st << "); log:\n"
        << server_->log_tail();
    }
    if (HasFailure() && server_) std::cerr << "--- server log ---\n" << server_->log_tail() << "\n";
  }

  void start_server(const std::string& signal_timeout) {
    auto args = store_->server_args();
    args.insert(args.end(), {"--system-signal-timeout", signal_timeout, "--log-level", "info"});
    if (server_ && server_->running()) server_->stop();
    server_ = std::make_unique<server_process>(args);
    server_->start();
    client_ = std::make_unique<http_client>("127.0.0.1", server_->port());
  }

  std::string expand(std::string s, const std::string& id) const {
    s = substitute(std::move(s), "id", id);
    s = substitute(std::move(s), "future", k_future);
    return substitute(std::move(s), "past", k_past);
  }

  ::testing::AssertionResult matches(const http_response& r, const std::string& tmpl) const {
    return body_matches(r.body, tmpl, t0_, now_ms() + 5000);
  }

  void run(const std::vector<table_case>& cases) {
    std::set<std::string> ids;
    for (const auto& c : cases) {
      ASSERT_TRUE(ids.insert(c.id).second) << "duplicate case id " << c.id;
      for (size_t i = 0; i < c.steps.size(); ++i) {
        const auto& s = c.steps[i];
        SCOPED_TRACE("case " + c.id + " step " + std::to_string(i + 1) + ": " + s.method + " " +
                     s.target + " " + expand(s.body, c.id));
        auto r =
          client_->request(s.method, expand(s.target, c.id), s.headers, expand(s.body, c.id));
        EXPECT_EQ(r.status, s.status) << r.body;
        EXPECT_TRUE(matches(r, expand(s.expect, c.id)));
        EXPECT_EQ(r.header("Resonate-Version").value_or("<none>"), "0.8.2");
        EXPECT_EQ(r.header("Content-Type").value_or("<none>"), "application/json; charset=utf-8");
        ++steps_run_;
      }
    }
    std::cout << "[ table ] " << cases.size() << " cases, " << steps_run_ << " steps\n";
  }

  /// The state, completed_on and idempotency_key_for_complete columns of a promise, read
  /// from the database directly (so without any lazy timeout).
  std::string db_row(const std::string& id) const {
    auto rows = store_->query(
      "SELECT state, completed_on, idempotency_key_for_complete FROM promises WHERE id = '" + id +
      "'");
    return rows.empty() ? "<absent>" : rows.front();
  }

  std::unique_ptr<scratch_store> store_;
  std::unique_ptr<server_process> server_;
  std::unique_ptr<http_client> client_;
  int64_t t0_ = 0;
  size_t steps_run_ = 0;
};

TEST_P(PromisesTest, CreateDecisionTable) {
  run(create_cases());
}

TEST_P(PromisesTest, CompleteDecisionTable) {
  run(complete_cases());
}

TEST_P(PromisesTest, BadInputIsRejectedAndChangesNothing) {
  run(bad_input_cases());
}

// Lazy timeouts are written by the request that observes them (the background job
// is an hour away): the row is PENDING in the database until then.
TEST_P(PromisesTest, LazyTimeoutIsAppliedByReadCreateCompleteAndSearch) {
  struct observer {
    std::string name;
    std::function<http_response(const std::string& id)> call;
    int status;
  };
  std::vector<observer> observers = {
    {"read", [&](const std::string& id) { return client_->get("/promises/" + id); }, 200},
    {"create",
     [&](const std::string& id) {
       return client_->post("/promises", R"({"id":")" + id + R"(","timeout":1})", ik("k"));
     },
     200},
    {"complete",
     [&](const std::string& id) {
       return client_->patch("/promises/" + id, R"({"state":"RESOLVED"})");
     },
     200},
    {"search", [&](const std::string& id) { return client_->get("/promises?id=" + id); }, 200},
  };
  for (bool tagged : {false, true}) {
    for (const auto& o : observers) {
      std::string id = "lazy-" + o.name + (tagged ? "-tagged" : "");
      SCOPED_TRACE(id);
      std::string tags = tagged ? R"(,"tags":{"resonate:timeout":"true"})" : "";
      auto c =
        client_->post("/promises", R"({"id":")" + id + R"(","timeout":1)" + tags + "}", ik("k"));
      ASSERT_EQ(c.status, 201) << c.body;
      EXPECT_EQ(str(c.json().at("state")), "PENDING");
      EXPECT_EQ(db_row(id), "1||");
      auto r = o.call(id);
      // A tagged promise resolves on timeout, and a complete of it is then 403 40301.
      int want = (tagged && o.name == "complete") ? 403 : o.status;
      EXPECT_EQ(r.status, want) << r.body;
      std::string state = tagged ? "RESOLVED" : "REJECTED_TIMEDOUT";
      EXPECT_EQ(db_row(id), std::string(tagged ? "2" : "16") + "|1|");
      if (o.name == "search") {
        ASSERT_EQ(r.json().at("promises").as_array().size(), 1u) << r.body;
        EXPECT_EQ(str(r.json().at("promises").at(0).at("state")), state);
        EXPECT_EQ(r.json().at("promises").at(0).at("completedOn").to_number<int64_t>(), 1);
      } else if (want == 200) {
        EXPECT_EQ(str(r.json().at("state")), state);
        EXPECT_EQ(r.json().at("completedOn").to_number<int64_t>(), 1);
        EXPECT_TRUE(r.json().at("value").as_object().empty());
        EXPECT_FALSE(r.json().as_object().contains("idempotencyKeyForComplete"));
      }
    }
  }
}

// The background job (TimeoutPromises) times out promises nobody looks at.
TEST_P(PromisesTest, BackgroundTimeoutWithoutAnyRead) {
  start_server("100ms");
  int64_t timeout = now_ms() + 300;
  auto body = [&](const std::string& id, const std::string& tags) {
    return R"({"id":")" + id + R"(","timeout":)" + std::to_string(timeout) + tags + "}";
  };
  ASSERT_EQ(client_->post("/promises", body("bg-plain", "")).status, 201);
  ASSERT_EQ(
    client_->post("/promises", body("bg-tagged", R"(,"tags":{"resonate:timeout":"true"})")).status,
    201);
  // Only the database is watched, so no request can apply a lazy timeout.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string plain, tagged;
  while (std::chrono::steady_clock::now() < deadline) {
    plain = db_row("bg-plain");
    tagged = db_row("bg-tagged");
    if (plain != "1||" && tagged != "1||") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(plain, "16|" + std::to_string(timeout) + "|");
  EXPECT_EQ(tagged, "2|" + std::to_string(timeout) + "|");
  auto r = client_->get("/promises/bg-plain");
  EXPECT_TRUE(matches(r, P{.state = "REJECTED_TIMEDOUT",
                           .timeout = std::to_string(timeout),
                           .completed = std::to_string(timeout),
                           .id = "bg-plain"}
                           .str()));
}

TEST_P(PromisesTest, WireFormat) {
  // Field order, omitted fields, sorted tag keys, base64 of arbitrary bytes.
  auto r = client_->post(
    "/promises",
    R"({"id":"wire-1","timeout":9223372036854775807,"unknown":[1,2],"param":{"headers":{"z":"1","a":"2"}},"tags":{"b":"2","a":"1"}})",
    ik("ck"));
  ASSERT_EQ(r.status, 201);
  EXPECT_TRUE(matches(
    r,
    R"({"id":"wire-1","state":"PENDING","param":{"headers":{"a":"2","z":"1"}},"value":{},"timeout":9223372036854775807,"idempotencyKeyForCreate":"ck","tags":{"a":"1","b":"2"},"createdOn":{now}})"));
  r = client_->patch("/promises/wire-1", R"({"state":"RESOLVED","value":{"data":"AAEC/w=="}})",
                     ik("done"));
  ASSERT_EQ(r.status, 201);
  EXPECT_TRUE(matches(
    r,
    R"({"id":"wire-1","state":"RESOLVED","param":{"headers":{"a":"2","z":"1"}},"value":{"data":"AAEC/w=="},"timeout":9223372036854775807,"idempotencyKeyForCreate":"ck","idempotencyKeyForComplete":"done","tags":{"a":"1","b":"2"},"createdOn":{now},"completedOn":{now}})"));
  // createdOn <= completedOn
  auto j = r.json();
  EXPECT_LE(j.at("createdOn").as_int64(), j.at("completedOn").as_int64());

  // Empty headers and data are omitted from a value; empty tags are omitted.
  r = client_->post("/promises",
                    R"({"id":"wire-2","timeout":5,"param":{"headers":{},"data":""},"tags":{}})");
  ASSERT_EQ(r.status, 201);
  EXPECT_TRUE(matches(
    r, R"({"id":"wire-2","state":"PENDING","param":{},"value":{},"timeout":5,"createdOn":{now}})"));

  // Ids: HTML-safe escaping as Go does, non-ASCII verbatim, slashes through the path.
  const std::string odd = "wire<a>&\"b\\c/é✓";
  r = client_->post("/promises", R"({"id":"wire\u003ca\u003e\u0026\"b\\c/é✓","timeout":5})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string odd_json = R"("wire\u003ca\u003e\u0026\"b\\c/é✓")";
  EXPECT_TRUE(
    matches(r, R"({"id":)" + odd_json +
                 R"(,"state":"PENDING","param":{},"value":{},"timeout":5,"createdOn":{now}})"));
  r = client_->get("/promises/" + url_encode(odd));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(r.json().at("id")), odd);
  r =
    client_->post("/promises", R"({"id":"dir/sub/leaf","timeout":)" + std::string(k_future) + "}");
  ASSERT_EQ(r.status, 201);
  for (const char* path : {"/promises/dir/sub/leaf", "/promises/dir%2Fsub%2Fleaf"}) {
    r = client_->get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(str(r.json().at("id")), "dir/sub/leaf");
  }
  r = client_->patch("/promises/dir/sub/leaf", R"({"state":"REJECTED"})");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(str(r.json().at("state")), "REJECTED");

  EXPECT_EQ(r.header("Content-Type").value_or(""), "application/json; charset=utf-8");
  EXPECT_EQ(r.header("Resonate-Version").value_or(""), "0.8.2");

  // A long id and a 64 KiB binary param round-trip unchanged.
  std::string long_id = "long-" + std::string(4000, 'x');
  std::string blob;
  for (int i = 0; i < 65536; ++i) blob.push_back(static_cast<char>((i * 7919) & 0xff));
  r = client_->post("/promises", R"({"id":")" + long_id + R"(","timeout":5,"param":{"data":")" +
                                   base64(blob) + "\"}}");
  ASSERT_EQ(r.status, 201);
  r = client_->get("/promises/" + long_id);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(str(r.json().at("id")), long_id);
  EXPECT_EQ(str(r.json().at("param").at("data")), base64(blob));
}

TEST_P(PromisesTest, RoutesAndHealth) {
  auto r = client_->get("/ping");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  EXPECT_EQ(client_->get("/health").status, 200);
  r = client_->get("/ready");
  EXPECT_EQ(r.status, 200) << r.body;
  for (auto [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/nope"},
                                                        {"DELETE", "/promises/x"},
                                                        {"PUT", "/promises"},
                                                        {"POST", "/promises/x"},
                                                        {"GET", "/promisesx"},
                                                        {"PATCH", "/promises"}}) {
    SCOPED_TRACE(method + " " + target);
    r = client_->request(method, target, {}, method == "GET" || method == "DELETE" ? "" : "{}");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, "404 page not found");
    EXPECT_EQ(r.header("Content-Type").value_or("").rfind("text/plain", 0), 0u);
  }
  // Resonate-Version on success, kernel errors and validation errors alike.
  for (auto& res : {client_->get("/promises/absent"), client_->get("/promises?limit=1000"),
                    client_->post("/promises", R"({"id":"routes-1"})"), client_->get("/ping")}) {
    EXPECT_EQ(res.header("Resonate-Version").value_or("<none>"), "0.8.2") << res.body;
  }
  // A chunked request body is as good as one with a Content-Length.
  std::string body = R"({"id":"chunked-1","timeout":5})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size() - 10);
  r = client_->raw(
    "POST /promises HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    "Transfer-Encoding: chunked\r\n\r\n" +
    std::string(size) + "\r\n" + body.substr(0, body.size() - 10) + "\r\na\r\n" +
    body.substr(body.size() - 10) + "\r\n0\r\n\r\n");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(matches(
    r,
    R"({"id":"chunked-1","state":"PENDING","param":{},"value":{},"timeout":5,"createdOn":{now}})"));
  // Connection: close is honoured (the client reconnects for the next request).
  r = client_->get("/ping", {{"Connection", "close"}});
  EXPECT_EQ(r.status, 200);
  // Keep-alive: many requests on the one connection.
  for (int i = 0; i < 50; ++i) ASSERT_EQ(client_->get("/ping").status, 200);
}

TEST_P(PromisesTest, Metrics) {
  ASSERT_EQ(client_->post("/promises", R"({"id":"metrics-1","timeout":1})").status, 201);
  ASSERT_EQ(client_->get("/promises/metrics-1").status, 200);
  ASSERT_EQ(client_->get("/promises/absent").status, 404);
  ASSERT_NE(server_->metrics_port(), 0);
  http_client m("127.0.0.1", server_->metrics_port());
  auto r = m.get("/metrics");
  ASSERT_EQ(r.status, 200);
  for (const char* line :
       {R"(http_requests_total{method="POST",path="/promises",status="201"} 1)",
        R"(http_requests_total{method="GET",path="/promises/*id",status="200"} 1)",
        R"(http_requests_total{method="GET",path="/promises/*id",status="404"} 1)",
        R"(api_requests_total{protocol="http",status="20100",type="CreatePromise"} 1)",
        R"(api_requests_total{protocol="http",status="40400",type="ReadPromise"} 1)"}) {
    EXPECT_NE(r.body.find(std::string("\n") + line + "\n"), std::string::npos)
      << "missing metric line: " << line << "\n"
      << r.body.substr(0, 3000);
  }
}

// SIGINT drains like SIGTERM: exit 0, and what was acknowledged is there after a restart.
TEST_P(PromisesTest, SigintExitsZeroAndKeepsData) {
  auto r =
    client_->post("/promises", R"({"id":"sigint-1","timeout":)" + std::string(k_future) + "}");
  ASSERT_EQ(r.status, 201);
  int st = server_->stop(std::chrono::seconds(15), SIGINT);
  EXPECT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0) << "status " << st;
  server_->start();
  client_->set_port(server_->port());
  auto again = client_->get("/promises/sigint-1");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, r.body);
}

// ---- search ---------------------------------------------------------------------------

std::vector<std::string> ids_of(const json::value& page) {
  std::vector<std::string> ids;
  for (const auto& p : page.at("promises").as_array())
    ids.emplace_back(p.at("id").as_string().c_str());
  return ids;
}

TEST_P(PromisesTest, Search) {
  auto make = [&](const std::string& id, const std::string& extra = "", int64_t timeout = 0) {
    std::string t = timeout ? std::to_string(timeout) : std::string(k_future);
    auto r = client_->post("/promises", R"({"id":")" + id + R"(","timeout":)" + t + extra + "}");
    ASSERT_EQ(r.status, 201) << id << " " << r.body;
  };
  // 25 promises s-00..s-24 (newest last), even ones tagged, plus other families.
  std::vector<std::string> all;
  for (int i = 0; i < 25; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "s-%02d", i);
    all.emplace_back(id);
    std::string tags =
      i % 2 == 0 ? R"(,"tags":{"parity":"even","k":"v"})" : R"(,"tags":{"parity":"odd"})";
    make(id, tags, i == 6 ? 1 : 0);  // s-06 has an elapsed timeout
  }
  make("other-1");
  make("xs-01");
  ASSERT_EQ(client_->patch("/promises/s-03", R"({"state":"RESOLVED"})").status, 201);
  ASSERT_EQ(client_->patch("/promises/s-04", R"({"state":"REJECTED"})").status, 201);
  ASSERT_EQ(client_->patch("/promises/s-05", R"({"state":"REJECTED_CANCELED"})").status, 201);
  std::vector<std::string> newest_first(all.rbegin(), all.rend());

  auto search = [&](const std::string& query, int status = 200) {
    auto r = client_->get("/promises?" + query);
    EXPECT_EQ(r.status, status) << query << ": " << r.body;
    EXPECT_EQ(r.header("Resonate-Version").value_or(""), "0.8.2");
    return r;
  };

  // Lazy timeout inside search: s-06 is pending in the database but must not be
  // returned as pending (the search times it out and runs again).
  EXPECT_EQ(db_row("s-06"), "1||");
  {
    auto r = search("id=s-*&state=pending");
    auto ids = ids_of(r.json());
    std::vector<std::string> want;
    for (auto& id : newest_first)
      if (id != "s-03" && id != "s-04" && id != "s-05" && id != "s-06") want.push_back(id);
    EXPECT_EQ(ids, want);
    EXPECT_TRUE(r.json().at("cursor").is_null());
    auto j = r.json();
    for (const auto& p : j.at("promises").as_array()) {
      EXPECT_EQ(str(p.at("state")), "PENDING");
    }
  }
  EXPECT_EQ(db_row("s-06"), "16|1|");
  {
    auto r = search("id=s-*&state=rejected");
    EXPECT_EQ(ids_of(r.json()), (std::vector<std::string>{"s-06", "s-05", "s-04"}));
    auto j = r.json();
    auto& ps = j.at("promises").as_array();
    ASSERT_EQ(ps.size(), 3u);
    EXPECT_EQ(str(ps[0].at("state")), "REJECTED_TIMEDOUT");
    EXPECT_EQ(ps[0].at("completedOn").to_number<int64_t>(), 1);
    EXPECT_EQ(str(ps[1].at("state")), "REJECTED_CANCELED");
    EXPECT_EQ(str(ps[2].at("state")), "REJECTED");
  }
  EXPECT_EQ(ids_of(search("id=s-*&state=resolved").json()), std::vector<std::string>{"s-03"});
  EXPECT_EQ(ids_of(search("id=s-*&state=ReSoLvEd").json()), std::vector<std::string>{"s-03"});
  EXPECT_EQ(ids_of(search("id=s-*").json()), newest_first);
  EXPECT_EQ(ids_of(search("id=s-1*").json()),
            (std::vector<std::string>{"s-19", "s-18", "s-17", "s-16", "s-15", "s-14", "s-13",
                                      "s-12", "s-11", "s-10"}));
  EXPECT_EQ(ids_of(search("id=s-07").json()), std::vector<std::string>{"s-07"});
  // Query components are percent-decoded: %2A is the wildcard, %5B/%5D the tag brackets.
  EXPECT_EQ(ids_of(search("id=s-2%2A").json()),
            (std::vector<std::string>{"s-24", "s-23", "s-22", "s-21", "s-20"}));
  EXPECT_EQ(ids_of(search("id=s-2*&tags%5Bparity%5D=odd").json()),
            (std::vector<std::string>{"s-23", "s-21"}));
  EXPECT_EQ(ids_of(search("id=nothing*").json()), std::vector<std::string>{});
  EXPECT_EQ(search("id=nothing").body, R"({"cursor":null,"promises":[]})");
  EXPECT_EQ(ids_of(search("id=*s-01").json()), (std::vector<std::string>{"xs-01", "s-01"}));
  {
    std::vector<std::string> even;
    for (auto& id : newest_first)
      if (std::stoi(id.substr(2)) % 2 == 0) even.push_back(id);
    EXPECT_EQ(ids_of(search("id=*&tags[parity]=even").json()), even);
    EXPECT_EQ(ids_of(search("id=*&tags[parity]=even&tags[k]=v").json()), even);
    EXPECT_EQ(ids_of(search("id=*&tags[parity]=odd&tags[k]=v").json()), std::vector<std::string>{});
    std::vector<std::string> even_pending;
    for (auto& id : even)
      if (id != "s-04" && id != "s-06") even_pending.push_back(id);
    EXPECT_EQ(ids_of(search("id=s-*&state=pending&tags[parity]=even").json()), even_pending);
  }
  // LIKE semantics pass through: `_` is a one-character wildcard. The reference's
  // SQLite LIKE is case-insensitive for ASCII (spec section 11, item 10); this server
  // deliberately matches case-sensitively on both stores (sqlite_store.cpp,
  // case_sensitive_like), so the two stores agree.
  EXPECT_EQ(ids_of(search("id=s_2*").json()),
            (std::vector<std::string>{"s-24", "s-23", "s-22", "s-21", "s-20"}));
  EXPECT_EQ(ids_of(search("id=S-2*").json()), std::vector<std::string>{});
  // Exact wire shape of a one-promise page.
  EXPECT_TRUE(matches(
    search("id=s-03"),
    R"({"cursor":null,"promises":[{"id":"s-03","state":"RESOLVED","param":{},"value":{},"timeout":)" +
      std::string(k_future) +
      R"(,"tags":{"parity":"odd"},"createdOn":{now},"completedOn":{now}}]})"));

  // Pagination: a cursor iff the page is full; the last page may be empty; with a
  // cursor every other parameter is ignored.
  for (int limit : {10, 5, 25, 7}) {
    SCOPED_TRACE("limit " + std::to_string(limit));
    std::vector<std::string> seen;
    auto r = search("id=s-*&limit=" + std::to_string(limit));
    int pages = 0;
    for (;;) {
      ++pages;
      ASSERT_LE(pages, 30);
      auto j = r.json();
      auto ids = ids_of(j);
      EXPECT_LE(ids.size(), static_cast<size_t>(limit));
      seen.insert(seen.end(), ids.begin(), ids.end());
      bool full = ids.size() == static_cast<size_t>(limit);
      EXPECT_EQ(!j.at("cursor").is_null(), full) << r.body;
      if (j.at("cursor").is_null()) break;
      std::string cursor = j.at("cursor").as_string().c_str();
      // Other parameters next to a cursor change nothing.
      auto with_noise = search("cursor=" + cursor + "&id=nomatch&limit=1&state=resolved&tags[x]=y");
      r = search("cursor=" + cursor);
      EXPECT_EQ(with_noise.body, r.body);
    }
    EXPECT_EQ(seen, newest_first);
    EXPECT_EQ(pages, 25 / limit + 1);
  }
  // limit bounds: 0 and absent mean 100; 100 is allowed.
  EXPECT_EQ(ids_of(search("id=s-*&limit=0").json()), newest_first);
  EXPECT_EQ(ids_of(search("id=s-*&limit=100").json()), newest_first);
  EXPECT_TRUE(search("id=s-*&limit=100").json().at("cursor").is_null());
  EXPECT_EQ(ids_of(search("id=s-*&limit=1").json()), std::vector<std::string>{"s-24"});

  // A cursor that does not verify: 400.
  auto first = search("id=s-*&limit=5").json();
  std::string cursor = first.at("cursor").as_string().c_str();
  std::string tampered = cursor;
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
  EXPECT_TRUE(matches(search("cursor=" + tampered, 400), validation_body()));
  // A cursor whose claims were altered (payload re-encoded, old signature kept).
  auto dot1 = cursor.find('.');
  auto dot2 = cursor.find('.', dot1 + 1);
  std::string forged =
    cursor.substr(0, dot1 + 1) + "eyJOZXh0Ijp7ImlkIjoiKiJ9fQ" + cursor.substr(dot2);
  EXPECT_TRUE(matches(search("cursor=" + forged, 400), validation_body()));
  EXPECT_TRUE(matches(search("cursor=garbage", 400), validation_body()));
  EXPECT_TRUE(matches(search("id=s-*&cursor=a.b.c", 400), validation_body()));

  // Bad search input.
  EXPECT_TRUE(matches(search("id=s-*&limit=101", 400),
                      validation_body("The field limit must be less than or equal to 100.")));
  EXPECT_TRUE(matches(search("id=s-*&limit=-1", 400),
                      validation_body("The field limit must be greater than or equal to 0.")));
  EXPECT_TRUE(matches(search("id=s-*&limit=abc", 400), validation_body()));
  EXPECT_TRUE(
    matches(search("id=s-*&state=timedout", 400),
            validation_body("The field state must be one of pending, resolved, or rejected.")));
  EXPECT_TRUE(matches(search("state=pending", 400), validation_body()));
  EXPECT_TRUE(matches(search("", 400), validation_body()));
  EXPECT_TRUE(matches(search("id=", 400), validation_body()));
  // ... and nothing changed.
  EXPECT_EQ(ids_of(search("id=s-*").json()), newest_first);
}

// More elapsed PENDING rows than fit in a page: the search keeps timing out and
// searching again until the page it returns is current.
TEST_P(PromisesTest, SearchTimesOutMoreRowsThanOnePage) {
  for (int i = 0; i < 7; ++i) {
    auto r =
      client_->post("/promises", R"({"id":"many-)" + std::to_string(i) + R"(","timeout":1})");
    ASSERT_EQ(r.status, 201);
  }
  auto r = client_->get("/promises?id=many-*&state=pending&limit=2");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"cursor":null,"promises":[]})");
  for (int i = 0; i < 7; ++i) EXPECT_EQ(db_row("many-" + std::to_string(i)), "16|1|") << i;
  r = client_->get("/promises?id=many-*&state=rejected&limit=7");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ids_of(r.json()).size(), 7u);
  EXPECT_FALSE(r.json().at("cursor").is_null());
}

// ---- linearizability smoke ------------------------------------------------------------
// (tests/support/promise_history.*: the same check runs across three nodes in
// tests/cluster.)

TEST_P(PromisesTest, ConcurrentCreateCompleteReadIsLinearizable) {
  auto history = run_promise_history({server_->port()});
  auto bad = check_promise_history(
    history, [&](const std::string& id) { return client_->get("/promises/" + id); });
  EXPECT_TRUE(bad.empty()) << ::testing::PrintToString(bad);
}

INSTANTIATE_TEST_SUITE_P(Stores, PromisesTest,
                         ::testing::Values(store_kind::sqlite, store_kind::postgres),
                         [](const auto& info) { return to_string(info.param); });

}  // namespace
}  // namespace resonate::test
