-- The settlement chain says how many messages it queued, PostgreSQL dialect.
-- promise26_settled of 006 returned nothing, so the kernel ran the outbox
-- drain after every settlement of protocol 2026-04-01 in case the chain had
-- queued an execute (a resumed awaiter) or an unblock (a listener): four
-- drains in five found nothing in the SDK's 3-step workflow, each a
-- transaction of its own. Now it returns the count of executes and unblocks
-- it queued, and the drain runs only when that is not zero. Same chain as
-- 006 otherwise; the SQLite dialect's chain is C++ (sqlite_settlement_2026.cpp).
DROP FUNCTION IF EXISTS promise26_settled(TEXT, BIGINT);
CREATE FUNCTION promise26_settled(p_id TEXT, p_now BIGINT) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  queued BIGINT := 0;
  n BIGINT;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM promises WHERE id = p_id AND state <> 1) THEN
    RETURN 0;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM tasks26 WHERE id = p_id)
     AND NOT EXISTS (SELECT 1 FROM callbacks26 WHERE awaited = p_id)
     AND NOT EXISTS (SELECT 1 FROM listeners26 WHERE promise_id = p_id)
     AND NOT EXISTS (SELECT 1 FROM promise_timeouts26 WHERE id = p_id) THEN
    RETURN 0;
  END IF;
  DELETE FROM promise_timeouts26 WHERE id = p_id;
  UPDATE tasks26 SET state = 4, pid = NULL, ttl = NULL, resumes = 0, timer_type = NULL, timer_at = NULL
    WHERE id = p_id AND state <> 4;
  DELETE FROM callbacks26 WHERE awaiter = p_id;
  UPDATE tasks26 SET resumes = resumes + 1
    WHERE state IN (0, 1, 3) AND id IN (SELECT awaiter FROM callbacks26 WHERE awaited = p_id);
  INSERT INTO outbox_execute26 (id, version, address)
    SELECT t.id, t.version, t.address FROM tasks26 t JOIN promises p ON p.id = t.id
    WHERE t.state = 2 AND p.state = 1 AND p.timeout > p_now
      AND t.id IN (SELECT awaiter FROM callbacks26 WHERE awaited = p_id)
    ON CONFLICT (id) DO UPDATE SET version = excluded.version, address = excluded.address;
  GET DIAGNOSTICS n = ROW_COUNT;
  queued := queued + n;
  UPDATE tasks26 SET state = 0, resumes = 1, timer_type = 0, timer_at = p_now + 30000
    WHERE state = 2
      AND id IN (SELECT awaiter FROM callbacks26 WHERE awaited = p_id)
      AND id IN (SELECT id FROM promises WHERE state = 1 AND timeout > p_now);
  DELETE FROM callbacks26 WHERE awaited = p_id;
  INSERT INTO outbox_unblock26 (promise_id, address)
    SELECT promise_id, address FROM listeners26 WHERE promise_id = p_id
    ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  queued := queued + n;
  DELETE FROM listeners26 WHERE promise_id = p_id;
  RETURN queued;
END
$fn$;
