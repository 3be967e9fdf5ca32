#include "aio_adapters/sender/message_body.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace resonate::sender {
namespace {

queues::task_record invoke_task() {
  queues::task_record t;
  t.id = "__invoke:foo";
  t.state = queues::task_state::enqueued;
  t.root_promise_id = "foo";
  t.recv = R"("default")";
  t.mesg = queues::message{queues::message_type::invoke, {}, "foo", "foo"};
  t.timeout = 1737661069533;
  t.counter = 1;
  t.created_on = 1737574669536;
  return t;
}

constexpr const char* url = "http://localhost:8001";

TEST(message_body, invoke_exact_wire_string) {
  auto body = task_body(invoke_task(), url, true);
  EXPECT_EQ(body,
            R"({"type":"invoke","task":{"id":"__invoke:foo","counter":1,"timeout":1737661069533,)"
            R"("rootPromiseId":"foo","createdOn":1737574669536},)"
            R"("href":{"base":"http://localhost:8001",)"
            R"("claim":"http://localhost:8001/tasks/claim/__invoke:foo/1",)"
            R"("complete":"http://localhost:8001/tasks/complete/__invoke:foo/1",)"
            R"("heartbeat":"http://localhost:8001/tasks/heartbeat/__invoke:foo/1"}})");
  EXPECT_NO_THROW(boost::json::parse(body));
}

TEST(message_body, resume_with_head_for_poll_only) {
  auto t = invoke_task();
  t.id = "__resume:root:leaf";
  t.root_promise_id = "root";
  t.counter = 3;
  t.created_on.reset();
  t.mesg = queues::message{queues::message_type::resume, {{"traceparent", "00-ab-cd-01"}}, "root",
                           "leaf"};
  std::string common =
    R"({"type":"resume","task":{"id":"__resume:root:leaf","counter":3,"timeout":1737661069533,)"
    R"("rootPromiseId":"root"},"href":{"base":"u","claim":"u/tasks/claim/__resume:root:leaf/3",)"
    R"("complete":"u/tasks/complete/__resume:root:leaf/3",)"
    R"("heartbeat":"u/tasks/heartbeat/__resume:root:leaf/3"})";
  EXPECT_EQ(task_body(t, "u", false), common + "}");
  EXPECT_EQ(task_body(t, "u", true), common + R"(,"head":{"traceparent":"00-ab-cd-01"}})");
}

TEST(message_body, ids_are_not_url_escaped_but_are_json_escaped) {
  auto t = invoke_task();
  t.id = "__invoke:a/b?c\"d";
  auto body = task_body(t, url, false);
  auto v = boost::json::parse(body);
  EXPECT_EQ(v.at("href").at("claim").as_string(),
            "http://localhost:8001/tasks/claim/__invoke:a/b?c\"d/1");
  EXPECT_EQ(v.at("task").at("id").as_string(), "__invoke:a/b?c\"d");
}

TEST(message_body, notify_carries_the_promise_as_rest_renders_it) {
  queues::promise_record p;
  p.id = "p1";
  p.state = queues::promise_state::resolved;
  p.val.data = "hi";
  p.timeout = 10;
  p.tags = {{"k", "v"}};
  p.created_on = 1;
  p.completed_on = 2;
  queues::send_submission s;
  s.task.id = "__notify:p1:s1";
  s.task.mesg = queues::message{queues::message_type::notify, {{"traceparent", "t"}}, "p1", ""};
  s.promise = p;
  std::string error;
  auto http = message_body(s, url, false, error);
  ASSERT_TRUE(http.has_value());
  EXPECT_EQ(*http,
            R"({"type":"notify","promise":{"id":"p1","state":"RESOLVED","param":{},)"
            R"("value":{"data":"aGk="},"timeout":10,"tags":{"k":"v"},)"
            R"("createdOn":1,"completedOn":2}})");
  auto poll = message_body(s, url, true, error);
  ASSERT_TRUE(poll.has_value());
  EXPECT_EQ(poll->substr(http->size() - 1), R"(,"head":{"traceparent":"t"}})");

  s.promise.reset();
  EXPECT_FALSE(message_body(s, url, true, error).has_value());
  EXPECT_NE(error.find("__notify:p1:s1"), std::string::npos);
}

TEST(message_body, optional_task_fields_in_table_order) {
  auto t = invoke_task();
  t.process_id = "pid";
  t.completed_on = 5;
  auto v = boost::json::parse(task_body(t, url, false));
  const auto& task = v.at("task").as_object();
  std::vector<std::string> keys;
  for (const auto& kv : task) keys.emplace_back(kv.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "counter", "timeout", "rootPromiseId",
                                            "processId", "createdOn", "completedOn"}));
}

}  // namespace
}  // namespace resonate::sender
