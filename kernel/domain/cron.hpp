#pragma once

// Cron expressions of schedules (REST v1 spec 4.8): the reference parses them
// with robfig/cron v3 (SecondOptional | Minute | Hour | Dom | Month | Dow |
// Descriptor) and evaluates Next(t) in a time zone. This is pure domain code:
// no clock reads, no process-wide TZ state (several kernels share a process),
// so zones are read from TZif files into immutable objects.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace resonate::kernel::domain {

/// A loaded time zone: the UTC offset in force at an instant, and the
/// resolution of a local wall-clock time to UTC. Cheap to copy (shared data).
class time_zone {
 public:
  struct rules;  // transitions + POSIX footer, defined in time_zone.cpp

  static time_zone utc();
  /// An IANA name read from the system zoneinfo (TZDIR honoured, else
  /// /usr/share/zoneinfo), or "UTC", or "Local". nullopt if unknown/invalid.
  static std::optional<time_zone> load(const std::string& name);
  /// The server's local zone: the TZ environment variable, else
  /// /etc/localtime, else UTC.
  static time_zone local();

  const std::string& name() const;
  /// The UTC offset, in seconds east of UTC, in force at the Unix instant.
  int32_t offset_at(int64_t unix_seconds) const;

  /// The offset at an instant and the period [start, end) it holds for, as
  /// Go's Location.lookup gives it (needed to resolve local times as Go does).
  struct period {
    int32_t offset;
    int64_t start;
    int64_t end;
  };
  period period_at(int64_t unix_seconds) const;

 private:
  time_zone(std::string name, std::shared_ptr<const rules> r);
  std::string name_;
  std::shared_ptr<const rules> rules_;  // null means UTC
};

/// A parsed cron expression bound to its zone.
class cron_schedule {
 public:
  /// Every form the reference accepts: 5 fields, or 6 with leading seconds;
  /// @yearly/@annually, @monthly, @weekly, @daily/@midnight, @hourly,
  /// @every <Go duration>; CRON_TZ=/TZ= prefixes (the prefix zone overrides
  /// default_zone). nullopt, with *error set, for an invalid expression.
  static std::optional<cron_schedule> parse(std::string_view text, const time_zone& default_zone,
                                            std::string* error = nullptr);

  /// The first activation strictly after after_ms (Unix ms), as Unix ms;
  /// nullopt when there is none within the search horizon of five years
  /// (e.g. "0 0 30 2 *"), where the reference returns the zero time.
  std::optional<int64_t> next(int64_t after_ms) const;

  const time_zone& zone() const { return zone_; }

 private:
  cron_schedule(time_zone zone) : zone_(std::move(zone)) {}
  time_zone zone_;
  // Bit sets of the allowed values per field (bit n = value n).
  uint64_t second_ = 0, minute_ = 0, hour_ = 0, dom_ = 0, month_ = 0, dow_ = 0;
  bool dom_star_ = false, dow_star_ = false;
  int64_t every_seconds_ = 0;  // > 0 for @every: a constant delay schedule
};

}  // namespace resonate::kernel::domain
