#pragma once

// Reading request bodies with Boost.JSON, shaped after Go's encoding/json as the
// reference server uses it through gin: only the first JSON value of the body is
// decoded, object keys match field names case-insensitively (last one wins),
// `null` leaves a field at its zero value, and type mismatches produce Go's
// "json: cannot unmarshal ..." text. No exception leaves these functions.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>
#include <boost/json/storage_ptr.hpp>

#include "queues/records.hpp"

namespace resonate::api_gateway {

/// Parses the first JSON value in `body` into `out` (allocated from `sp`).
/// On failure returns false and sets `error` to a Go-like decoder message.
bool parse_json_body(std::string_view body, boost::json::value& out, boost::json::storage_ptr sp,
                     std::string& error);

/// Go's name for the JSON kind of `v` in unmarshal errors ("string", "number", ...).
const char* json_kind_name(const boost::json::value& v);

/// `json: cannot unmarshal <kind> into Go struct field <where> of type <go_type>`. A number
/// that does not fit an integer `go_type` ("int", "int64") is `number <literal>`, as in Go;
/// the literal is re-rendered from the parsed value (so `1e3` reads `1000`).
std::string unmarshal_error(const boost::json::value& v, std::string_view where,
                            std::string_view go_type);

/// A JSON number that is an exact int64 (Go rejects fractions, exponents, overflow).
bool json_to_int64(const boost::json::value& v, int64_t& out);

/// Decodes a `map[string]string` (null = leave empty). `where` names the field.
bool decode_string_map(const boost::json::value& v, std::map<std::string, std::string>& out,
                       std::string_view where, std::string& error);

/// Decodes a wire Value `{"headers"?, "data"? (standard base64)}`; null = empty. Go names
/// the innermost struct in its errors: `where` is the field as its owner sees it
/// (`createPromiseBody.param`), `path` the JSON path from the body's root (`param`), so a
/// bad `data` reads `Value.param.data`.
bool decode_value(const boost::json::value& v, queues::value& out, std::string_view where,
                  std::string_view path, std::string& error);

}  // namespace resonate::api_gateway
