#pragma once

// CORS on the HTTP API as the reference configures gin-contrib/cors (REST v1 spec 3.1):
// off unless origins are configured; then it runs before everything else (probes and
// unknown routes included). Beast-free.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api_gateway/transport/http_types.hpp"

namespace resonate::api_gateway {

class cors_policy {
public:
  cors_policy() = default;
  /// `*` allows any origin; other entries match exactly (ignoring their case).
  explicit cors_policy(std::vector<std::string> allow_origins);

  bool enabled() const { return !origins_.empty() || any_; }

  struct decision {
    /// Send this and stop: 204 for a preflight (OPTIONS), 403 for an origin not allowed.
    std::optional<http_response> answer;
    /// Otherwise: add these to whatever the request is answered with.
    std::vector<std::pair<std::string, std::string>> headers;
  };

  /// A request without `Origin`, or whose origin is its own host, is not a CORS request.
  decision apply(const http_request& req) const;

private:
  std::vector<std::string> origins_;  ///< lower case
  bool any_ = false;
};

}  // namespace resonate::api_gateway
