#include "aio_adapters/store/leases.hpp"

#include <stdexcept>
#include <string>

namespace resonate::aio_adapters::store {

namespace q = resonate::queues;

namespace {

q::lease_result claim(sql_session& db, const q::claim_lease_cmd& c) {
  // The row of a partition no node has held yet.
  db.query(
    "INSERT INTO partition_leases (partition_id, owner, epoch, expires_at) "
    "VALUES ($1, NULL, 0, 0) ON CONFLICT (partition_id) DO NOTHING",
    {c.partition});
  const std::string now(db.now_ms_sql());
  // SET reads the row as it was: the epoch stays only for the owner that
  // names it, and rises for anyone else (a take-over, or the same node back
  // from a restart that forgot its epoch).
  auto rows = db.query(
    "UPDATE partition_leases SET "
    "epoch = CASE WHEN owner = $2 AND epoch = $3 THEN epoch ELSE epoch + 1 END, "
    "owner = $2, expires_at = " +
      now +
      " + CAST($4 AS BIGINT) "
      "WHERE partition_id = $1 AND (owner = $2 OR owner IS NULL OR expires_at < " +
      now + ") RETURNING epoch",
    {c.partition, c.owner, c.epoch, c.ttl_ms});
  if (rows.empty()) return q::lease_result{};
  return q::lease_result{rows.front().int64(0)};
}

q::alter_result check(sql_session& db, const q::check_lease_cmd& c) {
  auto rows = db.query(
    "SELECT epoch FROM partition_leases WHERE partition_id = $1" + std::string(db.for_share_sql()),
    {c.partition});
  if (rows.empty() || rows.front().int64(0) != c.epoch) {
    throw std::runtime_error("fenced out: the lease on partition " + std::to_string(c.partition) +
                             " is no longer at epoch " + std::to_string(c.epoch));
  }
  return q::alter_result{1};
}

}  // namespace

q::store_result run_lease(sql_session& db, const q::store_command& cmd) {
  if (const auto* c = std::get_if<q::claim_lease_cmd>(&cmd)) return claim(db, *c);
  if (const auto* c = std::get_if<q::check_lease_cmd>(&cmd)) return check(db, *c);
  throw std::logic_error("not a lease command");
}

}  // namespace resonate::aio_adapters::store
