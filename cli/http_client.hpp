#pragma once

// A small blocking HTTP/1.1 client for the operator CLI: one request per
// connection (`Connection: close`), plain HTTP only, a deadline over the whole
// exchange. Boost.Asio lives only in http_client.cpp.

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace resonate::cli {

using header_list = std::vector<std::pair<std::string, std::string>>;

/// Where the server is: `http://host[:port][/prefix]`.
struct server_url {
  std::string host;  ///< without brackets for IPv6
  std::string port = "80";
  std::string prefix;  ///< path prefix without a trailing '/', usually ""
  std::string text;    ///< the URL as given, for messages
};

/// Parses `-S/--server`. nullopt with `why` set when it is not a plain http:// URL.
std::optional<server_url> parse_server_url(const std::string& text, std::string& why);

struct http_reply {
  int status = 0;
  std::string reason;
  header_list headers;
  std::string body;

  /// First header with this name (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
};

/// No complete HTTP response came back: DNS failure, refused or reset connection,
/// timeout, or bytes that are not HTTP. The message names the URL.
struct unreachable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class http_client {
 public:
  /// `headers` go with every request (Authorization).
  http_client(server_url url, header_list headers,
              std::chrono::milliseconds timeout = std::chrono::seconds(30));

  /// Sends `method target` (target starts with '/', the prefix is added) with a
  /// JSON body when `body` is non-empty. Throws unreachable.
  http_reply send(std::string_view method, const std::string& target, std::string_view body = {},
                  const header_list& extra = {}) const;

  const server_url& url() const { return url_; }

 private:
  server_url url_;
  header_list headers_;
  std::chrono::milliseconds timeout_;
};

/// Percent-encodes everything but RFC 3986 unreserved characters, and '/' when
/// `keep_slash` (promise ids in paths: the server decodes the path).
std::string percent_encode(std::string_view s, bool keep_slash = false);

}  // namespace resonate::cli
