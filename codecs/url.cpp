#include "codecs/url.hpp"

namespace resonate::codecs {

namespace {

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view raw, bool plus_is_space) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%') {
      if (i + 2 >= raw.size()) return std::nullopt;
      int hi = hex_value(raw[i + 1]);
      int lo = hex_value(raw[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

std::optional<std::string> decode_path(std::string_view raw) {
  return percent_decode(raw, false);
}

std::optional<std::string> decode_query_component(std::string_view raw) {
  return percent_decode(raw, true);
}

std::vector<query_pair> parse_query(std::string_view raw) {
  std::vector<query_pair> out;
  while (!raw.empty()) {
    auto amp = raw.find('&');
    std::string_view part = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
    // Go rejects pairs containing ';' (since 1.17) and skips empty ones.
    if (part.empty() || part.find(';') != std::string_view::npos) continue;
    auto eq = part.find('=');
    auto key = decode_query_component(part.substr(0, eq));
    auto val = decode_query_component(eq == std::string_view::npos ? std::string_view{}
                                                                   : part.substr(eq + 1));
    if (!key || !val) continue;
    out.emplace_back(std::move(*key), std::move(*val));
  }
  return out;
}

const std::string* query_first(const std::vector<query_pair>& pairs, std::string_view key) {
  for (const auto& [k, v] : pairs) {
    if (k == key) return &v;
  }
  return nullptr;
}

}  // namespace resonate::codecs
