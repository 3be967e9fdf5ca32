// Route matching, header binding and request validation, without sockets.

#include <gtest/gtest.h>

#include "api_gateway/rest_v1/cursor.hpp"
#include "api_gateway/rest_v1/router.hpp"
#include "codecs/base64.hpp"
#include "tests/unit/api_gateway/test_util.hpp"

namespace resonate::api_gateway {

using codecs::base64_encode;
using codecs::base64url_encode;
namespace {

using testing::make_req;
using testing::validation_messages;

// A failing request must come back as a response and never as a kernel request.
std::vector<std::string> rejected(const http_request& req) {
  auto r = route_request(req);
  EXPECT_FALSE(r.request.has_value());
  return validation_messages(r.response);
}

std::string reject_one(const http_request& req) {
  auto msgs = rejected(req);
  EXPECT_EQ(msgs.size(), 1u);
  return msgs.empty() ? std::string{} : msgs.front();
}

template <typename T>
const T& payload(const route_result& r) {
  EXPECT_TRUE(r.request.has_value());
  return std::get<T>(r.request->payload);
}

// -- probes and unknown routes ---------------------------------------------------------

TEST(Routes, PingAndHealthAnswerWithoutKernel) {
  for (auto target : {"/ping", "/health"}) {
    auto r = route_request(make_req("GET", target));
    EXPECT_FALSE(r.request);
    EXPECT_EQ(r.response.status, 200u);
    EXPECT_EQ(r.response.body, R"({"status":"ok"})");
    EXPECT_EQ(r.response.content_type, "application/json; charset=utf-8");
    EXPECT_TRUE(r.response.version_header);
  }
}

TEST(Routes, ReadyGoesToKernel) {
  auto r = route_request(make_req("GET", "/ready"));
  ASSERT_TRUE(r.request);
  EXPECT_EQ(r.request->get_kind(), queues::kind::ready);
  auto ok = encode_reply(queues::kind::ready, queues::response{});
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.body, R"({"status":"ok"})");
  auto down = encode_reply(queues::kind::ready,
                           queues::response::failure(queues::status::aio_store_error, "db"));
  EXPECT_EQ(down.status, 503u);
  EXPECT_EQ(down.body, R"({"status":"unavailable"})");
}

TEST(Routes, UnknownRoutesAndWrongMethodsAreGin404) {
  for (auto [method, target] :
       std::vector<std::pair<const char*, const char*>>{{"GET", "/nope"},
                                                        {"PUT", "/promises"},
                                                        {"DELETE", "/promises/x"},
                                                        {"POST", "/promises/x"},
                                                        {"POST", "/promises/task/x"},
                                                        {"POST", "/promises/taskx"},
                                                        {"GET", "/callbacks"},
                                                        {"GET", "/tasks/claim"},
                                                        {"POST", "/tasks/claim/a/1"},
                                                        {"GET", "/tasks/claim/a"},
                                                        {"GET", "/tasks/claim/a/1/2"},
                                                        {"GET", "/tasks/claim/a%2Fb/1"},
                                                        {"POST", "/ping"},
                                                        {"PUT", "/schedules"},
                                                        {"PATCH", "/schedules/x"},
                                                        {"DELETE", "/schedules"}}) {
    auto r = route_request(make_req(method, target, "{}"));
    EXPECT_FALSE(r.request) << method << ' ' << target;
    EXPECT_EQ(r.route, route_id::not_found);
    EXPECT_EQ(r.response.status, 404u);
    EXPECT_EQ(r.response.body, "404 page not found");
    EXPECT_EQ(r.response.content_type, "text/plain");
    EXPECT_FALSE(r.response.version_header);
  }
}

TEST(Routes, RequestIdIsTakenOrGenerated) {
  auto r = route_request(make_req("GET", "/promises/a", {}, {{"request-id", "abc"}}));
  ASSERT_TRUE(r.request);
  EXPECT_EQ(r.request->request_id, "abc");
  auto g1 = route_request(make_req("GET", "/promises/a"));
  auto g2 = route_request(make_req("GET", "/promises/a"));
  EXPECT_EQ(g1.request->request_id.size(), 36u);
  EXPECT_EQ(g1.request->request_id[14], '4');
  EXPECT_NE(g1.request->request_id, g2.request->request_id);
}

// -- read ------------------------------------------------------------------------------

TEST(Routes, ReadTakesEverythingAfterPromisesAsDecodedId) {
  auto r = route_request(make_req("GET", "/promises/foo/bar"));
  EXPECT_EQ(r.route, route_id::read_promise);
  EXPECT_EQ(payload<queues::read_promise_request>(r).id, "foo/bar");
  r = route_request(make_req("GET", "/promises/a%2Fb%20c+d"));
  EXPECT_EQ(payload<queues::read_promise_request>(r).id, "a/b c+d");
  r = route_request(make_req("GET", "/promises/x?y=1"));
  EXPECT_EQ(payload<queues::read_promise_request>(r).id, "x");
  // "/promises/" is the catch-all with an empty id, not the search route.
  r = route_request(make_req("GET", "/promises/"));
  EXPECT_EQ(r.route, route_id::read_promise);
  EXPECT_EQ(payload<queues::read_promise_request>(r).id, "");
  r = route_request(make_req("GET", "/promises/task"));
  EXPECT_EQ(payload<queues::read_promise_request>(r).id, "task");
}

// -- create ----------------------------------------------------------------------------

TEST(Routes, CreateMinimal) {
  auto r = route_request(make_req("POST", "/promises", R"({"id":"p1"})"));
  EXPECT_EQ(r.route, route_id::create_promise);
  const auto& c = payload<queues::create_promise_request>(r);
  EXPECT_EQ(c.id, "p1");
  EXPECT_EQ(c.timeout, 0);
  EXPECT_FALSE(c.idempotency_key);
  EXPECT_FALSE(c.strict);
  EXPECT_FALSE(c.fence_token);
  EXPECT_EQ(c.param, queues::value{});
  EXPECT_TRUE(c.tags.empty());
}

TEST(Routes, CreateFullBodyUnknownFieldsIgnored) {
  std::string binary("\x00\x01\xfe\xff", 4);
  std::string body = R"({"id":"p/1","timeout":9223372036854775807,"extra":[1,2],)"
                     R"("param":{"headers":{"h":"v"},"data":")" +
                     base64_encode(binary) + R"("},"tags":{"a":"1","b":"2"}})";
  auto r = route_request(make_req("POST", "/promises", body));
  const auto& c = payload<queues::create_promise_request>(r);
  EXPECT_EQ(c.id, "p/1");
  EXPECT_EQ(c.timeout, INT64_MAX);
  EXPECT_EQ(c.param.headers, (queues::header_map{{"h", "v"}}));
  EXPECT_EQ(c.param.data, binary);
  EXPECT_EQ(c.tags, (queues::tag_map{{"a", "1"}, {"b", "2"}}));
}

TEST(Routes, CreateNullsAndCaseInsensitiveKeys) {
  auto r = route_request(make_req(
    "POST", "/promises", R"({"ID":"x","timeout":null,"param":null,"tags":null} trailing)"));
  const auto& c = payload<queues::create_promise_request>(r);
  EXPECT_EQ(c.id, "x");
  EXPECT_EQ(c.timeout, 0);
}

TEST(Routes, DuplicateKeysLastOneWinsLikeGo) {
  auto r = route_request(make_req("POST", "/promises", R"({"id":"a","timeout":1,"id":"b"})"));
  EXPECT_EQ(payload<queues::create_promise_request>(r).id, "b");
}

TEST(Routes, CreateHeaders) {
  auto r = route_request(make_req(
    "POST", "/promises", R"({"id":"p"})",
    {{"Idempotency-Key", "k1"}, {"strict", "true"}, {"Task-Id", "t1"}, {"Task-Counter", "7"}}));
  const auto& c = payload<queues::create_promise_request>(r);
  EXPECT_EQ(c.idempotency_key, "k1");
  EXPECT_TRUE(c.strict);
  ASSERT_TRUE(c.fence_token);
  EXPECT_EQ(c.fence_token->task_id, "t1");
  EXPECT_EQ(c.fence_token->task_counter, 7);
}

TEST(Routes, EmptyIdempotencyKeyIsNonNull) {
  auto r = route_request(make_req("POST", "/promises", R"({"id":"p"})", {{"idempotency-key", ""}}));
  const auto& c = payload<queues::create_promise_request>(r);
  ASSERT_TRUE(c.idempotency_key.has_value());
  EXPECT_EQ(*c.idempotency_key, "");
}

TEST(Routes, StrictFollowsGoParseBool) {
  for (auto v : {"1", "t", "T", "TRUE", "true", "True"}) {
    auto r = route_request(make_req("POST", "/promises", R"({"id":"p"})", {{"Strict", v}}));
    EXPECT_TRUE(payload<queues::create_promise_request>(r).strict) << v;
  }
  for (auto v : {"0", "f", "F", "FALSE", "false", "False", ""}) {
    auto r = route_request(make_req("POST", "/promises", R"({"id":"p"})", {{"Strict", v}}));
    EXPECT_FALSE(payload<queues::create_promise_request>(r).strict) << v;
  }
  for (auto v : {"yes", "tRUE", "2", " true"}) {
    auto msg = reject_one(make_req("POST", "/promises", R"({"id":"p"})", {{"Strict", v}}));
    EXPECT_EQ(msg, std::string("strconv.ParseBool: parsing \"") + v + "\": invalid syntax");
    msg = reject_one(make_req("PATCH", "/promises/p", R"({"state":"resolved"})", {{"Strict", v}}));
    EXPECT_NE(msg.find("ParseBool"), std::string::npos);
  }
}

TEST(Routes, FenceHeaders) {
  // Task-Counter must be an int64 even when no Task-Id is given.
  EXPECT_EQ(reject_one(make_req("POST", "/promises", R"({"id":"p"})", {{"Task-Counter", "x"}})),
            R"(strconv.ParseInt: parsing "x": invalid syntax)");
  EXPECT_EQ(reject_one(make_req("POST", "/promises", R"({"id":"p"})",
                                {{"Task-Id", "t"}, {"Task-Counter", "99999999999999999999"}})),
            R"(strconv.ParseInt: parsing "99999999999999999999": value out of range)");
  // The fence is active only with a non-empty Task-Id.
  auto r = route_request(
    make_req("POST", "/promises", R"({"id":"p"})", {{"Task-Id", ""}, {"Task-Counter", "3"}}));
  EXPECT_FALSE(payload<queues::create_promise_request>(r).fence_token);
  r = route_request(make_req("POST", "/promises", R"({"id":"p"})", {{"Task-Id", "t"}}));
  auto fence = payload<queues::create_promise_request>(r).fence_token;
  ASSERT_TRUE(fence);
  EXPECT_EQ(fence->task_counter, 0);
  r = route_request(make_req("PATCH", "/promises/p", R"({"state":"RESOLVED"})",
                             {{"Task-Id", "t"}, {"Task-Counter", "-2"}}));
  fence = payload<queues::complete_promise_request>(r).fence_token;
  ASSERT_TRUE(fence);
  EXPECT_EQ(fence->task_counter, -2);
}

TEST(Routes, CreateValidationFailures) {
  auto create = [](std::string_view body) {
    return reject_one(make_req("POST", "/promises", body));
  };
  EXPECT_EQ(create(R"({})"), "The field id is required.");
  EXPECT_EQ(create(R"({"id":""})"), "The field id is required.");
  EXPECT_EQ(create(R"({"id":null})"), "The field id is required.");
  EXPECT_EQ(create(""), "EOF");
  EXPECT_EQ(create("  "), "EOF");
  EXPECT_EQ(create(R"({"id":"p")"), "unexpected EOF");
  EXPECT_FALSE(create(R"({"id":"p",})").empty());
  EXPECT_FALSE(create("nope").empty());
  EXPECT_EQ(create("[]"),
            "json: cannot unmarshal array into Go value of type http.createPromiseBody");
  EXPECT_EQ(
    create(R"({"id":5})"),
    "json: cannot unmarshal number into Go struct field createPromiseBody.id of type string");
  for (auto t :
       {"1.5", "1e3", "1.5e20", "\"5\"", "9223372036854775808", "-9223372036854775809", "true"}) {
    auto msg = create(std::string(R"({"id":"p","timeout":)") + t + "}");
    EXPECT_NE(msg.find("createPromiseBody.timeout of type int64"), std::string::npos) << t;
  }
  EXPECT_EQ(create(R"({"id":"p","param":"x"})"),
            "json: cannot unmarshal string into Go struct field createPromiseBody.param of type "
            "promise.Value");
  EXPECT_EQ(create(R"({"id":"p","param":{"data":"not base64!"}})"),
            "illegal base64 data at input byte 3");
  EXPECT_EQ(create(R"({"id":"p","param":{"data":"YWJj="}})"),
            "illegal base64 data at input byte 4");
  EXPECT_EQ(create(R"({"id":"p","param":{"data":"YWI"}})"), "illegal base64 data at input byte 0");
  EXPECT_EQ(create(R"({"id":"p","param":{"data":5}})"),
            "json: cannot unmarshal number into Go struct field Value.param.data of type []uint8");
  EXPECT_EQ(create(R"({"id":"p","param":{"headers":{"a":1}}})"),
            "json: cannot unmarshal number into Go struct field Value.param.headers of type "
            "string");
  EXPECT_EQ(create(R"({"id":"p","tags":[]})"),
            "json: cannot unmarshal array into Go struct field createPromiseBody.tags of type "
            "map[string]string");
  EXPECT_EQ(create(R"({"id":"p","tags":{"a":true}})"),
            "json: cannot unmarshal bool into Go struct field createPromiseBody.tags of type "
            "string");
}

TEST(Routes, ValidationErrorBodyIsExact) {
  auto r = route_request(make_req("POST", "/promises", "{}"));
  EXPECT_EQ(
    r.response.body,
    R"({"error":{"code":40000,"message":"The request is invalid","details":[)"
    R"({"@type":"FieldValidationError","message":"The field id is required.",)"
    R"("domain":"request","metadata":{"url":"https://docs.resonatehq.io/operate/errors#40000"}}]}})");
}

// -- complete --------------------------------------------------------------------------

TEST(Routes, CompleteStates) {
  struct tc {
    const char* wire;
    queues::promise_state state;
  };
  for (auto [wire, state] : {tc{"RESOLVED", queues::promise_state::resolved},
                             tc{"resolved", queues::promise_state::resolved},
                             tc{"Rejected", queues::promise_state::rejected},
                             tc{"rejected_canceled", queues::promise_state::rejected_canceled}}) {
    auto r =
      route_request(make_req("PATCH", "/promises/a/b",
                             std::string(R"({"state":")") + wire + R"(","value":{"data":"aGk="}})",
                             {{"Idempotency-Key", "ck"}}));
    EXPECT_EQ(r.route, route_id::complete_promise);
    const auto& c = payload<queues::complete_promise_request>(r);
    EXPECT_EQ(c.id, "a/b");
    EXPECT_EQ(c.state, state);
    EXPECT_EQ(c.val.data, "hi");
    EXPECT_EQ(c.idempotency_key, "ck");
  }
}

TEST(Routes, CompleteValidationFailures) {
  auto complete = [](std::string_view body) {
    return reject_one(make_req("PATCH", "/promises/p", body));
  };
  EXPECT_EQ(complete(R"({"state":"PENDING"})"),
            "the field state must be one of resolved, rejected, rejected_canceled");
  EXPECT_EQ(complete(R"({"state":"rejected_timedout"})"),
            "the field state must be one of resolved, rejected, rejected_canceled");
  EXPECT_EQ(complete(R"({"state":"done"})"), "invalid state 'done'");
  EXPECT_EQ(complete(R"({"state":""})"), "invalid state ''");
  EXPECT_EQ(complete(R"({})"), "The field state is required.");
  EXPECT_EQ(complete(R"({"value":{}})"), "The field state is required.");
  EXPECT_NE(complete(R"({"state":1})").find("cannot unmarshal number"), std::string::npos);
  EXPECT_EQ(complete(R"({"state":"resolved","value":{"data":"%%%%"}})"),
            "illegal base64 data at input byte 0");
  EXPECT_EQ(complete(""), "EOF");
  EXPECT_EQ(complete("{"), "unexpected EOF");
}

// -- search ----------------------------------------------------------------------------

TEST(Routes, SearchDefaultsAndStates) {
  auto r = route_request(make_req("GET", "/promises?id=foo*"));
  EXPECT_EQ(r.route, route_id::search_promises);
  const auto& s = payload<queues::search_promises_request>(r);
  EXPECT_EQ(s.id, "foo*");
  EXPECT_EQ(s.states, queues::all_promise_states);
  EXPECT_EQ(s.limit, 100);
  EXPECT_TRUE(s.tags.empty());
  EXPECT_FALSE(s.sort_id);

  auto states = [](const char* q) {
    auto rr = route_request(make_req("GET", std::string("/promises?id=x&state=") + q));
    return payload<queues::search_promises_request>(rr).states;
  };
  EXPECT_EQ(states("pending"), 1);
  EXPECT_EQ(states("PENDING"), 1);
  EXPECT_EQ(states("Resolved"), 2);
  EXPECT_EQ(states("rejected"), 4 | 8 | 16);
}

TEST(Routes, SearchLimitAndTags) {
  auto r = route_request(make_req(
    "GET", "/promises?id=a+b&limit=7&tags[k1]=v1&tags%5Bk2%5D=v%202&tags[k1]=later&tags[]=x"));
  const auto& s = payload<queues::search_promises_request>(r);
  EXPECT_EQ(s.id, "a b");
  EXPECT_EQ(s.limit, 7);
  EXPECT_EQ(s.tags, (queues::tag_map{{"k1", "v1"}, {"k2", "v 2"}}));
  r = route_request(make_req("GET", "/promises?id=a&limit=0"));
  EXPECT_EQ(payload<queues::search_promises_request>(r).limit, 100);
  r = route_request(make_req("GET", "/promises?id=a&limit="));
  EXPECT_EQ(payload<queues::search_promises_request>(r).limit, 100);
  r = route_request(make_req("GET", "/promises?id=a&limit=100"));
  EXPECT_EQ(payload<queues::search_promises_request>(r).limit, 100);
}

TEST(Routes, SearchValidationFailures) {
  auto search = [](const char* target) { return rejected(make_req("GET", target)); };
  EXPECT_EQ(search("/promises"), std::vector<std::string>{"the field id is required"});
  EXPECT_EQ(search("/promises?state=pending"),
            std::vector<std::string>{"the field id is required"});
  EXPECT_EQ(search("/promises?id="),
            std::vector<std::string>{"The field id must be be at least length 1."});
  EXPECT_EQ(
    search("/promises?id=x&state=timedout"),
    std::vector<std::string>{"The field state must be one of pending, resolved, or rejected."});
  EXPECT_EQ(search("/promises?id=x&limit=101"),
            std::vector<std::string>{"The field limit must be less than or equal to 100."});
  EXPECT_EQ(search("/promises?id=x&limit=-1"),
            std::vector<std::string>{"The field limit must be greater than or equal to 0."});
  EXPECT_EQ(search("/promises?id=x&limit=ten"),
            std::vector<std::string>{R"(strconv.ParseInt: parsing "ten": invalid syntax)"});
  // Every failing field gets its own detail.
  EXPECT_EQ(
    search("/promises?id=&state=x&limit=500"),
    (std::vector<std::string>{"The field id must be be at least length 1.",
                              "The field state must be one of pending, resolved, or rejected.",
                              "The field limit must be less than or equal to 100."}));
}

TEST(Routes, SearchCursorIgnoresOtherParameters) {
  queues::search_promises_request next;
  next.id = "p*";
  next.states = 4 | 8 | 16;
  next.tags = {{"k", "v"}};
  next.limit = 10;
  next.sort_id = 42;
  std::string cursor = encode_cursor(next);
  auto r = route_request(
    make_req("GET", "/promises?id=&state=bogus&limit=1000&tags[x]=y&cursor=" + cursor));
  const auto& s = payload<queues::search_promises_request>(r);
  EXPECT_EQ(s.id, "p*");
  EXPECT_EQ(s.states, 4 | 8 | 16);
  EXPECT_EQ(s.tags, next.tags);
  EXPECT_EQ(s.limit, 10);
  EXPECT_EQ(s.sort_id, 42);
}

TEST(Routes, SearchBadCursorIs400) {
  queues::search_promises_request next;
  next.id = "p";
  next.limit = 5;
  next.sort_id = 1;
  std::string good = encode_cursor(next);

  std::string tampered = good;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(reject_one(make_req("GET", "/promises?cursor=" + tampered)),
            "token signature is invalid: signature is invalid");

  // Same signature, different claims.
  auto dot1 = good.find('.');
  auto dot2 = good.find('.', dot1 + 1);
  std::string forged = good.substr(0, dot1 + 1) +
                       base64url_encode(R"({"Next":{"id":"*","limit":100,"sortId":1}})") +
                       good.substr(dot2);
  EXPECT_FALSE(reject_one(make_req("GET", "/promises?cursor=" + forged)).empty());
  EXPECT_EQ(reject_one(make_req("GET", "/promises?id=x&cursor=garbage")),
            "token is malformed: token contains an invalid number of segments");
  EXPECT_FALSE(reject_one(make_req("GET", "/promises?cursor=a.b.c")).empty());
  // An empty cursor is no cursor.
  EXPECT_EQ(reject_one(make_req("GET", "/promises?cursor=")), "the field id is required");
}

}  // namespace
}  // namespace resonate::api_gateway
