#pragma once

// Internals of time_zone shared by time_zone.cpp and cron.cpp: the loaded
// TZif data and civil-calendar arithmetic. Not part of the kernel's interface.

#include <cstdint>
#include <optional>
#include <vector>

#include "kernel/domain/cron.hpp"

namespace resonate::kernel::domain {

using zone_period = time_zone::period;

/// A rule of a POSIX TZ string: when DST starts or ends in a year.
struct posix_rule {
  enum kind_t { julian, zero_based, month_week_day } kind = month_week_day;
  int day = 0;    // Jn: 1..365; n: 0..365; Mm.w.d: weekday 0..6
  int month = 0;  // Mm.w.d only
  int week = 0;   // Mm.w.d only, 5 = last
  int time = 0;   // local seconds after midnight (may be negative or > 24h)
};

struct posix_tz {
  int32_t std_offset = 0;  // seconds east of UTC
  bool has_dst = false;
  int32_t dst_offset = 0;
  posix_rule start, end;
};

struct time_zone::rules {
  struct transition {
    int64_t at;
    uint8_t type;
  };
  struct type_info {
    int32_t offset;
    bool is_dst;
  };
  std::vector<transition> transitions;
  std::vector<type_info> types;
  std::optional<posix_tz> footer;  // for instants after the last transition
};

struct civil_date {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

int64_t days_from_civil(int64_t y, int64_t m, int64_t d);
civil_date civil_from_days(int64_t days);
int weekday_of_days(int64_t days);  // 0 = Sunday
int64_t floor_div(int64_t a, int64_t b);
zone_period lookup_period(const time_zone::rules* z, int64_t t);
zone_period lookup_period_footer(const posix_tz& tz, int64_t t, int64_t not_before);

}  // namespace resonate::kernel::domain
