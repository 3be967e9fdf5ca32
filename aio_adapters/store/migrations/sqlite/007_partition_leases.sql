-- Several nodes on one database: who runs the background work. Each partition
-- of that work (a single one for now: partition 0, the whole of it) is leased
-- to one node at a time. `expires_at` is in ms of the database's own clock,
-- so nodes with skewed clocks agree on it; `epoch` rises whenever the lease
-- changes hands and fences every background transaction (check_lease_cmd).
-- A node that runs alone (no cluster configuration) never reads this table.
-- debug.reset keeps it: it says who owns the work, not what the work is.
CREATE TABLE partition_leases (
  partition_id INTEGER PRIMARY KEY,
  owner        TEXT,
  epoch        BIGINT NOT NULL DEFAULT 0,
  expires_at   BIGINT NOT NULL DEFAULT 0
);
