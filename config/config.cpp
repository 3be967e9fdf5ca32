#include "config/config.hpp"

#include <cctype>

#include "config/loader.hpp"

namespace resonate::config {

namespace {

// libpq: "To write an empty value, or a value containing spaces, surround it with single
// quotes. Single quotes and backslashes within a value must be escaped with a backslash."
std::string conninfo_value(const std::string& v) {
  bool quote = v.empty();
  for (char ch : v) {
    if (std::isspace(static_cast<unsigned char>(ch)) || ch == '\'' || ch == '\\' || ch == '=') {
      quote = true;
    }
  }
  if (!quote) return v;
  std::string out = "'";
  for (char ch : v) {
    if (ch == '\'' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "'";
}

[[noreturn]] void bad_addr(const std::string& addr, const std::string& key,
                           const std::string& why) {
  throw config_error("invalid address \"" + addr + "\" for " + key + ": " + why);
}

}  // namespace

std::string postgres_conninfo(const postgres_config& pg) {
  std::string out;
  auto add = [&out](const std::string& k, const std::string& v) {
    if (!out.empty()) out += ' ';
    out += k + "=" + conninfo_value(v);
  };
  add("host", pg.host);
  add("port", pg.port);
  if (!pg.username.empty()) add("user", pg.username);
  if (!pg.password.empty()) add("password", pg.password);
  add("dbname", pg.database);
  for (const auto& [k, v] : pg.query) add(k, v);
  // A peer that vanishes without a word (a node cut off from the network, a
  // database host that died) would otherwise hold a connection for TCP's own
  // timers, many minutes, and every thread waiting on it with it: connects give
  // up after 10 s, unacknowledged writes after 10 s, idle connections are
  // probed after 10 s. The user's own values of these win.
  static const std::pair<const char*, const char*> dead_peer_limits[] = {
    {"connect_timeout", "10"}, {"keepalives", "1"},          {"keepalives_count", "3"},
    {"keepalives_idle", "10"}, {"keepalives_interval", "2"}, {"tcp_user_timeout", "10000"}};
  for (const auto& [k, v] : dead_peer_limits)
    if (!pg.query.count(k)) add(k, v);
  return out;
}

std::pair<std::string, uint16_t> split_host_port(const std::string& addr, const std::string& key) {
  std::string host;
  std::string port;
  if (!addr.empty() && addr.front() == '[') {
    const size_t close = addr.find(']');
    if (close == std::string::npos) bad_addr(addr, key, "missing ']' after an IPv6 host");
    host = addr.substr(1, close - 1);
    if (host.empty()) bad_addr(addr, key, "empty IPv6 host between '[' and ']'");
    if (close + 1 >= addr.size() || addr[close + 1] != ':') {
      bad_addr(addr, key, "expected host:port, e.g. [::1]:8001");
    }
    port = addr.substr(close + 2);
  } else {
    const size_t colon = addr.rfind(':');
    if (colon == std::string::npos) bad_addr(addr, key, "expected host:port, e.g. :8001");
    host = addr.substr(0, colon);
    if (host.find(':') != std::string::npos) {
      bad_addr(addr, key, "an IPv6 host needs brackets, e.g. [::1]:8001");
    }
    port = addr.substr(colon + 1);
  }
  for (char ch : host) {
    if (std::isspace(static_cast<unsigned char>(ch)) || ch == '/' || ch == '[' || ch == ']') {
      bad_addr(addr, key, "invalid character in host");
    }
  }
  if (port.empty()) bad_addr(addr, key, "missing port");
  if (port.size() > 5) bad_addr(addr, key, "port must be between 0 and 65535");
  uint32_t p = 0;
  for (char ch : port) {
    if (!std::isdigit(static_cast<unsigned char>(ch))) bad_addr(addr, key, "port must be a number");
    p = p * 10 + static_cast<uint32_t>(ch - '0');
  }
  if (p > 65535) bad_addr(addr, key, "port must be between 0 and 65535");
  return {host, static_cast<uint16_t>(p)};
}

}  // namespace resonate::config
