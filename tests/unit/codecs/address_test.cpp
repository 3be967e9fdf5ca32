// The one address grammar (codecs/address.*): REST v1's receiver URLs, protocol
// 2026's resonate:target and listener addresses, and what the sender delivers to.

#include "codecs/address.hpp"

#include <gtest/gtest.h>

namespace resonate::codecs {
namespace {

using scheme = parsed_address::scheme;

poll_address poll(cast_kind c, std::string g, std::optional<std::string> id = std::nullopt) {
  return poll_address{c, std::move(g), std::move(id)};
}

struct poll_case {
  std::string text;
  poll_address want;
  bool cast_given;
};

TEST(AddressGrammar, PollForms) {
  const std::vector<poll_case> cases = {
    {"poll://uni@default/abc123", poll(cast_kind::uni, "default", "abc123"), true},
    {"poll://any@default/abc123", poll(cast_kind::any, "default", "abc123"), true},
    {"poll://any@workers", poll(cast_kind::any, "workers"), true},
    {"poll://uni@g", poll(cast_kind::uni, "g"), true},
    {"poll://g", poll(cast_kind::any, "g"), false},  // REST v1 reads no cast as any
    {"poll://g/", poll(cast_kind::any, "g"), false},
    {"poll://g/w1", poll(cast_kind::any, "g", "w1"), false},
    {"poll://any@g/a/b", poll(cast_kind::any, "g", "a/b"), true},  // the path is the id
    {"poll://uni@g/a/b%20c", poll(cast_kind::uni, "g", "a/b c"), true},
    {"poll://uni@g/a+b", poll(cast_kind::uni, "g", "a+b"), true},  // Go URL.Path: + stays
    {"poll://uni@g/%2Fx", poll(cast_kind::uni, "g", "/x"), true},
    {"poll://%61ny@g", poll(cast_kind::any, "g"), true},
    {"poll://uni@g/w?x=1", poll(cast_kind::uni, "g", "w"), true},  // query ignored
    {"poll://uni@g/w#f", poll(cast_kind::uni, "g", "w"), true},    // fragment ignored
    {"poll://any@g?x", poll(cast_kind::any, "g"), true},
    {"POLL://any@G", poll(cast_kind::any, "G"), true},  // the scheme's case only
    {"poll://any@", poll(cast_kind::any, ""), true},    // an empty group parses
    {"poll:///x", poll(cast_kind::any, "", "x"), false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto a = parse_address(c.text);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->kind, scheme::poll);
    EXPECT_TRUE(a->poll == c.want) << a->poll.group << " " << a->poll.id.value_or("-");
    EXPECT_EQ(a->cast_given, c.cast_given);
  }
}

TEST(AddressGrammar, OtherSchemes) {
  EXPECT_EQ(parse_address("http://worker:9999/recv")->kind, scheme::http);
  EXPECT_EQ(parse_address("https://example.com")->kind, scheme::https);
  EXPECT_EQ(parse_address("HTTPS://example.com/a b?c#d")->kind, scheme::https);
  EXPECT_EQ(parse_address("http://user@h/")->kind, scheme::http);
  EXPECT_EQ(parse_address("sqs+https://q/u")->kind, scheme::sqs);
  EXPECT_EQ(parse_address("kafka://topic?key=k")->kind, scheme::kafka);
}

TEST(AddressGrammar, RefusedForms) {
  for (const char* bad : {"",
                          "workers",
                          "default",
                          "://g",
                          "poll:/g",
                          "ftp://x",
                          "local://uni@g/p",
                          "gcps://p/t",
                          "poll://all@g",
                          "poll://Any@g",
                          "poll://any@a@b",
                          "poll://any@my group",
                          "poll://uni@g/%zz",
                          "poll://uni@g/%",
                          "poll://uni@g/a\tb",
                          "poll://uni@g/a\nb",
                          "poll://uni@g\x7f",
                          "http://",
                          "http:///x",
                          "http://?q",
                          "http://user@/x",
                          "http://a b/",
                          "https://h\r\n/x"}) {
    EXPECT_FALSE(parse_address(bad)) << bad;
  }
}

TEST(AddressGrammar, Protocol2026NeedsACastAndAGroup) {
  for (const char* ok :
       {"poll://uni@default/abc123", "poll://any@default/abc123", "poll://any@workers",
        "poll://uni@g", "poll://any@g/a/b", "poll://uni@g/w?x=1", "POLL://any@g",
        "http://worker:9999/recv", "https://example.com", "https://h/a b"}) {
    EXPECT_TRUE(protocol_2026_address(ok)) << ok;
  }
  for (const char* bad : {"", "poll://", "poll://any@", "poll://any@/x", "poll://g", "poll://g/x",
                          "poll://all@g", "poll://uni@g/%zz", "http://", "sqs+https://q/u",
                          "kafka://t", "local://uni@g/p", "workers"}) {
    EXPECT_FALSE(protocol_2026_address(bad)) << bad;
  }
}

}  // namespace
}  // namespace resonate::codecs
