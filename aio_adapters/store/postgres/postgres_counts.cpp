// The PostgreSQL store's counts by state, read by the kernel's GaugeStates job
// for the tasks{state} and promises{state} gauges: the live states only, over
// idx_tasks_state_expires_at and idx_promises_pending_timeout (see sqlite_counts.cpp).

#include "aio_adapters/store/postgres/postgres_commands.hpp"

namespace resonate::aio_adapters::store::postgres_dialect {

namespace {

const prepared_statement statements[] = {
  {"count_tasks_by_state",
   "SELECT state, COUNT(*) FROM tasks WHERE state IN (1, 2, 4) GROUP BY state"},
  {"count_promises_by_state",
   "SELECT 1, COUNT(*) FROM promises WHERE state = 1 HAVING COUNT(*) > 0"},
};

q::store_result counts_by_state(const pg_result& r) {
  q::state_counts_result out;
  for (int i = 0; i < r.rows(); ++i) out.counts[r.int64(i, 0)] = r.int64(i, 1);
  return out;
}

}  // namespace

std::span<const prepared_statement> count_statements() {
  return statements;
}

pg_call call_of(const q::count_tasks_by_state_cmd&) {
  return prepared("count_tasks_by_state");
}
pg_call call_of(const q::count_promises_by_state_cmd&) {
  return prepared("count_promises_by_state");
}

q::store_result result_of(const q::count_tasks_by_state_cmd&, const pg_result& r) {
  return counts_by_state(r);
}
q::store_result result_of(const q::count_promises_by_state_cmd&, const pg_result& r) {
  return counts_by_state(r);
}

}  // namespace resonate::aio_adapters::store::postgres_dialect
