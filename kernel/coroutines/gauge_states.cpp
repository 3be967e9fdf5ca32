// Background GaugeStates: how many tasks and promises wait in each live state
// right now, as the gauges tasks{state=init|enqueued|claimed} and
// promises{state=pending} (the counters tasks_total and promises_total count
// transitions, which a restart resets and which say nothing about what is
// waiting). The terminal states are left out on purpose: they only grow, and
// counting them means reading the whole history (370 ms on SQLite's only
// connection at a million promises) where the live ones are an index range.
// One read transaction of two counts every system.gaugeInterval. Every live
// state is set on every run, 0 when the store has none, so a state that
// empties reads 0 rather than its last count; a failed read leaves the last values.
#include <cstdint>
#include <utility>

#include "kernel/coroutines/coroutines.hpp"
#include "queues/metrics.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {

struct state_label {
  int64_t code;  ///< the state's database code (the enum's value)
  const char* label;
};

// The labels are the lowercased states, as in tasks_total and promises_total.
constexpr state_label task_states[] = {
  {static_cast<int64_t>(q::task_state::init), "init"},
  {static_cast<int64_t>(q::task_state::enqueued), "enqueued"},
  {static_cast<int64_t>(q::task_state::claimed), "claimed"},
};
constexpr state_label promise_states[] = {
  {static_cast<int64_t>(q::promise_state::pending), "pending"},
};

template <size_t N>
void set_gauges(const char* name, const state_label (&states)[N], const q::store_result& r) {
  const auto& counts = std::get<q::state_counts_result>(r).counts;
  auto& registry = q::metrics::global();
  for (const auto& s : states) {
    auto it = counts.find(s.code);
    registry.get_gauge(name, std::string("state=\"") + s.label + "\"")
      .set(it == counts.end() ? 0 : it->second);
  }
}

}  // namespace

root_task gauge_states(context& c, const settings&) {
  static const bool described = [] {
    auto& registry = q::metrics::global();
    registry.set_help("tasks", "gauge", "Tasks in each live state (init, enqueued, claimed), counted every system.gaugeInterval");
    registry.set_help("promises", "gauge",
                      "Pending promises, counted every system.gaugeInterval");
    return true;
  }();
  (void)described;

  auto io = c.store(q::store_transaction{
    std::nullopt, {q::count_tasks_by_state_cmd{}, q::count_promises_by_state_cmd{}}});
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  set_gauges("tasks", task_states, done.store().results.at(0));
  set_gauges("promises", promise_states, done.store().results.at(1));
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

}  // namespace resonate::kernel::coroutines
