#include "aio_adapters/router/router.hpp"

#include <gtest/gtest.h>

namespace resonate::router {
namespace {

struct match_case {
  const char* name;
  std::string value;
  bool matched;
  std::string recv;
};

class tag_value : public ::testing::TestWithParam<match_case> {};

TEST_P(tag_value, matches_per_spec_4_11) {
  const auto& c = GetParam();
  router r(router_options{});
  queues::route_submission s{"p", {{"resonate:invoke", c.value}}};
  auto got = r.route(s);
  EXPECT_EQ(got.matched, c.matched);
  EXPECT_EQ(got.recv, c.recv);
}

INSTANTIATE_TEST_SUITE_P(
  router, tag_value,
  ::testing::Values(
    match_case{"logical_url", "poll://any@default", true, R"("poll://any@default")"},
    match_case{"logical_name", "default", true, R"("default")"},
    match_case{"http_url", "http://w:3000/x?a=1", true, R"("http://w:3000/x?a=1")"},
    match_case{"not_json_escaped", "a\"b<c", true, R"("a\"b\u003cc")"},
    match_case{"empty_string_is_not_json", "", true, R"("")"},
    match_case{"json_number", "123", false, ""},
    match_case{"json_string", "\"123\"", false, ""},
    match_case{"json_true", "true", false, ""},
    match_case{"json_null", "null", false, ""},
    match_case{"json_array", "[]", false, ""},
    match_case{"object_unknown_field", R"({"x":1})", false, ""},
    match_case{"object_extra_field", R"({"type":"poll","data":{},"x":1})", false, ""},
    match_case{"object_empty_type", R"({"type":"","data":{}})", false, ""},
    match_case{"object_no_type", R"({"data":{}})", false, ""},
    match_case{"object_type_not_string", R"({"type":1,"data":{}})", false, ""},
    match_case{"object_physical", R"( {"data": {"group":"g", "cast":"uni"}, "type":"poll"} )",
               true, R"({"type":"poll","data":{"group":"g","cast":"uni"}})"},
    match_case{"object_without_data", R"({"type":"http"})", true,
               R"({"type":"http","data":null})"}),
  [](const auto& info) { return std::string(info.param.name); });

TEST(router, tag_absent_is_no_match) {
  router r(router_options{});
  auto got = r.route(queues::route_submission{"p", {{"other", "poll://any@default"}}});
  EXPECT_FALSE(got.matched);
  EXPECT_TRUE(got.recv.empty());
}

TEST(router, appends_default_source_unless_one_is_named_default) {
  router a(router_options{{source{"mine", "my:tag"}}});
  ASSERT_EQ(a.sources().size(), 2u);
  EXPECT_EQ(a.sources()[0].key, "my:tag");
  EXPECT_EQ(a.sources()[1].name, "default");
  EXPECT_EQ(a.sources()[1].key, "resonate:invoke");

  router b(router_options{{source{"default", "my:tag"}}});
  ASSERT_EQ(b.sources().size(), 1u);
  EXPECT_FALSE(b.route(queues::route_submission{"p", {{"resonate:invoke", "x"}}}).matched);
  EXPECT_TRUE(b.route(queues::route_submission{"p", {{"my:tag", "x"}}}).matched);
}

TEST(router, sources_in_order_first_match_wins_and_non_matching_falls_through) {
  router r(router_options{{source{"a", "a"}, source{"b", "b"}}});
  auto both = r.route(queues::route_submission{"p", {{"a", "first"}, {"b", "second"}}});
  EXPECT_EQ(both.recv, R"("first")");
  // `a` present but a valid-JSON non-receiver: the next source is tried.
  auto fall = r.route(queues::route_submission{"p", {{"a", "[1]"}, {"b", "second"}}});
  EXPECT_TRUE(fall.matched);
  EXPECT_EQ(fall.recv, R"("second")");
  auto dflt = r.route(queues::route_submission{"p", {{"resonate:invoke", "z"}}});
  EXPECT_EQ(dflt.recv, R"("z")");
}

}  // namespace
}  // namespace resonate::router
