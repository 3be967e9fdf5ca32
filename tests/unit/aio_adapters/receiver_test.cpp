#include "aio_adapters/sender/receiver.hpp"

#include "aio_adapters/router/router.hpp"

#include <gtest/gtest.h>

namespace resonate::sender {
namespace {

poll_address poll(cast_kind c, std::string g, std::optional<std::string> id = std::nullopt) {
  return poll_address{c, std::move(g), std::move(id)};
}

struct resolve_case {
  const char* name;
  std::string recv;             // raw JSON bytes of the task's recv
  std::optional<address> want;  // nullopt: an error
  std::string error_prefix = {};
};

class resolve : public ::testing::TestWithParam<resolve_case> {};

TEST_P(resolve, per_spec_4_12) {
  const auto& c = GetParam();
  receiver_resolver r({target{"fast", "http", R"({"url":"http://fast:1/x","headers":{"A":"1"}})"},
                       target{"bad", "poll", R"({"cast":"sometimes","group":"g"})"}});
  auto got = r.resolve(c.recv);
  if (c.want) {
    EXPECT_EQ(got.error, "");
    ASSERT_TRUE(got.addr.has_value());
    EXPECT_TRUE(*got.addr == *c.want) << c.recv;
  } else {
    EXPECT_FALSE(got.addr.has_value()) << c.recv;
    EXPECT_EQ(got.error.rfind(c.error_prefix, 0), 0u) << got.error;
  }
}

INSTANTIATE_TEST_SUITE_P(
  sender, resolve,
  ::testing::Values(
    resolve_case{"default_target", R"("default")", poll(cast_kind::any, "default")},
    resolve_case{"configured_target", R"("fast")", http_address{"http://fast:1/x", {{"A", "1"}}}},
    resolve_case{"invalid_target", R"("bad")", std::nullopt, "invalid poll address"},
    resolve_case{"http_url", R"("http://h:8/p?q=1")", http_address{"http://h:8/p?q=1", {}}},
    resolve_case{"https_url", R"("https://h/p")", http_address{"https://h/p", {}}},
    resolve_case{"poll_group_only", R"("poll://g")", poll(cast_kind::any, "g")},
    resolve_case{"poll_any_id", R"("poll://any@g/w1")", poll(cast_kind::any, "g", "w1")},
    resolve_case{"poll_uni_id", R"("poll://uni@g/w1")", poll(cast_kind::uni, "g", "w1")},
    resolve_case{"poll_id_slashes_decoded", R"("poll://uni@g/a/b%20c")",
                 poll(cast_kind::uni, "g", "a/b c")},
    resolve_case{"poll_trailing_slash", R"("poll://g/")", poll(cast_kind::any, "g")},
    resolve_case{"poll_query_ignored", R"("poll://g/x?y=1")", poll(cast_kind::any, "g", "x")},
    resolve_case{"poll_unknown_cast", R"("poll://all@g/x")", std::nullopt, "unknown receiver"},
    // One address grammar (codecs/address.*): what protocol 2026 refused as a
    // target the receiver took, though Go's and Rust's URL parsers refuse it.
    resolve_case{"poll_space_in_group", R"("poll://any@my group")", std::nullopt,
                 "unknown receiver"},
    resolve_case{"poll_control_character", R"("poll://g/a\tb")", std::nullopt, "unknown receiver"},
    resolve_case{"http_without_host", R"("http://")", std::nullopt, "unknown receiver"},
    resolve_case{"http_path_without_host", R"("http:///x")", std::nullopt, "unknown receiver"},
    resolve_case{"http_space_in_host", R"("http://a b/x")", std::nullopt, "unknown receiver"},
    resolve_case{"scheme_case", R"("POLL://uni@g/w")", poll(cast_kind::uni, "g", "w")},
    resolve_case{"unknown_name", R"("nobody")", std::nullopt, "unknown receiver nobody"},
    resolve_case{"unknown_scheme", R"("ftp://x/y")", std::nullopt, "unknown receiver"},
    resolve_case{"sqs", R"("sqs+https://q/u")", std::nullopt, "unsupported receiver"},
    resolve_case{"kafka", R"("kafka://topic?key=k")", std::nullopt, "unsupported receiver"},
    resolve_case{"physical_poll", R"({"type":"poll","data":{"cast":"uni","group":"g","id":"i"}})",
                 poll(cast_kind::uni, "g", "i")},
    resolve_case{"physical_poll_empty_id", R"({"type":"poll","data":{"group":"g","id":""}})",
                 poll(cast_kind::any, "g")},
    resolve_case{"physical_poll_no_group", R"({"type":"poll","data":{"id":"i"}})", std::nullopt,
                 "invalid poll address"},
    resolve_case{"physical_http",
                 R"({"type":"http","data":{"url":"http://a/b","headers":{"Z":"1","A":"2"}}})",
                 http_address{"http://a/b", {{"Z", "1"}, {"A", "2"}}}},
    resolve_case{"physical_http_no_url", R"({"type":"http","data":{}})", std::nullopt,
                 "invalid http address"},
    resolve_case{"physical_unknown_plugin", R"({"type":"smoke","data":{}})", std::nullopt,
                 "unknown plugin smoke"},
    resolve_case{"physical_sqs", R"({"type":"sqs","data":{"url":"https://q"}})", std::nullopt,
                 "unsupported plugin sqs"},
    resolve_case{"not_json", "poll://any@g", std::nullopt, "invalid recv"},
    resolve_case{"json_null", "null", std::nullopt, "invalid recv"},
    resolve_case{"json_number", "12", std::nullopt, "invalid recv"},
    resolve_case{"object_without_type", R"({"data":{}})", std::nullopt, "invalid recv"}),
  [](const auto& info) { return std::string(info.param.name); });

TEST(receiver_resolver, configured_default_replaces_the_builtin_one) {
  receiver_resolver r({target{"default", "poll", R"({"cast":"uni","group":"workers"})"}});
  auto got = r.resolve(R"("default")");
  ASSERT_TRUE(got.addr.has_value());
  EXPECT_TRUE(*got.addr == address(poll(cast_kind::uni, "workers")));
}

TEST(receiver_resolver, target_names_win_over_urls) {
  receiver_resolver r({target{"poll://x", "http", R"({"url":"http://h/"})"}});
  auto got = r.resolve(R"("poll://x")");
  ASSERT_TRUE(got.addr.has_value());
  EXPECT_TRUE(std::holds_alternative<http_address>(*got.addr));
}

TEST(receiver_resolver, resolves_whatever_the_router_produces) {
  router::router r(router::router_options{});
  receiver_resolver resolver({});
  auto route = [&](const std::string& tag) {
    auto c = r.route(queues::route_submission{"p", {{"resonate:invoke", tag}}});
    EXPECT_TRUE(c.matched) << tag;
    return resolver.resolve(c.recv);
  };
  auto logical = route("poll://uni@g/w1");
  ASSERT_TRUE(logical.addr.has_value()) << logical.error;
  EXPECT_TRUE(*logical.addr == address(poll(cast_kind::uni, "g", "w1")));
  auto physical = route(R"({"type":"http","data":{"url":"http://h/x"}})");
  ASSERT_TRUE(physical.addr.has_value()) << physical.error;
  EXPECT_TRUE(*physical.addr == address(http_address{"http://h/x", {}}));
  auto by_name = route("default");
  ASSERT_TRUE(by_name.addr.has_value()) << by_name.error;
  EXPECT_TRUE(*by_name.addr == address(poll(cast_kind::any, "default")));
}

}  // namespace
}  // namespace resonate::sender
