// Protocol 2026-04-01: the request envelope's checks and the answers they give
// (spec 1.2, 1.3, 1.7 "all") and the response envelope. The records (1.4) are
// codecs/protocol_2026's, tested in tests/unit/codecs.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "api_gateway/protocol_2026/decode.hpp"
#include "api_gateway/protocol_2026/envelope.hpp"
#include "api_gateway/protocol_2026/validate.hpp"
#include "codecs/protocol_2026/records.hpp"

namespace p26 = resonate::api_gateway::protocol_2026;
namespace r26 = resonate::codecs::protocol_2026;
namespace q = resonate::queues;
namespace json = boost::json;

namespace {

p26::envelope_error refused(std::string_view body) {
  auto r = p26::parse_envelope(body);
  EXPECT_TRUE(std::holds_alternative<p26::envelope_error>(r)) << body;
  if (auto* e = std::get_if<p26::envelope_error>(&r)) return *e;
  return {};
}

const char* good =
  R"({"kind":"promise.get","head":{"corrId":"c1","version":"2026-04-01"},"data":{"id":"p"}})";

}  // namespace

TEST(protocol_2026_envelope, a_good_envelope_parses_with_its_head_and_data) {
  auto r = p26::parse_envelope(good);
  ASSERT_TRUE(std::holds_alternative<p26::envelope>(r));
  auto& e = std::get<p26::envelope>(r);
  EXPECT_EQ(e.kind, "promise.get");
  EXPECT_EQ(e.corr_id, "c1");
  EXPECT_EQ(e.data.at("id").as_string(), "p");
  EXPECT_EQ(e.head.at("version").as_string(), "2026-04-01");
}

TEST(protocol_2026_envelope, unreadable_bodies_echo_unknown_and_0) {
  for (const char* body : {"", "{", "[]", "\"x\"", "{\"kind\":", "null"}) {
    auto e = refused(body);
    EXPECT_EQ(e.status, 400u) << body;
    EXPECT_EQ(e.kind, "unknown") << body;
    EXPECT_EQ(e.corr_id, "0") << body;
    EXPECT_FALSE(e.message.empty()) << body;
  }
}

TEST(protocol_2026_envelope, what_can_be_read_is_echoed_on_a_refusal) {
  auto e =
    refused(R"({"kind":"promise.get","head":{"corrId":"c9","version":"2025-01-01"},"data":{}})");
  EXPECT_EQ(e.kind, "promise.get");
  EXPECT_EQ(e.corr_id, "c9");
  EXPECT_EQ(e.message,
            "Unsupported protocol version '2025-01-01', supported versions: [\"2026-04-01\"]");
}

TEST(protocol_2026_envelope, each_check_in_the_reference_order) {
  EXPECT_EQ(
    refused(R"({"kind":"","head":{"corrId":"c","version":"2026-04-01"},"data":{}})").message,
    "Invalid request: 'kind' must be a non-empty string");
  EXPECT_EQ(refused(R"({"kind":5,"head":{"corrId":"c","version":"2026-04-01"},"data":{}})").kind,
            "unknown");
  EXPECT_EQ(refused(R"({"kind":"promise.get","data":{}})").message,
            "Invalid 'head' field — must be an object");
  EXPECT_EQ(refused(R"({"kind":"promise.get","head":{"version":"2026-04-01"},"data":{}})").message,
            "Invalid 'head.corrId' field — must be a string");
  // data is checked before the version, the version before the kind's name.
  EXPECT_EQ(refused(R"({"kind":"nope","head":{"corrId":"c","version":"x"},"data":[]})").message,
            "Invalid 'data' field — must be an object");
  EXPECT_EQ(refused(R"({"kind":"nope","head":{"corrId":"c"},"data":{}})").message,
            "Unsupported protocol version '', supported versions: [\"2026-04-01\"]");
  EXPECT_EQ(
    refused(R"({"kind":"nope","head":{"corrId":"c","version":"2026-04-01"},"data":{}})").message,
    "Unknown operation: nope");
}

TEST(protocol_2026_envelope, every_kind_of_the_spec_is_known_and_nothing_else) {
  for (const char* k : {"promise.get",
                        "promise.create",
                        "promise.settle",
                        "promise.register_callback",
                        "promise.register_listener",
                        "promise.search",
                        "task.get",
                        "task.create",
                        "task.acquire",
                        "task.release",
                        "task.fulfill",
                        "task.suspend",
                        "task.fence",
                        "task.heartbeat",
                        "task.halt",
                        "task.continue",
                        "task.search",
                        "schedule.get",
                        "schedule.create",
                        "schedule.delete",
                        "schedule.search",
                        "debug.start",
                        "debug.stop",
                        "debug.reset",
                        "debug.tick",
                        "debug.snap"})
    EXPECT_TRUE(p26::known_kind(k)) << k;
  for (const char* k : {"", "promise", "promise.", "Promise.get", "task.claim", "debug.state"})
    EXPECT_FALSE(p26::known_kind(k)) << k;
}

TEST(protocol_2026_envelope, responses_carry_kind_corr_id_status_and_version) {
  auto ok = json::parse(p26::encode_response("promise.get", "c1", 200, R"({"promise":{}})"));
  EXPECT_EQ(ok.at("kind").as_string(), "promise.get");
  EXPECT_EQ(ok.at("head").at("corrId").as_string(), "c1");
  EXPECT_EQ(ok.at("head").at("status").as_int64(), 200);
  EXPECT_EQ(ok.at("head").at("version").as_string(), "2026-04-01");
  EXPECT_TRUE(ok.at("data").is_object());
  // An error's data is the message as a plain string.
  auto err = json::parse(p26::encode_error("promise.get", "c1", 404, "Promise not found"));
  EXPECT_EQ(err.at("head").at("status").as_int64(), 404);
  EXPECT_EQ(err.at("data").as_string(), "Promise not found");
}

TEST(protocol_2026_validate, addresses_the_sdk_builds_pass_and_others_are_400) {
  for (const char* ok :
       {"poll://uni@default/abc123", "poll://any@default/abc123", "poll://any@workers",
        "poll://uni@g", "http://worker:9999/recv", "https://example.com",
        // One address grammar with the receiver (codecs/address.*), as Rust's URL
        // parser reads them (spec 1.6): the path is the id, slashes and all; a
        // query or fragment is not part of it; the scheme's case does not count.
        "poll://any@g/a/b", "poll://uni@g/w?x=1", "poll://uni@g/w#f", "POLL://any@g",
        "https://h/a b"}) {
    EXPECT_TRUE(p26::valid_address(ok)) << ok;
  }
  for (const char* bad : {"", "poll://", "poll://any@", "poll://all@g", "poll://g",
                          "poll://any@my group", "ftp://x", "http://", "local://uni@g/p", "workers",
                          // A bad escape in the id: the sender could never deliver to it.
                          "poll://uni@g/%zz", "poll://uni@g/a%"}) {
    EXPECT_FALSE(p26::valid_address(bad)) << bad;
  }
  auto check = [](const char* body) {
    auto r = p26::parse_envelope(body);
    EXPECT_TRUE(std::holds_alternative<p26::envelope>(r)) << body;
    return std::holds_alternative<p26::envelope>(r) ? p26::validate(std::get<p26::envelope>(r))
                                                    : std::optional<std::string>("unparsed");
  };
  EXPECT_EQ(
    check(
      R"({"kind":"promise.create","head":{"corrId":"c","version":"2026-04-01"},"data":{"id":"p","timeoutAt":1,"tags":{"resonate:target":"nowhere"}}})"),
    "Invalid resonate:target address");
  EXPECT_EQ(
    check(
      R"({"kind":"promise.create","head":{"corrId":"c","version":"2026-04-01"},"data":{"id":"p","timeoutAt":1,"tags":{"resonate:target":"poll://any@g"}}})"),
    std::nullopt);
  EXPECT_EQ(
    check(
      R"({"kind":"promise.register_listener","head":{"corrId":"c","version":"2026-04-01"},"data":{"awaited":"p","address":"poll://g"}})"),
    "Invalid listener address");
}

namespace {

std::optional<std::string> checked(const std::string& kind, const std::string& data) {
  auto body = R"({"kind":")" + kind + R"(","head":{"corrId":"c","version":"2026-04-01"},"data":)" +
              data + "}";
  auto r = p26::parse_envelope(body);
  EXPECT_TRUE(std::holds_alternative<p26::envelope>(r)) << body;
  if (!std::holds_alternative<p26::envelope>(r)) return "unparsed";
  return p26::validate(std::get<p26::envelope>(r));
}

}  // namespace

TEST(protocol_2026_validate, integer_fields_past_int64_are_400_and_fractions_are_floored) {
  const std::string create = R"({"id":"p","timeoutAt":)";
  for (const char* big : {"1.5e20", "9223372036854775808", "18446744073709551615", "1e300", "-1",
                          "-0.5", "\"5\"", "null", "true"}) {
    EXPECT_EQ(checked("promise.create", create + big + "}"),
              "Invalid 'timeoutAt' — must be a non-negative integer")
      << big;
  }
  for (const char* ok : {"0", "9007199254740991", "1.5", "9223372036854775807", "1e18"}) {
    EXPECT_EQ(checked("promise.create", create + ok + "}"), std::nullopt) << ok;
  }
  EXPECT_EQ(p26::integer_of(nullptr), std::nullopt);
  auto frac = json::value(2.9);
  EXPECT_EQ(p26::integer_of(&frac), 2);
  auto big = json::value(1.5e20);
  EXPECT_EQ(p26::integer_of(&big), std::nullopt);

  // Every other integer of a request that the spec names.
  EXPECT_EQ(
    checked(
      "task.create",
      R"({"pid":"w","ttl":1.5e20,"action":{"kind":"promise.create","head":{},"data":{"id":"p","timeoutAt":5,"tags":{"resonate:target":"poll://any@g"}}}})"),
    "Invalid 'ttl' — must be a positive integer");
  EXPECT_EQ(
    checked(
      "task.create",
      R"({"pid":"w","ttl":60000,"action":{"kind":"promise.create","head":{},"data":{"id":"p","timeoutAt":1.5e20,"tags":{"resonate:target":"poll://any@g"}}}})"),
    "Invalid 'timeoutAt' — must be a non-negative integer");
  EXPECT_EQ(checked("task.acquire", R"({"id":"t","version":1,"pid":"w","ttl":1.5e20})"),
            "Invalid 'ttl' — must be a positive integer");
  EXPECT_EQ(checked("task.acquire", R"({"id":"t","version":1.5e20,"pid":"w","ttl":1})"),
            "Invalid 'version' — must be a non-negative integer");
  EXPECT_EQ(checked("task.release", R"({"id":"t","version":9223372036854775808})"),
            "Invalid 'version' — must be a non-negative integer");
  EXPECT_EQ(checked("task.heartbeat", R"({"pid":"w","tasks":[{"id":"t","version":1.5e20}]})"),
            "Invalid 'tasks' — every entry needs an id and a version");
  EXPECT_EQ(
    checked(
      "task.fence",
      R"({"id":"t","version":1,"action":{"kind":"promise.create","head":{},"data":{"id":"c","timeoutAt":1.5e20}}})"),
    "Invalid 'timeoutAt' — must be a non-negative integer");
  EXPECT_EQ(
    checked(
      "schedule.create",
      R"({"id":"s","cron":"* * * * *","promiseId":"p","promiseTimeout":1.5e20,"promiseTags":{"resonate:target":"poll://any@g"}})"),
    "Invalid 'promiseTimeout' — must be a non-negative integer");
  EXPECT_EQ(checked("debug.tick", R"({"time":9223372036854775808})"),
            "Invalid 'time' — must be an integer");
  EXPECT_EQ(checked("promise.search", R"({"limit":1.5e20})"),
            "Invalid 'limit' — must be between 1 and 1000");
}

// *.search (spec 1.7, 1.9): limit 1..1000, the states of each record spelled
// as the records spell them, tags an object of strings, the cursor a string;
// a null field is an absent one. Anything else is a 400 before the store.
TEST(protocol_2026_validate, search_filters_limit_and_cursor) {
  auto check = [](std::string_view kind, std::string_view data) {
    auto body = R"({"kind":")" + std::string(kind) +
                R"(","head":{"corrId":"c","version":"2026-04-01"},"data":)" + std::string(data) +
                "}";
    auto r = p26::parse_envelope(body);
    EXPECT_TRUE(std::holds_alternative<p26::envelope>(r)) << body;
    return std::holds_alternative<p26::envelope>(r) ? p26::validate(std::get<p26::envelope>(r))
                                                    : std::optional<std::string>("unparsed");
  };
  for (const char* ok :
       {"{}", R"({"limit":1})", R"({"limit":1000})", R"({"cursor":"p-9"})", R"({"cursor":""})",
        R"({"limit":null,"cursor":null,"state":null,"tags":null})"}) {
    for (const char* kind : {"promise.search", "task.search", "schedule.search"}) {
      EXPECT_EQ(check(kind, ok), std::nullopt) << kind << " " << ok;
    }
  }
  for (const char* state :
       {"pending", "resolved", "rejected", "rejected_canceled", "rejected_timedout"}) {
    EXPECT_EQ(check("promise.search",
                    R"({"state":")" + std::string(state) + R"(","tags":{"resonate:origin":"o"}})"),
              std::nullopt)
      << state;
  }
  for (const char* state : {"pending", "acquired", "suspended", "halted", "fulfilled"}) {
    EXPECT_EQ(check("task.search", R"({"state":")" + std::string(state) + R"("})"), std::nullopt)
      << state;
  }
  EXPECT_EQ(check("schedule.search", R"({"tags":{"resonate:target":"poll://any@g"}})"),
            std::nullopt);

  const std::string limit = "Invalid 'limit' — must be between 1 and 1000";
  for (const char* kind : {"promise.search", "task.search", "schedule.search"}) {
    for (const char* bad : {R"({"limit":0})", R"({"limit":1001})", R"({"limit":-5})",
                            R"({"limit":"10"})", R"({"limit":2.5})", R"({"limit":true})"}) {
      EXPECT_EQ(check(kind, bad), limit) << kind << " " << bad;
    }
    for (const char* bad : {R"({"cursor":5})", R"({"cursor":{}})", R"({"cursor":["p"]})"}) {
      EXPECT_EQ(check(kind, bad), "Invalid 'cursor' — must be a string") << kind << " " << bad;
    }
  }
  for (const char* bad : {R"({"state":"PENDING"})", R"({"state":"canceled"})",
                          R"({"state":"acquired"})", R"({"state":""})", R"({"state":2})"}) {
    EXPECT_EQ(check("promise.search", bad),
              "Invalid 'state' — must be pending, resolved, rejected, "
              "rejected_canceled or "
              "rejected_timedout")
      << bad;
  }
  for (const char* bad : {R"({"state":"resolved"})", R"({"state":"claimed"})", R"({"state":0})"}) {
    EXPECT_EQ(check("task.search", bad),
              "Invalid 'state' — must be pending, acquired, suspended, halted "
              "or fulfilled")
      << bad;
  }
  for (const char* kind : {"promise.search", "schedule.search"}) {
    for (const char* bad : {R"({"tags":{"a":1}})", R"({"tags":["a"]})", R"({"tags":"a=b"})"}) {
      EXPECT_EQ(check(kind, bad), "Invalid 'tags' — must be an object of strings")
        << kind << " " << bad;
    }
  }
  EXPECT_EQ(r26::promise_state_from_name("rejected_timedout"), q::promise_state::rejected_timedout);
  EXPECT_EQ(r26::promise_state_from_name("REJECTED"), std::nullopt);
}

namespace {

p26::envelope parsed(std::string_view body) {
  auto r = p26::parse_envelope(body);
  EXPECT_TRUE(std::holds_alternative<p26::envelope>(r)) << body;
  return std::get<p26::envelope>(std::move(r));
}

}  // namespace

TEST(protocol_2026_fence, the_answer_echoes_the_actions_head_around_its_status) {
  auto env = parsed(
    R"({"kind":"task.fence","head":{"corrId":"outer","version":"2026-04-01"},"data":{"id":"t",)"
    R"("version":3,"action":{"kind":"promise.settle","head":{"corrId":"inner","version":"v9"},)"
    R"("data":{"id":"p","state":"resolved"}}}})");
  auto typed = p26::decode_typed(env, std::nullopt);
  ASSERT_TRUE(typed);
  const auto& req = std::get<q::task26_fence_request>(*typed);
  EXPECT_EQ(req.id, "t");
  EXPECT_EQ(req.version, 3);
  ASSERT_TRUE(req.settle);
  EXPECT_FALSE(req.create);
  EXPECT_EQ(req.settle->id, "p");
  q::promise_record p;
  p.id = "p";
  p.state = q::promise_state::resolved;
  q::task26_fence_response r{200, {}, q::promise26_response{200, p, {}}};
  auto out = json::parse(p26::encode_fence26("task.fence", "outer", p26::fence_echo_of(env), r));
  EXPECT_EQ(out.at("head").at("corrId").as_string(), "outer");
  EXPECT_EQ(out.at("head").at("status").as_int64(), 200);
  const auto& action = out.at("data").at("action");
  EXPECT_EQ(action.at("kind").as_string(), "promise.settle");
  EXPECT_EQ(action.at("head").at("corrId").as_string(), "inner");
  EXPECT_EQ(action.at("head").at("status").as_int64(), 200);
  EXPECT_EQ(action.at("head").at("version").as_string(), "v9");
  EXPECT_EQ(action.at("data").at("promise").at("id").as_string(), "p");
  EXPECT_TRUE(out.at("data").at("preload").as_array().empty());
  // The action's error: its status and message under the same head; a head
  // without corrId and version echoes neither.
  auto bare = parsed(
    R"({"kind":"task.fence","head":{"corrId":"o","version":"2026-04-01"},"data":{"id":"t",)"
    R"("version":1,"action":{"kind":"promise.create","head":{},"data":{"id":"c","timeoutAt":5}}}})");
  ASSERT_TRUE(std::get<q::task26_fence_request>(*p26::decode_typed(bare, 7)).create);
  q::task26_fence_response missing{
    200, {}, q::promise26_response{404, std::nullopt, "Promise not found"}};
  auto err = json::parse(p26::encode_fence26("task.fence", "o", p26::fence_echo_of(bare), missing));
  const auto& inner = err.at("data").at("action");
  EXPECT_EQ(inner.at("head").at("status").as_int64(), 404);
  EXPECT_FALSE(inner.at("head").as_object().contains("corrId"));
  EXPECT_FALSE(inner.at("head").as_object().contains("version"));
  EXPECT_EQ(inner.at("data").as_string(), "Promise not found");
  // The fence itself refused: an error envelope, no action.
  q::task26_fence_response refused{409, "Version mismatch", {}};
  auto no = json::parse(p26::encode_fence26("task.fence", "o", p26::fence_echo_of(bare), refused));
  EXPECT_EQ(no.at("head").at("status").as_int64(), 409);
  EXPECT_EQ(no.at("data").as_string(), "Version mismatch");
}
