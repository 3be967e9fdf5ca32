#pragma once
// Exact comparison of response bodies against templates, for wire-format
// checks. A template is the expected body byte for byte, except for holes:
//   {now}  an integer between the bounds given (a server clock reading)
//   {int}  any integer
//   {str}  any JSON string content (up to the closing unescaped quote)

#include <gtest/gtest.h>

#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace resonate::test {

/// Milliseconds since the epoch, as the server's clock counts them.
int64_t now_ms();

::testing::AssertionResult body_matches(std::string_view actual, std::string_view tmpl,
                                        int64_t now_lo, int64_t now_hi);

/// The string held by a JSON value, or "<not a string: ...>".
std::string str(const boost::json::value& v);

/// Standard base64 with padding (RFC 4648 section 4), as Go encodes []byte.
std::string base64(std::string_view bytes);

/// Replaces every `{key}` in `s` with `value`.
std::string substitute(std::string s, std::string_view key, std::string_view value);

/// The exact error body of a kernel status (403/404/409: RequestError;
/// others: ServerError with message `{str}`).
std::string error_body(int code);
/// The exact 400 body with one FieldValidationError detail.
std::string validation_body(std::string_view message = "{str}");
/// The same with one detail per message, in order.
std::string validation_body(std::initializer_list<std::string_view> messages);

}  // namespace resonate::test
