// Protocol 2026-04-01: the PromiseRecord shape the SDK 0.11.5 type guard demands
// (spec 1.4), the state names, and values as the SDK sends them.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "codecs/protocol_2026/records.hpp"

namespace r26 = resonate::codecs::protocol_2026;
namespace q = resonate::queues;
namespace json = boost::json;

TEST(protocol_2026_records, a_pending_promise_has_no_settled_at_and_empty_values) {
  q::promise_record p;
  p.id = "wf";
  p.timeout = 5000;
  p.created_on = 1000;
  p.tags = {{"resonate:scope", "global"}};
  std::string out;
  r26::append_promise(out, p);
  EXPECT_EQ(out, R"({"id":"wf","state":"pending","param":{},"value":{},)"
                 R"("tags":{"resonate:scope":"global"},"timeoutAt":5000,"createdAt":1000})");
}

TEST(protocol_2026_records, a_settled_promise_has_settled_at_and_its_value) {
  q::promise_record p;
  p.id = "wf";
  p.state = q::promise_state::rejected_timedout;
  p.timeout = 5000;
  p.created_on = 1000;
  p.completed_on = 5000;
  p.param.headers = {{"h", "v"}};
  p.param.data = "\"x\"";
  std::string out;
  r26::append_promise(out, p);
  auto j = json::parse(out);
  EXPECT_EQ(j.at("state").as_string(), "rejected_timedout");
  EXPECT_EQ(j.at("settledAt").as_int64(), 5000);
  EXPECT_EQ(j.at("param").at("headers").at("h").as_string(), "v");
  EXPECT_EQ(j.at("param").at("data").as_string(), "Ingi");  // base64 of "x" in quotes
  EXPECT_EQ(j.at("value").as_object().size(), 0u);
}

TEST(protocol_2026_records, state_names_and_the_states_a_client_may_settle_to) {
  EXPECT_EQ(r26::promise_state_name(q::promise_state::rejected_canceled), "rejected_canceled");
  EXPECT_EQ(r26::settle_state("resolved"), q::promise_state::resolved);
  EXPECT_EQ(r26::settle_state("rejected_canceled"), q::promise_state::rejected_canceled);
  EXPECT_FALSE(r26::settle_state("rejected_timedout"));  // only the server times out
  EXPECT_FALSE(r26::settle_state("RESOLVED"));
  EXPECT_FALSE(r26::settle_state("pending"));
}

TEST(protocol_2026_records, values_decode_canonical_base64_and_keep_any_other_text) {
  auto v = json::parse(R"({"headers":{"a":"b"},"data":"eyJ4IjoxfQ=="})");
  auto got = r26::value_from_json(&v);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->data, "{\"x\":1}");
  EXPECT_EQ(got->headers.at("a"), "b");
  auto odd = json::parse(R"({"data":"not base64!"})");
  EXPECT_EQ(r26::value_from_json(&odd)->data, "not base64!");
  auto empty = json::parse(R"({"headers":{},"data":""})");
  EXPECT_EQ(r26::value_from_json(&empty)->data, "");
  EXPECT_TRUE(r26::value_from_json(nullptr));  // absent: an empty value
  for (const char* bad : {R"([])", R"({"data":5})", R"({"data":null})", R"({"headers":[]})",
                          R"({"headers":{"a":1}})"}) {
    auto b = json::parse(bad);
    EXPECT_FALSE(r26::value_from_json(&b)) << bad;
  }
  auto tags = json::parse(R"({"resonate:target":"poll://any@default"})");
  EXPECT_EQ(r26::tags_from_json(&tags)->at("resonate:target"), "poll://any@default");
  auto bad_tags = json::parse(R"({"n":1})");
  EXPECT_FALSE(r26::tags_from_json(&bad_tags));  // tag values are strings (spec 1.5)
}

TEST(protocol_2026_records, an_empty_value_comes_back_as_it_was_sent) {
  // The SDK sends `{"headers":{},"data":""}` for an undefined argument; its own
  // server echoes that, and `{}` for an absent value.
  for (const char* sent : {R"({"headers":{},"data":""})", R"({"headers":{}})", R"({"data":""})",
                           R"({})", R"({"headers":{"a":"b"},"data":""})"}) {
    auto v = json::parse(sent);
    auto got = r26::value_from_json(&v);
    ASSERT_TRUE(got) << sent;
    std::string out;
    r26::append_value(out, *got);
    EXPECT_EQ(json::parse(out), v) << sent << " came back as " << out;
  }
  std::string absent;
  r26::append_value(absent, *r26::value_from_json(nullptr));
  EXPECT_EQ(absent, "{}");
  // Equal when they render alike: the presence of an empty part counts, not how it was set.
  q::value given;
  given.data_present = true;
  EXPECT_NE(given, q::value{});
  q::value full;
  full.data = "x";
  q::value full_flagged = full;
  full_flagged.data_present = true;
  EXPECT_EQ(full, full_flagged);
}

// Spec 3.3: the outbox bodies as the receiver gets them, field order included.
TEST(protocol_2026_records, an_execute_names_the_server_in_its_head_unless_there_is_none) {
  q::outbox_message m{"t/1", 3, "poll://any@g", std::nullopt};
  EXPECT_EQ(r26::message_body(m, "http://localhost:8001"),
            R"({"kind":"execute","head":{"serverUrl":"http://localhost:8001"},)"
            R"("data":{"task":{"id":"t/1","version":3}}})");
  // debug.snap shows them with an empty head.
  EXPECT_EQ(r26::message_body(m, ""),
            R"({"kind":"execute","head":{},"data":{"task":{"id":"t/1","version":3}}})");
  m.version = 0;  // a first execute is still an execute
  EXPECT_EQ(r26::message_body(m, ""),
            R"({"kind":"execute","head":{},"data":{"task":{"id":"t/1","version":0}}})");
}

TEST(protocol_2026_records, an_unblock_carries_its_promise_and_never_the_server) {
  q::promise_record p;
  p.id = "a";
  p.state = q::promise_state::resolved;
  p.timeout = 5000;
  p.created_on = 1000;
  p.completed_on = 2000;
  p.val.data = "x";
  q::outbox_message m{"a", -1, "http://w/unblock", p};
  EXPECT_EQ(r26::message_body(m, "http://localhost:8001"),
            R"({"kind":"unblock","head":{},"data":{"promise":{"id":"a","state":"resolved",)"
            R"("param":{},"value":{"data":"eA=="},"tags":{},"timeoutAt":5000,"createdAt":1000,)"
            R"("settledAt":2000}}})");
}

TEST(protocol_2026_records, a_schedule_shows_last_run_at_once_it_ran) {
  q::schedule_record s;
  s.id = "s";
  s.cron = "0 * * * *";
  s.promise_id = "p/{{.id}}";
  s.promise_timeout = 1000;
  s.promise_tags = {{"resonate:target", "poll://any@g"}};
  s.created_on = 7;
  s.next_run_time = 3600000;
  std::string out;
  r26::append_schedule(out, s);
  EXPECT_EQ(out, R"({"id":"s","cron":"0 * * * *","promiseId":"p/{{.id}}","promiseTimeout":1000,)"
                 R"("promiseParam":{},"promiseTags":{"resonate:target":"poll://any@g"},)"
                 R"("createdAt":7,"nextRunAt":3600000})");
  s.last_run_time = 0;  // ran at time 0: still shown
  out.clear();
  r26::append_schedule(out, s);
  EXPECT_EQ(out, R"({"id":"s","cron":"0 * * * *","promiseId":"p/{{.id}}","promiseTimeout":1000,)"
                 R"("promiseParam":{},"promiseTags":{"resonate:target":"poll://any@g"},)"
                 R"("createdAt":7,"nextRunAt":3600000,"lastRunAt":0})");
}
