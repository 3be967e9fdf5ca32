// Response encoding, error bodies and the cursor JWT (JSON writing, base64 and the
// promise JSON themselves: tests/unit/codecs).

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <gtest/gtest.h>

#include "api_gateway/rest_v1/cursor.hpp"
#include "api_gateway/rest_v1/errors.hpp"
#include "api_gateway/rest_v1/router.hpp"
#include "codecs/base64.hpp"
#include "codecs/rest_v1/codec_promise.hpp"
#include "tests/unit/api_gateway/test_util.hpp"
#include "tests/unit/codecs/records_fixture.hpp"

namespace resonate::api_gateway {

using codecs::base64url_decode;
using codecs::base64url_encode;
using codecs::rest_v1::promise_json;
using test::full_promise;

namespace {

TEST(Codec, KernelErrorBodies) {
  auto nf = kernel_error(queues::status::promise_not_found, "");
  EXPECT_EQ(nf.status, 404u);
  EXPECT_EQ(
    nf.body,
    R"({"error":{"code":40400,"message":"The specified promise was not found","details":[)"
    R"({"@type":"RequestError","message":"Request errors are not retryable since they are caused by invalid client requests",)"
    R"("domain":"request","metadata":{"url":"https://docs.resonatehq.io/operate/errors#40400"}}]}})");
  auto forbidden = kernel_error(queues::status::promise_already_resolved, "");
  EXPECT_EQ(forbidden.status, 403u);
  EXPECT_NE(forbidden.body.find(R"("@type":"RequestError")"), std::string::npos);
  EXPECT_EQ(kernel_error(queues::status::promise_already_exists, "").status, 409u);

  auto server = kernel_error(queues::status::aio_store_error, "disk <full>");
  EXPECT_EQ(server.status, 500u);
  EXPECT_EQ(
    server.body,
    R"({"error":{"code":50004,"message":"There was an error in the store subsystem","details":[)"
    R"({"@type":"ServerError","message":"disk \u003cfull\u003e","domain":"server",)"
    R"("metadata":{"url":"https://docs.resonatehq.io/operate/errors#50004"}}]}})");
  auto fence = kernel_error(queues::status::task_precondition_failed, "invalid fence");
  EXPECT_EQ(fence.status, 412u);
  EXPECT_NE(fence.body.find(R"("domain":"server")"), std::string::npos);
  EXPECT_EQ(kernel_error(queues::status::scheduler_queue_full, "x").status, 503u);
}

TEST(Codec, PromiseReplies) {
  queues::response created{queues::status::created, queues::promise_response{full_promise()}, {}};
  auto r = encode_reply(queues::kind::create_promise, created);
  EXPECT_EQ(r.status, 201u);
  EXPECT_EQ(r.body, promise_json(full_promise()));
  EXPECT_EQ(r.content_type, "application/json; charset=utf-8");
  EXPECT_TRUE(r.version_header);
  queues::response ok{queues::status::ok, queues::promise_response{full_promise()}, {}};
  EXPECT_EQ(encode_reply(queues::kind::complete_promise, ok).status, 200u);
  EXPECT_EQ(encode_reply(queues::kind::read_promise, ok).status, 200u);
  auto nf = encode_reply(queues::kind::read_promise,
                         queues::response::failure(queues::status::promise_not_found));
  EXPECT_EQ(nf.status, 404u);
  EXPECT_EQ(nf.body.find("{\"id\""), std::string::npos);  // never the resource
}

TEST(Codec, SearchReplyCursorOnlyWithNext) {
  queues::search_promises_response page;
  auto r =
    encode_reply(queues::kind::search_promises, queues::response{queues::status::ok, page, {}});
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"cursor":null,"promises":[]})");

  queues::promise_record p;
  p.id = "p";
  page.promises = {p, p};
  queues::search_promises_request next;
  next.id = "p*";
  next.limit = 2;
  next.sort_id = 7;
  page.next = next;
  r = encode_reply(queues::kind::search_promises, queues::response{queues::status::ok, page, {}});
  auto v = boost::json::parse(r.body);
  std::string cursor(v.at("cursor").as_string().c_str());
  EXPECT_EQ(v.at("promises").as_array().size(), 2u);
  std::string err;
  auto decoded = decode_cursor(cursor, err);
  ASSERT_TRUE(decoded) << err;
  EXPECT_EQ(decoded->id, "p*");
  EXPECT_EQ(decoded->limit, 2);
  EXPECT_EQ(decoded->sort_id, 7);
  EXPECT_EQ(decoded->states, queues::all_promise_states);
}

TEST(Cursor, IsAnHs256JwtWithTheResonateSecret) {
  queues::search_promises_request next;
  next.id = "id";
  next.states = 4 | 8 | 16;
  next.tags = {{"a", "b"}};
  next.limit = 3;
  next.sort_id = 12;
  std::string token = encode_cursor(next);
  auto dot1 = token.find('.');
  auto dot2 = token.find('.', dot1 + 1);
  ASSERT_NE(dot2, std::string::npos);
  EXPECT_EQ(base64url_decode(token.substr(0, dot1)), R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_EQ(base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1)),
            R"({"Next":{"id":"id","states":["REJECTED","REJECTED_TIMEDOUT","REJECTED_CANCELED"],)"
            R"("tags":{"a":"b"},"limit":3,"sortId":12}})");

  // Verify the signature independently of cursor.cpp.
  std::string signing_input = token.substr(0, dot2);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), "resonate", 8, reinterpret_cast<const unsigned char*>(signing_input.data()),
       signing_input.size(), md, &len);
  EXPECT_EQ(token.substr(dot2 + 1),
            base64url_encode(std::string(reinterpret_cast<const char*>(md), len)));

  std::string err;
  auto back = decode_cursor(token, err);
  ASSERT_TRUE(back) << err;
  EXPECT_EQ(back->id, next.id);
  EXPECT_EQ(back->states, next.states);
  EXPECT_EQ(back->tags, next.tags);
  EXPECT_EQ(back->limit, next.limit);
  EXPECT_EQ(back->sort_id, next.sort_id);
}

TEST(Cursor, RejectsOtherKeysAndAlgorithms) {
  std::string err;
  // A token with the right shape signed with another secret.
  std::string head = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  std::string claims = base64url_encode(R"({"Next":{"id":"x","limit":1}})");
  std::string input = head + "." + claims;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), "other", 5, reinterpret_cast<const unsigned char*>(input.data()), input.size(),
       md, &len);
  std::string sig = base64url_encode(std::string(reinterpret_cast<const char*>(md), len));
  EXPECT_FALSE(decode_cursor(input + "." + sig, err));
  EXPECT_EQ(err, "token signature is invalid: signature is invalid");

  // alg none is never accepted.
  std::string none = base64url_encode(R"({"alg":"none"})") + "." + claims + ".";
  EXPECT_FALSE(decode_cursor(none, err));

  // The right secret makes the same claims verify.
  HMAC(EVP_sha256(), "resonate", 8, reinterpret_cast<const unsigned char*>(input.data()),
       input.size(), md, &len);
  sig = base64url_encode(std::string(reinterpret_cast<const char*>(md), len));
  auto ok = decode_cursor(input + "." + sig, err);
  ASSERT_TRUE(ok) << err;
  EXPECT_EQ(ok->id, "x");
  EXPECT_EQ(ok->limit, 1);
  EXPECT_FALSE(ok->sort_id);
}

}  // namespace
}  // namespace resonate::api_gateway
