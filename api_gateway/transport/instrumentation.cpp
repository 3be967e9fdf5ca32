#include "api_gateway/transport/instrumentation.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <string>
#include <unordered_map>

#include "queues/metrics.hpp"

namespace resonate::api_gateway {

namespace metrics = queues::metrics;

namespace {

void register_help() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto& r = metrics::global();
    r.set_help("http_requests_total", "counter", "Total number of http requests");
    r.set_help("http_requests_duration_seconds", "histogram", "Duration of http requests");
    r.set_help("api_requests_total", "counter", "Total number of api requests");
    r.set_help("api_duration_seconds", "histogram", "Duration of api requests");
  });
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

method_id method_of(std::string_view m) {
  if (m == "GET") return method_id::get;
  if (m == "POST") return method_id::post;
  if (m == "PATCH") return method_id::patch;
  if (m == "PUT") return method_id::put;
  if (m == "DELETE") return method_id::del;
  if (m == "HEAD") return method_id::head;
  if (m == "OPTIONS") return method_id::options;
  return method_id::other;
}

std::string_view method_name(method_id m) {
  switch (m) {
    case method_id::get: return "GET";
    case method_id::post: return "POST";
    case method_id::put: return "PUT";
    case method_id::patch: return "PATCH";
    case method_id::del: return "DELETE";
    case method_id::head: return "HEAD";
    case method_id::options: return "OPTIONS";
    case method_id::other: return "OTHER";
  }
  return "OTHER";
}

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

void record_api(queues::kind k, queues::status s, double seconds) {
  // Count and latency by kind and status; each series is looked up once per thread.
  struct series {
    metrics::counter* count;
    metrics::histogram* latency;
  };
  thread_local std::unordered_map<uint32_t, series> known;
  uint32_t key = (static_cast<uint32_t>(k) << 24) | static_cast<uint32_t>(s);
  auto it = known.find(key);
  if (it == known.end()) {
    register_help();
    std::string labels = "protocol=\"http\",status=\"";
    labels += std::to_string(static_cast<uint32_t>(s));
    labels += "\",type=\"";
    labels += queues::kind_name(k);
    labels += '"';
    series fresh{&metrics::global().get_counter("api_requests_total", labels),
                 &metrics::global().get_histogram("api_duration_seconds", labels)};
    it = known.emplace(key, fresh).first;
  }
  it->second.count->inc();
  it->second.latency->observe(seconds);
}

}  // namespace resonate::api_gateway
