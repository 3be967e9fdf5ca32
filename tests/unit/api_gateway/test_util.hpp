#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "api_gateway/transport/http_types.hpp"
#include "api_gateway/rest_v1/router.hpp"

namespace resonate::api_gateway::testing {

inline http_request make_req(std::string_view method, std::string_view target,
                             std::string_view body = {}, std::vector<http_header> headers = {}) {
  http_request r;
  r.method = method;
  r.target = target;
  r.body = body;
  r.headers = std::move(headers);
  return r;
}

/// Checks the exact FieldValidationError shape and returns the detail messages.
inline std::vector<std::string> validation_messages(const http_response& res) {
  std::vector<std::string> out;
  EXPECT_EQ(res.status, 400u);
  EXPECT_EQ(res.content_type, json_content_type);
  EXPECT_TRUE(res.version_header);
  boost::json::value v = boost::json::parse(res.body);
  const auto& err = v.at("error").as_object();
  EXPECT_EQ(err.size(), 3u);
  EXPECT_EQ(err.at("code").as_int64(), 40000);
  EXPECT_EQ(err.at("message").as_string(), "The request is invalid");
  for (const auto& d : err.at("details").as_array()) {
    const auto& o = d.as_object();
    EXPECT_EQ(o.size(), 4u);
    EXPECT_EQ(o.at("@type").as_string(), "FieldValidationError");
    EXPECT_EQ(o.at("domain").as_string(), "request");
    EXPECT_EQ(o.at("metadata").at("url").as_string(),
              "https://docs.resonatehq.io/operate/errors#40000");
    out.emplace_back(o.at("message").as_string().c_str());
  }
  return out;
}

/// A request that must be answered at once with a 400 (never reach the kernel): its messages.
inline std::vector<std::string> rejected_with(const route_result& r) {
  EXPECT_FALSE(r.request.has_value());
  return validation_messages(r.response);
}

/// The payload of a request that must reach the kernel.
template <typename T>
const T& payload_of(const route_result& r) {
  EXPECT_TRUE(r.request.has_value());
  EXPECT_TRUE(r.request && std::holds_alternative<T>(r.request->payload));
  return std::get<T>(r.request->payload);
}

using messages = std::vector<std::string>;

}  // namespace resonate::api_gateway::testing
