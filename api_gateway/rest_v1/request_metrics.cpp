#include "api_gateway/rest_v1/request_metrics.hpp"

#include <array>
#include <atomic>
#include <string>
#include <unordered_map>

#include "queues/metrics.hpp"

namespace resonate::api_gateway {

namespace metrics = queues::metrics;

namespace {

/// Idempotent, and only asked when a series is first resolved (once per series and thread).
void register_help() {
  metrics::global().set_help("http_requests_total", "counter", "Total number of http requests");
  metrics::global().set_help("http_requests_duration_seconds", "histogram",
                             "Duration of http requests");
}

std::string http_labels(method_id m, route_id r) {
  std::string l = "method=\"";
  l.append(method_name(m));
  l += "\",path=\"";
  l.append(route_path(r));
  l += '"';
  return l;
}

std::array<std::atomic<metrics::histogram*>, method_count * route_count> http_histograms{};

template <typename Make>
metrics::histogram& cached(std::atomic<metrics::histogram*>& slot, Make make) {
  auto* h = slot.load(std::memory_order_acquire);
  if (!h) {
    register_help();
    h = &make();  // the registry returns the same series to racing threads
    slot.store(h, std::memory_order_release);
  }
  return *h;
}

}  // namespace

void record_http(method_id m, route_id r, unsigned http_status, double seconds) {
  thread_local std::unordered_map<uint32_t, metrics::counter*> counters;
  uint32_t key = (static_cast<uint32_t>(m) << 24) | (static_cast<uint32_t>(r) << 16) |
                 (http_status & 0xffff);
  auto it = counters.find(key);
  if (it == counters.end()) {
    register_help();
    std::string labels = http_labels(m, r);
    labels += ",status=\"";
    labels += std::to_string(http_status);
    labels += '"';
    it = counters.emplace(key, &metrics::global().get_counter("http_requests_total", labels)).first;
  }
  it->second->inc();
  // Spec 3.1 and 7: a stream's duration is no request latency.
  if (r == route_id::poll) return;

  auto idx = static_cast<size_t>(m) * route_count + static_cast<size_t>(r);
  cached(http_histograms[idx], [&]() -> metrics::histogram& {
    return metrics::global().get_histogram("http_requests_duration_seconds", http_labels(m, r));
  }).observe(seconds);
}

}  // namespace resonate::api_gateway
