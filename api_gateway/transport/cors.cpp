#include "api_gateway/transport/cors.hpp"

#include <cctype>

namespace resonate::api_gateway {

namespace {

// The reference's configuration (spec 3.1), joined as gin-contrib/cors joins it.
constexpr std::string_view allow_methods = "GET,POST,PUT,PATCH,DELETE,OPTIONS";
constexpr std::string_view allow_headers =
  "Origin,Content-Length,Content-Type,Idempotency-Key,Strict";
constexpr std::string_view expose_headers = "Resonate-Version";

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

http_response bare(unsigned status) {
  http_response res;
  res.status = status;
  res.content_type = {};
  res.version_header = false;
  return res;
}

}  // namespace

cors_policy::cors_policy(std::vector<std::string> allow_origins) {
  for (auto& o : allow_origins) {
    if (o == "*") {
      any_ = true;
    } else {
      origins_.push_back(lower(std::move(o)));
    }
  }
}

cors_policy::decision cors_policy::apply(const http_request& req) const {
  decision out;
  if (!enabled()) return out;
  std::string_view origin = req.header("Origin").value_or(std::string_view{});
  if (origin.empty()) return out;
  std::string_view host = req.header("Host").value_or(std::string_view{});
  if (origin == "http://" + std::string(host) || origin == "https://" + std::string(host)) {
    return out;
  }
  bool allowed = any_;
  for (const auto& o : origins_) allowed = allowed || o == origin;
  if (!allowed) {
    out.answer = bare(403);
    return out;
  }
  auto& h = out.headers;
  const bool preflight = req.method == "OPTIONS";
  if (preflight) {
    h.emplace_back("Access-Control-Allow-Methods", allow_methods);
    h.emplace_back("Access-Control-Allow-Headers", allow_headers);
  } else {
    h.emplace_back("Access-Control-Expose-Headers", expose_headers);
  }
  if (any_) {
    h.emplace_back("Access-Control-Allow-Origin", "*");
  } else {
    h.emplace_back("Vary", "Origin");
    if (preflight) {
      h.emplace_back("Vary", "Access-Control-Request-Method");
      h.emplace_back("Vary", "Access-Control-Request-Headers");
    }
    h.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  }
  if (preflight) {
    out.answer = bare(204);
    out.answer->headers = std::move(h);
    h.clear();
  }
  return out;
}

}  // namespace resonate::api_gateway
