#include "codecs/address.hpp"

#include <algorithm>

#include "codecs/url.hpp"

namespace resonate::codecs {

namespace {

bool control(char ch) {
  auto u = static_cast<unsigned char>(ch);
  return u < 0x20 || u == 0x7f;
}

/// `rest` (what follows "://") up to its query or fragment.
std::string_view without_query(std::string_view rest) {
  return rest.substr(0, rest.find_first_of("?#"));
}

/// The authority of `rest` split at its last '@': {userinfo or nullopt, host}.
std::pair<std::optional<std::string_view>, std::string_view> split_authority(
  std::string_view authority) {
  auto at = authority.rfind('@');
  if (at == std::string_view::npos) return {std::nullopt, authority};
  return {authority.substr(0, at), authority.substr(at + 1)};
}

std::optional<parsed_address> parse_poll(std::string_view rest) {
  rest = without_query(rest);
  auto slash = rest.find('/');
  auto [userinfo, group] = split_authority(rest.substr(0, slash));
  if (group.find(' ') != std::string_view::npos) return std::nullopt;
  parsed_address a;
  a.kind = parsed_address::scheme::poll;
  if (userinfo) {
    auto cast = decode_path(*userinfo);
    auto c = cast ? cast_of(*cast) : std::nullopt;
    if (!c) return std::nullopt;
    a.poll.cast = *c;
    a.cast_given = true;
  }
  a.poll.group = std::string(group);
  if (slash != std::string_view::npos) {
    auto id = decode_path(rest.substr(slash + 1));
    if (!id) return std::nullopt;
    if (!id->empty()) a.poll.id = std::move(*id);
  }
  return a;
}

std::optional<parsed_address> parse_http(std::string_view rest, parsed_address::scheme kind) {
  auto host = split_authority(rest.substr(0, rest.find_first_of("/?#"))).second;
  if (host.empty() || host.find(' ') != std::string_view::npos) return std::nullopt;
  parsed_address a;
  a.kind = kind;
  return a;
}

}  // namespace

std::optional<cast_kind> cast_of(std::string_view name) {
  if (name == "any") return cast_kind::any;
  if (name == "uni") return cast_kind::uni;
  return std::nullopt;
}

std::optional<parsed_address> parse_address(std::string_view text) {
  if (std::any_of(text.begin(), text.end(), control)) return std::nullopt;
  auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  auto scheme = text.substr(0, sep);
  auto rest = text.substr(sep + 3);
  using s = parsed_address::scheme;
  if (iequals(scheme, "poll")) return parse_poll(rest);
  if (iequals(scheme, "http")) return parse_http(rest, s::http);
  if (iequals(scheme, "https")) return parse_http(rest, s::https);
  parsed_address a;
  if (iequals(scheme, "sqs+https"))
    a.kind = s::sqs;
  else if (iequals(scheme, "kafka"))
    a.kind = s::kafka;
  else
    return std::nullopt;
  return a;
}

bool protocol_2026_address(std::string_view text) {
  auto a = parse_address(text);
  if (!a) return false;
  switch (a->kind) {
    case parsed_address::scheme::poll:
      return a->cast_given && !a->poll.group.empty();
    case parsed_address::scheme::http:
    case parsed_address::scheme::https:
      return true;
    default:
      return false;
  }
}

}  // namespace resonate::codecs
