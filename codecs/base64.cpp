#include "codecs/base64.hpp"

#include <array>
#include <cstdint>

namespace resonate::codecs {

namespace {

constexpr char std_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<int8_t, 256> make_table(const char* alphabet) {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
  return t;
}

constexpr auto std_table = make_table(std_alphabet);
constexpr auto url_table = make_table(url_alphabet);

void encode_into(std::string& out, std::string_view bytes, const char* alphabet, bool pad) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  size_t rest = n - i;
  if (rest == 1) {
    uint32_t v = uint32_t{p[i]} << 16;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (pad) out.append("==");
  } else if (rest == 2) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out.push_back('=');
  }
}

}  // namespace

void base64_encode_append(std::string& out, std::string_view bytes) {
  out.reserve(out.size() + (bytes.size() + 2) / 3 * 4);
  encode_into(out, bytes, std_alphabet, true);
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  base64_encode_append(out, bytes);
  return out;
}

std::optional<std::string> base64_decode(std::string_view text, size_t& bad_offset) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t quantum[4];
  size_t filled = 0;
  size_t padding = 0;
  size_t i = 0;
  size_t last_quantum_start = 0;  // offset Go reports for a truncated tail
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r' || c == '\n') continue;
    if (filled == 0) last_quantum_start = i;
    if (c == '=') {
      // Padding is only legal in positions 3 and 4 of the final quantum.
      if (filled < 2) {
        bad_offset = i;
        return std::nullopt;
      }
      padding = 4 - filled;
      size_t seen = 1;
      size_t j = i + 1;
      for (; j < text.size() && seen < padding; ++j) {
        if (text[j] == '\r' || text[j] == '\n') continue;
        if (text[j] != '=') {
          bad_offset = j;
          return std::nullopt;
        }
        ++seen;
      }
      if (seen < padding) {
        bad_offset = text.size();
        return std::nullopt;
      }
      for (; j < text.size(); ++j) {
        if (text[j] == '\r' || text[j] == '\n') continue;
        bad_offset = j;  // trailing garbage after padding
        return std::nullopt;
      }
      break;
    }
    int8_t v = std_table[static_cast<unsigned char>(c)];
    if (v < 0) {
      bad_offset = i;
      return std::nullopt;
    }
    quantum[filled++] = static_cast<uint32_t>(v);
    if (filled == 4) {
      uint32_t w = (quantum[0] << 18) | (quantum[1] << 12) | (quantum[2] << 6) | quantum[3];
      out.push_back(static_cast<char>((w >> 16) & 0xff));
      out.push_back(static_cast<char>((w >> 8) & 0xff));
      out.push_back(static_cast<char>(w & 0xff));
      filled = 0;
    }
  }
  if (padding == 0) {
    if (filled != 0) {
      // Go reports the start of the unfinished quantum.
      bad_offset = last_quantum_start;
      return std::nullopt;
    }
    return out;
  }
  // filled is 2 or 3 here
  if (filled == 2) {
    uint32_t w = (quantum[0] << 18) | (quantum[1] << 12);
    out.push_back(static_cast<char>((w >> 16) & 0xff));
  } else {
    uint32_t w = (quantum[0] << 18) | (quantum[1] << 12) | (quantum[2] << 6);
    out.push_back(static_cast<char>((w >> 16) & 0xff));
    out.push_back(static_cast<char>((w >> 8) & 0xff));
  }
  return out;
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  encode_into(out, bytes, url_alphabet, false);
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int8_t v = url_table[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace resonate::codecs
