-- Protocol 2026-04-01 without triggers, PostgreSQL dialect.
-- The task of a targeted promise and the settlement chain (spec 2.2, 2.6) are
-- no longer triggers on `promises`: the store's create and completion
-- commands call the two functions below as a statement of their own after
-- the write (postgres_promises.cpp), with the operation's time as a
-- parameter. So the clock row the triggers read goes, and with it the one row
-- every 2026 transaction wrote. Every table of 004 and 005 keeps its rows.
DROP TRIGGER IF EXISTS promises26_created ON promises;
DROP TRIGGER IF EXISTS promises26_settled ON promises;
DROP FUNCTION IF EXISTS promises26_created();
DROP FUNCTION IF EXISTS promises26_settled();
DROP TABLE IF EXISTS clock26;

-- A promise just inserted: its branch for preload; with a resonate:target,
-- its task (pending v0 with a retry timer 30 s after creation and an execute
-- to the target) and its background timeout. A promise created at or past
-- its timeout (protocol 2026 creates it at its timeout, and times it out
-- next) gets a task fulfilled from the start, and nothing is sent for it. Called only for a promise with a branch or a target;
-- does nothing when the task exists already (the insert did not take effect).
CREATE OR REPLACE FUNCTION promise26_created(p_id TEXT) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  p promises%ROWTYPE;
  target TEXT;
  branch TEXT;
BEGIN
  SELECT * INTO p FROM promises WHERE id = p_id;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  target := p.tags->>'resonate:target';
  branch := p.tags->>'resonate:branch';
  IF branch IS NOT NULL THEN
    INSERT INTO branches26 (branch, id) VALUES (branch, p.id) ON CONFLICT DO NOTHING;
  END IF;
  IF target IS NULL THEN
    RETURN;
  END IF;
  IF p.state <> 1 OR COALESCE(p.created_on, 0) >= p.timeout THEN
    INSERT INTO tasks26 (id, state, version, address) VALUES (p.id, 4, 0, target)
      ON CONFLICT DO NOTHING;
    RETURN;
  END IF;
  INSERT INTO tasks26 (id, state, version, address, timer_type, timer_at)
    VALUES (p.id, 0, 0, target, 0, COALESCE(p.created_on, 0) + 30000)
    ON CONFLICT DO NOTHING;
  IF FOUND THEN
    INSERT INTO outbox_execute26 (id, version, address) VALUES (p.id, 0, target)
      ON CONFLICT (id) DO UPDATE SET version = excluded.version, address = excluded.address;
    INSERT INTO promise_timeouts26 (id, timeout) VALUES (p.id, p.timeout)
      ON CONFLICT DO NOTHING;
  END IF;
END
$fn$;

-- A promise out of pending, at time p_now (spec 2.6): drop its timeout; fulfil
-- its task and drop the task's own callbacks; resume the suspended awaiters
-- whose own promise is still pending and not timed out (pending, same
-- version, retry timer, execute to the awaiter's address) and count the
-- resume on the others; unblock the listeners. Called after every completion
-- statement, whether it took effect or not: on a promise still pending it
-- does nothing, and on one that settled earlier nothing is left to do. The
-- caller holds the promise's row lock, and every registration takes it too
-- and checks that the promise is pending, so no registration commits after
-- this ran. A promise that this protocol never touched costs five index probes.
CREATE OR REPLACE FUNCTION promise26_settled(p_id TEXT, p_now BIGINT) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM promises WHERE id = p_id AND state <> 1) THEN
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM tasks26 WHERE id = p_id)
     AND NOT EXISTS (SELECT 1 FROM callbacks26 WHERE awaited = p_id)
     AND NOT EXISTS (SELECT 1 FROM listeners26 WHERE promise_id = p_id)
     AND NOT EXISTS (SELECT 1 FROM promise_timeouts26 WHERE id = p_id) THEN
    RETURN;
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
  UPDATE tasks26 SET state = 0, resumes = 1, timer_type = 0, timer_at = p_now + 30000
    WHERE state = 2
      AND id IN (SELECT awaiter FROM callbacks26 WHERE awaited = p_id)
      AND id IN (SELECT id FROM promises WHERE state = 1 AND timeout > p_now);
  DELETE FROM callbacks26 WHERE awaited = p_id;
  INSERT INTO outbox_unblock26 (promise_id, address)
    SELECT promise_id, address FROM listeners26 WHERE promise_id = p_id
    ON CONFLICT DO NOTHING;
  DELETE FROM listeners26 WHERE promise_id = p_id;
END
$fn$;
