// The schedule routes (REST v1 3.3, 4.8): matching, binding, validation
// messages and the reply encoders, without sockets.

#include <gtest/gtest.h>

#include "api_gateway/rest_v1/router.hpp"
#include "tests/unit/api_gateway/test_util.hpp"

namespace resonate::api_gateway {
namespace {

using testing::make_req;
using testing::messages;
using testing::payload_of;
using testing::rejected_with;

TEST(RoutesSchedules, CreateBuildsTheRequestWithTheHeaderKey) {
  auto r = route_request(make_req(
    "POST", "/schedules",
    R"({"id":"s","DESC":"d","description":"ignored","cron":"* * * * *","tags":{"a":"1"},)"
    R"("promiseId":"p.{{.timestamp}}","promiseTimeout":7,"promiseParam":{"headers":{"h":"v"},)"
    R"("data":"aGk="},"promiseTags":{"t":"u"},"idempotencyKey":"body-ignored"})",
    {{"idempotency-key", "hk"}}));
  EXPECT_EQ(r.route, route_id::create_schedule);
  ASSERT_TRUE(r.request);
  EXPECT_EQ(r.request->get_kind(), queues::kind::create_schedule);
  const auto& c = payload_of<queues::create_schedule_request>(r);
  EXPECT_EQ(c.id, "s");
  EXPECT_EQ(c.description, "d");
  EXPECT_EQ(c.cron, "* * * * *");
  EXPECT_EQ(c.tags, (queues::tag_map{{"a", "1"}}));
  EXPECT_EQ(c.promise_id, "p.{{.timestamp}}");
  EXPECT_EQ(c.promise_timeout, 7);
  EXPECT_EQ(c.promise_param.data, "hi");
  EXPECT_EQ(c.promise_param.headers.at("h"), "v");
  EXPECT_EQ(c.promise_tags, (queues::tag_map{{"t", "u"}}));
  EXPECT_EQ(c.idempotency_key, "hk");
  auto none = route_request(make_req("POST", "/schedules", R"({"id":"s","cron":"c","promiseId":"p"})"));
  EXPECT_FALSE(payload_of<queues::create_schedule_request>(none).idempotency_key);
  // An empty header is the non-null empty key; Strict is no header of this route.
  auto empty = route_request(make_req("POST", "/schedules", R"({"id":"s","cron":"c","promiseId":"p"})",
                                      {{"idempotency-key", ""}, {"strict", "bogus"}}));
  ASSERT_TRUE(empty.request);
  EXPECT_EQ(payload_of<queues::create_schedule_request>(empty).idempotency_key, "");
}

TEST(RoutesSchedules, CreateValidationFailures) {
  auto create = [](std::string_view body) {
    return rejected_with(route_request(make_req("POST", "/schedules", body)));
  };
  EXPECT_EQ(create("{}"), (messages{"The field id is required.", "The field cron is required.",
                                    "The field promiseid is required."}));
  EXPECT_EQ(create(R"({"id":"s","cron":"c"})"), (messages{"The field promiseid is required."}));
}

TEST(RoutesSchedules, ReadDeleteAndSearch) {
  auto r = route_request(make_req("GET", "/schedules/a/b", {}));
  EXPECT_EQ(r.route, route_id::read_schedule);
  EXPECT_EQ(payload_of<queues::read_schedule_request>(r).id, "a/b");
  r = route_request(make_req("DELETE", "/schedules/x", {}));
  EXPECT_EQ(r.route, route_id::delete_schedule);
  EXPECT_EQ(payload_of<queues::delete_schedule_request>(r).id, "x");

  r = route_request(make_req("GET", "/schedules?id=s*&tags[k]=v&limit=5&state=ignored", {}));
  EXPECT_EQ(r.route, route_id::search_schedules);
  const auto& s = payload_of<queues::search_schedules_request>(r);
  EXPECT_EQ(s.id, "s*");
  EXPECT_EQ(s.tags, (queues::tag_map{{"k", "v"}}));
  EXPECT_EQ(s.limit, 5);
  EXPECT_FALSE(s.sort_id);
  r = route_request(make_req("GET", "/schedules?id=*", {}));
  EXPECT_EQ(payload_of<queues::search_schedules_request>(r).limit, 100);

  EXPECT_EQ(rejected_with(route_request(make_req("GET", "/schedules", {}))),
            (messages{"the field id is required"}));
  EXPECT_EQ(rejected_with(route_request(make_req("GET", "/schedules?id=*&limit=101", {}))),
            (messages{"The field limit must be less than or equal to 100."}));
  EXPECT_EQ(route_path(route_id::read_schedule), "/schedules/*id");
}

TEST(RoutesSchedules, TheCursorCarriesTheNextRequest) {
  queues::search_schedules_response page;
  page.next = queues::search_schedules_request{"s*", {{"k", "v"}}, 3, 17};
  auto out = encode_reply(queues::kind::search_schedules, {queues::status::ok, page, {}});
  ASSERT_EQ(out.status, 200u);
  auto start = out.body.find(R"("cursor":")") + 10;
  auto cursor = out.body.substr(start, out.body.find('"', start) - start);
  EXPECT_EQ(out.body.substr(out.body.find(R"(,"schedules")")), R"(,"schedules":[]})");
  auto r = route_request(make_req("GET", "/schedules?id=ignored&cursor=" + cursor, {}));
  const auto& s = payload_of<queues::search_schedules_request>(r);
  EXPECT_EQ(s.id, "s*");
  EXPECT_EQ(s.tags, (queues::tag_map{{"k", "v"}}));
  EXPECT_EQ(s.limit, 3);
  EXPECT_EQ(s.sort_id, 17);
}

TEST(RoutesSchedulesEncoders, ScheduleJsonOmitsEmptyAndNullFields) {
  queues::schedule_record s;
  s.id = "s";
  s.cron = "* * * * *";
  s.promise_id = "p";
  s.next_run_time = 60000;
  s.created_on = 1;
  auto out = encode_reply(queues::kind::create_schedule,
                          {queues::status::created, queues::schedule_response{s}, {}});
  EXPECT_EQ(out.status, 201u);
  EXPECT_EQ(out.body, R"({"id":"s","cron":"* * * * *","tags":{},"promiseId":"p",)"
                      R"("promiseTimeout":0,"promiseParam":{},)"
                      R"("nextRunTime":60000,"createdOn":1})");
  s.description = "d";
  s.promise_tags = {{"t", "u"}};
  s.last_run_time = 0;
  s.idempotency_key = "";
  out = encode_reply(queues::kind::read_schedule, {queues::status::ok, queues::schedule_response{s}, {}});
  EXPECT_EQ(out.status, 200u);
  EXPECT_EQ(out.body, R"({"id":"s","desc":"d","cron":"* * * * *","tags":{},"promiseId":"p",)"
                      R"("promiseTimeout":0,"promiseParam":{},)"
                      R"("promiseTags":{"t":"u"},"lastRunTime":0,"nextRunTime":60000,)"
                      R"("idempotencyKey":"","createdOn":1})");
  out = encode_reply(queues::kind::delete_schedule, {queues::status::no_content, {}, {}});
  EXPECT_EQ(out.status, 204u);
  EXPECT_EQ(out.body, "");
  out = encode_reply(queues::kind::read_schedule,
                     queues::response::failure(queues::status::schedule_not_found));
  EXPECT_EQ(out.status, 404u);
  out = encode_reply(queues::kind::create_schedule,
                     queues::response::failure(queues::status::schedule_already_exists));
  EXPECT_EQ(out.status, 409u);
}

}  // namespace
}  // namespace resonate::api_gateway
