#include "api_gateway/rest_v1/cursor.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>

#include "api_gateway/rest_v1/json_reader.hpp"
#include "codecs/base64.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/url.hpp"

namespace resonate::api_gateway {

using codecs::base64url_decode;
using codecs::base64url_encode;
using codecs::iequals;
using codecs::json_append_int;
using codecs::json_append_string;
using codecs::json_append_string_map;

namespace json = boost::json;

namespace {

constexpr std::string_view secret = "resonate";
// base64url of {"alg":"HS256","typ":"JWT"}: constant, so never recomputed.
constexpr std::string_view header_b64 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

std::string hmac_sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

// Go's order of promise.State bits when it expands a state filter.
constexpr queues::promise_state state_order[] = {
  queues::promise_state::pending, queues::promise_state::resolved, queues::promise_state::rejected,
  queues::promise_state::rejected_timedout, queues::promise_state::rejected_canceled};

const json::value* find_ci(const json::object& o, std::string_view key) {
  const json::value* found = nullptr;
  for (const auto& kv : o) {
    if (kv.key() == key) return &kv.value();  // an exact match wins, as in Go
    if (!found && iequals(kv.key(), key)) found = &kv.value();
  }
  return found;
}

/// The signed JWT of a claims text.
std::string sign(std::string_view claims) {
  std::string token(header_b64);
  token.push_back('.');
  token.append(base64url_encode(claims));
  std::string sig = hmac_sha256(token);
  token.push_back('.');
  token.append(base64url_encode(sig));
  return token;
}

/// `,"tags":{..},"limit":N,"sortId":N|null}}`: the end of both cursors' claims.
void append_claims_tail(std::string& claims, const queues::tag_map& tags, int64_t limit,
                        const std::optional<int64_t>& sort_id) {
  claims.append(R"(,"tags":)");
  json_append_string_map(claims, tags);
  claims.append(R"(,"limit":)");
  json_append_int(claims, limit);
  claims.append(R"(,"sortId":)");
  if (sort_id) {
    json_append_int(claims, *sort_id);
  } else {
    claims.append("null");
  }
  claims.append("}}");
}

}  // namespace

std::string encode_schedule_cursor(const queues::search_schedules_request& next) {
  std::string claims = R"({"Next":{"id":)";
  json_append_string(claims, next.id);
  append_claims_tail(claims, next.tags, next.limit, next.sort_id);
  return sign(claims);
}

std::optional<queues::search_schedules_request> decode_schedule_cursor(std::string_view token,
                                                                       std::string& error) {
  auto promise_form = decode_cursor(token, error);
  if (!promise_form) return std::nullopt;
  return queues::search_schedules_request{std::move(promise_form->id),
                                          std::move(promise_form->tags), promise_form->limit,
                                          promise_form->sort_id};
}

std::string encode_cursor(const queues::search_promises_request& next) {
  std::string claims = R"({"Next":{"id":)";
  json_append_string(claims, next.id);
  claims.append(R"(,"states":[)");
  bool first = true;
  for (auto st : state_order) {
    if ((next.states & queues::mask_of(st)) == 0) continue;
    if (!first) claims.push_back(',');
    first = false;
    claims.push_back('"');
    claims.append(queues::to_rest_string(st));
    claims.push_back('"');
  }
  claims.append("]");
  append_claims_tail(claims, next.tags, next.limit, next.sort_id);
  return sign(claims);
}

std::optional<queues::search_promises_request> decode_cursor(std::string_view token,
                                                             std::string& error) {
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    error = "token is malformed: token contains an invalid number of segments";
    return std::nullopt;
  }
  std::string_view header_part = token.substr(0, dot1);
  std::string_view claims_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string_view sig_part = token.substr(dot2 + 1);

  auto header = base64url_decode(header_part);
  auto claims = base64url_decode(claims_part);
  auto sig = base64url_decode(sig_part);
  if (!header || !claims || !sig) {
    error = "token is malformed: could not base64 decode";
    return std::nullopt;
  }

  json::monotonic_resource mr;
  json::value hv;
  std::string perr;
  if (!parse_json_body(*header, hv, &mr, perr) || !hv.is_object()) {
    error = "token is malformed: could not JSON decode header";
    return std::nullopt;
  }
  const json::value* alg = find_ci(hv.get_object(), "alg");
  if (!alg || !alg->is_string() || alg->get_string() != "HS256") {
    error = "token is unverifiable: signing method is not HS256";
    return std::nullopt;
  }
  std::string expected = hmac_sha256(token.substr(0, dot2));
  if (sig->size() != expected.size() ||
      CRYPTO_memcmp(sig->data(), expected.data(), expected.size()) != 0) {
    error = "token signature is invalid: signature is invalid";
    return std::nullopt;
  }

  json::value cv;
  if (!parse_json_body(*claims, cv, &mr, perr) || !cv.is_object()) {
    error = "token is malformed: could not JSON decode claim";
    return std::nullopt;
  }
  const json::value* next = find_ci(cv.get_object(), "Next");
  if (!next || !next->is_object()) {
    error = "token is malformed: cursor has no next request";
    return std::nullopt;
  }
  const auto& n = next->get_object();
  queues::search_promises_request req;
  req.states = 0;
  req.limit = 0;
  auto bad_claims = [&](const char* what) {
    error = "token has invalid claims: ";
    error += what;
    return std::nullopt;
  };
  if (const auto* id = find_ci(n, "id"); id && !id->is_null()) {
    if (!id->is_string()) return bad_claims("id");
    req.id = std::string(id->get_string());
  }
  if (const auto* states = find_ci(n, "states"); states && !states->is_null()) {
    if (!states->is_array()) return bad_claims("states");
    for (const auto& s : states->get_array()) {
      if (!s.is_string()) return bad_claims("states");
      auto st = queues::promise_state_from_string(std::string_view(s.get_string()));
      if (!st) return bad_claims("states");
      req.states |= queues::mask_of(*st);
    }
  }
  if (const auto* tags = find_ci(n, "tags")) {
    std::string terr;
    if (!decode_string_map(*tags, req.tags, "tags", terr)) return bad_claims("tags");
  }
  if (const auto* limit = find_ci(n, "limit"); limit && !limit->is_null()) {
    if (!json_to_int64(*limit, req.limit)) return bad_claims("limit");
  }
  if (const auto* sort_id = find_ci(n, "sortId"); sort_id && !sort_id->is_null()) {
    int64_t v = 0;
    if (!json_to_int64(*sort_id, v)) return bad_claims("sortId");
    req.sort_id = v;
  }
  if (req.limit <= 0 || req.limit > 100) return bad_claims("limit");
  return req;
}

}  // namespace resonate::api_gateway
