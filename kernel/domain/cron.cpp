// Cron expressions as the reference parses and evaluates them (robfig/cron v3
// with SecondOptional | Minute | Hour | Dom | Month | Dow | Descriptor; REST v1
// spec 4.8). Next() walks wall-clock fields the way robfig's SpecSchedule.Next
// does on a Go time.Time, including its DST behaviour: an hour that a
// spring-forward gap skips never fires that day, and a fixed hour repeated by
// a fall-back overlap fires in both occurrences. The Go time operations it
// relies on (time.Date, AddDate, Add, Truncate) are reproduced below.

#include <cctype>

#include "kernel/domain/cron.hpp"
#include "kernel/domain/time_zone_rules.hpp"

namespace resonate::kernel::domain {

namespace {

constexpr uint64_t kStarBit = uint64_t{1} << 63;

struct bounds {
  unsigned min, max;
  const char* const* names;  // lowercase, indexed from names_base; null if none
  unsigned names_base;
  unsigned names_count;
};

const char* const kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                   "jul", "aug", "sep", "oct", "nov", "dec"};
const char* const kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr bounds kSeconds{0, 59, nullptr, 0, 0};
constexpr bounds kMinutes{0, 59, nullptr, 0, 0};
constexpr bounds kHours{0, 23, nullptr, 0, 0};
constexpr bounds kDom{1, 31, nullptr, 0, 0};
constexpr bounds kMonths{1, 12, kMonthNames, 1, 12};
constexpr bounds kDow{0, 6, kDayNames, 0, 7};

uint64_t bits(unsigned min, unsigned max, unsigned step) {
  uint64_t b = 0;
  for (unsigned i = min; i <= max; i += step) b |= uint64_t{1} << i;
  return b;
}
uint64_t all(const bounds& r) { return bits(r.min, r.max, 1) | kStarBit; }

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t begin = 0;
  for (;;) {
    size_t at = s.find(sep, begin);
    out.push_back(s.substr(begin, at == std::string_view::npos ? std::string_view::npos : at - begin));
    if (at == std::string_view::npos) return out;
    begin = at + 1;
  }
}

// Go's strconv.Atoi (optional sign, decimal digits, int64 range), then
// robfig's refusal of negative numbers.
bool parse_uint(std::string_view s, unsigned* out, std::string* error) {
  std::string_view digits = s;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  bool ok = !digits.empty();
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      ok = false;
      break;
    }
    // Past int64, Atoi fails; below it, huge values fail the range checks.
    if (v > uint64_t{922337203685477580}) ok = false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok) {
    *error = "failed to parse int from " + std::string(s);
    return false;
  }
  if (negative && v != 0) {
    *error = "negative number not allowed: " + std::string(s);
    return false;
  }
  // Values above every field's maximum are rejected by the range checks.
  *out = v > 1000 ? 1000 : static_cast<unsigned>(v);
  return true;
}

bool parse_int_or_name(std::string_view s, const bounds& r, unsigned* out, std::string* error) {
  if (r.names != nullptr) {
    std::string lower(s);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (unsigned k = 0; k < r.names_count; ++k)
      if (lower == r.names[k]) {
        *out = r.names_base + k;
        return true;
      }
  }
  return parse_uint(s, out, error);
}

// One comma-separated element: "*", "?", "n", "a-b", each optionally "/step".
bool parse_range(std::string_view expr, const bounds& r, uint64_t* out, std::string* error) {
  auto range_and_step = split(expr, '/');
  auto low_and_high = split(range_and_step[0], '-');
  bool single = low_and_high.size() == 1;
  unsigned start = 0, end = 0, step = 1;
  uint64_t extra = 0;
  if (low_and_high[0] == "*" || low_and_high[0] == "?") {
    start = r.min;
    end = r.max;
    extra = kStarBit;
  } else {
    if (!parse_int_or_name(low_and_high[0], r, &start, error)) return false;
    if (low_and_high.size() == 1) {
      end = start;
    } else if (low_and_high.size() == 2) {
      if (!parse_int_or_name(low_and_high[1], r, &end, error)) return false;
    } else {
      *error = "too many hyphens: " + std::string(expr);
      return false;
    }
  }
  if (range_and_step.size() == 2) {
    if (!parse_uint(range_and_step[1], &step, error)) return false;
    if (single) end = r.max;  // "n/step" means "n-max/step"
    if (step > 1) extra = 0;
  } else if (range_and_step.size() > 2) {
    *error = "too many slashes: " + std::string(expr);
    return false;
  }
  if (start < r.min) {
    *error = "beginning of range below minimum: " + std::string(expr);
    return false;
  }
  if (end > r.max) {
    *error = "end of range above maximum: " + std::string(expr);
    return false;
  }
  if (start > end) {
    *error = "beginning of range beyond end of range: " + std::string(expr);
    return false;
  }
  if (step == 0) {
    *error = "step of range should be a positive number: " + std::string(expr);
    return false;
  }
  *out = bits(start, end, step) | extra;
  return true;
}

// A field: a comma list; empty elements are skipped as Go's FieldsFunc does
// (so "," is a field that matches nothing).
bool parse_field(std::string_view field, const bounds& r, uint64_t* out, std::string* error) {
  uint64_t b = 0;
  for (auto part : split(field, ',')) {
    if (part.empty()) continue;
    uint64_t one = 0;
    if (!parse_range(part, r, &one, error)) return false;
    b |= one;
  }
  *out = b;
  return true;
}

// Go's time.ParseDuration, in nanoseconds.
std::optional<int64_t> parse_go_duration(std::string_view s) {
  constexpr uint64_t kLimit = uint64_t{1} << 63;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return std::nullopt;
  uint64_t total = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (!s.empty()) {
    if (!(s[0] == '.' || digit(s[0]))) return std::nullopt;
    uint64_t v = 0;
    size_t n = 0;
    while (n < s.size() && digit(s[n])) {
      if (v > (kLimit - 1) / 10) return std::nullopt;
      v = v * 10 + static_cast<uint64_t>(s[n] - '0');
      if (v > kLimit) return std::nullopt;
      ++n;
    }
    bool pre = n > 0;
    s.remove_prefix(n);
    uint64_t frac = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t m = 0;
      bool overflow = false;
      while (m < s.size() && digit(s[m])) {
        if (!overflow) {
          if (frac > (kLimit - 1) / 10) {
            overflow = true;
          } else {
            uint64_t y = frac * 10 + static_cast<uint64_t>(s[m] - '0');
            if (y > kLimit) overflow = true; else { frac = y; scale *= 10; }
          }
        }
        ++m;
      }
      post = m > 0;
      s.remove_prefix(m);
    }
    if (!pre && !post) return std::nullopt;
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !digit(s[u])) ++u;
    if (u == 0) return std::nullopt;
    std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    uint64_t mult = 0;
    if (unit == "ns") mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") mult = 1000;
    else if (unit == "ms") mult = 1000000;
    else if (unit == "s") mult = 1000000000;
    else if (unit == "m") mult = 60000000000ull;
    else if (unit == "h") mult = 3600000000000ull;
    else return std::nullopt;
    if (v > kLimit / mult) return std::nullopt;
    v *= mult;
    if (frac > 0) {
      v += static_cast<uint64_t>(static_cast<double>(frac) * (static_cast<double>(mult) / scale));
      if (v > kLimit) return std::nullopt;
    }
    total += v;
    if (total > kLimit) return std::nullopt;
  }
  if (neg) return static_cast<int64_t>(0 - total);
  if (total > kLimit - 1) return std::nullopt;
  return static_cast<int64_t>(total);
}

// ---- Go time.Time operations on whole Unix seconds in a zone.

struct wall {
  int64_t year;
  int month, day, hour, minute, second, weekday;
};

wall wall_of(const time_zone& z, int64_t t) {
  int64_t local = t + z.offset_at(t);
  int64_t days = floor_div(local, 86400);
  int64_t secs = local - days * 86400;
  civil_date c = civil_from_days(days);
  return {c.year, c.month, c.day, static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
          static_cast<int>(secs % 60), weekday_of_days(days)};
}

// time.Date: normalises out-of-range month/day, then resolves the local time
// with Go's algorithm (which decides where gap and overlap times land).
int64_t go_date(const time_zone& z, int64_t y, int64_t m, int64_t d, int64_t h, int64_t mi, int64_t s) {
  y += floor_div(m - 1, 12);
  m = m - 1 - floor_div(m - 1, 12) * 12 + 1;
  int64_t local = (days_from_civil(y, m, 1) + d - 1) * 86400 + h * 3600 + mi * 60 + s;
  auto p = z.period_at(local);
  int64_t offset = p.offset;
  if (offset != 0) {
    int64_t utc = local - offset;
    if (utc < p.start || utc >= p.end) offset = z.period_at(utc).offset;
  }
  return local - offset;
}

}  // namespace

std::optional<cron_schedule> cron_schedule::parse(std::string_view spec, const time_zone& default_zone,
                                                  std::string* error) {
  std::string scratch;
  std::string& err = error != nullptr ? *error : scratch;
  if (spec.empty()) {
    err = "empty spec string";
    return std::nullopt;
  }
  time_zone zone = default_zone;
  if (spec.substr(0, 3) == "TZ=" || spec.substr(0, 8) == "CRON_TZ=") {
    size_t space = spec.find(' ');
    size_t eq = spec.find('=');
    if (space == std::string_view::npos) {
      // The reference panics on this slice (a 500); refusing it is the safe reading.
      err = "provided bad location: no schedule after the zone";
      return std::nullopt;
    }
    std::string name(spec.substr(eq + 1, space - eq - 1));
    auto loaded = time_zone::load(name);
    if (!loaded) {
      err = "provided bad location " + name + ": unknown time zone";
      return std::nullopt;
    }
    zone = *loaded;
    spec = spec.substr(space);
    while (!spec.empty() && std::isspace(static_cast<unsigned char>(spec.front()))) spec.remove_prefix(1);
    while (!spec.empty() && std::isspace(static_cast<unsigned char>(spec.back()))) spec.remove_suffix(1);
  }

  cron_schedule s(zone);
  if (!spec.empty() && spec[0] == '@') {
    if (spec == "@yearly" || spec == "@annually") {
      s.second_ = 1, s.minute_ = 1, s.hour_ = 1, s.dom_ = uint64_t{1} << 1, s.month_ = uint64_t{1} << 1;
      s.dow_ = all(kDow);
    } else if (spec == "@monthly") {
      s.second_ = 1, s.minute_ = 1, s.hour_ = 1, s.dom_ = uint64_t{1} << 1, s.month_ = all(kMonths);
      s.dow_ = all(kDow);
    } else if (spec == "@weekly") {
      s.second_ = 1, s.minute_ = 1, s.hour_ = 1, s.dom_ = all(kDom), s.month_ = all(kMonths), s.dow_ = 1;
    } else if (spec == "@daily" || spec == "@midnight") {
      s.second_ = 1, s.minute_ = 1, s.hour_ = 1, s.dom_ = all(kDom), s.month_ = all(kMonths);
      s.dow_ = all(kDow);
    } else if (spec == "@hourly") {
      s.second_ = 1, s.minute_ = 1, s.hour_ = all(kHours), s.dom_ = all(kDom), s.month_ = all(kMonths);
      s.dow_ = all(kDow);
    } else if (spec.substr(0, 7) == "@every ") {
      auto d = parse_go_duration(spec.substr(7));
      if (!d) {
        err = "failed to parse duration " + std::string(spec);
        return std::nullopt;
      }
      // robfig's Every: at least one second, truncated to whole seconds.
      int64_t ns = *d < 1000000000 ? 1000000000 : *d;
      s.every_seconds_ = ns / 1000000000;
      return s;
    } else {
      err = "unrecognized descriptor: " + std::string(spec);
      return std::nullopt;
    }
    return s;
  }

  // Split on whitespace (Go's strings.Fields).
  std::vector<std::string_view> fields;
  for (size_t i = 0; i < spec.size();) {
    while (i < spec.size() && std::isspace(static_cast<unsigned char>(spec[i]))) ++i;
    size_t begin = i;
    while (i < spec.size() && !std::isspace(static_cast<unsigned char>(spec[i]))) ++i;
    if (i > begin) fields.push_back(spec.substr(begin, i - begin));
  }
  if (fields.size() < 5 || fields.size() > 6) {
    err = "expected 5 to 6 fields, found " + std::to_string(fields.size()) + ": " + std::string(spec);
    return std::nullopt;
  }
  if (fields.size() == 5) fields.insert(fields.begin(), "0");  // seconds default to 0
  if (!parse_field(fields[0], kSeconds, &s.second_, &err) || !parse_field(fields[1], kMinutes, &s.minute_, &err) ||
      !parse_field(fields[2], kHours, &s.hour_, &err) || !parse_field(fields[3], kDom, &s.dom_, &err) ||
      !parse_field(fields[4], kMonths, &s.month_, &err) || !parse_field(fields[5], kDow, &s.dow_, &err))
    return std::nullopt;
  return s;
}

std::optional<int64_t> cron_schedule::next(int64_t after_ms) const {
  int64_t after_s = floor_div(after_ms, 1000);
  if (every_seconds_ > 0) return (after_s + every_seconds_) * 1000;

  const time_zone& z = zone_;
  auto has = [](uint64_t set, int v) { return (set >> v & 1) != 0; };
  auto day_matches = [&](const wall& w) {
    bool dom = has(dom_, w.day), dow = has(dow_, w.weekday);
    if ((dom_ & kStarBit) != 0 || (dow_ & kStarBit) != 0) return dom && dow;
    return dom || dow;
  };

  int64_t t = after_s + 1;  // the earliest candidate: the next whole second
  bool added = false;
  const int64_t year_limit = wall_of(z, t).year + 5;

wrap:
  wall w = wall_of(z, t);
  if (w.year > year_limit) return std::nullopt;

  while (!has(month_, w.month)) {
    if (!added) {
      added = true;
      t = go_date(z, w.year, w.month, 1, 0, 0, 0);
      w = wall_of(z, t);
    }
    t = go_date(z, w.year, w.month + 1, w.day, w.hour, w.minute, w.second);  // AddDate(0, 1, 0)
    w = wall_of(z, t);
    if (w.month == 1) goto wrap;
  }

  while (!day_matches(w)) {
    if (!added) {
      added = true;
      t = go_date(z, w.year, w.month, w.day, 0, 0, 0);
      w = wall_of(z, t);
    }
    t = go_date(z, w.year, w.month, w.day + 1, w.hour, w.minute, w.second);  // AddDate(0, 0, 1)
    w = wall_of(z, t);
    // Midnight may not exist or may have moved under DST: get back to it.
    if (w.hour != 0) {
      t += w.hour > 12 ? int64_t(24 - w.hour) * 3600 : -int64_t(w.hour) * 3600;
      w = wall_of(z, t);
    }
    if (w.day == 1) goto wrap;
  }

  while (!has(hour_, w.hour)) {
    if (!added) {
      added = true;
      t = go_date(z, w.year, w.month, w.day, w.hour, 0, 0);
      w = wall_of(z, t);
    }
    t += 3600;
    w = wall_of(z, t);
    if (w.hour == 0) goto wrap;
  }

  while (!has(minute_, w.minute)) {
    if (!added) {
      added = true;
      t = floor_div(t, 60) * 60;  // Truncate(time.Minute): on the absolute time
      w = wall_of(z, t);
    }
    t += 60;
    w = wall_of(z, t);
    if (w.minute == 0) goto wrap;
  }

  while (!has(second_, w.second)) {
    added = true;  // Truncate(time.Second) is a no-op on whole seconds
    t += 1;
    w = wall_of(z, t);
    if (w.second == 0) goto wrap;
  }

  return t * 1000;
}

}  // namespace resonate::kernel::domain
