#pragma once

// Headers and tags are stored as JSON objects of strings ('{}' when empty).

#include <map>
#include <string>
#include <string_view>

namespace resonate::aio_adapters::store {

/// Encodes a string map as a JSON object; an empty map gives `{}`.
std::string encode_string_map(const std::map<std::string, std::string>& m);

/// Decodes a JSON object of strings. Empty text (a NULL column) gives an empty
/// map; non-string values are kept as their JSON text. Throws std::runtime_error
/// when the text is not a JSON object.
std::map<std::string, std::string> decode_string_map(std::string_view text);

}  // namespace resonate::aio_adapters::store
