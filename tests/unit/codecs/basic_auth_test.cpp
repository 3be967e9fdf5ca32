// The one basic-auth check of the API port and the SSE poller (codecs/basic_auth.*).

#include "codecs/basic_auth.hpp"

#include <gtest/gtest.h>

#include "codecs/base64.hpp"

namespace resonate::codecs {
namespace {

using users = std::map<std::string, std::string>;

std::string basic(std::string_view user_pass) {
  return "Basic " + base64_encode(user_pass);
}

TEST(ConstantTimeEqual, EqualDifferentDifferentLengthEmpty) {
  EXPECT_TRUE(constant_time_equal("Basic YTpi", "Basic YTpi"));
  EXPECT_FALSE(constant_time_equal("Basic YTpi", "Basic YTpj"));
  EXPECT_FALSE(constant_time_equal("Basic YTpi", "Basic YTp"));
  EXPECT_FALSE(constant_time_equal("Basic YTp", "Basic YTpi"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_FALSE(constant_time_equal("a", ""));
  EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(BasicAuth, OffAllowsEverything) {
  basic_auth off;
  EXPECT_FALSE(off.enabled());
  EXPECT_TRUE(off.allows(""));
  EXPECT_TRUE(off.allows(basic("a:b")));
  EXPECT_FALSE(basic_auth(users{}).enabled());
}

TEST(BasicAuth, TheWholeValueOfAConfiguredPair) {
  basic_auth a(users{{"alice", "s3cret"}, {"bob", "pw:with:colons"}});
  EXPECT_TRUE(a.enabled());
  EXPECT_TRUE(a.allows(basic("alice:s3cret")));
  EXPECT_TRUE(a.allows(basic("bob:pw:with:colons")));
  // As gin compares it: the scheme's case, spaces and other users' passwords count.
  for (const std::string& v :
       {std::string(), std::string("Basic"), std::string("Basic "), basic("alice:wrong"),
        basic("alice:s3cre"), basic("alice:s3crett"), basic("alice:pw:with:colons"),
        basic("bob:s3cret"), basic("alice"), basic(""), "basic " + base64_encode("alice:s3cret"),
        "BASIC " + base64_encode("alice:s3cret"), "Basic  " + base64_encode("alice:s3cret"),
        basic("alice:s3cret") + " ", " " + basic("alice:s3cret"), std::string("Bearer x")}) {
    EXPECT_FALSE(a.allows(v)) << v;
  }
}

TEST(BasicAuth, AnEmptyPasswordIsAPassword) {
  basic_auth a(users{{"u", ""}});
  EXPECT_TRUE(a.allows(basic("u:")));
  EXPECT_FALSE(a.allows(basic("u")));
  EXPECT_FALSE(a.allows(""));
}

}  // namespace
}  // namespace resonate::codecs
