-- Kept in step with PostgreSQL's 003 (an index on (next_run_time, sort_id) for
-- the due-schedules scan, and no pattern index on promise ids in a C-collated
-- database). SQLite already has both: every SQLite index carries the rowid
-- (schedules.sort_id), so idx_schedules_next_run_time serves `ORDER BY
-- next_run_time, sort_id`; and ids compare bytewise (BINARY, with
-- case_sensitive_like on), so their unique index serves prefix searches.
SELECT 1;
