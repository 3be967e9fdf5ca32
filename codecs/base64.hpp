#pragma once

// Base64 in the two alphabets the REST v1 wire uses: standard with padding for
// Value.data (Go []byte in encoding/json), URL-safe without padding for JWTs.

#include <optional>
#include <string>
#include <string_view>

namespace resonate::codecs {

/// Appends the standard, padded base64 of `bytes` to `out`.
void base64_encode_append(std::string& out, std::string_view bytes);
std::string base64_encode(std::string_view bytes);

/// Decodes standard padded base64 like Go's `base64.StdEncoding` (which skips
/// `\r` and `\n`). On failure returns nullopt and sets `bad_offset` to the input
/// byte Go reports ("illegal base64 data at input byte N").
std::optional<std::string> base64_decode(std::string_view text, size_t& bad_offset);

/// URL-safe alphabet, no padding (RFC 7515 base64url).
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace resonate::codecs
