#include "api_gateway/auth.hpp"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <type_traits>
#include <vector>

#include "api_gateway/rest_v1/errors.hpp"
#include "codecs/base64.hpp"
#include "codecs/url.hpp"

namespace resonate::api_gateway {

using codecs::base64_encode;
using codecs::base64url_decode;
using codecs::iequals;

namespace json = boost::json;

// -- the key of each request (spec 8) -----------------------------------------------

namespace {

// Read only by the static_assert of a branch never taken (clang calls it unused).
template <class>
[[maybe_unused]] inline constexpr bool no_access_rule = false;

}  // namespace

access_key access_key_of(const queues::request_payload& payload) {
  using rule = access_key::rule;
  return std::visit(
    [](const auto& r) -> access_key {
      using T = std::decay_t<decltype(r)>;
      if constexpr (std::is_same_v<T, queues::read_promise_request> ||
                    std::is_same_v<T, queues::create_promise_request> ||
                    std::is_same_v<T, queues::complete_promise_request> ||
                    std::is_same_v<T, queues::search_promises_request>) {
        // A search is keyed by its id pattern; paging, by the pattern in the cursor,
        // which the router has already decoded into `id`.
        return {rule::id, r.id};
      } else if constexpr (std::is_same_v<T, queues::create_promise_and_task_request>) {
        return {rule::id, r.promise.id};
      } else if constexpr (std::is_same_v<T, queues::create_callback_request>) {
        return {rule::id, r.promise_id};  // the awaited promise, not the root
      } else if constexpr (std::is_same_v<T, queues::claim_task_request> ||
                           std::is_same_v<T, queues::complete_task_request> ||
                           std::is_same_v<T, queues::drop_task_request>) {
        return {rule::task_id, r.id};
      } else if constexpr (std::is_same_v<T, queues::acquire_lock_request> ||
                           std::is_same_v<T, queues::release_lock_request>) {
        return {rule::id, r.resource_id};
      } else if constexpr (std::is_same_v<T, queues::read_schedule_request> ||
                           std::is_same_v<T, queues::delete_schedule_request> ||
                           std::is_same_v<T, queues::search_schedules_request>) {
        return {rule::id, r.id};  // a search: its pattern, from the cursor when paging
      } else if constexpr (std::is_same_v<T, queues::create_schedule_request>) {
        return {rule::id, r.promise_id};  // spec 8: the promiseId template, not the id
      } else if constexpr (std::is_same_v<T, queues::heartbeat_tasks_request> ||
                           std::is_same_v<T, queues::heartbeat_locks_request> ||
                           std::is_same_v<T, queues::ready_request>) {
        return {rule::always, {}};
      } else if constexpr (std::is_same_v<T, queues::promise26_get_request> ||
                           std::is_same_v<T, queues::promise26_create_request> ||
                           std::is_same_v<T, queues::promise26_settle_request> ||
                           std::is_same_v<T, queues::task26_get_request> ||
                           std::is_same_v<T, queues::task26_search_request> ||
                           std::is_same_v<T, queues::task26_acquire_request> ||
                           std::is_same_v<T, queues::task26_release_request> ||
                           std::is_same_v<T, queues::task26_fulfill_request> ||
                           std::is_same_v<T, queues::task26_suspend_request> ||
                           std::is_same_v<T, queues::task26_heartbeat_request> ||
                           std::is_same_v<T, queues::task26_halt_request> ||
                           std::is_same_v<T, queues::task26_continue_request> ||
                           std::is_same_v<T, queues::task26_create_request> ||
                           std::is_same_v<T, queues::task26_fence_request> ||
                           std::is_same_v<T, queues::promise26_register_callback_request> ||
                           std::is_same_v<T, queues::promise26_register_listener_request> ||
                           std::is_same_v<T, queues::promise26_search_request> ||
                           std::is_same_v<T, queues::schedule26_get_request> ||
                           std::is_same_v<T, queues::schedule26_create_request> ||
                           std::is_same_v<T, queues::schedule26_delete_request> ||
                           std::is_same_v<T, queues::schedule26_search_request> ||
                           std::is_same_v<T, queues::debug26_request>) {
        return {rule::always, {}};  // never routed by REST v1: protocol_2026 has its own gate
      } else if constexpr (std::is_same_v<T, queues::stream_connected_request>) {
        return {rule::always, {}};  // internal: the poll server submits it, no route makes it
      } else {
        // Spec 8: schedules are keyed by id (create: by the promiseId template), locks by
        // resourceId; heartbeats, echo and noop are always allowed.
        static_assert(no_access_rule<T>, "give this request its key in access_key_of (spec 8)");
        return {};
      }
    },
    payload);
}

bool prefix_allows(const token_claims& claims, const access_key& key) {
  if (iequals(claims.role, "admin")) return true;
  if (!claims.prefix) return false;
  const std::string& prefix = *claims.prefix;
  if (prefix.empty()) return true;
  switch (key.how) {
    case access_key::rule::always:
      return true;
    case access_key::rule::id:
      return key.id.starts_with(prefix);
    case access_key::rule::task_id:
      for (std::string_view kind : {"__resume:", "__invoke:", "__notify:"}) {
        if (key.id.starts_with(kind) && key.id.substr(kind.size()).starts_with(prefix)) {
          return true;
        }
      }
      return false;
  }
  return false;
}

// -- tokens ---------------------------------------------------------------------------

namespace {

/// The algorithms golang-jwt knows; any other `alg` is "unavailable" there.
constexpr std::array<std::string_view, 14> known_algs = {
  "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256",
  "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA", "none"};

bool is_known_alg(std::string_view alg) {
  for (auto a : known_algs) {
    if (a == alg) return true;
  }
  return false;
}

std::optional<jwt_alg_t> rsa_alg(std::string_view alg) {
  if (alg == "RS256") return JWT_ALG_RS256;
  if (alg == "RS384") return JWT_ALG_RS384;
  if (alg == "RS512") return JWT_ALG_RS512;
  return std::nullopt;
}

/// Go's `base64.RawURLEncoding` failure text for `text`.
std::string base64_failure(std::string_view text) {
  size_t at = text.size() > 0 ? text.size() - 1 : 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) {
      at = i;
      break;
    }
  }
  return "illegal base64 data at input byte " + std::to_string(at);
}

std::optional<json::value> parse_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return std::nullopt;
  return v;
}

const char* json_kind(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object:
      return "object";
    case json::kind::array:
      return "array";
    case json::kind::string:
      return "string";
    case json::kind::bool_:
      return "bool";
    case json::kind::null:
      return "null";
    default:
      return "number";
  }
}

/// Seconds of a NumericDate, truncated to whole seconds as golang-jwt does.
int64_t numeric_date_ms(const json::value& v) {
  double s = v.is_double()  ? v.get_double()
             : v.is_int64() ? static_cast<double>(v.get_int64())
                            : static_cast<double>(v.get_uint64());
  constexpr double limit = 9.0e15;  // beyond any real date; keeps the product in range
  s = std::floor(std::max(-limit, std::min(limit, s)));
  return static_cast<int64_t>(s) * 1000;
}

/// Decodes the claims as Go's encoding/json fills the reference's Claims struct: keys
/// match ignoring case, the last occurrence wins, null leaves a field unset. "" or the
/// decoder's complaint.
std::string decode_claims(const json::value& v, signed_claims& out) {
  if (v.is_null()) return {};
  if (!v.is_object()) {
    return std::string("json: cannot unmarshal ") + json_kind(v) +
           " into Go value of type api.Claims";
  }
  auto wrong = [](std::string_view field, const json::value& x, std::string_view type) {
    return "json: cannot unmarshal " + std::string(json_kind(x)) + " into Go struct field Claims." +
           std::string(field) + " of type " + std::string(type);
  };
  for (const auto& [key, x] : v.get_object()) {
    std::string_view k = key;
    if (iequals(k, "role") || iequals(k, "prefix")) {
      bool role = iequals(k, "role");
      if (x.is_null()) {
        if (!role) out.claims.prefix.reset();
        continue;
      }
      if (!x.is_string()) return wrong(role ? "role" : "prefix", x, "string");
      if (role) {
        out.claims.role = std::string(x.get_string());
      } else {
        out.claims.prefix = std::string(x.get_string());
      }
    } else if (iequals(k, "iss") || iequals(k, "sub") || iequals(k, "jti")) {
      if (!x.is_null() && !x.is_string()) return wrong(k, x, "string");
    } else if (iequals(k, "aud")) {
      bool ok = x.is_null() || x.is_string();
      if (x.is_array()) {
        ok = true;
        for (const auto& a : x.get_array()) ok = ok && a.is_string();
      }
      if (!ok) return wrong("aud", x, "jwt.ClaimStrings");
    } else if (iequals(k, "exp") || iequals(k, "nbf") || iequals(k, "iat")) {
      auto& slot = iequals(k, "exp") ? out.exp_ms : iequals(k, "nbf") ? out.nbf_ms : out.iat_ms;
      if (x.is_null()) {
        slot.reset();
        continue;
      }
      if (!x.is_number()) return wrong(k, x, "jwt.NumericDate");
      slot = numeric_date_ms(x);
    }
  }
  return {};
}

struct jwt_deleter {
  void operator()(jwt_t* j) const { jwt_free(j); }
};

}  // namespace

std::unique_ptr<jwt_verifier> jwt_verifier::create(std::string_view pem, std::string& error) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = bio ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr;
  bool rsa = key && EVP_PKEY_base_id(key) == EVP_PKEY_RSA;
  if (key) EVP_PKEY_free(key);
  if (bio) BIO_free(bio);
  if (!key) {
    error = "failed to parse public key: no PEM \"PUBLIC KEY\" block";
    return nullptr;
  }
  if (!rsa) {
    error = "not an RSA public key";
    return nullptr;
  }
  return std::unique_ptr<jwt_verifier>(new jwt_verifier(std::string(pem)));
}

std::optional<token_claims> jwt_verifier::verify(std::string_view token, int64_t now_ms,
                                                 std::string& error) const {
  std::optional<signed_claims> claims;
  {
    std::lock_guard guard{mu_};
    if (auto it = verified_.find(std::string(token)); it != verified_.end()) claims = it->second;
  }
  if (!claims) {
    claims = check_signed(token, error);
    if (!claims) return std::nullopt;
    std::lock_guard guard{mu_};
    if (verified_.size() >= cache_limit) verified_.clear();
    verified_.emplace(std::string(token), *claims);
  }
  std::string invalid;
  auto add = [&](std::string_view why) {
    if (!invalid.empty()) invalid.push_back('\n');  // Go's errors.Join
    invalid.append(why);
  };
  if (claims->exp_ms && !(now_ms < *claims->exp_ms)) add("token is expired");
  if (claims->nbf_ms && now_ms < *claims->nbf_ms) add("token is not valid yet");
  if (claims->iat_ms && now_ms < *claims->iat_ms) add("token used before issued");
  if (!invalid.empty()) {
    error = "token has invalid claims: " + invalid;
    return std::nullopt;
  }
  return std::move(claims->claims);
}

size_t jwt_verifier::cached() const {
  std::lock_guard guard{mu_};
  return verified_.size();
}

std::optional<signed_claims> jwt_verifier::check_signed(std::string_view token,
                                                        std::string& error) const {
  // The checks in golang-jwt v5's order, with its wording.
  auto fail = [&](std::string why) -> std::optional<signed_claims> {
    error = std::move(why);
    return std::nullopt;
  };
  size_t d1 = token.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return fail("token is malformed: token contains an invalid number of segments");
  }
  std::string_view head_b64 = token.substr(0, d1);
  std::string_view body_b64 = token.substr(d1 + 1, d2 - d1 - 1);
  std::string_view sig_b64 = token.substr(d2 + 1);

  auto head_text = base64url_decode(head_b64);
  if (!head_text) {
    return fail("token is malformed: could not base64 decode header: " + base64_failure(head_b64));
  }
  auto head = parse_json(*head_text);
  if (!head || !(head->is_object() || head->is_null())) {
    return fail("token is malformed: could not JSON decode header: invalid JSON object");
  }
  auto body_text = base64url_decode(body_b64);
  if (!body_text) {
    return fail("token is malformed: could not base64 decode claim: " + base64_failure(body_b64));
  }
  auto body = parse_json(*body_text);
  if (!body) return fail("token is malformed: could not JSON decode claim: invalid JSON");
  signed_claims claims;
  if (auto why = decode_claims(*body, claims); !why.empty()) {
    return fail("token is malformed: could not JSON decode claim: " + why);
  }

  const json::value* alg_v = head->is_object() ? head->get_object().if_contains("alg") : nullptr;
  if (!alg_v || !alg_v->is_string()) {
    return fail("token is unverifiable: signing method (alg) is unspecified");
  }
  std::string_view alg = alg_v->get_string();
  if (!is_known_alg(alg)) return fail("token is unverifiable: signing method (alg) is unavailable");
  if (!base64url_decode(sig_b64)) {
    return fail("token is malformed: could not base64 decode signature: " +
                base64_failure(sig_b64));
  }
  // Only RSA keys sign our tokens; anything else (HS256 with the public key as the
  // secret, none, ...) is refused before the library sees the key.
  auto expected = rsa_alg(alg);
  if (!expected) {
    return fail(
      "token is unverifiable: error while executing keyfunc: unexpected signing "
      "method: " +
      std::string(alg));
  }

  std::string text(token);
  jwt_t* raw = nullptr;
  int rc = jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(pem_.data()),
                      static_cast<int>(pem_.size()));
  std::unique_ptr<jwt_t, jwt_deleter> decoded(raw);
  if (rc != 0 || !decoded || jwt_get_alg(decoded.get()) != *expected) {
    return fail("token signature is invalid: crypto/rsa: verification error");
  }

  return claims;
}

// -- the gate -------------------------------------------------------------------------

namespace {

int64_t system_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool open_route(route_id r) {
  return r == route_id::ping || r == route_id::health || r == route_id::ready ||
         r == route_id::not_found;
}

}  // namespace

std::shared_ptr<const access_control> access_control::create(auth_options opts,
                                                             std::string& error) {
  std::shared_ptr<access_control> gate(new access_control());
  gate->basic_ = codecs::basic_auth(opts.basic_users);
  if (!opts.public_key_pem.empty()) {
    gate->jwt_ = jwt_verifier::create(opts.public_key_pem, error);
    if (!gate->jwt_) return nullptr;
  }
  gate->now_ms_ = opts.now_ms ? std::move(opts.now_ms) : std::function<int64_t()>(system_now_ms);
  return gate;
}

std::optional<http_response> access_control::check_basic(const http_request& req) const {
  // gin compares the whole header value with each expected one, in constant time.
  if (basic_.allows(req.header("Authorization").value_or(std::string_view{}))) {
    return std::nullopt;
  }
  return basic_auth_required();
}

std::optional<token_claims> access_control::authenticate(const http_request& req,
                                                         std::string& error) const {
  std::string_view value = req.header("Authorization").value_or(std::string_view{});
  if (value.empty()) {
    error = "missing authorization header";
    return std::nullopt;
  }
  if (value.size() >= 7 && iequals(value.substr(0, 7), "bearer ")) value.remove_prefix(7);
  std::string why;
  auto claims = jwt_->verify(value, now_ms_(), why);
  if (!claims) error = "token validation failed: " + why;
  return claims;
}

std::optional<token_claims> access_control::verify_token(std::string_view token,
                                                         std::string& error) const {
  if (!jwt_) {
    error = "no public key configured";
    return std::nullopt;
  }
  return jwt_->verify(token, now_ms_(), error);
}

std::optional<http_response> access_control::check(const http_request& req, route_id route,
                                                   const queues::request_payload* payload) const {
  if (open_route(route)) return std::nullopt;
  if (auto refused = check_basic(req)) return refused;
  if (!jwt_ || !payload) return std::nullopt;
  return check_jwt(req, access_key_of(*payload));
}

std::optional<http_response> access_control::check_jwt(const http_request& req,
                                                       const access_key& key) const {
  std::string error;
  auto claims = authenticate(req, error);
  if (!claims) return server_error(queues::status::unauthorized, error);
  if (!prefix_allows(*claims, key)) {
    return server_error(queues::status::forbidden, "unauthorized prefix");
  }
  return std::nullopt;
}

std::optional<http_response> access_control::check_poll(const http_request& req) const {
  if (auto refused = check_basic(req)) return refused;
  if (!jwt_) return std::nullopt;
  return check_jwt(req, access_key{access_key::rule::always, {}});  // the Noop's key
}

http_response basic_auth_required() {
  http_response res;
  res.status = 401;
  res.content_type = {};
  res.version_header = false;
  res.headers.emplace_back("WWW-Authenticate", "Basic realm=\"Authorization Required\"");
  return res;
}

}  // namespace resonate::api_gateway
