// The SQLite store's counts by state, read by the kernel's GaugeStates job for
// the tasks{state} and promises{state} gauges. Neither table has an index on
// state, so each is a scan: cheap next to the writes at the default period
// (system.gaugeInterval), and a period of 0 turns them off.

#include "aio_adapters/store/sqlite/sqlite_commands.hpp"

namespace resonate::aio_adapters::store::sqlite_dialect {

namespace {

q::store_result counts_by_state(sqlite_connection& c, const char* sql) {
  auto st = c.prepare(sql);
  q::state_counts_result r;
  while (st.step()) r.counts[st.column_int(0)] = st.column_int(1);
  return r;
}

}  // namespace

q::store_result run(sqlite_connection& c, const q::count_tasks_by_state_cmd&) {
  return counts_by_state(c, "SELECT state, COUNT(*) FROM tasks GROUP BY state");
}

q::store_result run(sqlite_connection& c, const q::count_promises_by_state_cmd&) {
  return counts_by_state(c, "SELECT state, COUNT(*) FROM promises GROUP BY state");
}

}  // namespace resonate::aio_adapters::store::sqlite_dialect
