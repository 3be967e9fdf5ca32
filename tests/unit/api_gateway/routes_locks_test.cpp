// The lock routes (REST v1 3.3, 4.9): matching, binding, validation messages
// (worded as the reference server's gin/validator/encoding-json words them) and
// the reply encoders, without sockets.

#include <gtest/gtest.h>

#include <limits>

#include "api_gateway/rest_v1/router.hpp"
#include "tests/unit/api_gateway/test_util.hpp"

namespace resonate::api_gateway {
namespace {

using testing::make_req;
using testing::messages;
using testing::payload_of;
using testing::rejected_with;

messages post(std::string_view target, std::string_view body) {
  return rejected_with(route_request(make_req("POST", target, body)));
}

TEST(RoutesLocks, AcquireBuildsTheRequest) {
  // Keys match case-insensitively; unknown keys are ignored.
  auto r = route_request(make_req(
    "POST", "/locks/acquire",
    R"({"resourceid":"r/1","ExecutionId":"e","processId":"p","ttl":9223372036854775807,"x":[]})"));
  EXPECT_EQ(r.route, route_id::acquire_lock);
  ASSERT_TRUE(r.request);
  EXPECT_EQ(r.request->get_kind(), queues::kind::acquire_lock);
  const auto& a = payload_of<queues::acquire_lock_request>(r);
  EXPECT_EQ(a.resource_id, "r/1");
  EXPECT_EQ(a.execution_id, "e");
  EXPECT_EQ(a.process_id, "p");
  EXPECT_EQ(a.ttl, std::numeric_limits<int64_t>::max());
  // ttl defaults to 0, and null leaves it so.
  r = route_request(make_req("POST", "/locks/acquire",
                             R"({"resourceId":"r","executionId":"e","processId":"p","ttl":null})"));
  EXPECT_EQ(payload_of<queues::acquire_lock_request>(r).ttl, 0);
}

TEST(RoutesLocks, AcquireValidationFailures) {
  auto acquire = [](std::string_view body) { return post("/locks/acquire", body); };
  EXPECT_EQ(acquire("{}"),
            (messages{"The field resourceid is required.", "The field executionid is required.",
                      "The field processid is required."}));
  EXPECT_EQ(acquire(R"({"resourceId":"r","executionId":"","processId":"p","ttl":-1})"),
            (messages{"The field executionid is required.",
                      "The field ttl must be be at least length 0."}));
  EXPECT_EQ(acquire(R"({"resourceId":"r","executionId":"e","processId":"p","ttl":"1"})"),
            messages{"json: cannot unmarshal string into Go struct field acquireLockBody.ttl of "
                     "type int64"});
  EXPECT_EQ(acquire(R"({"resourceId":"r","executionId":"e","processId":"p","ttl":1.5})"),
            messages{"json: cannot unmarshal number 1.5 into Go struct field acquireLockBody.ttl "
                     "of type int64"});
  EXPECT_EQ(
    acquire(R"({"resourceId":"r","executionId":"e","processId":"p","ttl":9223372036854775808})"),
    messages{"json: cannot unmarshal number 9223372036854775808 into Go struct field "
             "acquireLockBody.ttl of type int64"});
  EXPECT_EQ(acquire(R"({"resourceId":1})"),
            messages{"json: cannot unmarshal number into Go struct field "
                     "acquireLockBody.resourceId of type string"});
  EXPECT_EQ(acquire("[]"),
            messages{"json: cannot unmarshal array into Go value of type http.acquireLockBody"});
  EXPECT_EQ(acquire(""), messages{"EOF"});
}

TEST(RoutesLocks, Release) {
  auto r = route_request(make_req("POST", "/locks/release",
                                  R"({"resourceId":"r","executionId":"e","processId":1})"));
  EXPECT_EQ(r.route, route_id::release_lock);
  const auto& rel = payload_of<queues::release_lock_request>(r);
  EXPECT_EQ(rel.resource_id, "r");
  EXPECT_EQ(rel.execution_id, "e");
  EXPECT_EQ(post("/locks/release", "{}"),
            (messages{"The field resourceid is required.", "The field executionid is required."}));
  EXPECT_EQ(post("/locks/release", R"({"resourceId":"r","executionId":false})"),
            messages{"json: cannot unmarshal bool into Go struct field "
                     "releaseLockBody.executionId of type string"});
  EXPECT_EQ(post("/locks/release", "1"),
            messages{"json: cannot unmarshal number into Go value of type http.releaseLockBody"});
}

TEST(RoutesLocks, Heartbeat) {
  auto r = route_request(make_req("POST", "/locks/heartbeat", R"({"processId":"p","ttl":"x"})"));
  EXPECT_EQ(r.route, route_id::heartbeat_locks);
  EXPECT_EQ(payload_of<queues::heartbeat_locks_request>(r).process_id, "p");
  EXPECT_EQ(post("/locks/heartbeat", R"({"processId":""})"),
            messages{"The field processid is required."});
  EXPECT_EQ(post("/locks/heartbeat", R"({"processId":["p"]})"),
            messages{"json: cannot unmarshal array into Go struct field "
                     "heartbeatLocksBody.processId of type string"});
}

TEST(RoutesLocks, OnlyPostAndOnlyTheThreePaths) {
  for (auto [method, target] : {std::pair{"GET", "/locks/acquire"}, {"POST", "/locks"},
                                {"POST", "/locks/acquire/x"}, {"DELETE", "/locks/release"}}) {
    auto r = route_request(make_req(method, target, "{}"));
    EXPECT_EQ(r.route, route_id::not_found) << method << " " << target;
    EXPECT_EQ(r.response.status, 404u);
  }
  EXPECT_EQ(route_path(route_id::acquire_lock), "/locks/acquire");
  EXPECT_EQ(route_path(route_id::release_lock), "/locks/release");
  EXPECT_EQ(route_path(route_id::heartbeat_locks), "/locks/heartbeat");
}

TEST(RoutesLocksEncoders, AcquireIs201WithTheLock) {
  queues::lock_record l{"r<1>", "e", "p", 5, std::numeric_limits<int64_t>::min()};
  auto out = encode_reply(queues::kind::acquire_lock,
                          {queues::status::created, queues::lock_response{l}, {}});
  EXPECT_EQ(out.status, 201u);
  EXPECT_EQ(out.content_type, json_content_type);
  EXPECT_EQ(out.body, R"({"resourceId":"r\u003c1\u003e","executionId":"e","processId":"p",)"
                      R"("ttl":5,"expiresAt":-9223372036854775808})");
  out = encode_reply(queues::kind::acquire_lock,
                     queues::response::failure(queues::status::lock_already_acquired));
  EXPECT_EQ(out.status, 403u);
  EXPECT_EQ(out.body,
            R"({"error":{"code":40305,"message":"The lock is already acquired","details":[)"
            R"({"@type":"RequestError","message":"Request errors are not retryable since they )"
            R"(are caused by invalid client requests","domain":"request","metadata":)"
            R"({"url":"https://docs.resonatehq.io/operate/errors#40305"}}]}})");
  out = encode_reply(queues::kind::acquire_lock, {queues::status::created, {}, {}});
  EXPECT_EQ(out.status, 500u);
}

TEST(RoutesLocksEncoders, ReleaseIs204WithoutABodyOr404) {
  auto out = encode_reply(queues::kind::release_lock,
                          {queues::status::no_content, queues::empty_response{}, {}});
  EXPECT_EQ(out.status, 204u);
  EXPECT_EQ(out.body, "");
  EXPECT_TRUE(out.version_header);
  out = encode_reply(queues::kind::release_lock,
                     queues::response::failure(queues::status::lock_not_found));
  EXPECT_EQ(out.status, 404u);
  EXPECT_NE(out.body.find(R"({"error":{"code":40402,)"), std::string::npos);
}

TEST(RoutesLocksEncoders, HeartbeatCountsLocks) {
  auto out = encode_reply(queues::kind::heartbeat_locks,
                          {queues::status::ok, queues::count_response{7}, {}});
  EXPECT_EQ(out.status, 200u);
  EXPECT_EQ(out.body, R"({"locksAffected":7})");
  out = encode_reply(queues::kind::heartbeat_locks,
                     queues::response::failure(queues::status::aio_store_error, "db down"));
  EXPECT_EQ(out.status, 500u);
  EXPECT_NE(out.body.find(R"("@type":"ServerError","message":"db down")"), std::string::npos);
}

}  // namespace
}  // namespace resonate::api_gateway
