#pragma once

// JSON column encodings. Headers and tags are stored as JSON objects of strings
// ('{}' when empty; a param's or value's headers NULL when absent, its data too,
// so that protocol 2026 can echo an empty part as sent); a task's or callback's `mesg` as
// `{"type":"invoke|resume|notify","head":{...},"root":"...","leaf":"..."}`
// with `head` omitted when empty (REST v1 2.8).

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "queues/records.hpp"

namespace resonate::aio_adapters::store {

/// Encodes a string map as a JSON object; an empty map gives `{}`.
std::string encode_string_map(const std::map<std::string, std::string>& m);

/// Decodes a JSON object of strings. Empty text (a NULL column) gives an empty
/// map; non-string values are kept as their JSON text. Throws std::runtime_error
/// when the text is not a JSON object.
std::map<std::string, std::string> decode_string_map(std::string_view text);

/// The headers column of a param or value: its JSON object when the headers were given
/// (even empty: '{}'), NULL (nullopt) when absent (queues::value::headers_present).
std::optional<std::string> encode_value_headers(const queues::value& v);

/// The data column likewise: the bytes (a view into `v`), or NULL when absent.
std::optional<std::string_view> value_data_column(const queues::value& v);

/// A param or value from its two columns, each nullopt for NULL: an absent part.
queues::value decode_value(const std::optional<std::string>& headers,
                           std::optional<std::string> data);

/// Encodes a message as stored in the `mesg` column.
std::string encode_message(const queues::message& m);

/// Decodes a `mesg` column. Throws std::runtime_error when it is not such an
/// object (unknown type, missing or non-string root/leaf).
queues::message decode_message(std::string_view text);

}  // namespace resonate::aio_adapters::store
