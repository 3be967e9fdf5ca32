#include "api_gateway/rest_v1/json_reader.hpp"

#include <charconv>
#include <limits>

#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include "codecs/base64.hpp"
#include "codecs/url.hpp"

namespace resonate::api_gateway {

using codecs::base64_decode;
using codecs::iequals;

namespace json = boost::json;

bool parse_json_body(std::string_view body, json::value& out, json::storage_ptr sp,
                     std::string& error) {
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    error = "EOF";  // what Go's json.Decoder says about an empty body
    return false;
  }
  // Scratch space for the parser's own stack, so small bodies parse without
  // touching the heap beyond `sp`.
  unsigned char scratch[512];
  json::parse_options opts;
  opts.max_depth = 64;
  opts.allow_invalid_utf8 = true;  // Go accepts it (and substitutes U+FFFD)
  json::stream_parser p(sp, opts, scratch, sizeof scratch);
  json::error_code ec;
  // write_some stops after the first complete value: like json.Decoder, data
  // after it is never looked at.
  p.write_some(body.data(), body.size(), ec);
  if (!ec && !p.done()) p.finish(ec);
  if (ec) {
    if (ec == json::error::incomplete) {
      error = "unexpected EOF";
    } else {
      error = "invalid character in JSON: ";
      error += ec.message();
    }
    return false;
  }
  try {
    out = p.release();
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
  return true;
}

const char* json_kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "bool";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "number";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "value";
}

std::string unmarshal_error(const json::value& v, std::string_view where,
                            std::string_view go_type) {
  std::string e = "json: cannot unmarshal ";
  e += json_kind_name(v);
  const bool int_type = go_type == "int" || go_type == "int64";
  if (int_type && v.is_uint64()) {
    e += ' ';
    e += std::to_string(v.get_uint64());
  } else if (int_type && v.is_double()) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.get_double());
    if (ec == std::errc{}) {
      e += ' ';
      e.append(buf, end);
    }
  }
  e += " into Go struct field ";
  e.append(where);
  e += " of type ";
  e.append(go_type);
  return e;
}

bool json_to_int64(const json::value& v, int64_t& out) {
  if (v.is_int64()) {
    out = v.get_int64();
    return true;
  }
  return false;  // uint64 means > INT64_MAX; doubles are fractions or exponents
}

bool decode_string_map(const json::value& v, std::map<std::string, std::string>& out,
                       std::string_view where, std::string& error) {
  if (v.is_null()) return true;
  if (!v.is_object()) {
    error = unmarshal_error(v, where, "map[string]string");
    return false;
  }
  for (const auto& kv : v.get_object()) {
    if (kv.value().is_null()) {
      out[std::string(kv.key())];  // Go stores the zero value for a null element
      continue;
    }
    if (!kv.value().is_string()) {
      error = unmarshal_error(kv.value(), where, "string");
      return false;
    }
    const auto& s = kv.value().get_string();
    out[std::string(kv.key())] = std::string(s.data(), s.size());
  }
  return true;
}

bool decode_value(const json::value& v, queues::value& out, std::string_view where,
                  std::string_view path, std::string& error) {
  if (v.is_null()) return true;
  if (!v.is_object()) {
    error = unmarshal_error(v, where, "promise.Value");
    return false;
  }
  for (const auto& kv : v.get_object()) {
    if (iequals(kv.key(), "headers")) {
      std::string field = "Value.";
      field.append(path);
      field += ".headers";
      out.headers.clear();
      if (!decode_string_map(kv.value(), out.headers, field, error)) return false;
    } else if (iequals(kv.key(), "data")) {
      const auto& d = kv.value();
      if (d.is_null()) {
        out.data.clear();
        continue;
      }
      if (!d.is_string()) {
        std::string field = "Value.";
        field.append(path);
        field += ".data";
        error = unmarshal_error(d, field, "[]uint8");
        return false;
      }
      size_t bad = 0;
      auto decoded =
        base64_decode(std::string_view(d.get_string().data(), d.get_string().size()), bad);
      if (!decoded) {
        error = "illegal base64 data at input byte " + std::to_string(bad);
        return false;
      }
      out.data = std::move(*decoded);
    }
  }
  return true;
}

}  // namespace resonate::api_gateway
