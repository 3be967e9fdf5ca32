// POST /promises/task and the task routes: matching, binding, validation messages
// (worded as the reference server's gin/validator/encoding-json words them) and
// the reply encoders, without sockets.

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

// -- POST /promises/task ------------------------------------------------------------------

TEST(RoutesCreateAndTask, BuildsTheRequest) {
  auto r = route_request(make_req(
    "POST", "/promises/task",
    R"({"promise":{"id":"p/1","timeout":99,"param":{"headers":{"h":"v"},"data":"aGk="},)"
    R"("tags":{"resonate:invoke":"poll://any@g"}},"task":{"processId":"w1","ttl":30000},)"
    R"("other":1})",
    {{"Idempotency-Key", "k"},
     {"Strict", "true"},
     {"traceparent", "00-abc-01"},
     {"Tracestate", "x=1"},
     // The fence headers are not read here, not even for their syntax.
     {"Task-Id", "t"},
     {"Task-Counter", "not a number"}}));
  EXPECT_EQ(r.route, route_id::create_promise_and_task);
  ASSERT_TRUE(r.request);
  EXPECT_EQ(r.request->get_kind(), queues::kind::create_promise_and_task);
  const auto& c = payload_of<queues::create_promise_and_task_request>(r);
  EXPECT_EQ(c.promise.id, "p/1");
  EXPECT_EQ(c.promise.timeout, 99);
  EXPECT_EQ(c.promise.param.headers, (queues::header_map{{"h", "v"}}));
  EXPECT_EQ(c.promise.param.data, "hi");
  EXPECT_EQ(c.promise.tags, (queues::tag_map{{"resonate:invoke", "poll://any@g"}}));
  EXPECT_EQ(c.promise.idempotency_key, "k");
  EXPECT_TRUE(c.promise.strict);
  EXPECT_FALSE(c.promise.fence_token);
  EXPECT_EQ(c.promise.trace,
            (queues::header_map{{"traceparent", "00-abc-01"}, {"tracestate", "x=1"}}));
  EXPECT_EQ(c.process_id, "w1");
  EXPECT_EQ(c.ttl, 30000);
}

TEST(RoutesCreateAndTask, Defaults) {
  auto r = route_request(
    make_req("POST", "/promises/task", R"({"promise":{"id":"p"},"task":{"processId":"w"}})"));
  const auto& c = payload_of<queues::create_promise_and_task_request>(r);
  EXPECT_EQ(c.promise.timeout, 0);
  EXPECT_EQ(c.ttl, 0);
  EXPECT_FALSE(c.promise.idempotency_key);
  EXPECT_FALSE(c.promise.strict);
  EXPECT_TRUE(c.promise.trace.empty());
  EXPECT_TRUE(c.promise.tags.empty());
}

TEST(RoutesCreateAndTask, ValidationFailures) {
  auto create = [](std::string_view body, std::vector<http_header> h = {}) {
    return post("/promises/task", body, std::move(h));
  };
  // Every failing field, in struct order; `required` on the nested structs checks nothing.
  EXPECT_EQ(create("{}"),
            (messages{"The field id is required.", "The field processid is required."}));
  EXPECT_EQ(create(R"({"promise":null,"task":null})"),
            (messages{"The field id is required.", "The field processid is required."}));
  EXPECT_EQ(create(R"({"promise":{"id":""},"task":{"processId":"w","ttl":-1}})"),
            (messages{"The field id is required.", "The field ttl must be be at least length 0."}));
  EXPECT_EQ(create(R"({"promise":{"id":"p"},"task":{"processId":"w","ttl":-1}})"),
            messages{"The field ttl must be be at least length 0."});
  // Decoder errors name the innermost struct and the whole JSON path.
  EXPECT_EQ(create(R"({"promise":{"id":5}})"),
            messages{"json: cannot unmarshal number into Go struct field "
                     "createPromiseBody.promise.id of type string"});
  EXPECT_EQ(create(R"({"promise":{"id":"p","timeout":"x"}})"),
            messages{"json: cannot unmarshal string into Go struct field "
                     "createPromiseBody.promise.timeout of type int64"});
  EXPECT_EQ(create(R"({"promise":{"id":"p","param":{"data":5}}})"),
            messages{"json: cannot unmarshal number into Go struct field "
                     "Value.promise.param.data of type []uint8"});
  EXPECT_EQ(create(R"({"promise":{"id":"p","param":"x"}})"),
            messages{"json: cannot unmarshal string into Go struct field "
                     "createPromiseBody.promise.param of type promise.Value"});
  EXPECT_EQ(create(R"({"promise":{"id":"p","tags":{"a":1}}})"),
            messages{"json: cannot unmarshal number into Go struct field "
                     "createPromiseBody.promise.tags of type string"});
  EXPECT_EQ(create(R"({"task":{"ttl":1.5}})"),
            messages{"json: cannot unmarshal number 1.5 into Go struct field "
                     "createPromiseTaskBody.task.ttl of type int64"});
  EXPECT_EQ(create(R"({"task":{"ttl":9223372036854775808}})"),
            messages{"json: cannot unmarshal number 9223372036854775808 into Go struct field "
                     "createPromiseTaskBody.task.ttl of type int64"});
  EXPECT_EQ(create(R"({"promise":{"id":"p"},"task":{"processId":5}})"),
            messages{"json: cannot unmarshal number into Go struct field "
                     "createPromiseTaskBody.task.processId of type string"});
  EXPECT_EQ(create(R"({"promise":"x"})"),
            messages{"json: cannot unmarshal string into Go struct field "
                     "createPromiseAndTaskBody.promise of type http.createPromiseBody"});
  EXPECT_EQ(create(R"({"task":[]})"),
            messages{"json: cannot unmarshal array into Go struct field "
                     "createPromiseAndTaskBody.task of type http.createPromiseTaskBody"});
  EXPECT_EQ(create("[]"),
            messages{"json: cannot unmarshal array into Go value of type "
                     "http.createPromiseAndTaskBody"});
  EXPECT_EQ(create(""), messages{"EOF"});
  EXPECT_EQ(create(R"({"promise":{"id":"p"},"task":{"processId":"w"}})", {{"Strict", "yes"}}),
            messages{R"(strconv.ParseBool: parsing "yes": invalid syntax)"});
}

TEST(RoutesCreateAndTask, ErrorBodyIsExact) {
  auto r = route_request(make_req("POST", "/promises/task", R"({"promise":{"id":"p"}})"));
  EXPECT_EQ(r.response.status, 400u);
  EXPECT_EQ(r.response.body,
            R"({"error":{"code":40000,"message":"The request is invalid","details":[)"
            R"({"@type":"FieldValidationError","message":"The field processid is required.",)"
            R"("domain":"request","metadata":)"
            R"({"url":"https://docs.resonatehq.io/operate/errors#40000"}}]}})");
}

TEST(RoutesTrace, CreateCarriesTraceContextOnlyWithATraceparent) {
  auto trace = [](std::vector<http_header> h) {
    auto r = route_request(make_req("POST", "/promises", R"({"id":"p"})", std::move(h)));
    return payload_of<queues::create_promise_request>(r).trace;
  };
  EXPECT_EQ(trace({{"Traceparent", "tp"}, {"Tracestate", "ts"}}),
            (queues::header_map{{"traceparent", "tp"}, {"tracestate", "ts"}}));
  EXPECT_EQ(trace({{"traceparent", "tp"}}), (queues::header_map{{"traceparent", "tp"}}));
  EXPECT_EQ(trace({{"Tracestate", "ts"}}), queues::header_map{});
  EXPECT_EQ(trace({{"Traceparent", ""}, {"Tracestate", "ts"}}), queues::header_map{});
  EXPECT_EQ(trace({{"Traceparent", "tp"}, {"Tracestate", ""}}),
            (queues::header_map{{"traceparent", "tp"}}));
  EXPECT_EQ(trace({}), queues::header_map{});
}

// -- the task routes ------------------------------------------------------------------------

TEST(RoutesTasks, ClaimPost) {
  auto r = route_request(make_req("POST", "/tasks/claim",
                                  R"({"ID":"__invoke:p","counter":3,"processId":"w","ttl":500})"));
  EXPECT_EQ(r.route, route_id::claim_task);
  const auto& c = payload_of<queues::claim_task_request>(r);
  EXPECT_EQ(c.id, "__invoke:p");
  EXPECT_EQ(c.counter, 3);
  EXPECT_EQ(c.process_id, "w");
  EXPECT_EQ(c.ttl, 500);
  // ttl defaults to 0; a negative counter is a counter.
  r = route_request(make_req("POST", "/tasks/claim", R"({"id":"t","counter":-1,"processId":"w"})"));
  EXPECT_EQ(payload_of<queues::claim_task_request>(r).ttl, 0);
  EXPECT_EQ(payload_of<queues::claim_task_request>(r).counter, -1);
}

TEST(RoutesTasks, ClaimPostValidationFailures) {
  auto claim = [](std::string_view body) { return post("/tasks/claim", body); };
  EXPECT_EQ(claim("{}"), (messages{"The field id is required.", "The field counter is required.",
                                   "The field processid is required."}));
  EXPECT_EQ(claim(R"({"id":"t","counter":0,"processId":"p","ttl":-5})"),
            (messages{"The field counter is required.",
                      "The field ttl must be be at least length 0."}));
  EXPECT_EQ(claim(R"({"id":"t","counter":"1"})"),
            messages{"json: cannot unmarshal string into Go struct field claimTaskBody.counter "
                     "of type int"});
  EXPECT_EQ(claim(R"({"id":"t","counter":1.5})"),
            messages{"json: cannot unmarshal number 1.5 into Go struct field "
                     "claimTaskBody.counter of type int"});
  EXPECT_EQ(claim(R"({"id":"t","counter":1,"processId":"p","ttl":"x"})"),
            messages{"json: cannot unmarshal string into Go struct field claimTaskBody.ttl of "
                     "type int64"});
  EXPECT_EQ(claim(R"({"id":true})"),
            messages{"json: cannot unmarshal bool into Go struct field claimTaskBody.id of type "
                     "string"});
  EXPECT_EQ(claim("[1]"),
            messages{"json: cannot unmarshal array into Go value of type http.claimTaskBody"});
  EXPECT_EQ(claim("{"), messages{"unexpected EOF"});
}

TEST(RoutesTasks, ClaimGetUsesSyntheticProcessIdAndTaskFrequency) {
  auto r = route_request(make_req("GET", "/tasks/claim/__invoke:p/7"));
  EXPECT_EQ(r.route, route_id::claim_task_get);
  const auto& c = payload_of<queues::claim_task_request>(r);
  EXPECT_EQ(c.id, "__invoke:p");
  EXPECT_EQ(c.counter, 7);
  EXPECT_EQ(c.process_id, "__invoke:p/7");
  EXPECT_EQ(c.ttl, 60000);

  route_options opts;
  opts.task_frequency_ms = 1234;
  r = route_request(make_req("GET", "/tasks/claim/t/+08?x=1"), opts);
  const auto& c2 = payload_of<queues::claim_task_request>(r);
  EXPECT_EQ(c2.counter, 8);
  EXPECT_EQ(c2.process_id, "t/8");  // the counter as a number, not as typed
  EXPECT_EQ(c2.ttl, 1234);

  // gin lets the id segment be empty.
  r = route_request(make_req("GET", "/tasks/claim//1"));
  EXPECT_EQ(payload_of<queues::claim_task_request>(r).id, "");
}

TEST(RoutesTasks, GetCounterMustBeANumber) {
  auto get = [](const std::string& target) {
    return rejected_with(route_request(make_req("GET", target)));
  };
  // The claim route's message has lost its first letter in the reference.
  EXPECT_EQ(get("/tasks/claim/t/x"), messages{"he field counter must be a number"});
  EXPECT_EQ(get("/tasks/claim/t/99999999999999999999"),
            messages{"he field counter must be a number"});
  for (auto op : {"complete", "drop", "heartbeat"}) {
    EXPECT_EQ(get(std::string("/tasks/") + op + "/t/1x"),
              messages{"the field counter must be a number"})
      << op;
  }
}

TEST(RoutesTasks, CompleteAndDrop) {
  auto r = route_request(make_req("POST", "/tasks/complete", R"({"id":"t","counter":2})"));
  EXPECT_EQ(r.route, route_id::complete_task);
  EXPECT_EQ(payload_of<queues::complete_task_request>(r).id, "t");
  EXPECT_EQ(payload_of<queues::complete_task_request>(r).counter, 2);
  r = route_request(make_req("GET", "/tasks/complete/t/-3"));
  EXPECT_EQ(r.route, route_id::complete_task_get);
  EXPECT_EQ(payload_of<queues::complete_task_request>(r).counter, -3);

  r = route_request(make_req("POST", "/tasks/drop", R"({"id":"t","counter":4,"processId":5})"));
  EXPECT_EQ(r.route, route_id::drop_task);  // processId is not a field of the drop body
  EXPECT_EQ(payload_of<queues::drop_task_request>(r).id, "t");
  EXPECT_EQ(payload_of<queues::drop_task_request>(r).counter, 4);
  r = route_request(make_req("GET", "/tasks/drop/t/5"));
  EXPECT_EQ(r.route, route_id::drop_task_get);
  EXPECT_EQ(payload_of<queues::drop_task_request>(r).counter, 5);

  for (auto target : {"/tasks/complete", "/tasks/drop"}) {
    EXPECT_EQ(post(target, "{}"),
              (messages{"The field id is required.", "The field counter is required."}));
    EXPECT_EQ(post(target, R"({"id":"t","counter":0})"),
              messages{"The field counter is required."});
  }
  EXPECT_EQ(post("/tasks/complete", R"({"id":"t","counter":true})"),
            messages{"json: cannot unmarshal bool into Go struct field completeTaskBody.counter "
                     "of type int"});
  EXPECT_EQ(post("/tasks/drop", R"({"id":1})"),
            messages{"json: cannot unmarshal number into Go struct field dropTaskBody.id of type "
                     "string"});
}

TEST(RoutesTasks, Heartbeat) {
  auto r = route_request(make_req("POST", "/tasks/heartbeat", R"({"processId":"w","id":5})"));
  EXPECT_EQ(r.route, route_id::heartbeat_tasks);
  EXPECT_EQ(payload_of<queues::heartbeat_tasks_request>(r).process_id, "w");
  r = route_request(make_req("GET", "/tasks/heartbeat/t/3"));
  EXPECT_EQ(r.route, route_id::heartbeat_tasks_get);
  EXPECT_EQ(payload_of<queues::heartbeat_tasks_request>(r).process_id, "t/3");
  EXPECT_EQ(post("/tasks/heartbeat", "{}"), messages{"The field processid is required."});
  EXPECT_EQ(post("/tasks/heartbeat", R"({"processId":1})"),
            messages{"json: cannot unmarshal number into Go struct field "
                     "heartbeatTaskBody.processId of type string"});
}

TEST(RoutesTasks, MetricsPathsAreGinTemplates) {
  EXPECT_EQ(route_path(route_id::create_promise_and_task), "/promises/task");
  EXPECT_EQ(route_path(route_id::create_callback), "/promises/callback/*id");
  EXPECT_EQ(route_path(route_id::create_subscription), "/promises/subscribe/*id");
  EXPECT_EQ(route_path(route_id::create_callback_deprecated), "/callbacks");
  EXPECT_EQ(route_path(route_id::create_subscription_deprecated), "/subscriptions");
  EXPECT_EQ(route_path(route_id::claim_task), "/tasks/claim");
  EXPECT_EQ(route_path(route_id::claim_task_get), "/tasks/claim/:id/:counter");
  EXPECT_EQ(route_path(route_id::heartbeat_tasks_get), "/tasks/heartbeat/:id/:counter");
  EXPECT_EQ(route_path(route_id::read_promise), "/promises/*id");
  EXPECT_EQ(route_path(route_id::not_found), "");
}

// -- encoders -------------------------------------------------------------------------------

queues::promise_record promise(std::string id) {
  queues::promise_record p;
  p.id = std::move(id);
  p.timeout = 100;
  p.created_on = 1;
  return p;
}

queues::task_record task(queues::message_type type, std::string root, std::string leaf) {
  queues::task_record t;
  t.id = "__invoke:" + root;
  t.counter = 2;
  t.timeout = 100;
  t.root_promise_id = root;
  t.mesg = {type, {}, std::move(root), std::move(leaf)};
  t.state = queues::task_state::claimed;
  t.recv = R"("default")";
  t.ttl = 5;
  t.expires_at = 9;
  return t;
}

TEST(RoutesEncoders, TaskJsonOrderAndOmissions) {
  auto t = task(queues::message_type::invoke, "p", "p");
  queues::response res{queues::status::created, queues::task_response{t}, {}};
  auto out = encode_reply(queues::kind::complete_task, res);
  EXPECT_EQ(out.status, 201u);
  EXPECT_EQ(out.content_type, json_content_type);
  EXPECT_EQ(out.body, R"({"id":"__invoke:p","counter":2,"timeout":100,"rootPromiseId":"p"})");

  t.process_id = "w";
  t.created_on = 10;
  t.completed_on = 20;
  res = {queues::status::ok, queues::task_response{t}, {}};
  out = encode_reply(queues::kind::complete_task, res);
  EXPECT_EQ(out.status, 200u);
  EXPECT_EQ(out.body, R"({"id":"__invoke:p","counter":2,"timeout":100,"rootPromiseId":"p",)"
                      R"("processId":"w","createdOn":10,"completedOn":20})");
}

TEST(RoutesEncoders, CreateAndTask) {
  auto t = task(queues::message_type::invoke, "p", "p");
  t.counter = 1;
  t.process_id = "w";
  t.created_on = 1;
  queues::response res{queues::status::created,
                       queues::promise_and_task_response{promise("p"), t}, {}};
  auto out = encode_reply(queues::kind::create_promise_and_task, res);
  EXPECT_EQ(out.status, 201u);
  EXPECT_EQ(out.body,
            R"({"promise":{"id":"p","state":"PENDING","param":{},"value":{},"timeout":100,)"
            R"("createdOn":1},"task":{"id":"__invoke:p","counter":1,"timeout":100,)"
            R"("rootPromiseId":"p","processId":"w","createdOn":1}})");
  res = {queues::status::ok, queues::promise_and_task_response{promise("p"), std::nullopt}, {}};
  out = encode_reply(queues::kind::create_promise_and_task, res);
  EXPECT_EQ(out.status, 200u);
  EXPECT_EQ(out.body, R"({"promise":{"id":"p","state":"PENDING","param":{},"value":{},)"
                      R"("timeout":100,"createdOn":1},"task":null})");
  out = encode_reply(queues::kind::create_promise_and_task,
                     queues::response::failure(queues::status::promise_already_exists));
  EXPECT_EQ(out.status, 409u);
  EXPECT_NE(out.body.find(R"("@type":"RequestError")"), std::string::npos);
}

TEST(RoutesEncoders, ClaimInvokeHasOnlyTheRoot) {
  route_options opts;
  opts.system_url = "http://h:1";
  queues::claimed_task_response c{task(queues::message_type::invoke, "a/b", "a/b"), promise("a/b"),
                                  std::nullopt};
  auto out = encode_reply(queues::kind::claim_task, {queues::status::created, c, {}}, opts);
  EXPECT_EQ(out.status, 201u);
  // Go sorts the keys of gin.H maps; the promise id goes into the href unescaped.
  EXPECT_EQ(out.body,
            R"({"promises":{"root":{"data":{"id":"a/b","state":"PENDING","param":{},"value":{},)"
            R"("timeout":100,"createdOn":1},"href":"http://h:1/promises/a/b","id":"a/b"}},)"
            R"("type":"invoke"})");
}

TEST(RoutesEncoders, ClaimResumeHasLeafAndNullForMissingPromises) {
  queues::claimed_task_response c{task(queues::message_type::resume, "r", "l"), std::nullopt,
                                  promise("l")};
  auto out = encode_reply(queues::kind::claim_task, {queues::status::created, c, {}});
  EXPECT_EQ(out.body,
            R"({"promises":{"leaf":{"data":{"id":"l","state":"PENDING","param":{},"value":{},)"
            R"("timeout":100,"createdOn":1},"href":"http://[::]:8001/promises/l","id":"l"},)"
            R"("root":{"data":null,"href":"http://[::]:8001/promises/r","id":"r"}},)"
            R"("type":"resume"})");
  // notify: root only, whatever the kernel put in leaf
  c = {task(queues::message_type::notify, "n", ""), promise("n"), promise("x")};
  out = encode_reply(queues::kind::claim_task, {queues::status::created, c, {}});
  EXPECT_EQ(out.body.find("leaf"), std::string::npos);
  EXPECT_NE(out.body.find(R"("type":"notify")"), std::string::npos);
}

TEST(RoutesEncoders, ClaimErrorsAndOtherSuccess) {
  auto out = encode_reply(queues::kind::claim_task,
                          queues::response::failure(queues::status::task_already_claimed));
  EXPECT_EQ(out.status, 403u);
  EXPECT_EQ(out.body,
            R"({"error":{"code":40306,"message":"The task is already claimed","details":[)"
            R"({"@type":"RequestError","message":"Request errors are not retryable since they )"
            R"(are caused by invalid client requests","domain":"request","metadata":)"
            R"({"url":"https://docs.resonatehq.io/operate/errors#40306"}}]}})");
  out = encode_reply(queues::kind::claim_task, {queues::status::ok, queues::empty_response{}, {}});
  EXPECT_EQ(out.status, 200u);
  EXPECT_EQ(out.body, "null");
}

TEST(RoutesEncoders, DropHasNoBody) {
  for (auto s : {queues::status::created, queues::status::ok}) {
    auto out = encode_reply(queues::kind::drop_task, {s, queues::empty_response{}, {}});
    EXPECT_EQ(out.status, queues::http_code(s) + 0u);
    EXPECT_EQ(out.body, "");
    EXPECT_EQ(out.content_type, "");
    EXPECT_TRUE(out.version_header);
  }
  auto out = encode_reply(queues::kind::drop_task,
                          queues::response::failure(queues::status::task_invalid_counter));
  EXPECT_EQ(out.status, 403u);
  EXPECT_NE(out.body.find(R"("code":40308)"), std::string::npos);
  EXPECT_EQ(out.content_type, json_content_type);
}

TEST(RoutesEncoders, Heartbeat) {
  auto out = encode_reply(queues::kind::heartbeat_tasks,
                          {queues::status::ok, queues::count_response{3}, {}});
  EXPECT_EQ(out.status, 200u);
  EXPECT_EQ(out.body, R"({"tasksAffected":3})");
  out = encode_reply(queues::kind::heartbeat_tasks,
                     queues::response::failure(queues::status::aio_store_error, "db down"));
  EXPECT_EQ(out.status, 500u);
  EXPECT_NE(out.body.find(R"("@type":"ServerError","message":"db down")"), std::string::npos);
}

TEST(RoutesEncoders, WrongPayloadIs500) {
  for (auto k : {queues::kind::complete_task, queues::kind::heartbeat_tasks,
                 queues::kind::create_callback, queues::kind::create_promise_and_task}) {
    auto out = encode_reply(k, {queues::status::ok, queues::empty_response{}, {}});
    EXPECT_EQ(out.status, 500u) << static_cast<int>(k);
  }
}

}  // namespace
}  // namespace resonate::api_gateway
