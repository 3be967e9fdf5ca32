// Cron expressions (REST v1 4.8): every expected time below was worked out by
// hand from the calendar (weekdays checked against `date`), and from the
// reference's DST behaviour for the zone cases; none is computed by the code
// under test. Times are written as RFC 3339 strings and converted here.

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>

#include "kernel/domain/cron.hpp"

namespace d = resonate::kernel::domain;

namespace {

// "YYYY-MM-DDTHH:MM:SS[.mmm](Z|+HH:MM|-HH:MM)" as Unix ms.
int64_t at(const std::string& s) {
  std::tm tm{};
  int ms = 0;
  const char* p = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (p == nullptr) ADD_FAILURE() << "bad time literal " << s;
  if (p != nullptr && *p == '.') {
    ms = std::atoi(p + 1);
    p += 4;
  }
  int64_t offset = 0;
  if (p != nullptr && (*p == '+' || *p == '-')) {
    int h = std::atoi(std::string(p + 1, 2).c_str()), m = std::atoi(std::string(p + 4, 2).c_str());
    offset = (*p == '-' ? -1 : 1) * (h * 3600 + m * 60);
  }
  return (static_cast<int64_t>(timegm(&tm)) - offset) * 1000 + ms;
}

d::time_zone zone(const std::string& name) {
  auto z = d::time_zone::load(name);
  if (!z) ADD_FAILURE() << "zone " << name << " not found (is tzdata installed?)";
  return z ? *z : d::time_zone::utc();
}

struct next_case {
  const char* expr;
  const char* from;
  const char* expected;  // nullptr: no activation within the horizon
  const char* default_zone = "UTC";
};

const next_case kNextCases[] = {
    // Basics, 2026-01-01 is a Thursday.
    {"* * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"},
    {"* * * * *", "2026-01-01T00:00:30Z", "2026-01-01T00:01:00Z"},
    {"* * * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z"},
    {"*/15 * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:15:00Z"},
    {"*/15 * * * *", "2026-01-01T00:50:00Z", "2026-01-01T01:00:00Z"},
    {"5 * * * *", "2026-01-01T00:05:00Z", "2026-01-01T01:05:00Z"},
    {"5 * * * *", "2026-01-01T00:04:59Z", "2026-01-01T00:05:00Z"},
    {"0 12 * * *", "2026-01-01T12:00:00Z", "2026-01-02T12:00:00Z"},
    {"0 12 * * *", "2026-01-01T11:59:59.999Z", "2026-01-01T12:00:00Z"},
    {"59 23 31 12 *", "2026-01-01T00:00:00Z", "2026-12-31T23:59:00Z"},
    {"+5 * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:05:00Z"},
    {"1,,2 * * * *", "2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"},
    {"  * * * * *  ", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"},
    {"*\t*\t*\t*\t*", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"},
    // Ranges, steps, lists.
    {"0 9-17 * * *", "2026-01-01T17:00:00Z", "2026-01-02T09:00:00Z"},
    {"0 9-17 * * *", "2026-01-01T09:30:00Z", "2026-01-01T10:00:00Z"},
    {"0 9-17/2 * * *", "2026-01-01T12:00:00Z", "2026-01-01T13:00:00Z"},
    {"0 9-17/2 * * *", "2026-01-01T17:00:00Z", "2026-01-02T09:00:00Z"},
    {"0 1,13 * * *", "2026-01-01T01:00:00Z", "2026-01-01T13:00:00Z"},
    {"10,20,30 * * * *", "2026-01-01T00:20:00Z", "2026-01-01T00:30:00Z"},
    {"10,20,30 * * * *", "2026-01-01T00:30:00Z", "2026-01-01T01:10:00Z"},
    {"45/5 * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:45:00Z"},
    {"45/5 * * * *", "2026-01-01T00:55:00Z", "2026-01-01T01:45:00Z"},
    {"0-10/5,50 * * * *", "2026-01-01T00:10:00Z", "2026-01-01T00:50:00Z"},
    {"*/25 * * * *", "2026-01-01T00:50:00Z", "2026-01-01T01:00:00Z"},
    {"0 */6 * * *", "2026-01-01T13:00:00Z", "2026-01-01T18:00:00Z"},
    {"0 0 */10 * *", "2026-01-01T00:00:00Z", "2026-01-11T00:00:00Z"},
    {"0 0 */10 * *", "2026-01-31T00:00:00Z", "2026-02-01T00:00:00Z"},
    {"0 0 1 */3 *", "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z"},
    {"0 0 1 2/3 *", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"},
    {"0 0 1 2/3 *", "2026-11-01T00:00:00Z", "2027-02-01T00:00:00Z"},
    {"0 0 * * 1-5", "2026-01-02T00:00:00Z", "2026-01-05T00:00:00Z"},
    {"0 0 * * 1,3,5", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
    {"0 0 * * 5-6", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
    {"0 0 * * */2", "2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z"},  // Sun, Tue, Thu, Sat
    {"0 0 * * 0", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"},
    {"0 0 * * 6", "2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z"},
    // Names, case-insensitive.
    {"0 0 * * SUN", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"},
    {"0 0 * * sun", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"},
    {"0 0 * * Sat", "2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z"},
    {"0 0 * * mOn", "2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z"},
    {"0 0 * * MON-FRI", "2026-01-02T00:00:00Z", "2026-01-05T00:00:00Z"},
    {"0 0 * * MON-WED", "2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z"},
    {"0 0 * * TUE,thu", "2026-01-01T00:00:00Z", "2026-01-06T00:00:00Z"},
    {"30 6 * * 1", "2026-01-01T00:00:00Z", "2026-01-05T06:30:00Z"},
    {"0 0 * JAN *", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
    {"0 0 1 jan *", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"},
    {"0 0 1 JaN *", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"},
    {"0 0 1 JUL *", "2026-01-01T00:00:00Z", "2026-07-01T00:00:00Z"},
    {"0 0 1 Jul-Sep *", "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z"},
    {"0 0 1 FEB-APR *", "2026-04-01T00:00:00Z", "2027-02-01T00:00:00Z"},
    {"0 0 1 dec,MAR *", "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z"},
    {"0 0 1 1-3 *", "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z"},
    // Day of month vs day of week: either matches when both are restricted.
    {"0 0 13 * 5", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
    {"0 0 13 * 5", "2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z"},
    {"0 0 13 * 5", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z"},
    {"0 0 1 * MON", "2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z"},
    {"0 0 1,15 * SUN", "2026-01-05T00:00:00Z", "2026-01-11T00:00:00Z"},
    {"0 0 ? * MON", "2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z"},
    {"0 0 1 * ?", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"},
    {"0 0 1 * *", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"},
    {"0 0 */2 * MON", "2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z"},
    {"0 0 */2 * MON", "2026-01-03T00:00:00Z", "2026-01-05T00:00:00Z"},
    {"0 0 */2 * MON", "2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z"},
    {"0 0 */1 * MON", "2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z"},  // "*/1" still counts as "*"
    {"0 0 1-31 * MON", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
    {"0 0 * * *", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
    // Month ends and leap days.
    {"0 0 31 * *", "2026-01-31T00:00:00Z", "2026-03-31T00:00:00Z"},
    {"0 0 31 * *", "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z"},
    {"0 0 31 * *", "2026-04-01T00:00:00Z", "2026-05-31T00:00:00Z"},
    {"0 0 31 * *", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z"},
    {"0 0 30 * *", "2026-01-30T00:00:00Z", "2026-03-30T00:00:00Z"},
    {"0 0 28-31 2 *", "2026-02-27T00:00:00Z", "2026-02-28T00:00:00Z"},
    {"0 0 28-31 2 *", "2026-02-28T00:00:00Z", "2027-02-28T00:00:00Z"},
    {"0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"},
    {"0 0 29 2 *", "2027-06-01T00:00:00Z", "2028-02-29T00:00:00Z"},
    {"0 0 29 2 *", "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"},
    {"0 0 29 2 *", "2024-02-29T00:00:00Z", "2028-02-29T00:00:00Z"},
    {"0 0 29 2 1", "2026-02-01T00:00:00Z", "2026-02-02T00:00:00Z"},
    {"0 0 29 2 *", "2099-03-01T00:00:00Z", "2104-02-29T00:00:00Z"},  // 2100 is no leap year
    {"0 0 29 2 *", "2096-03-01T00:00:00Z", nullptr},                  // 2104 is past the 5-year horizon
    {"0 0 30 2 *", "2026-01-01T00:00:00Z", nullptr},
    {"0 0 31 4 *", "2026-01-01T00:00:00Z", nullptr},
    {"0 0 31 4,6,9,11 *", "2026-01-01T00:00:00Z", nullptr},
    {"* * , * *", "2026-01-01T00:00:00Z", nullptr},  // an empty list matches nothing
    // Six fields: leading seconds.
    {"30 * * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:00:30Z"},
    {"*/10 * * * * *", "2026-01-01T00:00:05Z", "2026-01-01T00:00:10Z"},
    {"0 */5 * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:05:00Z"},
    {"15,45 30 10 * * *", "2026-01-01T10:30:15Z", "2026-01-01T10:30:45Z"},
    {"15,45 30 10 * * *", "2026-01-01T10:30:45Z", "2026-01-02T10:30:15Z"},
    {"59 59 23 31 12 *", "2026-01-01T00:00:00Z", "2026-12-31T23:59:59Z"},
    {"0 0 0 1 1 *", "2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z"},
    {"0 0 0 * * ?", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
    // Sub-second arguments: activations are whole seconds, strictly after.
    {"* * * * * *", "2026-01-01T00:00:00.999Z", "2026-01-01T00:00:01Z"},
    {"0 * * * * *", "2026-01-01T00:00:59.999Z", "2026-01-01T00:01:00Z"},
    {"0 0 * * *", "2025-12-31T23:59:59.999Z", "2026-01-01T00:00:00Z"},
    {"* * * * * *", "1969-12-31T23:59:59.500Z", "1970-01-01T00:00:00Z"},
    // Descriptors.
    {"@yearly", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"},
    {"@annually", "2026-06-15T00:00:00Z", "2027-01-01T00:00:00Z"},
    {"@monthly", "2026-01-15T00:00:00Z", "2026-02-01T00:00:00Z"},
    {"@monthly", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"},
    {"@weekly", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"},
    {"@weekly", "2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"},
    {"@daily", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
    {"@midnight", "2026-02-28T12:00:00Z", "2026-03-01T00:00:00Z"},
    {"@hourly", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"},
    {"@hourly", "2026-01-01T23:59:59.999Z", "2026-01-02T00:00:00Z"},
    // @every: whole seconds (truncated), at least one, from the argument's second.
    {"@every 1h", "2026-01-01T00:00:00.500Z", "2026-01-01T01:00:00Z"},
    {"@every 5m", "2026-01-01T00:00:00Z", "2026-01-01T00:05:00Z"},
    {"@every 1.5s", "2026-01-01T00:00:00.700Z", "2026-01-01T00:00:01Z"},
    {"@every 500ms", "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z"},
    {"@every 1h30m", "2026-01-01T00:00:00Z", "2026-01-01T01:30:00Z"},
    {"@every 90s", "2026-01-01T00:00:10Z", "2026-01-01T00:01:40Z"},
    {"@every 0s", "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z"},
    {"@every 0", "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z"},
    {"@every 2h45m30s", "2026-01-01T00:00:00Z", "2026-01-01T02:45:30Z"},
    {"@every -1m", "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z"},
    {"@every 1us", "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z"},
    {"@every 24h", "2026-01-01T00:00:00.999Z", "2026-01-02T00:00:00Z"},
    {"@every 1.9999m", "2026-01-01T00:00:00Z", "2026-01-01T00:01:59Z"},
    {"@every .5h", "2026-01-01T00:00:00Z", "2026-01-01T00:30:00Z"},
    // The default zone, and prefixes that override it.
    {"0 12 * * *", "2026-07-01T00:00:00Z", "2026-07-01T12:00:00+02:00", "Europe/Berlin"},
    {"0 12 * * *", "2026-01-01T00:00:00Z", "2026-01-01T12:00:00+01:00", "Europe/Berlin"},
    {"CRON_TZ=UTC 0 12 * * *", "2026-07-01T00:00:00Z", "2026-07-01T12:00:00Z", "Europe/Berlin"},
    {"TZ=UTC 0 12 * * *", "2026-07-01T00:00:00Z", "2026-07-01T12:00:00Z", "America/New_York"},
    {"TZ= 0 12 * * *", "2026-07-01T00:00:00Z", "2026-07-01T12:00:00Z", "America/New_York"},
    {"TZ=America/New_York @daily", "2026-07-01T00:00:00Z", "2026-07-01T00:00:00-04:00"},
    {"CRON_TZ=Europe/Berlin @hourly", "2026-07-01T00:30:00+02:00", "2026-07-01T01:00:00+02:00"},
    {"TZ=Asia/Kolkata 0 9 * * *", "2026-01-01T00:00:00Z", "2026-01-01T09:00:00+05:30"},
    {"TZ=Asia/Kolkata 0 * * * *", "2026-01-01T00:10:00Z", "2026-01-01T06:00:00+05:30"},
    {"TZ=Australia/Sydney 0 12 * * *", "2026-06-01T00:00:00Z", "2026-06-01T12:00:00+10:00"},
    {"TZ=Australia/Sydney 0 12 * * *", "2026-01-01T00:00:00Z", "2026-01-01T12:00:00+11:00"},
    {"TZ=America/New_York @every 1h", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"},
    // New York spring forward, 2012-03-11 02:00 EST -> 03:00 EDT.
    {"TZ=America/New_York 0 0 * * * ?", "2012-03-11T00:00:00-05:00", "2012-03-11T01:00:00-05:00"},
    {"TZ=America/New_York 0 0 * * * ?", "2012-03-11T01:00:00-05:00", "2012-03-11T03:00:00-04:00"},
    {"TZ=America/New_York 0 0 * * * ?", "2012-03-11T03:00:00-04:00", "2012-03-11T04:00:00-04:00"},
    {"CRON_TZ=America/New_York 0 1 * * *", "2012-03-11T00:00:00-05:00", "2012-03-11T01:00:00-05:00"},
    {"CRON_TZ=America/New_York 0 1 * * *", "2012-03-11T01:00:00-05:00", "2012-03-12T01:00:00-04:00"},
    // A time inside the gap does not fire that day (as the reference).
    {"TZ=America/New_York 0 2 * * *", "2012-03-11T00:00:00-05:00", "2012-03-12T02:00:00-04:00"},
    {"TZ=America/New_York 30 2 11 Mar *", "2012-03-11T00:00:00-05:00", "2013-03-11T02:30:00-04:00"},
    {"0 2 * * *", "2012-03-11T00:00:00-05:00", "2012-03-12T02:00:00-04:00", "America/New_York"},
    // New York fall back, 2012-11-04 02:00 EDT -> 01:00 EST: a fixed hour in the
    // overlap fires in both occurrences, as the reference does.
    {"TZ=America/New_York 30 2 4 Nov *", "2012-11-04T00:00:00-04:00", "2012-11-04T02:30:00-05:00"},
    {"TZ=America/New_York 30 1 4 Nov *", "2012-11-04T01:45:00-04:00", "2012-11-04T01:30:00-05:00"},
    {"TZ=America/New_York 0 * * * *", "2012-11-04T00:00:00-04:00", "2012-11-04T01:00:00-04:00"},
    {"TZ=America/New_York 0 * * * *", "2012-11-04T01:00:00-04:00", "2012-11-04T01:00:00-05:00"},
    {"TZ=America/New_York 0 * * * *", "2012-11-04T01:00:00-05:00", "2012-11-04T02:00:00-05:00"},
    {"TZ=America/New_York 0 1 * * *", "2012-11-04T00:00:00-04:00", "2012-11-04T01:00:00-04:00"},
    {"TZ=America/New_York 0 1 * * *", "2012-11-04T01:00:00-04:00", "2012-11-04T01:00:00-05:00"},
    {"TZ=America/New_York 0 1 * * *", "2012-11-04T01:00:00-05:00", "2012-11-05T01:00:00-05:00"},
    {"TZ=America/New_York 0 2 * * *", "2012-11-04T00:00:00-04:00", "2012-11-04T02:00:00-05:00"},
    {"TZ=America/New_York 0 2 * * *", "2012-11-04T02:00:00-05:00", "2012-11-05T02:00:00-05:00"},
    {"TZ=America/New_York 0 3 * * *", "2012-11-04T00:00:00-04:00", "2012-11-04T03:00:00-05:00"},
    {"TZ=America/New_York 0 3 3 * *", "2012-11-04T00:00:00-04:00", "2012-12-03T03:00:00-05:00"},
    // New York in 2040: past the transition table, from the TZ footer rule
    // (second Sunday of March, 2040-03-11).
    {"TZ=America/New_York 0 2 * * *", "2040-03-11T00:00:00-05:00", "2040-03-12T02:00:00-04:00"},
    {"TZ=America/New_York 0 * * * *", "2040-03-11T01:00:00-05:00", "2040-03-11T03:00:00-04:00"},
    {"TZ=America/New_York 0 12 * * *", "2040-07-01T00:00:00Z", "2040-07-01T12:00:00-04:00"},
    // Berlin: 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST -> 02:00 CET.
    {"TZ=Europe/Berlin 30 2 * * *", "2026-03-29T00:00:00+01:00", "2026-03-30T02:30:00+02:00"},
    {"TZ=Europe/Berlin 0 * * * *", "2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00"},
    {"TZ=Europe/Berlin 0 3 * * *", "2026-03-29T00:00:00+01:00", "2026-03-29T03:00:00+02:00"},
    {"TZ=Europe/Berlin 30 2 * * *", "2026-10-25T00:00:00+02:00", "2026-10-25T02:30:00+02:00"},
    {"TZ=Europe/Berlin 30 2 * * *", "2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00"},
    {"TZ=Europe/Berlin 30 2 * * *", "2026-10-25T02:30:00+01:00", "2026-10-26T02:30:00+01:00"},
    {"TZ=Europe/Berlin 0 0 * * *", "2026-10-24T12:00:00+02:00", "2026-10-25T00:00:00+02:00"},
    {"TZ=Europe/Berlin 0 0 * * *", "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"},
    // Sao Paulo 2018: midnight did not exist on the spring-forward day.
    {"TZ=America/Sao_Paulo 0 9 10 * *", "2018-10-17T05:00:00-04:00", "2018-11-10T06:00:00-05:00"},
    {"TZ=America/Sao_Paulo 0 9 22 * *", "2018-02-14T05:00:00-05:00", "2018-02-22T07:00:00-05:00"},
    // Hour 0 never comes on 2018-11-04, so a midnight job skips that day.
    {"TZ=America/Sao_Paulo 0 0 * * *", "2018-11-03T12:00:00-03:00", "2018-11-05T00:00:00-02:00"},
};

}  // namespace

TEST(cron, next_times_match_hand_checked_table) {
  EXPECT_GE(std::size(kNextCases), 120u);
  for (const auto& c : kNextCases) {
    std::string error;
    auto s = d::cron_schedule::parse(c.expr, zone(c.default_zone), &error);
    ASSERT_TRUE(s.has_value()) << c.expr << ": " << error;
    auto got = s->next(at(c.from));
    if (c.expected == nullptr) {
      EXPECT_FALSE(got.has_value()) << c.expr << " from " << c.from << " gave " << *got;
    } else {
      ASSERT_TRUE(got.has_value()) << c.expr << " from " << c.from;
      EXPECT_EQ(*got, at(c.expected)) << c.expr << " from " << c.from << " expected " << c.expected
                                      << " got " << (*got - at(c.expected)) / 1000 << " s off";
    }
  }
}

TEST(cron, invalid_expressions_fail_with_an_error) {
  const char* invalid[] = {
      "", "* * * *", "* * * * * * *", "*", "hello world", "60 * * * *", "* 24 * * *", "* * 0 * *",
      "* * 32 * *", "* * * 0 *", "* * * 13 *", "* * * * 7", "* * * * 8", "61 * * * * *",
      "* * * * * 7", "*/0 * * * *", "1-5/0 * * * *", "* * * * * */0", "5-1 * * * *",
      "* * * * SAT-SUN", "* * * FOO *", "* * * * FUNDAY", "* * * JANUARY *", "* * * * MONDAY",
      "* * * * JAN", "* * * MON *", "a * * * *", "1-2-3 * * * *", "*/2/3 * * * *", "-1 * * * *",
      "1.5 * * * *", "*/ * * * *", "/5 * * * *", "5- * * * *", "99999999999999999999 * * * *",
      "@every", "@every ", "@every 5", "@every abc", "@every 5x", "@every 1h ", "@every .s",
      "@daily ", "@fortnightly", "@", "@DAILY", " @daily", "TZ=Mars/Olympus 0 0 * * *",
      "CRON_TZ=Nowhere 0 0 * * *", "TZ=America/New_York", "CRON_TZ=../../etc/passwd * * * * *",
      "TZ=/etc/localtime * * * * *", "TZ=America/New_York ", "TZ=America * * * * *",
      "CRON_TZ=Europe/Berlin 0 0 * *",
  };
  for (const char* expr : invalid) {
    std::string error;
    auto s = d::cron_schedule::parse(expr, d::time_zone::utc(), &error);
    EXPECT_FALSE(s.has_value()) << '"' << expr << '"';
    EXPECT_FALSE(error.empty()) << '"' << expr << '"';
  }
  EXPECT_FALSE(d::cron_schedule::parse("* * *", d::time_zone::utc()).has_value());  // error optional
}

TEST(cron, zone_prefix_sets_the_schedule_zone) {
  auto s = d::cron_schedule::parse("CRON_TZ=Asia/Tokyo 0 0 * * *", d::time_zone::utc());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->zone().name(), "Asia/Tokyo");
  auto plain = d::cron_schedule::parse("0 0 * * *", zone("Europe/Berlin"));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->zone().name(), "Europe/Berlin");
}

TEST(time_zone, offsets_from_table_and_footer) {
  auto ny = zone("America/New_York");
  EXPECT_EQ(ny.offset_at(at("2026-01-01T00:00:00Z") / 1000), -5 * 3600);
  EXPECT_EQ(ny.offset_at(at("2026-07-01T00:00:00Z") / 1000), -4 * 3600);
  EXPECT_EQ(ny.offset_at(at("2100-07-01T00:00:00Z") / 1000), -4 * 3600);
  EXPECT_EQ(ny.offset_at(at("2100-12-01T00:00:00Z") / 1000), -5 * 3600);
  // The instant of the change: 2026-03-08 07:00Z.
  EXPECT_EQ(ny.offset_at(at("2026-03-08T06:59:59Z") / 1000), -5 * 3600);
  EXPECT_EQ(ny.offset_at(at("2026-03-08T07:00:00Z") / 1000), -4 * 3600);
  auto sydney = zone("Australia/Sydney");
  EXPECT_EQ(sydney.offset_at(at("2090-01-15T00:00:00Z") / 1000), 11 * 3600);
  EXPECT_EQ(sydney.offset_at(at("2090-06-15T00:00:00Z") / 1000), 10 * 3600);
  EXPECT_EQ(zone("Asia/Kolkata").offset_at(at("2026-01-01T00:00:00Z") / 1000), 5 * 3600 + 1800);
  EXPECT_EQ(d::time_zone::utc().offset_at(0), 0);
  EXPECT_EQ(d::time_zone::utc().name(), "UTC");
  EXPECT_EQ(zone("UTC").name(), "UTC");
  EXPECT_EQ(zone("Etc/UTC").offset_at(at("2026-01-01T00:00:00Z") / 1000), 0);
}

TEST(time_zone, unknown_or_unsafe_names_do_not_load) {
  EXPECT_FALSE(d::time_zone::load("Nowhere/City"));
  EXPECT_FALSE(d::time_zone::load("../etc/passwd"));
  EXPECT_FALSE(d::time_zone::load("/etc/localtime"));
  EXPECT_FALSE(d::time_zone::load("America"));  // a directory
  EXPECT_FALSE(d::time_zone::load("zone.tab"));  // not a TZif file
}

TEST(time_zone, local_follows_tz_and_tzdir) {
  const char* old_tz = std::getenv("TZ");
  std::string saved = old_tz ? old_tz : "";
  setenv("TZ", "Europe/Berlin", 1);
  auto local = d::time_zone::local();
  EXPECT_EQ(local.name(), "Local");
  EXPECT_EQ(local.offset_at(at("2026-07-01T00:00:00Z") / 1000), 2 * 3600);
  auto via_load = d::time_zone::load("Local");
  ASSERT_TRUE(via_load);
  EXPECT_EQ(via_load->offset_at(at("2026-01-01T00:00:00Z") / 1000), 3600);
  setenv("TZ", ":Asia/Tokyo", 1);
  EXPECT_EQ(d::time_zone::local().offset_at(0), 9 * 3600);
  setenv("TZ", "", 1);
  EXPECT_EQ(d::time_zone::local().offset_at(at("2026-07-01T00:00:00Z") / 1000), 0);
  setenv("TZ", "No/Such_Zone", 1);
  EXPECT_EQ(d::time_zone::local().offset_at(at("2026-07-01T00:00:00Z") / 1000), 0);
  if (old_tz) setenv("TZ", saved.c_str(), 1); else unsetenv("TZ");

  // TZDIR names another zoneinfo directory.
  auto dir = std::filesystem::temp_directory_path() / ("cron_test_tzdir_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "My");
  std::filesystem::copy_file("/usr/share/zoneinfo/Asia/Tokyo", dir / "My" / "Zone",
                             std::filesystem::copy_options::overwrite_existing);
  setenv("TZDIR", dir.c_str(), 1);
  auto mine = d::time_zone::load("My/Zone");
  unsetenv("TZDIR");
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->offset_at(0), 9 * 3600);
  EXPECT_FALSE(d::time_zone::load("My/Zone"));
}
