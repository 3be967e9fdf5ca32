#pragma once

// Authentication and authorisation of the HTTP API (REST v1 spec 3.1 and 8), free of
// Beast. Two independent layers, both off by default:
//   - basic auth (`api.subsystems.http.config.auth`): gin's BasicAuth on every route but
//     the probes, before anything else is looked at: 401, no body,
//     `WWW-Authenticate: Basic realm="Authorization Required"`;
//   - JWT bearer tokens (`api.auth.publicKey`): the reference's kernel middleware, so it
//     sees the typed request (after validation, as in the reference a 400 comes first):
//     a bad or missing token is 401 (40100), a token whose prefix does not cover the
//     request's key is 403 (40300), both with a ServerError detail.
// Spec 11.31: with both on, the Basic value reaches the JWT check and fails: only the
// probes answer. A refused request never reaches the kernel, so it changes nothing.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "codecs/basic_auth.hpp"

#include "api_gateway/rest_v1/router.hpp"
#include "api_gateway/transport/http_types.hpp"
#include "queues/api.hpp"

namespace resonate::api_gateway {

/// What a request's token prefix is compared with (spec 8's table).
struct access_key {
  enum class rule : uint8_t {
    always,   ///< allowed once authenticated (heartbeats, ready, the /poll Noop)
    id,       ///< `id` must start with the prefix
    task_id,  ///< `id` must start with `__resume:`, `__invoke:` or `__notify:` + the prefix
  };
  rule how = rule::always;
  std::string_view id;  ///< points into the payload
};

/// The key of a typed request. Every payload alternative has a row: a new request type
/// fails to compile here until it gets one (so none can slip past authorisation).
access_key access_key_of(const queues::request_payload& payload);

/// The claims of a verified token that authorisation reads.
struct token_claims {
  std::string role;                   ///< "" when absent or null
  std::optional<std::string> prefix;  ///< nullopt when absent or null
};

/// Spec 8's authorisation: role `admin` (any case) passes; a missing prefix fails; "" passes;
/// otherwise the key must start with the prefix.
bool prefix_allows(const token_claims& claims, const access_key& key);

/// Verifies RS256/RS384/RS512 tokens against one RSA public key. The signature check is
/// libjwt's (OpenSSL); the header, claims and time checks follow golang-jwt v5, which the
/// reference uses, with `iat` checked too (spec 8). Thread-safe.
/// What a token whose signature checked out carries: its claims and the time claims,
/// which are checked again at every use.
struct signed_claims {
  token_claims claims;
  std::optional<int64_t> exp_ms, nbf_ms, iat_ms;  ///< whole seconds, in milliseconds
};

class jwt_verifier {
public:
  /// nullptr, and `error` set, when `pem` holds no PKIX PEM RSA public key.
  static std::unique_ptr<jwt_verifier> create(std::string_view pem, std::string& error);

  /// The claims of a valid token; else nullopt and `error` worded as golang-jwt words it
  /// (e.g. "token has invalid claims: token is expired"). `now_ms`: Unix milliseconds.
  std::optional<token_claims> verify(std::string_view token, int64_t now_ms,
                                     std::string& error) const;

  /// Tokens remembered as correctly signed (a client sends the same token again and again,
  /// and a signature check costs far more than the request).
  size_t cached() const;

private:
  explicit jwt_verifier(std::string pem) : pem_(std::move(pem)) {}
  std::optional<signed_claims> check_signed(std::string_view token, std::string& error) const;

  static constexpr size_t cache_limit = 1024;  ///< when full, the cache starts over
  std::string pem_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, signed_claims> verified_;
};

struct auth_options {
  /// Basic auth users of the HTTP API (user -> password); empty: no basic auth.
  std::map<std::string, std::string> basic_users;
  /// The PEM text of the RSA public key; empty: no JWT.
  std::string public_key_pem;
  /// Unix milliseconds; empty: the system clock. (Tests set it.)
  std::function<int64_t()> now_ms;
};

/// The gate the HTTP session asks before it submits anything.
class access_control {
public:
  /// nullptr, and `error` set, when the public key is unusable.
  static std::shared_ptr<const access_control> create(auth_options opts, std::string& error);

  /// Whether any check is configured (a disabled gate answers nullopt to everything).
  bool enabled() const { return basic_.enabled() || jwt_ != nullptr; }

  /// For a routed REST request: the answer to send instead, or nullopt to go on. `payload`
  /// is the typed request about to be submitted, nullptr when the router answered at once
  /// (a 400: only basic auth applies, as gin's group middleware runs before binding).
  /// `/ping`, `/health`, `/ready` and unknown routes (404) are always open.
  std::optional<http_response> check(const http_request& req, route_id route,
                                     const queues::request_payload* payload) const;

  /// For `GET /poll/...` on the API port: basic auth, then the JWT check of the Noop the
  /// reference submits (spec 3.4, 8, 11.31): a bad token is 401 (40100); a Noop is always
  /// allowed once authenticated, but like every request it needs a prefix claim (or the
  /// admin role): a missing or null prefix is 403 (40300).
  std::optional<http_response> check_poll(const http_request& req) const;

  /// Basic auth alone (nullopt when it passes or is off): for protocol
  /// 2026-04-01's `POST /`, whose JWT travels in the envelope instead.
  std::optional<http_response> check_basic_only(const http_request& req) const {
    return check_basic(req);
  }

  /// Whether bearer tokens are checked (a public key is configured).
  bool jwt_enabled() const { return jwt_ != nullptr; }
  /// The claims of `token` (no "Bearer " prefix), checked as every REST v1 token
  /// is; nullopt and `error` set when it fails or JWT is off. For protocol
  /// 2026-04-01, whose token travels in the envelope's head.auth.
  std::optional<token_claims> verify_token(std::string_view token, std::string& error) const;

private:
  access_control() = default;
  std::optional<http_response> check_basic(const http_request& req) const;
  /// Authentication, then spec 8's authorisation of `key`: the 401 or 403 to send, or nullopt.
  std::optional<http_response> check_jwt(const http_request& req, const access_key& key) const;
  /// The claims of the request's bearer token, or the 401 message.
  std::optional<token_claims> authenticate(const http_request& req, std::string& error) const;

  codecs::basic_auth basic_;  ///< the one basic-auth check (the poller's too)
  std::unique_ptr<jwt_verifier> jwt_;
  std::function<int64_t()> now_ms_;
};

/// 401 of basic auth: no body, `WWW-Authenticate: Basic realm="Authorization Required"`.
http_response basic_auth_required();

}  // namespace resonate::api_gateway
