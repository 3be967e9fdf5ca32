#include "codecs/json_writer.hpp"

#include <charconv>

namespace resonate::codecs {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_u_escape(std::string& out, unsigned code) {
  out.append("\\u");
  out.push_back(hex_digits[(code >> 12) & 0xf]);
  out.push_back(hex_digits[(code >> 8) & 0xf]);
  out.push_back(hex_digits[(code >> 4) & 0xf]);
  out.push_back(hex_digits[code & 0xf]);
}

/// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  auto cont = [&](size_t k) { return k < s.size() && (b(k) & 0xc0) == 0x80; };
  if (c >= 0xc2 && c <= 0xdf) return cont(i + 1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(i + 1) || !cont(i + 2)) return 0;
    unsigned char c1 = b(i + 1);
    if (c == 0xe0 && c1 < 0xa0) return 0;   // overlong
    if (c == 0xed && c1 >= 0xa0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    unsigned char c1 = b(i + 1);
    if (c == 0xf0 && c1 < 0x90) return 0;
    if (c == 0xf4 && c1 >= 0x90) return 0;
    return 4;
  }
  return 0;
}

}  // namespace

void json_append_string(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  size_t start = 0;  // start of the pending run of bytes that need no escaping
  size_t i = 0;
  auto flush = [&](size_t end) { out.append(s.data() + start, end - start); };
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
        ++i;
        continue;
      }
      flush(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          append_u_escape(out, c);
          break;
      }
      start = ++i;
      continue;
    }
    size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      flush(i);
      out.append("\\ufffd");
      start = ++i;
      continue;
    }
    // U+2028 / U+2029 (E2 80 A8 / E2 80 A9) break JavaScript; Go escapes them.
    if (len == 3 && c == 0xe2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) & 0xfe) == 0xa8) {
      flush(i);
      append_u_escape(out, 0x2028u | (static_cast<unsigned char>(s[i + 2]) & 1u));
      i += 3;
      start = i;
      continue;
    }
    i += len;
  }
  flush(s.size());
  out.push_back('"');
}

void json_append_int(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, end);
}

void json_append_string_map(std::string& out, const std::map<std::string, std::string>& m) {
  out.push_back('{');
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out.push_back(',');
    first = false;
    json_append_string(out, k);
    out.push_back(':');
    json_append_string(out, v);
  }
  out.push_back('}');
}

}  // namespace resonate::codecs
