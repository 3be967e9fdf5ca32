#pragma once

// Appends JSON text straight into a std::string. Responses are built by hand,
// not through boost::json::value, because the wire needs Go's field order and
// omission rules and because skipping the DOM saves allocations per response.

#include <cstdint>
#include <string>
#include <string_view>

#include "queues/records.hpp"

namespace resonate::codecs {

/// Appends `s` as a quoted JSON string, escaped like Go's encoding/json
/// (HTML-safe: `<`, `>`, `&` become \u003c..., U+2028/2029 escaped, invalid
/// UTF-8 becomes \ufffd).
void json_append_string(std::string& out, std::string_view s);

/// Appends a decimal integer.
void json_append_int(std::string& out, int64_t v);

/// Appends a string->string map as a JSON object (keys in map order, which is
/// byte order, which is also Go's sorted-map-key order).
void json_append_string_map(std::string& out, const std::map<std::string, std::string>& m);

}  // namespace resonate::codecs
