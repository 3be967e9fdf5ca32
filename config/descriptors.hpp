#pragma once

// The one table of configuration options. Every option is one row: its YAML key,
// flag names, environment variables, help text and a typed binding to a field of
// `config`. YAML loading, environment loading, flag parsing, --help, the defaults
// shown in help and resonate.yaml.example are all derived from it.

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace resonate::config {

/// `string_list` values travel through set/get as one comma-separated string; YAML gives a
/// sequence and a repeated flag accumulates.
enum class value_type { string, int64, boolean, duration, choice, string_map, string_list };

/// One configuration option.
struct descriptor {
  std::string key;                 ///< YAML key path as the reference spells it (matched ignoring case)
  std::vector<std::string> flags;  ///< long flag names without "--"; the first is the one shown first
  std::vector<std::string> env;    ///< RESONATE_<KEY> first, then RESONATE_<FLAG> when different
  value_type type = value_type::string;
  std::string placeholder;         ///< shown after the flag in --help ("int", "duration", ...)
  std::string help;
  std::vector<std::string> choices;  ///< value_type::choice: the accepted values (lower case)
  int64_t min = std::numeric_limits<int64_t>::min();  ///< int64 and duration (ms) bounds
  int64_t max = std::numeric_limits<int64_t>::max();

  /// Parses `raw` and stores it; throws config_error naming `where` and the value.
  std::function<void(config&, const std::string& raw, const std::string& where)> set;
  /// value_type::string_map only: replaces the whole map (each layer replaces, never merges).
  std::function<void(config&, const std::map<std::string, std::string>&, const std::string& where)>
      set_map;
  /// The current value rendered so that `set` accepts it back (durations as "1m30s").
  std::function<std::string(const config&)> get;
  /// value_type::string_map only.
  std::function<std::map<std::string, std::string>(const config&)> get_map;
  /// value_type::string_list of objects only (router sources, sender targets): turns one
  /// YAML list item, flattened to "name", "type", "data.<k>" -> value, into the item's
  /// flag spelling that `set` parses. Empty for lists of plain values.
  std::function<std::string(const std::map<std::string, std::string>&, const std::string& where)>
      item_from_map;
};

/// The table, in the order --help and the example file show it.
const std::vector<descriptor>& descriptors();

/// Keys of the reference server that we accept in YAML and ignore with a warning
/// (whole subtrees: a key equal to or under one of these). Matched ignoring case.
const std::vector<std::string>& ignored_keys();

/// Go duration ("10s", "1m", "1h30m", "250ms", "1.5h") or a plain integer of
/// milliseconds -> milliseconds. Throws config_error naming `where`.
int64_t parse_duration_ms(const std::string& raw, const std::string& where);

/// Milliseconds -> the shortest Go duration string parse_duration_ms reads back ("1h30m").
std::string format_duration_ms(int64_t ms);

/// "k=v,k2=v2" -> map; throws config_error naming `where`.
std::map<std::string, std::string> parse_string_map(const std::string& raw,
                                                    const std::string& where);

}  // namespace resonate::config
