#pragma once

// A small thread-safe Prometheus registry shared by every subsystem. Families are
// created on first use; a returned reference stays valid for the process lifetime,
// so hot paths look a series up once and keep the reference.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace resonate::queues::metrics {

struct counter {
  std::atomic<uint64_t> value{0};
  void inc(uint64_t n = 1) { value.fetch_add(n, std::memory_order_relaxed); }
};

struct gauge {
  std::atomic<int64_t> value{0};
  void set(int64_t v) { value.store(v, std::memory_order_relaxed); }
  void add(int64_t d) { value.fetch_add(d, std::memory_order_relaxed); }
};

/// Fixed buckets in seconds (latency) or plain numbers (batch sizes).
struct histogram {
  static constexpr size_t bucket_count = 14;
  std::array<double, bucket_count> bounds{};
  std::array<std::atomic<uint64_t>, bucket_count> buckets{};
  std::atomic<uint64_t> count{0};
  std::atomic<double> sum{0};
  void observe(double v);
};

enum class histogram_kind { seconds, size };

class registry {
public:
  /// `labels` is the rendered label set, e.g. `kind="CreatePromise",status="201"`.
  counter& get_counter(const std::string& name, const std::string& labels = {});
  gauge& get_gauge(const std::string& name, const std::string& labels = {});
  histogram& get_histogram(const std::string& name, const std::string& labels = {},
                           histogram_kind hk = histogram_kind::seconds);
  void set_help(const std::string& name, const std::string& type, const std::string& help);

  /// Prometheus text exposition format 0.0.4.
  std::string render() const;

private:
  mutable std::mutex mu_;
  std::map<std::string, std::pair<std::string, std::string>> help_;  // name -> (type, help)
  std::map<std::string, std::map<std::string, std::unique_ptr<counter>>> counters_;
  std::map<std::string, std::map<std::string, std::unique_ptr<gauge>>> gauges_;
  std::map<std::string, std::map<std::string, std::unique_ptr<histogram>>> histograms_;
};

/// The process-wide registry.
registry& global();

}  // namespace resonate::queues::metrics
