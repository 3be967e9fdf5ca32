#pragma once

// A tiny structured logger: one logfmt line per event on stderr,
//   ts=2026-11-24T10:00:00.123Z level=info msg="listening" addr=:8001
// Thread-safe (a line is written whole) and cheap when a level is off: check
// log::enabled(level) before building expensive fields.

#include <atomic>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace resonate::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

/// One key=value pair of an event. Views: the strings must outlive the call only.
struct field {
  std::string_view key;
  std::string_view value;
};

using fields = std::initializer_list<field>;

/// "debug", "info", "warn" (or "warning"), "error", "off"; nullopt for anything else.
std::optional<level> parse_level(std::string_view name);

/// The name parse_level reads back.
std::string_view level_name(level l);

/// Sets the threshold: events below it are dropped. Default: info.
void set_level(level l);
level current_level();

namespace detail {
/// The threshold as an int, inline so that enabled() is a relaxed load and a compare.
inline std::atomic<int> threshold{static_cast<int>(level::info)};
}  // namespace detail

/// True when an event of level `l` would be written (one relaxed atomic load).
inline bool enabled(level l) {
  return l != level::off && static_cast<int>(l) >= detail::threshold.load(std::memory_order_relaxed);
}

/// Writes one event when `l` is enabled.
void write(level l, std::string_view msg, fields f = {});

inline void debug(std::string_view msg, fields f = {}) { write(level::debug, msg, f); }
inline void info(std::string_view msg, fields f = {}) { write(level::info, msg, f); }
inline void warn(std::string_view msg, fields f = {}) { write(level::warn, msg, f); }
inline void error(std::string_view msg, fields f = {}) { write(level::error, msg, f); }

/// The logfmt line of an event, without the trailing newline. Values are quoted when
/// empty or when they hold spaces, '=', '"' or control characters; keys are sanitised.
std::string format(std::chrono::system_clock::time_point ts, level l, std::string_view msg,
                   fields f);

/// Redirects lines (each with its '\n') to `sink`, e.g. to capture them in tests;
/// an empty function restores stderr.
void set_sink(std::function<void(std::string_view line)> sink);

}  // namespace resonate::log
