-- Protocol 2026-04-01 without triggers, SQLite dialect.
-- The task of a targeted promise and the settlement chain (spec 2.2, 2.6) are
-- no longer triggers on `promises`: the store's create and completion
-- commands run them as an explicit step (sqlite_settlement_2026.cpp), with
-- the operation's time as a parameter. So the clock row the triggers read
-- goes, and with it the one row every 2026 transaction wrote. Every table of
-- 004 and 005 keeps its rows.
DROP TRIGGER IF EXISTS promises26_created;
DROP TRIGGER IF EXISTS promises26_settled;
DROP TABLE IF EXISTS clock26;
