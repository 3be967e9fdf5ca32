// resonate_schedule_bench: N schedules due in the same second, against a real
// server, while other traffic goes on.
//
// 1. Creates N schedules (POST /schedules, 8 keep-alive connections), all with
//    the 6-field cron `S * * * * *`, S = the second of a target instant T a
//    few seconds after the creation is expected to end: every one of them is
//    due at T (the minute and hour fields are wildcards, so the server's time
//    zone does not matter).
// 2. From T - 2 s until every firing is seen (or a deadline), probe threads
//    run a closed loop of POST /promises + GET /promises/<id> and record each
//    request's latency; a scraper reads `promises_total{state="created"}` on
//    the metrics port every 20 ms. The firing is complete when that counter has
//    grown by N plus every probe create sent so far (a lower bound of what the
//    schedules made, so never early).
// 3. Deletes the schedules (so a rerun against the same server starts clean)
//    and checks by search that each schedule made exactly one promise.
//
// Prints one RESULT line: schedules, create_s, fire_s (T -> all fired),
// probe p50/p99/max over [T, T + fire_s], and over the whole probe window.

#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_net.hpp"

namespace {

using bench::api_conn;
using bench::clock_type;
using bench::die;
using bench::ms_between;
using bench::percentile;

struct options {
  std::string host = "127.0.0.1";
  int api_port = 8001;
  int metrics_port = 9090;
  int schedules = 10000;
  int creators = 8;
  int probes = 4;
  double lead_s = 0;      ///< seconds from start to T; 0 = estimated from a creation rate
  double deadline_s = 30;  ///< give up this long after T
  std::string run_id = std::to_string(::getpid());
};

int64_t wall_ms() {
  timeval tv{};
  ::gettimeofday(&tv, nullptr);
  return static_cast<int64_t>(tv.tv_sec) * 1000 + tv.tv_usec / 1000;
}

/// The value of the `promises_total{state="created"}` line of a metrics page (0 if absent).
int64_t created_counter(const std::string& page) {
  const std::string key = "promises_total{state=\"created\"} ";
  auto at = page.find(key);
  if (at == std::string::npos) return 0;
  return std::strtoll(page.c_str() + at + key.size(), nullptr, 10);
}

struct probe_sample {
  clock_type::time_point at;
  double ms;
};

/// Counts the promises whose id starts with `prefix`, by paged search.
int64_t count_promises(api_conn& api, const std::string& prefix) {
  int64_t n = 0;
  std::string cursor;
  for (;;) {
    std::string path = "/promises?id=" + prefix + "*&limit=100";
    if (!cursor.empty()) path += "&cursor=" + cursor;
    if (api.call("GET", path, "") != 200) die("search failed: " + api.body());
    const auto& body = api.body();
    for (size_t at = body.find("\"id\":\""); at != std::string::npos;
         at = body.find("\"id\":\"", at + 1))
      ++n;
    auto c = body.find("\"cursor\":\"");
    if (c == std::string::npos) return n;
    auto end = body.find('"', c + 10);
    cursor = body.substr(c + 10, end - c - 10);
  }
}

int run(const options& o) {
  const std::string sched_prefix = "burst-" + o.run_id + "-";
  const std::string promise_prefix = "bp-" + o.run_id + "-";

  // T: whole seconds, far enough ahead for the creation (estimated at 1,000/s
  // on this 2-core machine, plus 3 s) unless given.
  double lead = o.lead_s > 0 ? o.lead_s : 3.0 + o.schedules / 1000.0;
  int64_t target_ms = ((wall_ms() + static_cast<int64_t>(lead * 1000)) / 1000 + 1) * 1000;
  int second = static_cast<int>((target_ms / 1000) % 60);
  std::string cron = std::to_string(second) + " * * * * *";

  auto created_from = clock_type::now();
  std::atomic<int> next{0};
  std::vector<std::thread> creators;
  for (int w = 0; w < o.creators; ++w) {
    creators.emplace_back([&] {
      api_conn api(o.host, o.api_port);
      for (int i = next++; i < o.schedules; i = next++) {
        std::string id = sched_prefix + std::to_string(i);
        std::string body = "{\"id\":\"" + id + "\",\"cron\":\"" + cron +
                           "\",\"promiseId\":\"" + promise_prefix +
                           "{{.id}}.{{.timestamp}}\",\"promiseTimeout\":3600000}";
        int status = api.call("POST", "/schedules", body);
        if (status != 201) die("POST /schedules " + std::to_string(status) + ": " + api.body());
      }
    });
  }
  for (auto& t : creators) t.join();
  double create_s = ms_between(created_from, clock_type::now()) / 1000;
  if (wall_ms() > target_ms - 1500)
    die("creating took too long for the chosen instant; pass a larger --lead");

  // Wait until T - 2 s, then probe and scrape.
  while (wall_ms() < target_ms - 2000) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  api_conn metrics(o.host, o.metrics_port);
  if (metrics.call("GET", "/metrics", "") != 200) die("metrics port answered an error");
  int64_t base = created_counter(metrics.body());

  std::atomic<bool> stop{false};
  std::atomic<int64_t> probe_creates_sent{0};
  std::mutex mu;
  std::vector<probe_sample> samples;
  std::vector<std::thread> probes;
  for (int p = 0; p < o.probes; ++p) {
    probes.emplace_back([&, p] {
      api_conn api(o.host, o.api_port);
      std::vector<probe_sample> mine;
      for (int64_t i = 0; !stop; ++i) {
        std::string id = "probe-" + o.run_id + "-" + std::to_string(p) + "-" + std::to_string(i);
        ++probe_creates_sent;
        auto t0 = clock_type::now();
        int s1 = api.call("POST", "/promises",
                          "{\"id\":\"" + id + "\",\"timeout\":" +
                            std::to_string(wall_ms() + 3600000) + "}");
        auto t1 = clock_type::now();
        int s2 = api.call("GET", "/promises/" + id, "");
        auto t2 = clock_type::now();
        if (s1 != 201 || s2 != 200) die("probe answered " + std::to_string(s1) + "/" + std::to_string(s2));
        mine.push_back({t0, ms_between(t0, t1)});
        mine.push_back({t1, ms_between(t1, t2)});
      }
      std::lock_guard<std::mutex> lock(mu);
      samples.insert(samples.end(), mine.begin(), mine.end());
    });
  }

  // The steady-clock instant of T, for the probe window.
  auto target_steady = clock_type::now() + std::chrono::milliseconds(target_ms - wall_ms());
  double fire_s = -1;
  for (;;) {
    if (metrics.call("GET", "/metrics", "") != 200) die("metrics port answered an error");
    int64_t grown = created_counter(metrics.body()) - base - probe_creates_sent.load();
    int64_t now = wall_ms();
    if (grown >= o.schedules) {
      fire_s = static_cast<double>(now - target_ms) / 1000;
      break;
    }
    if (now > target_ms + static_cast<int64_t>(o.deadline_s * 1000)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto fired_steady = clock_type::now();
  stop = true;
  for (auto& t : probes) t.join();

  std::vector<double> during, all;
  for (const auto& s : samples) {
    all.push_back(s.ms);
    if (s.at >= target_steady && s.at <= fired_steady) during.push_back(s.ms);
  }

  // Clean up, then check exactly-once: one promise per schedule.
  api_conn api(o.host, o.api_port);
  for (int i = 0; i < o.schedules; ++i)
    if (api.call("DELETE", "/schedules/" + sched_prefix + std::to_string(i), "") != 204)
      die("DELETE /schedules answered " + api.body());
  int64_t made = count_promises(api, promise_prefix);

  size_t n_during = during.size();
  double p50 = percentile(during, 0.50), p99 = percentile(during, 0.99);  // (sorts)
  double max_ms = during.empty() ? 0.0 : during.back();
  double all_p99 = percentile(all, 0.99);
  std::printf(
    "RESULT schedules=%d create_s=%.2f fire_s=%.3f promises_made=%" PRId64
    " probe_n=%zu probe_p50_ms=%.2f probe_p99_ms=%.2f probe_max_ms=%.2f"
    " probe_all_n=%zu probe_all_p99_ms=%.2f\n",
    o.schedules, create_s, fire_s, made, n_during, p50, p99, max_ms, all.size(), all_p99);
  if (fire_s < 0) die("not every schedule fired within the deadline");
  if (made != o.schedules) die("expected one promise per schedule, found " + std::to_string(made));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bench::program = "resonate_schedule_bench";
  options o;
  bench::parse_options(argc, argv, [&](const std::string& a, const std::string& v) {
    if (a == "--host") o.host = v;
    else if (a == "--port") o.api_port = std::stoi(v);
    else if (a == "--metrics-port") o.metrics_port = std::stoi(v);
    else if (a == "--schedules") o.schedules = std::stoi(v);
    else if (a == "--creators") o.creators = std::stoi(v);
    else if (a == "--probes") o.probes = std::stoi(v);
    else if (a == "--lead") o.lead_s = std::stod(v);
    else if (a == "--deadline") o.deadline_s = std::stod(v);
    else if (a == "--run-id") o.run_id = v;
    else return false;
    return true;
  });
  return run(o);
}
