-- Protocol 2026-04-01 (spec protocol-2026-04-01.md 2, 4.1), PostgreSQL dialect.
-- The same tables and the same triggers as the SQLite dialect (see its 004
-- for what each table holds); here the triggers are PL/pgSQL functions.

CREATE TABLE tasks26 (
  id         TEXT PRIMARY KEY,
  state      INTEGER NOT NULL DEFAULT 0,
  version    BIGINT NOT NULL DEFAULT 0,
  address    TEXT NOT NULL,
  pid        TEXT,
  ttl        BIGINT,
  resumes    BIGINT NOT NULL DEFAULT 0,
  timer_type INTEGER,
  timer_at   BIGINT
);
CREATE INDEX idx_tasks26_timer ON tasks26 (timer_at) WHERE timer_at IS NOT NULL;

CREATE TABLE callbacks26 (
  awaited TEXT NOT NULL,
  awaiter TEXT NOT NULL,
  PRIMARY KEY (awaited, awaiter)
);
CREATE INDEX idx_callbacks26_awaiter ON callbacks26 (awaiter);

CREATE TABLE listeners26 (
  promise_id TEXT NOT NULL,
  address    TEXT NOT NULL,
  PRIMARY KEY (promise_id, address)
);

CREATE TABLE promise_timeouts26 (
  id      TEXT PRIMARY KEY,
  timeout BIGINT NOT NULL
);
CREATE INDEX idx_promise_timeouts26 ON promise_timeouts26 (timeout);

CREATE TABLE outbox_execute26 (
  id      TEXT PRIMARY KEY,
  version BIGINT NOT NULL,
  address TEXT NOT NULL
);

CREATE TABLE outbox_unblock26 (
  promise_id TEXT NOT NULL,
  address    TEXT NOT NULL,
  PRIMARY KEY (promise_id, address)
);

CREATE TABLE branches26 (
  branch TEXT NOT NULL,
  id     TEXT NOT NULL,
  PRIMARY KEY (branch, id)
);

CREATE TABLE clock26 (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  now BIGINT NOT NULL
);
INSERT INTO clock26 (one, now) VALUES (1, 0);

CREATE FUNCTION promises26_created() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  target TEXT := NEW.tags->>'resonate:target';
  branch TEXT := NEW.tags->>'resonate:branch';
BEGIN
  IF branch IS NOT NULL THEN
    INSERT INTO branches26 (branch, id) VALUES (branch, NEW.id) ON CONFLICT DO NOTHING;
  END IF;
  IF target IS NOT NULL THEN
    INSERT INTO tasks26 (id, state, version, address, timer_type, timer_at)
      VALUES (NEW.id, CASE WHEN NEW.state = 1 THEN 0 ELSE 4 END, 0, target,
              CASE WHEN NEW.state = 1 THEN 0 END,
              CASE WHEN NEW.state = 1 THEN COALESCE(NEW.created_on, 0) + 30000 END)
      ON CONFLICT DO NOTHING;
    IF NEW.state = 1 THEN
      INSERT INTO outbox_execute26 (id, version, address) VALUES (NEW.id, 0, target)
        ON CONFLICT (id) DO UPDATE SET version = excluded.version, address = excluded.address;
      INSERT INTO promise_timeouts26 (id, timeout) VALUES (NEW.id, NEW.timeout)
        ON CONFLICT DO NOTHING;
    END IF;
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER promises26_created AFTER INSERT ON promises
  FOR EACH ROW EXECUTE FUNCTION promises26_created();

-- A REST v1 completion of a promise this protocol never touched costs four
-- index probes and returns.
CREATE FUNCTION promises26_settled() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  now_ms BIGINT;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM tasks26 WHERE id = NEW.id)
     AND NOT EXISTS (SELECT 1 FROM callbacks26 WHERE awaited = NEW.id)
     AND NOT EXISTS (SELECT 1 FROM listeners26 WHERE promise_id = NEW.id)
     AND NOT EXISTS (SELECT 1 FROM promise_timeouts26 WHERE id = NEW.id) THEN
    RETURN NULL;
  END IF;
  SELECT GREATEST(now, COALESCE(NEW.completed_on, 0)) INTO now_ms FROM clock26;
  DELETE FROM promise_timeouts26 WHERE id = NEW.id;
  UPDATE tasks26 SET state = 4, pid = NULL, ttl = NULL, resumes = 0, timer_type = NULL, timer_at = NULL
    WHERE id = NEW.id AND state <> 4;
  DELETE FROM callbacks26 WHERE awaiter = NEW.id;
  UPDATE tasks26 SET resumes = resumes + 1
    WHERE state IN (0, 1, 3) AND id IN (SELECT awaiter FROM callbacks26 WHERE awaited = NEW.id);
  INSERT INTO outbox_execute26 (id, version, address)
    SELECT t.id, t.version, t.address FROM tasks26 t JOIN promises p ON p.id = t.id
    WHERE t.state = 2 AND p.state = 1 AND p.timeout > now_ms
      AND t.id IN (SELECT awaiter FROM callbacks26 WHERE awaited = NEW.id)
    ON CONFLICT (id) DO UPDATE SET version = excluded.version, address = excluded.address;
  UPDATE tasks26 SET state = 0, resumes = 1, timer_type = 0, timer_at = now_ms + 30000
    WHERE state = 2
      AND id IN (SELECT awaiter FROM callbacks26 WHERE awaited = NEW.id)
      AND id IN (SELECT id FROM promises WHERE state = 1 AND timeout > now_ms);
  DELETE FROM callbacks26 WHERE awaited = NEW.id;
  INSERT INTO outbox_unblock26 (promise_id, address)
    SELECT promise_id, address FROM listeners26 WHERE promise_id = NEW.id
    ON CONFLICT DO NOTHING;
  DELETE FROM listeners26 WHERE promise_id = NEW.id;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER promises26_settled AFTER UPDATE OF state ON promises
  FOR EACH ROW WHEN (OLD.state = 1 AND NEW.state <> 1) EXECUTE FUNCTION promises26_settled();
