#include "aio_adapters/sender/sender.hpp"

#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "aio_adapters/sender/message_body.hpp"
#include "tests/unit/aio_adapters/socket_util.hpp"

namespace resonate::sender {
namespace {

using namespace testing;
using std::chrono::milliseconds;

sender_options local_options() {
  sender_options o;
  o.system_url = "http://sys:8001";
  o.poll.host = "127.0.0.1";
  o.poll.port = 0;
  return o;
}

queues::send_submission invoke_to(const std::string& recv) {
  queues::send_submission s;
  s.task.id = "__invoke:p1";
  s.task.root_promise_id = "p1";
  s.task.recv = recv;
  s.task.state = queues::task_state::enqueued;
  s.task.mesg = queues::message{queues::message_type::invoke, {{"traceparent", "tp"}}, "p1", "p1"};
  s.task.timeout = 99;
  s.task.counter = 2;
  s.task.created_on = 7;
  return s;
}

struct result {
  queues::send_completion completion;
  std::thread::id thread;
};

std::future<result> send(sender& s, queues::send_submission sub) {
  auto p = std::make_shared<std::promise<result>>();
  auto fut = p->get_future();
  s.send(std::move(sub), [p](queues::send_completion c) {
    p->set_value(result{std::move(c), std::this_thread::get_id()});
  });
  return fut;
}

result wait(std::future<result> f) {
  EXPECT_EQ(f.wait_for(milliseconds(3000)), std::future_status::ready);
  return f.get();
}

TEST(sender, poll_delivery_formats_the_body_with_head_and_reports_poll_timings) {
  sender s(local_options());
  ASSERT_EQ(s.start(), "");
  ASSERT_NE(s.poll_port(), 0);
  sse_client c(s.poll_port(), "/workers/w1");
  ASSERT_EQ(c.status(), 200);
  while (s.poll()->connection_count() == 0) std::this_thread::sleep_for(milliseconds(2));

  auto sub = invoke_to(R"("poll://uni@workers/w1")");
  auto r = wait(send(s, sub));
  EXPECT_TRUE(r.completion.success) << r.completion.error;
  EXPECT_EQ(r.completion.time_to_retry, 15000);
  EXPECT_EQ(r.completion.time_to_claim, 60000);
  EXPECT_EQ(r.completion.error, "");
  EXPECT_NE(r.thread, std::this_thread::get_id());
  EXPECT_EQ(c.next_event(), task_body(sub.task, "http://sys:8001", true));

  // No connection for the address: a plugin failure (plugin TTR, no error text).
  auto miss = wait(send(s, invoke_to(R"("poll://uni@workers/w2")")));
  EXPECT_FALSE(miss.completion.success);
  EXPECT_EQ(miss.completion.time_to_retry, 15000);
  EXPECT_EQ(miss.completion.error, "");
  s.stop();
}

TEST(sender, default_target_is_anycast_to_group_default) {
  sender s(local_options());
  ASSERT_EQ(s.start(), "");
  sse_client c(s.poll_port(), "/default/anyone");
  ASSERT_EQ(c.status(), 200);
  while (s.poll()->connection_count() == 0) std::this_thread::sleep_for(milliseconds(2));
  auto r = wait(send(s, invoke_to(R"("default")")));
  EXPECT_TRUE(r.completion.success);
  auto got = c.next_event();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->rfind(R"({"type":"invoke","task":{"id":"__invoke:p1","counter":2,)", 0), 0u);
}

TEST(sender, pre_plugin_errors_retry_after_15s_with_a_reason) {
  auto o = local_options();
  o.http_enabled = false;
  sender s(o);
  ASSERT_EQ(s.start(), "");
  auto unknown = wait(send(s, invoke_to(R"("nobody")")));
  EXPECT_FALSE(unknown.completion.success);
  EXPECT_EQ(unknown.completion.time_to_retry, pre_plugin_retry_ms);
  EXPECT_EQ(unknown.completion.time_to_claim, 0);
  EXPECT_NE(unknown.completion.error.find("unknown receiver"), std::string::npos);

  auto bad = wait(send(s, invoke_to("not json")));
  EXPECT_FALSE(bad.completion.success);
  EXPECT_NE(bad.completion.error.find("invalid recv"), std::string::npos);

  auto disabled = wait(send(s, invoke_to(R"("http://127.0.0.1:1/")")));
  EXPECT_EQ(disabled.completion.error, "unknown plugin http");

  auto notify = invoke_to(R"("default")");
  notify.task.mesg.type = queues::message_type::notify;
  auto no_promise = wait(send(s, notify));
  EXPECT_FALSE(no_promise.completion.success);
  EXPECT_NE(no_promise.completion.error.find("without its promise"), std::string::npos);
}

TEST(sender, http_push_sends_head_as_headers_and_no_head_in_the_body) {
  http_listener l;
  sender s(local_options());
  ASSERT_EQ(s.start(), "");
  auto url = "http://127.0.0.1:" + std::to_string(l.port()) + "/w";
  auto sub =
    invoke_to(R"({"type":"http","data":{"url":")" + url + R"(","headers":{"X-Key":"k"}}})");
  auto r = wait(send(s, sub));
  EXPECT_TRUE(r.completion.success);
  EXPECT_EQ(r.completion.time_to_retry, 15000);
  EXPECT_EQ(r.completion.time_to_claim, 60000);
  auto reqs = l.requests(1);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_NE(reqs[0].find("traceparent: tp\r\n"), std::string::npos) << reqs[0];
  EXPECT_NE(reqs[0].find("X-Key: k\r\n"), std::string::npos);
  auto body = task_body(sub.task, "http://sys:8001", false);
  EXPECT_EQ(reqs[0].substr(reqs[0].size() - body.size()), body);

  auto closed = wait(send(s, invoke_to(
    "\"http://127.0.0.1:" + std::to_string(closed_port()) + "/\"")));
  EXPECT_FALSE(closed.completion.success);
  EXPECT_EQ(closed.completion.time_to_retry, 15000);
}

TEST(sender, every_send_is_answered_exactly_once_even_across_stop) {
  sender s(local_options());
  ASSERT_EQ(s.start(), "");
  std::atomic<int> calls{0};
  constexpr int n = 200;
  for (int i = 0; i < n; ++i) {
    s.send(invoke_to(R"("poll://any@nobody")"), [&](queues::send_completion) { ++calls; });
  }
  s.stop();
  EXPECT_EQ(calls.load(), n);
  // After stop: answered at once, on the caller's thread.
  s.send(invoke_to(R"("default")"), [&](queues::send_completion c) {
    EXPECT_FALSE(c.success);
    EXPECT_EQ(c.error, "sender not running");
    ++calls;
  });
  EXPECT_EQ(calls.load(), n + 1);
}

TEST(sender, queue_bound_rejects_without_blocking) {
  auto o = local_options();
  o.queue_size = 1;
  sender s(o);
  ASSERT_EQ(s.start(), "");
  // Block the io thread so that submissions pile up.
  std::promise<void> release;
  auto gate = release.get_future().share();
  s.send(invoke_to(R"("default")"), [gate](queues::send_completion) { gate.wait(); });
  // The first send may or may not have been dequeued yet; fill the queue either way.
  std::vector<std::future<result>> fs;
  for (int i = 0; i < 3; ++i) fs.push_back(send(s, invoke_to(R"("default")")));
  release.set_value();
  int full = 0;
  for (auto& f : fs) {
    auto r = wait(std::move(f));
    if (r.completion.error == "sender queue full") ++full;
  }
  EXPECT_GE(full, 1);
  s.stop();
}

TEST(sender, start_fails_cleanly_when_the_poll_port_is_taken) {
  sender a(local_options());
  ASSERT_EQ(a.start(), "");
  auto o = local_options();
  o.poll.port = a.poll_port();
  sender b(o);
  EXPECT_NE(b.start(), "");
  EXPECT_EQ(b.poll_port(), 0);
}

}  // namespace
}  // namespace resonate::sender
