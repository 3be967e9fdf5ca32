#include "api_gateway/transport/instrumentation.hpp"

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
    r.set_help("api_requests_total", "counter", "Total number of api requests");
    r.set_help("api_duration_seconds", "histogram", "Duration of api requests");
  });
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
