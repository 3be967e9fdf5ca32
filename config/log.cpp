#include "config/log.hpp"

#include <cstdio>
#include <mutex>

namespace resonate::log {

namespace {

std::mutex& sink_mutex() {
  static std::mutex m;
  return m;
}

std::function<void(std::string_view)>& sink() {
  static std::function<void(std::string_view)> s;
  return s;
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (unsigned char ch : v) {
    if (ch <= ' ' || ch == '=' || ch == '"' || ch == '\\' || ch == 0x7f) return true;
  }
  return false;
}

void append_value(std::string& out, std::string_view v, bool always_quote) {
  if (!always_quote && !needs_quotes(v)) {
    out += v;
    return;
  }
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char ch : v) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (ch < 0x20 || ch == 0x7f) {
          out += "\\u00";
          out += hex[ch >> 4];
          out += hex[ch & 0xf];
        } else {
          out += static_cast<char>(ch);
        }
    }
  }
  out += '"';
}

// Keys are identifiers in logfmt: anything that would break the key=value grammar
// becomes '_', so a careless key can never forge another field.
void append_key(std::string& out, std::string_view k) {
  if (k.empty()) {
    out += '_';
    return;
  }
  for (unsigned char ch : k) {
    out += (ch <= ' ' || ch == '=' || ch == '"' || ch == 0x7f) ? '_' : static_cast<char>(ch);
  }
}

void append_2(std::string& out, unsigned v) {
  out += static_cast<char>('0' + v / 10);
  out += static_cast<char>('0' + v % 10);
}

void append_timestamp(std::string& out, std::chrono::system_clock::time_point ts) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(ts);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  const int y = static_cast<int>(ymd.year());
  out += std::to_string(y);
  out += '-';
  append_2(out, static_cast<unsigned>(ymd.month()));
  out += '-';
  append_2(out, static_cast<unsigned>(ymd.day()));
  out += 'T';
  append_2(out, static_cast<unsigned>(hms.hours().count()));
  out += ':';
  append_2(out, static_cast<unsigned>(hms.minutes().count()));
  out += ':';
  append_2(out, static_cast<unsigned>(hms.seconds().count()));
  out += '.';
  const auto milli = static_cast<unsigned>(hms.subseconds().count());
  out += static_cast<char>('0' + milli / 100);
  append_2(out, milli % 100);
  out += 'Z';
}

}  // namespace

std::optional<level> parse_level(std::string_view name) {
  if (name == "debug") return level::debug;
  if (name == "info") return level::info;
  if (name == "warn" || name == "warning") return level::warn;
  if (name == "error") return level::error;
  if (name == "off") return level::off;
  return std::nullopt;
}

std::string_view level_name(level l) {
  switch (l) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
    case level::off: return "off";
  }
  return "off";
}

void set_level(level l) {
  detail::threshold.store(static_cast<int>(l), std::memory_order_relaxed);
}

level current_level() {
  return static_cast<level>(detail::threshold.load(std::memory_order_relaxed));
}

std::string format(std::chrono::system_clock::time_point ts, level l, std::string_view msg,
                   fields f) {
  std::string out;
  out.reserve(64 + msg.size() + f.size() * 24);
  out += "ts=";
  append_timestamp(out, ts);
  out += " level=";
  out += level_name(l);
  out += " msg=";
  append_value(out, msg, true);
  for (const auto& fl : f) {
    out += ' ';
    append_key(out, fl.key);
    out += '=';
    append_value(out, fl.value, false);
  }
  return out;
}

void write(level l, std::string_view msg, fields f) {
  if (!enabled(l)) return;
  // Formatting happens outside the lock; only the write itself is serialised.
  std::string line = format(std::chrono::system_clock::now(), l, msg, f);
  line += '\n';
  std::lock_guard<std::mutex> lock(sink_mutex());
  if (sink()) {
    sink()(line);
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  }
}

void set_sink(std::function<void(std::string_view line)> s) {
  std::lock_guard<std::mutex> lock(sink_mutex());
  sink() = std::move(s);
}

}  // namespace resonate::log
