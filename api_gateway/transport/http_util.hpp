#pragma once

// Small Beast-free helpers for the HTTP edge: the Go `strconv` parsers whose exact
// accept sets (and error texts) the REST v1 wire contract inherits from the reference
// server, and request ids. URL decoding, query strings and the case-insensitive compare
// are in codecs/url.hpp (the sender reads URLs too).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace resonate::api_gateway {

/// Go `strconv.ParseBool`. nullopt for anything it rejects.
std::optional<bool> parse_go_bool(std::string_view s);

/// Go `strconv.ParseInt(s, 10, 64)`. On failure `error` holds Go's message, e.g.
/// `strconv.ParseInt: parsing "x": invalid syntax`.
std::optional<int64_t> parse_go_int64(std::string_view s, std::string& error);

/// A random RFC 4122 version 4 UUID (for absent `Request-Id` headers).
std::string make_request_id();

}  // namespace resonate::api_gateway
