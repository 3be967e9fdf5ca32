-- Protocol 2026-04-01 (spec protocol-2026-04-01.md 2, 4.1), SQLite dialect.
-- Promises stay in `promises`, shared with REST v1 (state codes, value bytes
-- and JSON tags as there). This protocol's own objects live beside them:
--   tasks26             one task per targeted promise (id = promise id): state
--                       0 pending, 1 acquired, 2 suspended, 3 halted, 4 fulfilled;
--                       the version counts acquires; pid/ttl only while acquired;
--                       resumes = awaited promises settled since the last acquire;
--                       the task's timer: timer_type 0 retry, 1 lease, at timer_at;
--                       address = the promise's resonate:target, for its executes.
--   callbacks26         awaiter task waits for awaited promise (suspend);
--   listeners26         an address to unblock when the promise settles;
--   promise_timeouts26  promises the background loop times out (targeted ones);
--   outbox_execute26    executes to send, one per task (a newer version replaces);
--   outbox_unblock26    unblocks to send, one per (promise, address);
--   branches26          promise ids by resonate:branch, for preload (2.8);
--   clock26             the time of the operation in progress, for the triggers.
-- The triggers below make the settlement chain (2.6) and the task of a
-- targeted promise (2.2) part of every write to `promises`, whichever protocol
-- (or background loop, or schedule) made it, in the same transaction.

CREATE TABLE tasks26 (
  id         TEXT PRIMARY KEY,
  state      INTEGER NOT NULL DEFAULT 0,
  version    INTEGER NOT NULL DEFAULT 0,
  address    TEXT NOT NULL,
  pid        TEXT,
  ttl        INTEGER,
  resumes    INTEGER NOT NULL DEFAULT 0,
  timer_type INTEGER,
  timer_at   INTEGER
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
  timeout INTEGER NOT NULL
);
CREATE INDEX idx_promise_timeouts26 ON promise_timeouts26 (timeout);

CREATE TABLE outbox_execute26 (
  id      TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
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
  now INTEGER NOT NULL
);
INSERT INTO clock26 (one, now) VALUES (1, 0);

-- A new promise: its branch for preload; with a resonate:target, its task
-- (pending v0 with a retry timer 30 s after creation, and an execute to the
-- target; fulfilled v0 when it is created settled) and its background timeout.
CREATE TRIGGER promises26_created AFTER INSERT ON promises
BEGIN
  INSERT INTO branches26 (branch, id)
    SELECT json_extract(NEW.tags, '$."resonate:branch"'), NEW.id
    WHERE json_extract(NEW.tags, '$."resonate:branch"') IS NOT NULL
    ON CONFLICT DO NOTHING;
  INSERT INTO tasks26 (id, state, version, address, timer_type, timer_at)
    SELECT NEW.id, CASE WHEN NEW.state = 1 THEN 0 ELSE 4 END, 0,
           json_extract(NEW.tags, '$."resonate:target"'),
           CASE WHEN NEW.state = 1 THEN 0 END,
           CASE WHEN NEW.state = 1 THEN COALESCE(NEW.created_on, 0) + 30000 END
    WHERE json_extract(NEW.tags, '$."resonate:target"') IS NOT NULL
    ON CONFLICT DO NOTHING;
  INSERT INTO outbox_execute26 (id, version, address)
    SELECT NEW.id, 0, json_extract(NEW.tags, '$."resonate:target"')
    WHERE NEW.state = 1 AND json_extract(NEW.tags, '$."resonate:target"') IS NOT NULL
    ON CONFLICT (id) DO UPDATE SET version = excluded.version, address = excluded.address;
  INSERT INTO promise_timeouts26 (id, timeout)
    SELECT NEW.id, NEW.timeout
    WHERE NEW.state = 1 AND json_extract(NEW.tags, '$."resonate:target"') IS NOT NULL
    ON CONFLICT DO NOTHING;
END;

-- A promise leaves pending (spec 2.6): drop its timeout; fulfil its task and
-- the task's own callbacks; resume the suspended awaiters whose own promise is
-- still pending and not timed out (pending, same version, retry timer, execute
-- to the awaiter's address) and count the resume on the others; unblock the
-- listeners. "Now" is the operation's time (clock26), or the settlement time
-- when that is later (a REST v1 write does not set the clock).
CREATE TRIGGER promises26_settled AFTER UPDATE OF state ON promises
WHEN OLD.state = 1 AND NEW.state <> 1
BEGIN
  DELETE FROM promise_timeouts26 WHERE id = NEW.id;
  UPDATE tasks26 SET state = 4, pid = NULL, ttl = NULL, resumes = 0, timer_type = NULL, timer_at = NULL
    WHERE id = NEW.id AND state <> 4;
  DELETE FROM callbacks26 WHERE awaiter = NEW.id;
  UPDATE tasks26 SET resumes = resumes + 1
    WHERE state IN (0, 1, 3) AND id IN (SELECT awaiter FROM callbacks26 WHERE awaited = NEW.id);
  INSERT INTO outbox_execute26 (id, version, address)
    SELECT t.id, t.version, t.address FROM tasks26 t JOIN promises p ON p.id = t.id
    WHERE t.state = 2 AND p.state = 1
      AND p.timeout > (SELECT MAX(now, COALESCE(NEW.completed_on, 0)) FROM clock26)
      AND t.id IN (SELECT awaiter FROM callbacks26 WHERE awaited = NEW.id)
    ON CONFLICT (id) DO UPDATE SET version = excluded.version, address = excluded.address;
  UPDATE tasks26 SET state = 0, resumes = 1, timer_type = 0,
      timer_at = (SELECT MAX(now, COALESCE(NEW.completed_on, 0)) FROM clock26) + 30000
    WHERE state = 2
      AND id IN (SELECT awaiter FROM callbacks26 WHERE awaited = NEW.id)
      AND id IN (SELECT id FROM promises WHERE state = 1
                 AND timeout > (SELECT MAX(now, COALESCE(NEW.completed_on, 0)) FROM clock26));
  DELETE FROM callbacks26 WHERE awaited = NEW.id;
  INSERT INTO outbox_unblock26 (promise_id, address)
    SELECT promise_id, address FROM listeners26 WHERE promise_id = NEW.id
    ON CONFLICT DO NOTHING;
  DELETE FROM listeners26 WHERE promise_id = NEW.id;
END;
