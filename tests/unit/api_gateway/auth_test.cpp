// The auth decision table of REST v1 spec 8 (and 3.1 for basic auth and CORS), without
// sockets: keys are generated at test time, tokens signed with libjwt.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "api_gateway/auth.hpp"
#include "api_gateway/protocol_2026/authorize.hpp"
#include "api_gateway/transport/cors.hpp"
#include "codecs/base64.hpp"
#include "tests/support/test_tokens.hpp"
#include "tests/unit/api_gateway/test_util.hpp"

// Request payloads below are designated initializers that name only the id.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace resonate::api_gateway {

using codecs::base64_encode;
using codecs::base64url_encode;
namespace {

using resonate::test::rsa_key_pair;
using resonate::test::sign_token;
using testing::make_req;
namespace q = resonate::queues;

constexpr int64_t now_ms = 1'700'000'000'000;  // the gate's clock in these tests
constexpr int64_t now_s = now_ms / 1000;

const rsa_key_pair& keys() {
  static const rsa_key_pair k = resonate::test::make_rsa_key_pair();
  return k;
}
const rsa_key_pair& other_keys() {
  static const rsa_key_pair k = resonate::test::make_rsa_key_pair();
  return k;
}

std::string token(std::string_view claims, jwt_alg_t alg = JWT_ALG_RS256) {
  return sign_token(claims, alg, keys().private_pem);
}

std::string claims_with(std::string_view extra) {
  return R"({"exp":)" + std::to_string(now_s + 60) + (extra.empty() ? "" : ",") +
         std::string(extra) + "}";
}

/// A token with a hand-made header and claims and a signature that proves nothing.
std::string crafted(std::string_view header, std::string_view claims,
                    std::string_view sig = "c2ln") {
  return base64url_encode(header) + "." + base64url_encode(claims) + "." + std::string(sig);
}

// -- the key of each request ------------------------------------------------------

TEST(access_key, each_request_type_has_the_key_of_spec_8) {
  using rule = access_key::rule;
  struct row {
    q::request_payload payload;
    rule how;
    std::string id;
  };
  q::create_promise_and_task_request cpt;
  cpt.promise.id = "p/and-task";
  q::create_callback_request cb;
  cb.id = "__resume:root:awaited";
  cb.promise_id = "awaited";
  cb.root_promise_id = "root";
  q::search_promises_request search;
  search.id = "pat*";
  std::vector<row> rows = {
    {q::read_promise_request{"p/read"}, rule::id, "p/read"},
    {q::create_promise_request{.id = "p/create"}, rule::id, "p/create"},
    {q::complete_promise_request{.id = "p/complete"}, rule::id, "p/complete"},
    {search, rule::id, "pat*"},
    {cpt, rule::id, "p/and-task"},
    {cb, rule::id, "awaited"},
    {q::claim_task_request{.id = "__invoke:t1"}, rule::task_id, "__invoke:t1"},
    {q::complete_task_request{.id = "__resume:t2"}, rule::task_id, "__resume:t2"},
    {q::drop_task_request{.id = "__notify:t3"}, rule::task_id, "__notify:t3"},
    {q::heartbeat_tasks_request{"pid"}, rule::always, ""},
    {q::ready_request{}, rule::always, ""},
    {q::acquire_lock_request{.resource_id = "r/acq"}, rule::id, "r/acq"},
    {q::release_lock_request{.resource_id = "r/rel"}, rule::id, "r/rel"},
    {q::heartbeat_locks_request{"pid"}, rule::always, ""},
    // Spec 8: a create is keyed by its promiseId template, not the schedule id.
    {q::create_schedule_request{.id = "s/id", .promise_id = "p/{{.timestamp}}"}, rule::id,
     "p/{{.timestamp}}"},
    {q::read_schedule_request{"s/read"}, rule::id, "s/read"},
    {q::search_schedules_request{.id = "s*"}, rule::id, "s*"},
    {q::delete_schedule_request{"s/del"}, rule::id, "s/del"},
    // Protocol 2026-04-01 is never routed by REST v1; its own gate checks head.auth.
    {q::promise26_get_request{.id = "p/get26"}, rule::always, ""},
    {q::promise26_create_request{.id = "p/create26"}, rule::always, ""},
    {q::promise26_settle_request{.id = "p/settle26"}, rule::always, ""},
    {q::stream_connected_request{"g", "p"}, rule::always, ""},
    {q::task26_get_request{.id = "t/get"}, rule::always, ""},
    {q::task26_search_request{.cursor = "t/"}, rule::always, ""},
    {q::task26_acquire_request{.id = "t/acquire"}, rule::always, ""},
    {q::task26_release_request{.id = "t/release"}, rule::always, ""},
    {q::task26_fulfill_request{.id = "t/fulfill"}, rule::always, ""},
    {q::task26_suspend_request{.id = "t/suspend"}, rule::always, ""},
    {q::task26_heartbeat_request{.pid = "w"}, rule::always, ""},
    {q::task26_halt_request{.id = "t/halt"}, rule::always, ""},
    {q::task26_continue_request{.id = "t/continue"}, rule::always, ""},
    {q::task26_create_request{.pid = "w"}, rule::always, ""},
    {q::task26_fence_request{.id = "t/fence"}, rule::always, ""},
    {q::promise26_register_callback_request{.awaited = "a"}, rule::always, ""},
    {q::promise26_register_listener_request{.awaited = "a"}, rule::always, ""},
    {q::promise26_search_request{.cursor = "p/"}, rule::always, ""},
    {q::schedule26_get_request{.id = "s/get26"}, rule::always, ""},
    {q::schedule26_create_request{.id = "s/create26", .promise_id = "p/s"}, rule::always, ""},
    {q::schedule26_delete_request{.id = "s/delete26"}, rule::always, ""},
    {q::schedule26_search_request{.cursor = "s/"}, rule::always, ""},
    {q::debug26_request{.op = q::debug26_op::reset}, rule::always, ""},
  };
  ASSERT_EQ(rows.size(), q::kind_count) << "a row per request kind";
  for (const auto& r : rows) {
    SCOPED_TRACE(r.payload.index());
    auto key = access_key_of(r.payload);
    EXPECT_EQ(key.how, r.how);
    EXPECT_EQ(key.id, r.id);
  }
}

TEST(access_key, prefix_rules) {
  using rule = access_key::rule;
  struct row {
    std::string role;
    std::optional<std::string> prefix;
    access_key key;
    bool allowed;
  };
  const std::vector<row> rows = {
    {"admin", std::nullopt, {rule::id, "anything"}, true},
    {"ADMIN", "zzz", {rule::id, "anything"}, true},
    {"Admin", "zzz", {rule::task_id, "__invoke:a"}, true},
    {"user", std::nullopt, {rule::id, "a"}, false},
    {"user", std::nullopt, {rule::always, ""}, false},  // no prefix: even heartbeats
    {"", std::nullopt, {rule::id, "a"}, false},
    {"user", "", {rule::id, "anything"}, true},
    {"user", "", {rule::task_id, "x"}, true},
    {"user", "a/", {rule::id, "a/b"}, true},
    {"user", "a/", {rule::id, "a/"}, true},
    {"user", "a/", {rule::id, "a"}, false},
    {"user", "a/", {rule::id, "b/a/"}, false},
    {"user", "a/", {rule::id, "A/b"}, false},  // case-sensitive
    {"user", "a/", {rule::always, ""}, true},
    {"user", "a/", {rule::task_id, "__invoke:a/1"}, true},
    {"user", "a/", {rule::task_id, "__resume:a/1:a/2"}, true},
    {"user", "a/", {rule::task_id, "__notify:a/1:s"}, true},
    {"user", "a/", {rule::task_id, "a/1"}, false},
    {"user", "a/", {rule::task_id, "__invoke:b/1"}, false},
    {"user", "a/", {rule::task_id, "__other:a/1"}, false},
    {"user", "a/", {rule::task_id, "__invoke_a/1"}, false},
    {"superadmin", "a/", {rule::id, "b"}, false},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.role + " " + r.prefix.value_or("<none>") + " " + std::string(r.key.id));
    EXPECT_EQ(prefix_allows(token_claims{r.role, r.prefix}, r.key), r.allowed);
  }
}

// -- the verifier -----------------------------------------------------------------

TEST(jwt_verifier, refuses_keys_that_are_not_rsa_public_keys) {
  std::string error;
  EXPECT_EQ(jwt_verifier::create("not a pem", error), nullptr);
  EXPECT_NE(error.find("failed to parse public key"), std::string::npos) << error;
  error.clear();
  EXPECT_EQ(jwt_verifier::create(keys().private_pem, error), nullptr) << "a private key";
  error.clear();
  EXPECT_EQ(jwt_verifier::create(resonate::test::make_ec_public_pem(), error), nullptr);
  EXPECT_EQ(error, "not an RSA public key");
  error.clear();
  EXPECT_NE(jwt_verifier::create(keys().public_pem, error), nullptr) << error;
}

struct verify_case {
  std::string name;
  std::string token;
  std::string error;  // "" = valid
  std::string role = {};
  std::optional<std::string> prefix = std::nullopt;
};

TEST(jwt_verifier, decision_table) {
  std::string error;
  auto v = jwt_verifier::create(keys().public_pem, error);
  ASSERT_NE(v, nullptr) << error;
  const std::string rs = R"({"alg":"RS256","typ":"JWT"})";
  const std::string good = claims_with(R"("role":"user","prefix":"a/")");
  const std::string valid = token(good);
  // The valid token's signature under a different payload.
  std::string tampered = valid.substr(0, valid.find('.') + 1) +
                         base64url_encode(claims_with(R"("role":"admin","prefix":"a/")")) +
                         valid.substr(valid.rfind('.'));
  const std::string hs_confusion = sign_token(good, JWT_ALG_HS256, keys().public_pem);
  const std::string exp = std::to_string(now_s);
  const std::string later = std::to_string(now_s + 1);
  const std::vector<verify_case> cases = {
    {"rs256", valid, "", "user", "a/"},
    {"rs384", token(good, JWT_ALG_RS384), "", "user", "a/"},
    {"rs512", token(good, JWT_ALG_RS512), "", "user", "a/"},
    {"no time claims at all", token(R"({"role":"admin"})"), "", "admin"},
    {"prefix null", token(claims_with(R"("prefix":null)")), ""},
    {"empty prefix", token(claims_with(R"("prefix":"")")), "", "", ""},
    {"keys match ignoring case, the last wins",
     token(R"({"Prefix":"x","ROLE":"admin","prefix":"y"})"), "", "admin", "y"},
    {"other key", sign_token(good, JWT_ALG_RS256, other_keys().private_pem),
     "token signature is invalid: crypto/rsa: verification error"},
    {"tampered claims", tampered, "token signature is invalid: crypto/rsa: verification error"},
    {"HS256 with the public key as secret", hs_confusion,
     "token is unverifiable: error while executing keyfunc: unexpected signing method: HS256"},
    {"alg none", crafted(R"({"alg":"none"})", good, ""),
     "token is unverifiable: error while executing keyfunc: unexpected signing method: none"},
    {"PS256 is not RS", crafted(R"({"alg":"PS256"})", good),
     "token is unverifiable: error while executing keyfunc: unexpected signing method: PS256"},
    {"unknown alg", crafted(R"({"alg":"RS999"})", good),
     "token is unverifiable: signing method (alg) is unavailable"},
    {"no alg", crafted(R"({"typ":"JWT"})", good),
     "token is unverifiable: signing method (alg) is unspecified"},
    {"rs256 header, bad signature", crafted(rs, good),
     "token signature is invalid: crypto/rsa: verification error"},
    {"two segments", "abc.def", "token is malformed: token contains an invalid number of segments"},
    {"four segments", valid + ".x",
     "token is malformed: token contains an invalid number of segments"},
    {"empty", "", "token is malformed: token contains an invalid number of segments"},
    {"bad header base64", "a*b." + base64url_encode(good) + ".c2ln",
     "token is malformed: could not base64 decode header: illegal base64 data at input byte 1"},
    {"header not JSON", base64url_encode("nope") + "." + base64url_encode(good) + ".c2ln",
     "token is malformed: could not JSON decode header: invalid JSON object"},
    {"claims not JSON", base64url_encode(rs) + "." + base64url_encode("{") + ".c2ln",
     "token is malformed: could not JSON decode claim: invalid JSON"},
    {"claims an array", crafted(rs, "[1]"),
     "token is malformed: could not JSON decode claim: json: cannot unmarshal array into Go "
     "value of type api.Claims"},
    {"prefix a number", token(R"({"prefix":5})"),
     "token is malformed: could not JSON decode claim: json: cannot unmarshal number into Go "
     "struct field Claims.prefix of type string"},
    {"role an object", token(R"({"role":{}})"),
     "token is malformed: could not JSON decode claim: json: cannot unmarshal object into Go "
     "struct field Claims.role of type string"},
    {"exp a string", token(R"({"exp":"tomorrow"})"),
     "token is malformed: could not JSON decode claim: json: cannot unmarshal string into Go "
     "struct field Claims.exp of type jwt.NumericDate"},
    {"expired", token(R"({"exp":)" + std::to_string(now_s - 1) + "}"),
     "token has invalid claims: token is expired"},
    {"exp is now: expired", token(R"({"exp":)" + exp + "}"),
     "token has invalid claims: token is expired"},
    {"exp fractions are truncated", token(R"({"exp":)" + exp + ".9}"),
     "token has invalid claims: token is expired"},
    {"exp in a second", token(R"({"exp":)" + later + "}"), ""},
    {"nbf later", token(R"({"nbf":)" + later + "}"),
     "token has invalid claims: token is not valid yet"},
    {"nbf now", token(R"({"nbf":)" + exp + "}"), ""},
    {"iat later", token(R"({"iat":)" + later + "}"),
     "token has invalid claims: token used before issued"},
    {"iat now", token(R"({"iat":)" + exp + "}"), ""},
    {"every time claim wrong", token(R"({"exp":1,"nbf":)" + later + R"(,"iat":)" + later + "}"),
     "token has invalid claims: token is expired\ntoken is not valid yet\ntoken used before "
     "issued"},
    {"aud a list", token(R"({"aud":["a","b"],"iss":"me","sub":"you","jti":"1"})"), ""},
    {"aud a number", token(R"({"aud":1})"),
     "token is malformed: could not JSON decode claim: json: cannot unmarshal number into Go "
     "struct field Claims.aud of type jwt.ClaimStrings"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string why;
    auto claims = v->verify(c.token, now_ms, why);
    if (c.error.empty()) {
      ASSERT_TRUE(claims.has_value()) << why;
      EXPECT_EQ(claims->role, c.role);
      EXPECT_EQ(claims->prefix, c.prefix);
    } else {
      EXPECT_FALSE(claims.has_value());
      EXPECT_EQ(why, c.error);
    }
  }
}

TEST(jwt_verifier, remembers_signatures_but_checks_the_times_at_every_use) {
  std::string error;
  auto v = jwt_verifier::create(keys().public_pem, error);
  ASSERT_NE(v, nullptr) << error;
  const std::string t = token(R"({"prefix":"a-","exp":)" + std::to_string(now_s + 2) + "}");
  std::string why;
  ASSERT_TRUE(v->verify(t, now_ms, why)) << why;
  EXPECT_EQ(v->cached(), 1u);
  ASSERT_TRUE(v->verify(t, now_ms + 1000, why)) << why;
  EXPECT_EQ(v->cached(), 1u) << "the second use is served from the cache";
  EXPECT_FALSE(v->verify(t, now_ms + 2000, why)) << "expired by now, cached or not";
  EXPECT_EQ(why, "token has invalid claims: token is expired");
  // Failures are never remembered: a forged token fails every time.
  const std::string forged =
    sign_token(R"({"role":"admin"})", JWT_ALG_RS256, other_keys().private_pem);
  for (int i = 0; i < 2; ++i) {
    EXPECT_FALSE(v->verify(forged, now_ms, why));
    EXPECT_EQ(why, "token signature is invalid: crypto/rsa: verification error");
  }
  EXPECT_EQ(v->cached(), 1u);
}

// -- the gate ---------------------------------------------------------------------

std::shared_ptr<const access_control> gate(std::map<std::string, std::string> users, bool jwt) {
  auth_options o;
  o.basic_users = std::move(users);
  if (jwt) o.public_key_pem = keys().public_pem;
  o.now_ms = [] { return now_ms; };
  std::string error;
  auto g = access_control::create(std::move(o), error);
  EXPECT_NE(g, nullptr) << error;
  return g;
}

/// Routes `req` and asks the gate: the refusal, or nullopt when it may go on.
std::optional<http_response> ask(const access_control& g, const http_request& req) {
  auto routed = route_request(req);
  return g.check(req, routed.route, routed.request ? &routed.request->payload : nullptr);
}

std::string basic(std::string_view user_pass) {
  return "Basic " + base64_encode(user_pass);
}

void expect_basic_401(const std::optional<http_response>& r) {
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401u);
  EXPECT_EQ(r->body, "");
  EXPECT_EQ(r->content_type, "");
  EXPECT_FALSE(r->version_header);
  ASSERT_EQ(r->headers.size(), 1u);
  EXPECT_EQ(r->headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(r->headers[0].second, R"(Basic realm="Authorization Required")");
}

void expect_jwt_error(const std::optional<http_response>& r, unsigned status, int code,
                      std::string_view message, std::string_view detail) {
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, status);
  EXPECT_EQ(r->content_type, json_content_type);
  EXPECT_TRUE(r->version_header);
  std::string url = "https://docs.resonatehq.io/operate/errors#" + std::to_string(code);
  auto want =
    boost::json::value{{"error",
                        {{"code", code},
                         {"message", message},
                         {"details", boost::json::array{{{"@type", "ServerError"},
                                                         {"message", detail},
                                                         {"domain", "server"},
                                                         {"metadata", {{"url", url}}}}}}}}};
  EXPECT_EQ(boost::json::parse(r->body), want) << r->body;
}

TEST(access_control, basic_auth) {
  auto g = gate({{"alice", "s3cret"}, {"bob", "pw:with:colons"}}, false);
  ASSERT_TRUE(g->enabled());
  auto with = [](std::string_view value) {
    return std::vector<http_header>{{"Authorization", value}};
  };
  const std::string alice = basic("alice:s3cret");
  const std::string bob = basic("bob:pw:with:colons");
  // Every protected route, and the open ones.
  struct row {
    std::string method, target;
    bool open;
  };
  const std::vector<row> routes = {
    {"GET", "/promises?id=*", false},
    {"POST", "/promises", false},
    {"GET", "/promises/x", false},
    {"PATCH", "/promises/x", false},
    {"POST", "/promises/task", false},
    {"POST", "/promises/callback/x", false},
    {"POST", "/promises/subscribe/x", false},
    {"POST", "/callbacks", false},
    {"POST", "/subscriptions", false},
    {"POST", "/tasks/claim", false},
    {"GET", "/tasks/claim/x/1", false},
    {"POST", "/tasks/complete", false},
    {"GET", "/tasks/complete/x/1", false},
    {"POST", "/tasks/drop", false},
    {"GET", "/tasks/drop/x/1", false},
    {"POST", "/tasks/heartbeat", false},
    {"GET", "/tasks/heartbeat/x/1", false},
    {"GET", "/%70romises/x", false},
    {"GET", "/ping", true},
    {"GET", "/health", true},
    {"GET", "/ready", true},
    {"GET", "/nowhere", true},  // 404 without credentials, as gin's group does
    {"GET", "//promises/x", true},
  };
  for (const auto& r : routes) {
    SCOPED_TRACE(r.method + " " + r.target);
    auto none = ask(*g, make_req(r.method, r.target));
    if (r.open) {
      EXPECT_FALSE(none.has_value());
      continue;
    }
    expect_basic_401(none);
    expect_basic_401(ask(*g, make_req(r.method, r.target, {}, with(basic("alice:wrong")))));
    EXPECT_FALSE(ask(*g, make_req(r.method, r.target, {}, with(alice))).has_value());
    EXPECT_FALSE(ask(*g, make_req(r.method, r.target, {}, with(bob))).has_value());
  }
  // gin compares the whole value: the scheme's case, spaces and other users' passwords count.
  for (const std::string& v :
       {"basic " + base64_encode("alice:s3cret"), "Basic  " + base64_encode("alice:s3cret"),
        alice + " ", basic("alice:pw:with:colons"), basic("alice"), basic(""), std::string(),
        "Bearer " + token(claims_with(R"("role":"admin")"))}) {
    SCOPED_TRACE(v);
    expect_basic_401(ask(*g, make_req("GET", "/promises/x", {}, with(v))));
  }
  // The header name's case does not matter; the first Authorization header is the one read.
  EXPECT_FALSE(ask(*g, make_req("GET", "/promises/x", {}, {{"authorization", alice}})));
  EXPECT_FALSE(ask(*g, make_req("GET", "/promises/x", {}, {{"AUTHORIZATION", alice}})));
  expect_basic_401(ask(*g, make_req("GET", "/promises/x", {},
                                    {{"Authorization", basic("x:y")}, {"Authorization", alice}})));
  // Credentials elsewhere than the header count for nothing.
  expect_basic_401(ask(*g, make_req("GET", "/promises/x?authorization=" + alice)));
  expect_basic_401(ask(*g, make_req("GET", "/promises/x", {}, {{"Proxy-Authorization", alice}})));
  // A 400 of the router still needs credentials first (gin's auth runs before binding).
  expect_basic_401(ask(*g, make_req("POST", "/promises", "{")));
  EXPECT_FALSE(ask(*g, make_req("POST", "/promises", "{", with(alice))));
  // The poll path: basic only when JWT is off.
  expect_basic_401(g->check_poll(make_req("GET", "/poll/g/1")));
  EXPECT_FALSE(g->check_poll(make_req("GET", "/poll/g/1", {}, with(alice))));
}

TEST(access_control, jwt_on_every_route) {
  auto g = gate({}, true);
  const std::string inside = "Bearer " + token(claims_with(R"("role":"user","prefix":"a-")"));
  const std::string admin = "Bearer " + token(claims_with(R"("role":"admin")"));
  const std::string no_prefix = "Bearer " + token(claims_with(R"("role":"user")"));
  const std::string everything = "Bearer " + token(claims_with(R"("prefix":"")"));
  struct row {
    std::string method, target, body;
    bool keyed;  // false: allowed to any authenticated caller
  };
  auto in_out = [](std::string who) { return std::vector<std::string>{"a-" + who, "b-" + who}; };
  std::vector<row> rows;
  for (const auto& id : in_out("1")) {
    rows.push_back({"GET", "/promises/" + id, "", true});
    rows.push_back({"POST", "/promises", R"({"id":")" + id + R"(","timeout":1})", true});
    rows.push_back({"PATCH", "/promises/" + id, R"({"state":"RESOLVED"})", true});
    rows.push_back(
      {"POST", "/promises/task",
       R"({"promise":{"id":")" + id + R"(","timeout":1},"task":{"processId":"p","ttl":1}})", true});
    rows.push_back({"GET", "/promises?id=" + id + "*", "", true});
    rows.push_back({"POST", "/promises/callback/" + id,
                    R"({"rootPromiseId":"z/root","timeout":1,"recv":"default"})", true});
    rows.push_back(
      {"POST", "/callbacks",
       R"({"promiseId":")" + id + R"(","rootPromiseId":"z/root","timeout":1,"recv":"default"})",
       true});
    rows.push_back(
      {"POST", "/promises/subscribe/" + id, R"({"id":"s","timeout":1,"recv":"default"})", true});
    rows.push_back({"POST", "/subscriptions",
                    R"({"promiseId":")" + id + R"(","id":"s","timeout":1,"recv":"default"})",
                    true});
    rows.push_back({"POST", "/tasks/claim",
                    R"({"id":"__invoke:)" + id + R"(","counter":1,"processId":"p","ttl":1})",
                    true});
    rows.push_back({"GET", "/tasks/claim/__invoke:" + id + "/1", "", true});
    rows.push_back(
      {"POST", "/tasks/complete", R"({"id":"__resume:)" + id + R"(:x","counter":1})", true});
    rows.push_back({"GET", "/tasks/complete/__resume:" + id + ":x/1", "", true});
    rows.push_back(
      {"POST", "/tasks/drop", R"({"id":"__notify:)" + id + R"(:s","counter":1})", true});
    rows.push_back({"GET", "/tasks/drop/__notify:" + id + ":s/1", "", true});
    rows.push_back({"GET", "/%70romises/" + id, "", true});
    rows.push_back({"GET", "/promises/" + id + "%2Fdeeper", "", true});
  }
  rows.push_back({"POST", "/tasks/heartbeat", R"({"processId":"p"})", false});
  rows.push_back({"GET", "/tasks/heartbeat/x/1", "", false});
  for (const auto& r : rows) {
    SCOPED_TRACE(r.method + " " + r.target + " " + r.body);
    auto req = [&](std::vector<http_header> h) { return make_req(r.method, r.target, r.body, h); };
    ASSERT_TRUE(route_request(req({})).request.has_value()) << "the row must reach the kernel";
    expect_jwt_error(ask(*g, req({})), 401, 40100, "The request is unauthorized",
                     "missing authorization header");
    expect_jwt_error(ask(*g, req({{"Authorization", "Bearer junk"}})), 401, 40100,
                     "The request is unauthorized",
                     "token validation failed: token is malformed: token contains an invalid "
                     "number of segments");
    const bool in =
      r.target.find("a-") != std::string::npos || r.body.find("a-") != std::string::npos;
    auto as_inside = ask(*g, req({{"Authorization", inside}}));
    if (!r.keyed || in) {
      EXPECT_FALSE(as_inside.has_value()) << as_inside->body;
    } else {
      expect_jwt_error(as_inside, 403, 40300, "The request is forbidden", "unauthorized prefix");
    }
    EXPECT_FALSE(ask(*g, req({{"Authorization", admin}})).has_value());
    EXPECT_FALSE(ask(*g, req({{"Authorization", everything}})).has_value());
    auto as_none = ask(*g, req({{"Authorization", no_prefix}}));
    expect_jwt_error(as_none, 403, 40300, "The request is forbidden", "unauthorized prefix");
  }
}

TEST(access_control, jwt_token_forms) {
  auto g = gate({}, true);
  const std::string t = token(claims_with(R"("prefix":"a/")"));
  auto at = [&](std::vector<http_header> h, std::string target = "/promises/a/1") {
    return ask(*g, make_req("GET", target, {}, std::move(h)));
  };
  EXPECT_FALSE(at({{"Authorization", "Bearer " + t}}));
  EXPECT_FALSE(at({{"Authorization", "bearer " + t}}));
  EXPECT_FALSE(at({{"Authorization", "BEARER " + t}}));
  EXPECT_FALSE(at({{"authorization", "Bearer " + t}}));
  EXPECT_FALSE(at({{"AUTHORIZATION", "Bearer " + t}}));
  EXPECT_FALSE(at({{"Authorization", t}})) << "a bare token is what the reference reads too";
  auto unauthorized = [](const std::optional<http_response>& r) { return r && r->status == 401u; };
  EXPECT_TRUE(unauthorized(at({{"Authorization", "Bearer  " + t}})));
  EXPECT_TRUE(unauthorized(at({{"Authorization", "Token " + t}})));
  EXPECT_TRUE(unauthorized(at({{"Authorization", basic("alice:s3cret")}})));
  EXPECT_TRUE(unauthorized(at({}, "/promises/a/1?access_token=" + t)));
  EXPECT_TRUE(unauthorized(at({}, "/promises/a/1?authorization=Bearer%20" + t)));
  EXPECT_TRUE(unauthorized(at({{"X-Authorization", "Bearer " + t}})));
  EXPECT_TRUE(unauthorized(at({{"Authorization", ""}, {"Authorization", "Bearer " + t}})));
  // A request the router refuses (400) is answered before the token is looked at.
  EXPECT_FALSE(ask(*g, make_req("POST", "/promises", "{")));
  // The probes and unknown routes are open.
  for (std::string target : {"/ping", "/health", "/ready", "/nowhere", "//promises/a/1"}) {
    EXPECT_FALSE(ask(*g, make_req("GET", target))) << target;
  }
  // The poll path is the reference's Noop (spec 3.4, 8): any prefix, but a prefix claim
  // (or the admin role) is needed, as for every request.
  auto poll = [&](std::vector<http_header> h) {
    return g->check_poll(make_req("GET", "/poll/g/1", {}, h));
  };
  EXPECT_FALSE(poll({{"Authorization", "Bearer " + token(claims_with(R"("prefix":"zzz")"))}}));
  EXPECT_FALSE(poll({{"Authorization", "Bearer " + token(claims_with(R"("prefix":"")"))}}));
  EXPECT_FALSE(poll({{"Authorization", "Bearer " + token(claims_with(R"("role":"admin")"))}}));
  expect_jwt_error(poll({{"Authorization", "Bearer " + token(claims_with(""))}}), 403, 40300,
                   "The request is forbidden", "unauthorized prefix");
  expect_jwt_error(poll({{"Authorization", "Bearer " + token(claims_with(R"("prefix":null)"))}}),
                   403, 40300, "The request is forbidden", "unauthorized prefix");
  expect_jwt_error(poll({}), 401, 40100, "The request is unauthorized",
                   "missing authorization header");
  auto expired = poll({{"Authorization", "Bearer " + token(R"({"exp":1})")}});
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 401u);
}

TEST(access_control, basic_and_jwt_together_admit_nothing_but_the_probes) {
  // Spec 11.31: the Basic value goes on to the JWT check and fails there.
  auto g = gate({{"alice", "pw"}}, true);
  expect_basic_401(ask(*g, make_req("GET", "/promises/a")));
  expect_jwt_error(
    ask(*g, make_req("GET", "/promises/a", {}, {{"Authorization", basic("alice:pw")}})), 401, 40100,
    "The request is unauthorized",
    "token validation failed: token is malformed: token contains an invalid "
    "number of segments");
  expect_basic_401(ask(*g, make_req("GET", "/promises/a", {},
                                    {{"Authorization", "Bearer " + token(claims_with(""))}})));
  EXPECT_FALSE(ask(*g, make_req("GET", "/ping")));
}

TEST(access_control, disabled_and_bad_key) {
  auto open = gate({}, false);
  EXPECT_FALSE(open->enabled());
  EXPECT_FALSE(ask(*open, make_req("GET", "/promises/a")));
  EXPECT_FALSE(open->check_poll(make_req("GET", "/poll/g/1")));
  auth_options o;
  o.public_key_pem = "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n";
  std::string error;
  EXPECT_EQ(access_control::create(o, error), nullptr);
  EXPECT_FALSE(error.empty());
}

// -- CORS -------------------------------------------------------------------------

using header_pairs = std::vector<std::pair<std::string, std::string>>;

TEST(cors, off_by_default) {
  cors_policy off;
  auto d = off.apply(make_req("OPTIONS", "/promises", {}, {{"Origin", "http://a.example"}}));
  EXPECT_FALSE(d.answer);
  EXPECT_TRUE(d.headers.empty());
}

TEST(cors, listed_origins) {
  cors_policy p({"http://a.example", "HTTPS://B.example"});
  auto from = [&](std::string method, std::string origin, std::string host = "server:8001") {
    std::vector<http_header> h{{"Host", host}};
    if (!origin.empty()) h.push_back({"Origin", origin});
    return p.apply(make_req(method, "/promises/x", {}, h));
  };
  // Normal request from an allowed origin: the headers for the response.
  auto d = from("GET", "http://a.example");
  EXPECT_FALSE(d.answer);
  EXPECT_EQ(d.headers, (header_pairs{{"Access-Control-Expose-Headers", "Resonate-Version"},
                                     {"Vary", "Origin"},
                                     {"Access-Control-Allow-Origin", "http://a.example"}}));
  EXPECT_TRUE(from("GET", "https://b.example").headers.size() == 3u) << "config case ignored";
  // Preflight: answered at once, 204 without a body.
  d = from("OPTIONS", "http://a.example");
  ASSERT_TRUE(d.answer);
  EXPECT_EQ(d.answer->status, 204u);
  EXPECT_EQ(d.answer->body, "");
  EXPECT_EQ(d.answer->content_type, "");
  EXPECT_FALSE(d.answer->version_header);
  EXPECT_EQ(d.answer->headers,
            (header_pairs{{"Access-Control-Allow-Methods", "GET,POST,PUT,PATCH,DELETE,OPTIONS"},
                          {"Access-Control-Allow-Headers",
                           "Origin,Content-Length,Content-Type,Idempotency-Key,Strict"},
                          {"Vary", "Origin"},
                          {"Vary", "Access-Control-Request-Method"},
                          {"Vary", "Access-Control-Request-Headers"},
                          {"Access-Control-Allow-Origin", "http://a.example"}}));
  // Any other origin: 403 with nothing, preflight or not.
  for (std::string m : {"GET", "OPTIONS", "POST"}) {
    for (std::string o :
         {"http://c.example", "http://a.example.evil", "http://A.example", "null"}) {
      d = from(m, o);
      ASSERT_TRUE(d.answer) << m << " " << o;
      EXPECT_EQ(d.answer->status, 403u);
      EXPECT_EQ(d.answer->body, "");
      EXPECT_TRUE(d.answer->headers.empty());
    }
  }
  // Not CORS: no Origin, or the server's own origin.
  d = from("GET", "");
  EXPECT_FALSE(d.answer);
  EXPECT_TRUE(d.headers.empty());
  d = from("OPTIONS", "http://server:8001");
  EXPECT_FALSE(d.answer);
  EXPECT_TRUE(d.headers.empty());
}

TEST(cors, any_origin) {
  cors_policy p({"*"});
  auto req = make_req("GET", "/ping", {}, {{"Origin", "http://anywhere.example"}});
  auto d = p.apply(req);
  EXPECT_FALSE(d.answer);
  EXPECT_EQ(d.headers, (header_pairs{{"Access-Control-Expose-Headers", "Resonate-Version"},
                                     {"Access-Control-Allow-Origin", "*"}}));
  req.method = "OPTIONS";
  d = p.apply(req);
  ASSERT_TRUE(d.answer);
  EXPECT_EQ(d.answer->status, 204u);
  EXPECT_EQ(d.answer->headers,
            (header_pairs{{"Access-Control-Allow-Methods", "GET,POST,PUT,PATCH,DELETE,OPTIONS"},
                          {"Access-Control-Allow-Headers",
                           "Origin,Content-Length,Content-Type,Idempotency-Key,Strict"},
                          {"Access-Control-Allow-Origin", "*"}}));
}

// -- protocol 2026-04-01: the token in head.auth (spec 1.8) -------------------------

/// The refusal of `kind` with `data` under `token` ("" = no head.auth): 0 when it passes.
unsigned refusal_2026(const access_control* g, const std::string& token, std::string kind,
                      std::string data) {
  std::string body = R"({"kind":")" + kind + R"(","head":{"corrId":"c","version":"2026-04-01")" +
                     (token.empty() ? "" : R"(,"auth":")" + token + "\"") + R"(},"data":)" + data +
                     "}";
  auto parsed = protocol_2026::parse_envelope(body);
  auto* env = std::get_if<protocol_2026::envelope>(&parsed);
  EXPECT_NE(env, nullptr) << body;
  if (!env) return 999;
  auto r = protocol_2026::authorize(g, *env);
  if (!r) return 0;
  EXPECT_EQ(r->message, r->status == 401 ? "Unauthorized" : "Forbidden");
  return r->status;
}

TEST(protocol_2026_auth, off_without_a_key_and_401_without_a_good_token) {
  auto basic_only = gate({{"alice", "pw"}}, false);
  EXPECT_EQ(refusal_2026(nullptr, "", "promise.get", R"({"id":"x"})"), 0u);
  EXPECT_EQ(refusal_2026(basic_only.get(), "", "promise.get", R"({"id":"x"})"), 0u);

  auto g = gate({}, true);
  const std::string expired = token(R"({"exp":)" + std::to_string(now_s - 10) + R"(,"prefix":""})");
  const std::string other =
    sign_token(claims_with(R"("prefix":"")"), JWT_ALG_RS256, other_keys().private_pem);
  for (const auto& bad : {std::string(), expired, other, std::string("not-a-jwt")}) {
    EXPECT_EQ(refusal_2026(g.get(), bad, "promise.get", R"({"id":"x"})"), 401u) << bad;
  }
  // head.auth must be a string.
  auto parsed = protocol_2026::parse_envelope(
    R"({"kind":"promise.get","head":{"corrId":"c","version":"2026-04-01","auth":7},"data":{"id":"x"}})");
  ASSERT_TRUE(std::holds_alternative<protocol_2026::envelope>(parsed));
  auto r = protocol_2026::authorize(g.get(), std::get<protocol_2026::envelope>(parsed));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401u);
}

TEST(protocol_2026_auth, prefix_claims_cover_each_kinds_resource_ids) {
  auto g = gate({}, true);
  const std::string a = token(claims_with(R"("role":"user","prefix":"a-")"));
  const std::string admin = token(claims_with(R"("role":"ADMIN")"));
  const std::string all = token(claims_with(R"("prefix":"")"));
  const std::string none = token(claims_with(R"("role":"user")"));
  struct row {
    std::string kind, inside, outside;  // data whose resource id is a-..., and b-...
  };
  auto action = [](std::string id) {
    return R"({"pid":"w","ttl":1,"action":{"kind":"promise.create","head":{},"data":{"id":")" + id +
           R"(","timeoutAt":1}}})";
  };
  const std::vector<row> rows = {
    {"promise.get", R"({"id":"a-1"})", R"({"id":"b-1"})"},
    {"promise.settle", R"({"id":"a-1","state":"resolved"})", R"({"id":"b-1","state":"resolved"})"},
    {"task.acquire", R"({"id":"a-1","version":0,"pid":"w","ttl":1})",
     R"({"id":"b-1","version":0,"pid":"w","ttl":1})"},
    {"promise.register_callback", R"({"awaited":"a-1","awaiter":"b-2"})",
     R"({"awaited":"b-1","awaiter":"a-2"})"},
    {"promise.register_listener", R"({"awaited":"a-1","address":"poll://any@g"})",
     R"({"awaited":"b-1","address":"poll://any@g"})"},
    {"schedule.create", R"({"id":"b-s","promiseId":"a-{{.timestamp}}"})",
     R"({"id":"a-s","promiseId":"b-{{.timestamp}}"})"},
    {"schedule.delete", R"({"id":"a-s"})", R"({"id":"b-s"})"},
    {"task.create", action("a-1"), action("b-1")},
    {"task.heartbeat", R"({"pid":"w","tasks":[{"id":"a-1","version":1},{"id":"a-2","version":1}]})",
     R"({"pid":"w","tasks":[{"id":"a-1","version":1},{"id":"b-2","version":1}]})"},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(refusal_2026(g.get(), a, r.kind, r.inside), 0u) << r.kind;
    EXPECT_EQ(refusal_2026(g.get(), a, r.kind, r.outside), 403u) << r.kind;
    EXPECT_EQ(refusal_2026(g.get(), admin, r.kind, r.outside), 0u) << r.kind;
    EXPECT_EQ(refusal_2026(g.get(), all, r.kind, r.outside), 0u) << r.kind;
    EXPECT_EQ(refusal_2026(g.get(), none, r.kind, r.inside), 403u) << r.kind;
  }
  // Searches and debug kinds name no id: only for tokens that may touch everything.
  for (std::string kind : {"promise.search", "task.search", "schedule.search", "debug.snap"}) {
    EXPECT_EQ(refusal_2026(g.get(), a, kind, "{}"), 403u) << kind;
    EXPECT_EQ(refusal_2026(g.get(), all, kind, "{}"), 0u) << kind;
    EXPECT_EQ(refusal_2026(g.get(), admin, kind, "{}"), 0u) << kind;
  }
}

}  // namespace
}  // namespace resonate::api_gateway
