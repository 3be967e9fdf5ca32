// Time zones for cron schedules, read from TZif files (RFC 8536, versions 1-3)
// into immutable objects. libstdc++ 12 has no std::chrono zone database, and
// setenv(TZ)/localtime_r would be process-wide state shared by every kernel.
//
// The lookup mirrors Go's time.Location, which the reference evaluates cron
// schedules in: an instant maps to the offset in force and the period
// [start, end) during which that offset holds; instants after the last
// transition follow the POSIX TZ footer; instants before the first one use the
// first standard-time type.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>

#include "kernel/domain/cron.hpp"
#include "kernel/domain/time_zone_rules.hpp"

namespace resonate::kernel::domain {

namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// ---- POSIX TZ strings (the TZif footer), e.g. "CET-1CEST,M3.5.0,M10.5.0/3".

struct posix_parser {
  std::string_view s;
  size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }

  bool name() {
    if (peek() == '<') {
      size_t close = s.find('>', i);
      if (close == std::string_view::npos) return false;
      i = close + 1;
      return true;
    }
    size_t begin = i;
    while (!done() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
    return i - begin >= 3;
  }
  bool number(int max, int* out) {
    size_t begin = i;
    int v = 0;
    while (!done() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + (s[i] - '0');
      if (v > max) return false;
      ++i;
    }
    *out = v;
    return i > begin;
  }
  // [+-]hh[:mm[:ss]] as seconds.
  bool hms(int max_hours, int* out) {
    int sign = 1;
    if (peek() == '+' || peek() == '-') sign = s[i++] == '-' ? -1 : 1;
    int h = 0, m = 0, sec = 0;
    if (!number(max_hours, &h)) return false;
    if (peek() == ':') {
      ++i;
      if (!number(59, &m)) return false;
      if (peek() == ':') {
        ++i;
        if (!number(59, &sec)) return false;
      }
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    return true;
  }
  bool rule(posix_rule* r) {
    if (peek() == 'J') {
      ++i;
      r->kind = posix_rule::julian;
      if (!number(365, &r->day) || r->day < 1) return false;
    } else if (peek() == 'M') {
      ++i;
      r->kind = posix_rule::month_week_day;
      if (!number(12, &r->month) || r->month < 1 || peek() != '.') return false;
      ++i;
      if (!number(5, &r->week) || r->week < 1 || peek() != '.') return false;
      ++i;
      if (!number(6, &r->day)) return false;
    } else {
      r->kind = posix_rule::zero_based;
      if (!number(365, &r->day)) return false;
    }
    r->time = 2 * 3600;
    if (peek() == '/') {
      ++i;
      if (!hms(167, &r->time)) return false;
    }
    return true;
  }
};

std::optional<posix_tz> parse_posix_tz(std::string_view text) {
  posix_parser p{text};
  posix_tz tz;
  int off = 0;
  if (!p.name() || !p.hms(24, &off)) return std::nullopt;
  tz.std_offset = -off;  // POSIX offsets are west of Greenwich
  if (p.done()) return tz;
  if (!p.name()) return std::nullopt;
  tz.has_dst = true;
  tz.dst_offset = tz.std_offset + 3600;
  if (!p.done() && p.peek() != ',') {
    if (!p.hms(24, &off)) return std::nullopt;
    tz.dst_offset = -off;
  }
  if (p.done()) {
    // No rule: the US rules, as Go (and glibc's posixrules default) assume.
    tz.start = {posix_rule::month_week_day, 0, 3, 2, 2 * 3600};
    tz.end = {posix_rule::month_week_day, 0, 11, 1, 2 * 3600};
    return tz;
  }
  if (p.peek() != ',') return std::nullopt;
  ++p.i;
  if (!p.rule(&tz.start) || p.peek() != ',') return std::nullopt;
  ++p.i;
  if (!p.rule(&tz.end) || !p.done()) return std::nullopt;
  return tz;
}

// Local seconds (since the epoch, local midnight of Jan 1 of year y) at which a
// rule fires in year y.
int64_t rule_local_seconds(const posix_rule& r, int64_t y) {
  int64_t jan1 = days_from_civil(y, 1, 1);
  int64_t day = 0;
  switch (r.kind) {
    case posix_rule::julian:  // 1..365, February 29 never counted
      day = jan1 + r.day - 1 + ((is_leap(y) && r.day >= 60) ? 1 : 0);
      break;
    case posix_rule::zero_based:
      day = jan1 + r.day;
      break;
    case posix_rule::month_week_day: {
      int64_t first = days_from_civil(y, r.month, 1);
      int64_t first_wd = weekday_of_days(first);
      day = first + (r.day - first_wd + 7) % 7 + int64_t(r.week - 1) * 7;
      int64_t next_month = r.month == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, r.month + 1, 1);
      while (day >= next_month) day -= 7;
      break;
    }
  }
  return day * 86400 + r.time;
}

// ---- TZif files.

struct reader {
  const std::string& d;
  size_t i = 0;
  bool ok = true;
  bool have(size_t n) {
    if (i + n > d.size()) ok = false;
    return ok;
  }
  int64_t be(size_t n) {
    if (!have(n)) return 0;
    uint64_t v = 0;
    for (size_t k = 0; k < n; ++k) v = (v << 8) | static_cast<unsigned char>(d[i + k]);
    i += n;
    if (n == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
    return static_cast<int64_t>(v);
  }
  uint8_t byte() { return static_cast<uint8_t>(be(1)); }
};

std::shared_ptr<const time_zone::rules> parse_tzif(const std::string& data) {
  reader r{data};
  if (data.size() < 44 || data.compare(0, 4, "TZif") != 0) return nullptr;
  char version = data[4];
  auto counts = [&](int64_t c[6]) {
    r.i += 20;  // magic, version, reserved
    for (int k = 0; k < 6; ++k) c[k] = r.be(4);
  };
  int64_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  counts(c);
  size_t time_size = 4;
  if (version >= '2') {
    // Skip the 32-bit block; the 64-bit block that follows supersedes it.
    r.i += c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    counts(c);
    time_size = 8;
  }
  if (!r.ok || c[4] < 1) return nullptr;
  auto z = std::make_shared<time_zone::rules>();
  z->transitions.resize(c[3]);
  for (auto& t : z->transitions) t.at = r.be(time_size);
  for (auto& t : z->transitions) t.type = r.byte();
  z->types.resize(c[4]);
  for (auto& t : z->types) {
    t.offset = static_cast<int32_t>(r.be(4));
    t.is_dst = r.byte() != 0;
    r.byte();  // designation index
  }
  if (!r.ok) return nullptr;
  for (auto& t : z->transitions)
    if (t.type >= z->types.size()) return nullptr;
  r.i += c[5] + c[2] * (time_size + 4) + c[1] + c[0];
  if (version >= '2' && r.have(1) && data[r.i] == '\n') {
    size_t end = data.find('\n', r.i + 1);
    if (end != std::string::npos && end > r.i + 1)
      z->footer = parse_posix_tz(std::string_view(data).substr(r.i + 1, end - r.i - 1));
  }
  return z;
}

std::shared_ptr<const time_zone::rules> read_tzif_file(const std::string& path) {
  // Only regular files: reading a directory (a name like "America") throws.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return nullptr;
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_tzif(data);
}

std::shared_ptr<const time_zone::rules> read_named_zone(const std::string& name) {
  // As Go's LoadLocation: no absolute paths, no "..".
  if (name.empty() || name[0] == '/' || name[0] == '\\' || name.find("..") != std::string::npos)
    return nullptr;
  std::vector<std::string> dirs;
  if (const char* d = std::getenv("TZDIR"); d != nullptr && *d != '\0') dirs.emplace_back(d);
  for (const char* d : {"/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ", "/etc/zoneinfo"})
    dirs.emplace_back(d);
  for (const auto& dir : dirs)
    if (auto z = read_tzif_file(dir + "/" + name)) return z;
  return nullptr;
}

}  // namespace

int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  // Days since 1970-01-01 of a proleptic Gregorian date (eras of 400 years).
  y -= m <= 2 ? 1 : 0;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t mp = (m + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

civil_date civil_from_days(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  civil_date c;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2 ? 1 : 0);
  return c;
}

int weekday_of_days(int64_t days) { return static_cast<int>(((days % 7) + 7 + 4) % 7); }

zone_period lookup_period(const time_zone::rules* z, int64_t t) {
  if (z == nullptr) return {0, kMin, kMax};
  const auto& tr = z->transitions;
  if (tr.empty() || t < tr.front().at) {
    // Before the first transition: the first standard-time type, as Go does.
    int32_t off = z->types.front().offset;
    for (const auto& ty : z->types)
      if (!ty.is_dst) {
        off = ty.offset;
        break;
      }
    if (tr.empty() && z->footer) return lookup_period_footer(*z->footer, t, kMin);
    return {off, kMin, tr.empty() ? kMax : tr.front().at};
  }
  // The last transition at or before t.
  size_t lo = 0, hi = tr.size();
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (tr[mid].at <= t) lo = mid; else hi = mid;
  }
  if (lo + 1 < tr.size()) return {z->types[tr[lo].type].offset, tr[lo].at, tr[lo + 1].at};
  if (z->footer) return lookup_period_footer(*z->footer, t, tr.back().at);
  return {z->types[tr.back().type].offset, tr.back().at, kMax};
}

zone_period lookup_period_footer(const posix_tz& tz, int64_t t, int64_t not_before) {
  if (!tz.has_dst) return {tz.std_offset, not_before, kMax};
  int64_t year = civil_from_days(floor_div(t + tz.std_offset, 86400)).year;
  // The transitions of the surrounding years, in order; each gives the offset
  // in force after it.
  struct edge { int64_t at; int32_t offset; };
  std::vector<edge> edges;
  for (int64_t y = year - 1; y <= year + 1; ++y) {
    edges.push_back({rule_local_seconds(tz.start, y) - tz.std_offset, tz.dst_offset});
    edges.push_back({rule_local_seconds(tz.end, y) - tz.dst_offset, tz.std_offset});
  }
  std::sort(edges.begin(), edges.end(), [](const edge& a, const edge& b) { return a.at < b.at; });
  for (size_t k = edges.size(); k-- > 0;) {
    if (edges[k].at <= t) {
      int64_t end = k + 1 < edges.size() ? edges[k + 1].at : kMax;
      return {edges[k].offset, std::max(edges[k].at, not_before), end};
    }
  }
  return {edges.front().offset == tz.dst_offset ? tz.std_offset : tz.dst_offset, not_before,
          edges.front().at};
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

time_zone::time_zone(std::string name, std::shared_ptr<const rules> r)
    : name_(std::move(name)), rules_(std::move(r)) {}

time_zone time_zone::utc() { return time_zone("UTC", nullptr); }

std::optional<time_zone> time_zone::load(const std::string& name) {
  if (name.empty() || name == "UTC") return utc();
  if (name == "Local") return local();
  // A CRON_TZ= prefix loads its zone on every parse, and a schedule's cron is
  // parsed at every firing on the kernel thread: zones read once are kept
  // (immutable rules, shared), keyed with TZDIR since it picks the file.
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const rules>> loaded;
  const char* dir = std::getenv("TZDIR");
  std::string key = std::string(dir ? dir : "") + '\0' + name;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = loaded.find(key); it != loaded.end()) return time_zone(name, it->second);
  }
  auto r = read_named_zone(name);
  if (!r) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu);
  loaded.emplace(key, r);
  return time_zone(name, std::move(r));
}

time_zone time_zone::local() {
  // As Go initialises time.Local: TZ unset means /etc/localtime, TZ="" means
  // UTC, TZ=":name" or "name" a zoneinfo name, TZ="/path" a file; on any
  // failure, UTC.
  const char* tz = std::getenv("TZ");
  std::shared_ptr<const rules> r;
  if (tz == nullptr) {
    r = read_tzif_file("/etc/localtime");
  } else {
    std::string name = tz;
    if (!name.empty() && name[0] == ':') name.erase(0, 1);
    if (name.empty() || name == "UTC") return time_zone("Local", nullptr);
    r = name[0] == '/' ? read_tzif_file(name) : read_named_zone(name);
  }
  return time_zone("Local", std::move(r));
}

const std::string& time_zone::name() const { return name_; }

int32_t time_zone::offset_at(int64_t unix_seconds) const {
  return lookup_period(rules_.get(), unix_seconds).offset;
}

time_zone::period time_zone::period_at(int64_t unix_seconds) const {
  return lookup_period(rules_.get(), unix_seconds);
}

}  // namespace resonate::kernel::domain
