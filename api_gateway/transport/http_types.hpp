#pragma once

// Plain (Beast-free) request/response shapes. The Beast session fills an
// http_request with views into its parsed message, the router answers
// synchronously, so the views never outlive the message they point into.
// Keeping Beast out of these types lets routes and codecs compile fast and be
// unit-tested without sockets.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace resonate::api_gateway {

/// One request header as received (name case preserved).
struct http_header {
  std::string_view name;
  std::string_view value;
};

/// A request as the router sees it. All views must outlive the routing call.
struct http_request {
  std::string_view method;  ///< "GET", "POST", ...
  std::string_view target;  ///< origin-form: path plus optional "?query"
  std::vector<http_header> headers;
  std::string_view body;

  /// First header with this name (ASCII case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
};

inline constexpr std::string_view json_content_type = "application/json; charset=utf-8";
inline constexpr std::string_view text_content_type = "text/plain; charset=utf-8";
inline constexpr std::string_view resonate_version = "0.8.2";

/// A response ready to be written.
struct http_response {
  unsigned status = 200;
  std::string_view content_type = json_content_type;  ///< always a static string
  std::string body;
  bool version_header = true;  ///< `Resonate-Version` (unknown routes go without)
  bool close = false;          ///< close the connection after writing
  /// Further headers, written in order (`WWW-Authenticate`, CORS).
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace resonate::api_gateway
