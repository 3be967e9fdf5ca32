#include "api_gateway/transport/http_util.hpp"

#include <charconv>
#include <limits>
#include <random>

#include "api_gateway/transport/http_types.hpp"
#include "codecs/url.hpp"

namespace resonate::api_gateway {

using codecs::iequals;

std::optional<std::string_view> http_request::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return std::nullopt;
}

std::optional<bool> parse_go_bool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False")
    return false;
  return std::nullopt;
}

std::optional<int64_t> parse_go_int64(std::string_view s, std::string& error) {
  auto fail = [&](const char* why) -> std::optional<int64_t> {
    error = "strconv.ParseInt: parsing \"";
    error.append(s);
    error += "\": ";
    error += why;
    return std::nullopt;
  };
  std::string_view digits = s;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) return fail("invalid syntax");
  for (char c : digits) {
    if (c < '0' || c > '9') return fail("invalid syntax");
  }
  uint64_t magnitude = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
  (void)ptr;
  constexpr uint64_t max_pos = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (ec == std::errc::result_out_of_range || magnitude > max_pos + (negative ? 1 : 0)) {
    return fail("value out of range");
  }
  if (negative) return static_cast<int64_t>(0 - magnitude);
  return static_cast<int64_t>(magnitude);
}

std::string make_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng();
  uint64_t lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(36, '-');
  size_t pos = 0;
  auto put = [&](uint64_t v, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
      out[pos++] = hex[(v >> (i * 4)) & 0xf];
    }
  };
  put(hi, 16);
  put(lo, 16);
  return out;
}

}  // namespace resonate::api_gateway
