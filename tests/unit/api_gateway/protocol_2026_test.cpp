// Protocol 2026-04-01: the request envelope's checks and the answers they give
// (spec 1.2, 1.3, 1.7 "all"), the typed requests decoded from envelopes, and
// the response envelopes written from typed answers. The records (1.4) are
// codecs/protocol_2026's, tested in tests/unit/codecs.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "api_gateway/protocol_2026/decode.hpp"
#include "api_gateway/protocol_2026/envelope.hpp"
#include "api_gateway/protocol_2026/protocol.hpp"
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

// -- the kinds that used to travel as JSON text: decoded into their requests ---------

namespace {

p26::envelope of(std::string_view kind, std::string_view data) {
  return parsed(R"({"kind":")" + std::string(kind) +
                R"(","head":{"corrId":"c","version":"2026-04-01"},"data":)" + std::string(data) +
                "}");
}

template <typename T>
T decoded(std::string_view kind, std::string_view data, std::optional<int64_t> debug_time = {}) {
  auto typed = p26::decode_typed(of(kind, data), debug_time);
  EXPECT_TRUE(typed) << kind;
  EXPECT_TRUE(typed && std::holds_alternative<T>(*typed)) << kind;
  if (!typed || !std::holds_alternative<T>(*typed)) return T{};
  return std::get<T>(std::move(*typed));
}

}  // namespace

TEST(protocol_2026_decode, every_kind_of_the_spec_has_its_typed_request) {
  for (int i = 0; p26::kind_at(i) != "unknown"; ++i) {
    auto kind = p26::kind_at(i);
    EXPECT_TRUE(p26::decode_typed(of(kind, "{}"), std::nullopt)) << kind;
  }
  EXPECT_GE(p26::kind_index("debug.snap"), 0);  // the loop above reached the last kinds
}

TEST(protocol_2026_decode, promise_search_reads_its_filters_and_defaults_to_every_state) {
  auto r = decoded<q::promise26_search_request>(
    "promise.search",
    R"({"state":"rejected_timedout","tags":{"a":"1","b":"2"},"limit":7,"cursor":"p/5"})", 42);
  EXPECT_EQ(r.state, q::promise_state::rejected_timedout);
  EXPECT_EQ(r.tags, (q::tag_map{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(r.limit, 7);
  EXPECT_EQ(r.cursor, "p/5");
  EXPECT_EQ(r.debug_time, 42);
  // Absent fields, and null ones (validate() lets them through as absent).
  for (const char* data : {"{}", R"({"state":null,"tags":null,"limit":null,"cursor":null})"}) {
    auto d = decoded<q::promise26_search_request>("promise.search", data);
    EXPECT_EQ(d.state, std::nullopt) << data;
    EXPECT_TRUE(d.tags.empty()) << data;
    EXPECT_EQ(d.limit, 100) << data;
    EXPECT_EQ(d.cursor, "") << data;
    EXPECT_EQ(d.debug_time, std::nullopt) << data;
  }
  EXPECT_EQ(decoded<q::promise26_search_request>("promise.search", R"({"state":"pending"})").state,
            q::promise_state::pending);
}

TEST(protocol_2026_decode, schedule_kinds_read_their_fields) {
  EXPECT_EQ(decoded<q::schedule26_get_request>("schedule.get", R"({"id":"s/1"})", 3).id, "s/1");
  EXPECT_EQ(decoded<q::schedule26_get_request>("schedule.get", R"({"id":"s/1"})", 3).debug_time, 3);
  EXPECT_EQ(decoded<q::schedule26_delete_request>("schedule.delete", R"({"id":"s/2"})").id, "s/2");

  auto c = decoded<q::schedule26_create_request>(
    "schedule.create",
    R"({"id":"s","cron":"*/5 * * * *","promiseId":"p/{{.timestamp}}","promiseTimeout":1500.9,)"
    R"("promiseParam":{"headers":{"h":"v"},"data":"eyJ4IjoxfQ=="},)"
    R"("promiseTags":{"resonate:target":"poll://any@g"}})",
    9);
  EXPECT_EQ(c.id, "s");
  EXPECT_EQ(c.cron, "*/5 * * * *");
  EXPECT_EQ(c.promise_id, "p/{{.timestamp}}");
  EXPECT_EQ(c.promise_timeout, 1500);  // a fraction floored, as every integer field
  EXPECT_EQ(c.promise_param.headers, (q::header_map{{"h", "v"}}));
  EXPECT_EQ(c.promise_param.data, "{\"x\":1}");  // canonical base64 stored decoded
  EXPECT_EQ(c.promise_tags, (q::tag_map{{"resonate:target", "poll://any@g"}}));
  EXPECT_EQ(c.debug_time, 9);
  // No param: an empty value.
  auto bare = decoded<q::schedule26_create_request>(
    "schedule.create",
    R"({"id":"s","cron":"* * * * *","promiseId":"p","promiseTimeout":0,"promiseTags":{"resonate:target":"poll://any@g"}})");
  EXPECT_FALSE(bare.promise_param.has_headers());
  EXPECT_FALSE(bare.promise_param.has_data());

  auto s = decoded<q::schedule26_search_request>(
    "schedule.search", R"({"tags":{"k":"v"},"limit":1000,"cursor":"s/9"})", 5);
  EXPECT_EQ(s.tags, (q::tag_map{{"k", "v"}}));
  EXPECT_EQ(s.limit, 1000);
  EXPECT_EQ(s.cursor, "s/9");
  EXPECT_EQ(s.debug_time, 5);
  for (const char* data : {"{}", R"({"tags":null,"limit":null,"cursor":null})"}) {
    auto d = decoded<q::schedule26_search_request>("schedule.search", data);
    EXPECT_TRUE(d.tags.empty()) << data;
    EXPECT_EQ(d.limit, 10) << data;  // spec 1.9: schedule.search pages by 10
    EXPECT_EQ(d.cursor, "") << data;
  }
}

TEST(protocol_2026_decode, debug_kinds_are_one_request_with_their_operation) {
  const std::pair<const char*, q::debug26_op> ops[] = {{"debug.start", q::debug26_op::start},
                                                       {"debug.stop", q::debug26_op::stop},
                                                       {"debug.reset", q::debug26_op::reset},
                                                       {"debug.snap", q::debug26_op::snap},
                                                       {"debug.tick", q::debug26_op::tick}};
  for (const auto& [kind, op] : ops) {
    auto r = decoded<q::debug26_request>(kind, R"({"time":77})", 77);
    EXPECT_EQ(r.op, op) << kind;
    EXPECT_EQ(r.debug_time, 77) << kind;
    EXPECT_EQ(p26::debug_op_of(kind), op) << kind;
  }
  EXPECT_EQ(p26::debug_op_of("debug.state"), std::nullopt);
  EXPECT_EQ(p26::debug_op_of("promise.get"), std::nullopt);
}

// -- their answers, byte for byte as the kernel's JSON wrote them ------------------------

namespace {

std::string ok_envelope(std::string_view kind, std::string_view data) {
  return R"({"kind":")" + std::string(kind) +
         R"(","head":{"corrId":"c","status":200,"version":"2026-04-01"},"data":)" +
         std::string(data) + "}";
}

q::promise_record promise_at(std::string id, int64_t timeout) {
  q::promise_record p;
  p.id = std::move(id);
  p.timeout = timeout;
  p.created_on = 1000;
  return p;
}

q::schedule_record sample_schedule() {
  q::schedule_record s;
  s.id = "s1";
  s.description = "not shown";
  s.cron = "* * * * *";
  s.tags = {{"not", "shown"}};
  s.promise_id = "p/{{.timestamp}}";
  s.promise_timeout = 60000;
  s.promise_param.data = "x";
  s.promise_tags = {{"resonate:target", "poll://any@g"}};
  s.created_on = 100;
  s.next_run_time = 60000;
  return s;
}

constexpr std::string_view sample_schedule_json =
  R"({"id":"s1","cron":"* * * * *","promiseId":"p/{{.timestamp}}","promiseTimeout":60000,)"
  R"("promiseParam":{"data":"eA=="},"promiseTags":{"resonate:target":"poll://any@g"},)"
  R"("createdAt":100,"nextRunAt":60000})";

}  // namespace

TEST(protocol_2026_encode, promise_search_pages_with_a_cursor_only_when_more_remain) {
  q::promise26_search_response page{{promise_at("a", 5000), promise_at("b", 6000)}, "b"};
  EXPECT_EQ(
    p26::encode_promise26_search("promise.search", "c", page),
    ok_envelope(
      "promise.search",
      R"({"promises":[{"id":"a","state":"pending","param":{},"value":{},"tags":{},"timeoutAt":5000,"createdAt":1000},)"
      R"({"id":"b","state":"pending","param":{},"value":{},"tags":{},"timeoutAt":6000,"createdAt":1000}],"cursor":"b"})"));
  EXPECT_EQ(p26::encode_promise26_search("promise.search", "c", {}),
            ok_envelope("promise.search", R"({"promises":[]})"));
}

TEST(protocol_2026_encode, schedules_as_the_kernel_wrote_them) {
  auto s = sample_schedule();
  EXPECT_EQ(
    p26::encode_schedule26("schedule.get", "c", {200, {}, s}),
    ok_envelope("schedule.get", R"({"schedule":)" + std::string(sample_schedule_json) + "}"));
  // lastRunAt once it has run, last.
  s.last_run_time = 120000;
  std::string ran(sample_schedule_json);
  ran.insert(ran.size() - 1, R"(,"lastRunAt":120000)");
  EXPECT_EQ(p26::encode_schedule26("schedule.create", "c", {200, {}, s}),
            ok_envelope("schedule.create", R"({"schedule":)" + ran + "}"));
  // delete: 200 with nothing to show.
  EXPECT_EQ(p26::encode_schedule26("schedule.delete", "c", {200, {}, std::nullopt}),
            ok_envelope("schedule.delete", "{}"));
  EXPECT_EQ(
    p26::encode_schedule26("schedule.get", "c", {404, "Schedule not found", std::nullopt}),
    R"({"kind":"schedule.get","head":{"corrId":"c","status":404,"version":"2026-04-01"},"data":"Schedule not found"})");
  EXPECT_EQ(
    p26::encode_schedule26("schedule.create", "c", {400, "Invalid cron expression", std::nullopt}),
    R"({"kind":"schedule.create","head":{"corrId":"c","status":400,"version":"2026-04-01"},"data":"Invalid cron expression"})");

  q::schedule26_search_response page{{sample_schedule()}, "s1"};
  EXPECT_EQ(p26::encode_schedule26_search("schedule.search", "c", page),
            ok_envelope("schedule.search", R"({"schedules":[)" + std::string(sample_schedule_json) +
                                             R"(],"cursor":"s1"})"));
  EXPECT_EQ(p26::encode_schedule26_search("schedule.search", "c", {}),
            ok_envelope("schedule.search", R"({"schedules":[]})"));
}

TEST(protocol_2026_encode, debug_answers_by_operation) {
  q::debug26_response nothing;
  EXPECT_EQ(p26::encode_debug26("debug.start", "c", q::debug26_op::start, nothing),
            ok_envelope("debug.start", "{}"));
  EXPECT_EQ(p26::encode_debug26("debug.stop", "c", q::debug26_op::stop, nothing),
            ok_envelope("debug.stop", "{}"));
  EXPECT_EQ(p26::encode_debug26("debug.reset", "c", q::debug26_op::reset, nothing),
            ok_envelope("debug.reset", "{}"));
  EXPECT_EQ(p26::encode_debug26("debug.tick", "c", q::debug26_op::tick, nothing),
            ok_envelope("debug.tick", "[]"));
  EXPECT_EQ(p26::debug26_status(q::debug26_op::tick, nothing), 200u);
  // A snap without its snapshot is the kernel's fault.
  EXPECT_EQ(p26::debug26_status(q::debug26_op::snap, nothing), 500u);
  EXPECT_EQ(
    p26::encode_debug26("debug.snap", "c", q::debug26_op::snap, nothing),
    R"({"kind":"debug.snap","head":{"corrId":"c","status":500,"version":"2026-04-01"},"data":"Internal error: no snapshot"})");
}

TEST(protocol_2026_encode, debug_snap_lays_out_the_whole_store) {
  q::snapshot26 s;
  s.promises = {promise_at("a", 5000)};
  s.promise_timeouts = {{"a", 5000}, {"b", 7000}};
  s.callbacks = {{"t", "a"}};
  s.listeners = {{"a", "poll://uni@g/1"}};
  q::task26_record acquired;
  acquired.id = "t";
  acquired.state = q::task26_state::acquired;
  acquired.version = 2;
  acquired.address = "poll://any@g";
  acquired.pid = "w";
  acquired.ttl = 30000;
  acquired.resumes = 1;
  acquired.timer = q::task26_timer::lease;
  acquired.timer_at = 31000;
  q::task26_record pending;
  pending.id = "u";
  pending.timer_at = 15000;  // no type: a retry
  q::task26_record idle;
  idle.id = "v";
  idle.state = q::task26_state::suspended;
  s.tasks = {acquired, pending, idle};
  q::outbox_message execute{"u", 0, "poll://any@g", std::nullopt};
  q::outbox_message unblock{"a", -1, "poll://uni@g/1", promise_at("a", 5000)};
  s.messages = {execute, unblock};
  q::debug26_response r{s};
  EXPECT_EQ(p26::debug26_status(q::debug26_op::snap, r), 200u);
  const std::string promise_a =
    R"({"id":"a","state":"pending","param":{},"value":{},"tags":{},"timeoutAt":5000,"createdAt":1000})";
  EXPECT_EQ(
    p26::encode_debug26("debug.snap", "c", q::debug26_op::snap, r),
    ok_envelope(
      "debug.snap",
      R"({"promises":[)" + promise_a +
        R"(],"promiseTimeouts":[{"id":"a","timeout":5000},{"id":"b","timeout":7000}],)"
        R"("callbacks":[{"awaiter":"t","awaited":"a"}],)"
        R"("listeners":[{"id":"a","address":"poll://uni@g/1"}],)"
        R"("tasks":[{"id":"t","state":"acquired","version":2,"resumes":1,"pid":"w","ttl":30000},)"
        R"({"id":"u","state":"pending","version":0,"resumes":0},)"
        R"({"id":"v","state":"suspended","version":0,"resumes":0}],)"
        R"("taskTimeouts":[{"id":"t","type":1,"timeout":31000},{"id":"u","type":0,"timeout":15000}],)"
        R"("messages":[{"address":"poll://any@g","message":{"kind":"execute","head":{},"data":{"task":{"id":"u","version":0}}}},)"
        R"({"address":"poll://uni@g/1","message":{"kind":"unblock","head":{},"data":{"promise":)" +
        promise_a + "}}}]}"));
  EXPECT_EQ(p26::encode_debug26("debug.snap", "c", q::debug26_op::snap,
                                q::debug26_response{q::snapshot26{}}),
            ok_envelope("debug.snap",
                        R"({"promises":[],"promiseTimeouts":[],"callbacks":[],"listeners":[],)"
                        R"("tasks":[],"taskTimeouts":[],"messages":[]})"));
}

// -- the protocol: a request's envelope kind comes back to write its answer ----------

namespace {

struct routed {
  std::shared_ptr<const resonate::api_gateway::protocol> protocol;
  resonate::api_gateway::exchange ex;
};

routed route_of(std::string body) {
  static std::string kept;  // the request's views point into it
  kept = std::move(body);
  routed r{resonate::api_gateway::make_protocol_2026({.debug = true, .access = nullptr}), {}};
  resonate::api_gateway::http_request req;
  req.method = "POST";
  req.target = "/";
  req.body = kept;
  r.ex = r.protocol->route(req);
  return r;
}

}  // namespace

TEST(protocol_2026_protocol, debug_answers_are_written_for_the_envelopes_kind) {
  auto tick = route_of(
    R"({"kind":"debug.tick","head":{"corrId":"k1","version":"2026-04-01"},"data":{"time":500}})");
  ASSERT_TRUE(tick.ex.request);
  const auto& req = std::get<q::debug26_request>(tick.ex.request->payload);
  EXPECT_EQ(req.op, q::debug26_op::tick);
  EXPECT_EQ(req.debug_time, 500);  // the tick's time is its data's
  auto out = tick.protocol->encode_reply(
    q::kind::debug26, q::response{q::status::ok, q::debug26_response{}, {}}, tick.ex.context);
  EXPECT_EQ(out.status, 200u);
  EXPECT_EQ(
    out.body,
    R"({"kind":"debug.tick","head":{"corrId":"k1","status":200,"version":"2026-04-01"},"data":[]})");

  auto snap =
    route_of(R"({"kind":"debug.snap","head":{"corrId":"k2","version":"2026-04-01"},"data":{}})");
  ASSERT_TRUE(snap.ex.request);
  EXPECT_EQ(std::get<q::debug26_request>(snap.ex.request->payload).op, q::debug26_op::snap);
  out = snap.protocol->encode_reply(
    q::kind::debug26, q::response{q::status::ok, q::debug26_response{q::snapshot26{}}, {}},
    snap.ex.context);
  EXPECT_EQ(out.status, 200u);
  EXPECT_EQ(
    out.body,
    R"({"kind":"debug.snap","head":{"corrId":"k2","status":200,"version":"2026-04-01"},"data":)"
    R"({"promises":[],"promiseTimeouts":[],"callbacks":[],"listeners":[],"tasks":[],"taskTimeouts":[],"messages":[]}})");

  // A debug_time beside the tick's time must agree.
  auto odd = route_of(
    R"({"kind":"debug.tick","head":{"corrId":"k3","version":"2026-04-01","resonate:debug_time":4},"data":{"time":5}})");
  EXPECT_FALSE(odd.ex.request);
  EXPECT_EQ(odd.ex.response.status, 400u);
}

TEST(protocol_2026_protocol, schedule_answers_and_store_failures) {
  auto get = route_of(
    R"({"kind":"schedule.get","head":{"corrId":"g1","version":"2026-04-01"},"data":{"id":"s1"}})");
  ASSERT_TRUE(get.ex.request);
  EXPECT_EQ(std::get<q::schedule26_get_request>(get.ex.request->payload).id, "s1");
  auto out = get.protocol->encode_reply(
    q::kind::schedule26_get,
    q::response{q::status::ok, q::schedule26_response{404, "Schedule not found", std::nullopt}, {}},
    get.ex.context);
  EXPECT_EQ(out.status, 404u);
  EXPECT_EQ(
    out.body,
    R"({"kind":"schedule.get","head":{"corrId":"g1","status":404,"version":"2026-04-01"},"data":"Schedule not found"})");
  out = get.protocol->encode_reply(q::kind::schedule26_get,
                                   q::response::failure(q::status::aio_store_error, "db down"),
                                   get.ex.context);
  EXPECT_EQ(out.status, 500u);
  EXPECT_EQ(
    out.body,
    R"({"kind":"schedule.get","head":{"corrId":"g1","status":500,"version":"2026-04-01"},"data":"Internal error: db down"})");
}
