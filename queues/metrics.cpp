#include "queues/metrics.hpp"

#include <cstdio>
#include <sstream>

namespace resonate::queues::metrics {

namespace {
constexpr std::array<double, histogram::bucket_count> seconds_bounds{
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};
constexpr std::array<double, histogram::bucket_count> size_bounds{
  1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192};

std::string fmt_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string series(const std::string& name, const std::string& labels) {
  return labels.empty() ? name : name + "{" + labels + "}";
}

std::string with_le(const std::string& labels, const std::string& le) {
  return labels.empty() ? "le=\"" + le + "\"" : labels + ",le=\"" + le + "\"";
}
}  // namespace

void histogram::observe(double v) {
  for (size_t i = 0; i < bucket_count; ++i) {
    if (v <= bounds[i]) {
      buckets[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  count.fetch_add(1, std::memory_order_relaxed);
  double cur = sum.load(std::memory_order_relaxed);
  while (!sum.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

counter& registry::get_counter(const std::string& name, const std::string& labels) {
  std::lock_guard guard{mu_};
  auto& slot = counters_[name][labels];
  if (!slot) slot = std::make_unique<counter>();
  return *slot;
}

gauge& registry::get_gauge(const std::string& name, const std::string& labels) {
  std::lock_guard guard{mu_};
  auto& slot = gauges_[name][labels];
  if (!slot) slot = std::make_unique<gauge>();
  return *slot;
}

histogram& registry::get_histogram(const std::string& name, const std::string& labels,
                                   histogram_kind hk) {
  std::lock_guard guard{mu_};
  auto& slot = histograms_[name][labels];
  if (!slot) {
    slot = std::make_unique<histogram>();
    slot->bounds = hk == histogram_kind::seconds ? seconds_bounds : size_bounds;
  }
  return *slot;
}

void registry::set_help(const std::string& name, const std::string& type,
                        const std::string& help) {
  std::lock_guard guard{mu_};
  help_[name] = {type, help};
}

std::string registry::render() const {
  std::lock_guard guard{mu_};
  std::ostringstream out;
  auto header = [&](const std::string& name, const char* type) {
    auto it = help_.find(name);
    if (it != help_.end()) out << "# HELP " << name << ' ' << it->second.second << '\n';
    out << "# TYPE " << name << ' ' << type << '\n';
  };
  for (const auto& [name, family] : counters_) {
    header(name, "counter");
    for (const auto& [labels, c] : family)
      out << series(name, labels) << ' ' << c->value.load(std::memory_order_relaxed) << '\n';
  }
  for (const auto& [name, family] : gauges_) {
    header(name, "gauge");
    for (const auto& [labels, g] : family)
      out << series(name, labels) << ' ' << g->value.load(std::memory_order_relaxed) << '\n';
  }
  for (const auto& [name, family] : histograms_) {
    header(name, "histogram");
    for (const auto& [labels, h] : family) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < histogram::bucket_count; ++i) {
        cumulative += h->buckets[i].load(std::memory_order_relaxed);
        out << name << "_bucket{" << with_le(labels, fmt_double(h->bounds[i])) << "} "
            << cumulative << '\n';
      }
      auto count = h->count.load(std::memory_order_relaxed);
      out << name << "_bucket{" << with_le(labels, "+Inf") << "} " << count << '\n';
      out << series(name + "_sum", labels) << ' '
          << fmt_double(h->sum.load(std::memory_order_relaxed)) << '\n';
      out << series(name + "_count", labels) << ' ' << count << '\n';
    }
  }
  return out.str();
}

registry& global() {
  static registry r;
  return r;
}

}  // namespace resonate::queues::metrics
