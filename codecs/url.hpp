#pragma once

// URL decoding and query strings as Go's net/url does them, and the ASCII
// case-insensitive compare of HTTP names (headers, schemes): what the gateway
// and the sender (poll server, receiver addresses) both read.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace resonate::codecs {

/// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

/// Percent-decodes a URL path (Go `URL.Path`): `+` stays `+`. nullopt on a bad escape.
std::optional<std::string> decode_path(std::string_view raw);

/// Percent-decodes a query component (Go `url.QueryUnescape`): `+` becomes a space.
std::optional<std::string> decode_query_component(std::string_view raw);

/// One decoded `key=value` pair of a query string, in order.
using query_pair = std::pair<std::string, std::string>;

/// Parses `a=1&b=2` like Go `url.ParseQuery`: pairs with a bad escape are dropped,
/// `;` is not a separator, a key without `=` has an empty value.
std::vector<query_pair> parse_query(std::string_view raw);

/// First value of `key` in `pairs`.
const std::string* query_first(const std::vector<query_pair>& pairs, std::string_view key);

}  // namespace resonate::codecs
