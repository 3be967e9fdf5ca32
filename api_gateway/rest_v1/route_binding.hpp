#pragma once

// Request binding shared by the REST v1 routes, in gin's order (headers, then the
// JSON body, then the `binding:` rules) and with the reference server's messages:
// header parsers, the JSON-object body prelude, typed field readers that word
// decoder errors as Go does, and the promise fields of POST /promises and
// POST /promises/task.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "api_gateway/transport/http_types.hpp"
#include "queues/api.hpp"

namespace resonate::api_gateway {

/// `Idempotency-Key` (present but empty is the non-null "") and `Strict` (Go ParseBool;
/// empty = false). Fills the fields or returns the 400.
std::optional<http_response> bind_idempotency_headers(const http_request& req,
                                                      std::optional<std::string>& key,
                                                      bool& strict);

/// `Task-Id` / `Task-Counter` (REST v1 4.13): the counter must be an int64 even without
/// an id; the fence is set only for a non-empty `Task-Id`.
std::optional<http_response> bind_fence_headers(const http_request& req,
                                                std::optional<queues::fence>& fence);

/// `traceparent` and `tracestate` (lower-case keys), empty values dropped, tracestate only
/// together with a traceparent.
queues::header_map bind_trace_headers(const http_request& req);

/// Where a body's JSON goes: stack first, heap only for big bodies.
struct body_arena {
  unsigned char buffer[4096];
  boost::json::monotonic_resource mr{buffer, sizeof buffer};
};

/// Parses a body that must be a JSON object (into `arena`), or returns the 400 worded as
/// Go's decoder words it (`go_type` is the Go type, e.g. `http.createPromiseBody`).
std::optional<http_response> parse_object_body(const http_request& req, const char* go_type,
                                               body_arena& arena, boost::json::value& body);

/// Field readers: JSON null leaves `out` alone (Go); another kind sets `error` to Go's
/// `cannot unmarshal` text for `<owner>.<path>`, where `owner` is the Go struct holding the
/// field and `path` the JSON path from the body root (`createPromiseBody.promise.id`).
bool read_string_field(const boost::json::value& v, std::string& out, std::string_view owner,
                       std::string_view path, std::string& error);
bool read_int_field(const boost::json::value& v, int64_t& out, std::string_view owner,
                    std::string_view path, std::string_view go_type, std::string& error);

/// One field of a flat Go body struct: its JSON key, where its value goes, and for an
/// integer the Go type its decoder errors name ("int", "int64").
struct body_field {
  std::string_view key;
  std::variant<std::string*, int64_t*> out;
  std::string_view go_int_type = "int64";
};

/// Parses a JSON-object body of string and integer fields: keys match case-insensitively
/// (as encoding/json does), keys not listed are ignored, null leaves a field alone. Returns
/// the 400 worded as Go's decoder words it (`go_type` is the Go type, `owner` the struct).
std::optional<http_response> read_flat_body(const http_request& req, const char* go_type,
                                            std::string_view owner,
                                            std::initializer_list<body_field> fields);

/// Decodes the fields of a `createPromiseBody` (id, timeout, param, tags) from `obj` into
/// `out`; `prefix` is the JSON path of the object ("" for POST /promises, "promise." for
/// POST /promises/task). Returns false with the decoder's message in `error`.
bool read_create_promise_fields(const boost::json::object& obj, std::string_view prefix,
                                queues::create_promise_request& out, std::string& error);

}  // namespace resonate::api_gateway
