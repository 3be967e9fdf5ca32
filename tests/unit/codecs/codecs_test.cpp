// JSON writing, base64 and the REST v1 promise JSON (Go's field order and omitempty).

#include <gtest/gtest.h>

#include "codecs/base64.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/rest_v1/codec_promise.hpp"
#include "tests/unit/codecs/records_fixture.hpp"

namespace resonate::codecs {

using rest_v1::promise_json;
using test::full_promise;

namespace {

TEST(Codec, PromiseWithEveryFieldInTableOrder) {
  EXPECT_EQ(promise_json(full_promise()),
            R"({"id":"a/b","state":"RESOLVED","param":{"headers":{"h1":"v1"},"data":"AP8="},)"
            R"("value":{"data":"aGk="},"timeout":1000,"idempotencyKeyForCreate":"ck",)"
            R"("idempotencyKeyForComplete":"","tags":{"x":"1"},"createdOn":10,"completedOn":20})");
}

TEST(Codec, PromiseOmitsEmptyFields) {
  queues::promise_record p;
  p.id = "p";
  EXPECT_EQ(promise_json(p), R"({"id":"p","state":"PENDING","param":{},"value":{},"timeout":0})");
  p.state = queues::promise_state::rejected_timedout;
  p.created_on = 5;
  EXPECT_EQ(
    promise_json(p),
    R"({"id":"p","state":"REJECTED_TIMEDOUT","param":{},"value":{},"timeout":0,"createdOn":5})");
}

TEST(Codec, StringsAreEscapedLikeGo) {
  std::string out;
  json_append_string(out, "a\"b\\c\n<>&\x01\t\xe2\x80\xa8 \xff\xc3\xa9");
  EXPECT_EQ(out, R"("a\"b\\c\n\u003c\u003e\u0026\u0001\t\u2028 \ufffdé")");
}

TEST(Codec, Base64RoundTripIncludingBinary) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); n += (n < 8 ? 1 : 37)) {
    std::string bytes = all.substr(0, n);
    size_t bad = 0;
    auto back = base64_decode(base64_encode(bytes), bad);
    ASSERT_TRUE(back) << n;
    EXPECT_EQ(*back, bytes);
    auto url = base64url_decode(base64url_encode(bytes));
    ASSERT_TRUE(url);
    EXPECT_EQ(*url, bytes);
  }
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  size_t bad = 0;
  EXPECT_EQ(base64_decode("Zm9v\r\nYmFy", bad), "foobar");  // Go skips CR/LF
  EXPECT_FALSE(base64_decode("Zg=", bad));
  EXPECT_FALSE(base64_decode("Zg==Zg==", bad));
  EXPECT_FALSE(base64_decode("Z===", bad));
  EXPECT_FALSE(base64_decode("-_8=", bad));
  EXPECT_FALSE(base64url_decode("Zg=="));
}

}  // namespace
}  // namespace resonate::codecs
