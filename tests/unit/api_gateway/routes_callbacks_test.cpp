// POST /promises/callback/*id, /promises/subscribe/*id and the deprecated
// /callbacks, /subscriptions: matching, binding, the callback ids and messages
// they build, validation messages, and the reply encoder.

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "api_gateway/rest_v1/router.hpp"
#include "tests/unit/api_gateway/test_util.hpp"

namespace resonate::api_gateway {
namespace {

using testing::make_req;
using testing::messages;
using testing::payload_of;
using testing::rejected_with;

messages post(std::string_view target, std::string_view body,
              std::vector<http_header> headers = {}) {
  return rejected_with(route_request(make_req("POST", target, body, std::move(headers))));
}

TEST(RoutesCallbacks, ResumeCallbackFromThePath) {
  auto r = route_request(make_req(
    "POST", "/promises/callback/a/b%2Fc",
    R"({"rootPromiseId":"r","recv":{"type":"poll","data":{"group":"g"}},"timeout":5,)"
    R"("promiseId":"ignored"})",
    {{"Traceparent", "tp"}, {"tracestate", "ts"}, {"Task-Id", "t"}, {"Task-Counter", "4"}}));
  EXPECT_EQ(r.route, route_id::create_callback);
  ASSERT_TRUE(r.request);
  EXPECT_EQ(r.request->get_kind(), queues::kind::create_callback);
  const auto& c = payload_of<queues::create_callback_request>(r);
  EXPECT_EQ(c.id, "__resume:r:a/b/c");
  EXPECT_EQ(c.promise_id, "a/b/c");  // the path wins over the body
  EXPECT_EQ(c.root_promise_id, "r");
  EXPECT_EQ(boost::json::parse(c.recv),
            boost::json::parse(R"({"type":"poll","data":{"group":"g"}})"));
  EXPECT_EQ(c.timeout, 5);
  EXPECT_EQ(c.mesg, (queues::message{queues::message_type::resume,
                                     {{"traceparent", "tp"}, {"tracestate", "ts"}}, "r", "a/b/c"}));
  ASSERT_TRUE(c.fence_token);
  EXPECT_EQ(*c.fence_token, (queues::fence{"t", 4}));
}

TEST(RoutesCallbacks, DeprecatedRouteReadsPromiseIdFromTheBody) {
  auto r = route_request(
    make_req("POST", "/callbacks", R"({"promiseId":"p","rootPromiseId":"r","recv":"default"})"));
  EXPECT_EQ(r.route, route_id::create_callback_deprecated);
  const auto& c = payload_of<queues::create_callback_request>(r);
  EXPECT_EQ(c.id, "__resume:r:p");
  EXPECT_EQ(c.promise_id, "p");
  EXPECT_EQ(c.recv, R"("default")");  // a logical receiver stays a JSON string
  EXPECT_EQ(c.timeout, 0);
  EXPECT_TRUE(c.mesg.head.empty());
  EXPECT_FALSE(c.fence_token);
}

TEST(RoutesCallbacks, OnlyPostHasTheCallbackRoutes) {
  auto r = route_request(make_req("GET", "/promises/callback/x"));
  EXPECT_EQ(r.route, route_id::read_promise);
  EXPECT_EQ(payload_of<queues::read_promise_request>(r).id, "callback/x");
  r = route_request(make_req("PATCH", "/promises/subscribe/x", R"({"state":"resolved"})"));
  EXPECT_EQ(payload_of<queues::complete_promise_request>(r).id, "subscribe/x");
}

TEST(RoutesCallbacks, ValidationFailures) {
  auto cb = [](std::string_view body, std::vector<http_header> h = {}) {
    return post("/promises/callback/p", body, std::move(h));
  };
  EXPECT_EQ(cb("{}"),
            (messages{"The field rootpromiseid is required.", "The field recv is required."}));
  EXPECT_EQ(cb(R"({"rootPromiseId":"r"})"), messages{"The field recv is required."});
  // null would reach the reference's sender and crash it: it counts as missing here.
  EXPECT_EQ(cb(R"({"rootPromiseId":"r","recv":null})"), messages{"The field recv is required."});
  for (auto recv : {"5", "true", "[]"}) {
    EXPECT_EQ(cb(std::string(R"({"rootPromiseId":"r","recv":)") + recv + "}"),
              messages{"The field recv must be a string or an object."})
      << recv;
  }
  EXPECT_EQ(cb(R"({"rootPromiseId":5,"recv":"a"})"),
            messages{"json: cannot unmarshal number into Go struct field "
                     "createCallbackBody.rootPromiseId of type string"});
  EXPECT_EQ(cb(R"({"rootPromiseId":"r","recv":"a","timeout":"1"})"),
            messages{"json: cannot unmarshal string into Go struct field "
                     "createCallbackBody.timeout of type int64"});
  EXPECT_EQ(cb(R"({"rootPromiseId":"r","recv":"a","promiseId":7})"),
            messages{"json: cannot unmarshal number into Go struct field "
                     "createCallbackBody.promiseId of type string"});
  EXPECT_EQ(cb("[]"),
            messages{"json: cannot unmarshal array into Go value of type http.createCallbackBody"});
  EXPECT_EQ(cb(""), messages{"EOF"});
  // Fence headers are bound (before the body).
  EXPECT_EQ(cb("{}", {{"Task-Counter", "x"}}),
            messages{R"(strconv.ParseInt: parsing "x": invalid syntax)"});
}

TEST(RoutesCallbacks, PromiseEqualToRootIsAServerError) {
  constexpr std::string_view expected =
    R"({"error":{"code":40000,"message":"The request is invalid","details":[)"
    R"({"@type":"ServerError","message":"promise and root promise must be different",)"
    R"("domain":"server","metadata":{"url":"https://docs.resonatehq.io/operate/errors#40000"}}]}})";
  auto r = route_request(
    make_req("POST", "/promises/callback/p", R"({"rootPromiseId":"p","recv":"default"})"));
  EXPECT_FALSE(r.request);
  EXPECT_EQ(r.response.status, 400u);
  EXPECT_EQ(r.response.content_type, json_content_type);
  EXPECT_EQ(r.response.body, expected);
  r = route_request(make_req("POST", "/callbacks",
                             R"({"promiseId":"p","rootPromiseId":"p","recv":"default"})"));
  EXPECT_FALSE(r.request);
  EXPECT_EQ(r.response.body, expected);
}

TEST(RoutesSubscriptions, NotifyFromThePath) {
  auto r = route_request(make_req(
    "POST", "/promises/subscribe/p",
    R"({"ID":"s1","recv":"default","timeout":3,"promiseId":"x","rootPromiseId":"p"})",
    {{"Tracestate", "only"}, {"Task-Id", "t"}, {"Task-Counter", "garbage"}}));
  EXPECT_EQ(r.route, route_id::create_subscription);
  const auto& c = payload_of<queues::create_callback_request>(r);
  EXPECT_EQ(c.id, "__notify:p:s1");
  EXPECT_EQ(c.promise_id, "p");
  EXPECT_EQ(c.root_promise_id, "p");
  EXPECT_EQ(c.recv, R"("default")");
  EXPECT_EQ(c.timeout, 3);
  // A tracestate alone is dropped; subscriptions take no fence.
  EXPECT_EQ(c.mesg, (queues::message{queues::message_type::notify, {}, "p", ""}));
  EXPECT_FALSE(c.fence_token);
}

TEST(RoutesSubscriptions, DeprecatedRouteAndTrace) {
  auto r = route_request(make_req("POST", "/subscriptions",
                                  R"({"id":"s","promiseId":"p","recv":{"type":"http"}})",
                                  {{"traceparent", "tp"}}));
  EXPECT_EQ(r.route, route_id::create_subscription_deprecated);
  const auto& c = payload_of<queues::create_callback_request>(r);
  EXPECT_EQ(c.id, "__notify:p:s");
  EXPECT_EQ(c.mesg.head, (queues::header_map{{"traceparent", "tp"}}));
  EXPECT_EQ(boost::json::parse(c.recv), boost::json::parse(R"({"type":"http"})"));
}

TEST(RoutesSubscriptions, ValidationFailures) {
  auto sub = [](std::string_view body) { return post("/promises/subscribe/p", body); };
  EXPECT_EQ(sub("{}"), (messages{"The field id is required.", "The field recv is required."}));
  EXPECT_EQ(sub(R"({"id":"s","recv":1})"),
            messages{"The field recv must be a string or an object."});
  EXPECT_EQ(sub(R"({"id":5})"),
            messages{"json: cannot unmarshal number into Go struct field createSubscriptionBody.Id "
                     "of type string"});
  EXPECT_EQ(sub("3"), messages{"json: cannot unmarshal number into Go value of type "
                               "http.createSubscriptionBody"});
}

// -- encoder ------------------------------------------------------------------------------

queues::promise_record pending(std::string id) {
  queues::promise_record p;
  p.id = std::move(id);
  p.timeout = 50;
  p.created_on = 1;
  return p;
}

TEST(RoutesCallbacks, EncodesCallbackWithEmptyRootPromiseId) {
  queues::callback_record cb;
  cb.id = "__resume:r:p";
  cb.promise_id = "p";
  cb.root_promise_id = "r";  // the reference never fills it in on the wire
  cb.recv = R"("default")";
  cb.mesg = {queues::message_type::resume, {}, "r", "p"};
  cb.timeout = 7;
  cb.created_on = 3;
  queues::response created{queues::status::created, queues::callback_response{cb, pending("p")},
                           {}};
  auto out = encode_reply(queues::kind::create_callback, created);
  EXPECT_EQ(out.status, 201u);
  EXPECT_EQ(out.body,
            R"({"callback":{"id":"__resume:r:p","promiseId":"p","rootPromiseId":"","timeout":7,)"
            R"("createdOn":3},"promise":{"id":"p","state":"PENDING","param":{},"value":{},)"
            R"("timeout":50,"createdOn":1}})");

  auto done = pending("p");
  done.state = queues::promise_state::resolved;
  done.completed_on = 2;
  out = encode_reply(queues::kind::create_callback,
                     {queues::status::ok, queues::callback_response{std::nullopt, done}, {}});
  EXPECT_EQ(out.status, 200u);
  EXPECT_EQ(out.body, R"({"callback":null,"promise":{"id":"p","state":"RESOLVED","param":{},)"
                      R"("value":{},"timeout":50,"createdOn":1,"completedOn":2}})");

  out = encode_reply(queues::kind::create_callback,
                     queues::response::failure(queues::status::promise_not_found));
  EXPECT_EQ(out.status, 404u);
  EXPECT_NE(out.body.find(R"("code":40400)"), std::string::npos);
  out = encode_reply(queues::kind::create_callback,
                     queues::response::failure(queues::status::task_precondition_failed, "fence"));
  EXPECT_EQ(out.status, 412u);
  EXPECT_NE(out.body.find(R"("@type":"ServerError","message":"fence")"), std::string::npos);
}

}  // namespace
}  // namespace resonate::api_gateway
