#pragma once

// Small Beast-free helpers for the HTTP edge: case-insensitive compare, URL
// decoding, query strings, and the Go `strconv` parsers whose exact accept sets
// (and error texts) the REST v1 wire contract inherits from the reference server.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace resonate::api_gateway {

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

/// Go `strconv.ParseBool`. nullopt for anything it rejects.
std::optional<bool> parse_go_bool(std::string_view s);

/// Go `strconv.ParseInt(s, 10, 64)`. On failure `error` holds Go's message, e.g.
/// `strconv.ParseInt: parsing "x": invalid syntax`.
std::optional<int64_t> parse_go_int64(std::string_view s, std::string& error);

/// A random RFC 4122 version 4 UUID (for absent `Request-Id` headers).
std::string make_request_id();

}  // namespace resonate::api_gateway
