-- REST v1 schema (spec 5.5), SQLite dialect. Headers and tags are JSON text
-- ('{}' when empty); param/value data are raw bytes.

CREATE TABLE promises (
  id                           TEXT NOT NULL UNIQUE,
  sort_id                      INTEGER PRIMARY KEY AUTOINCREMENT,
  state                        INTEGER NOT NULL DEFAULT 1,
  param_headers                TEXT,
  param_data                   BLOB,
  value_headers                TEXT,
  value_data                   BLOB,
  timeout                      INTEGER NOT NULL DEFAULT 0,
  idempotency_key_for_create   TEXT,
  idempotency_key_for_complete TEXT,
  tags                         TEXT,
  created_on                   INTEGER,
  completed_on                 INTEGER
);
-- The UNIQUE constraint on id already creates the index that lookups and
-- `id LIKE 'prefix%'` (with case_sensitive_like=ON) use; a second idx(id), as
-- the Go server has, would only slow down writes.

-- The background timeout scan: pending promises by timeout (sort_id is the
-- rowid, so it is implicitly the second key).
CREATE INDEX idx_promises_pending_timeout ON promises (timeout) WHERE state = 1;

CREATE TABLE callbacks (
  id              TEXT NOT NULL UNIQUE,
  promise_id      TEXT NOT NULL,
  root_promise_id TEXT NOT NULL,
  recv            BLOB NOT NULL,
  mesg            BLOB NOT NULL,
  timeout         INTEGER NOT NULL DEFAULT 0,
  created_on      INTEGER
);

CREATE TABLE schedules (
  id                    TEXT NOT NULL UNIQUE,
  sort_id               INTEGER PRIMARY KEY AUTOINCREMENT,
  description           TEXT,
  cron                  TEXT NOT NULL,
  tags                  TEXT,
  promise_id            TEXT NOT NULL,
  promise_timeout       INTEGER NOT NULL,
  promise_param_headers TEXT,
  promise_param_data    BLOB,
  promise_tags          TEXT,
  last_run_time         INTEGER,
  next_run_time         INTEGER NOT NULL,
  idempotency_key       TEXT,
  created_on            INTEGER
);
CREATE INDEX idx_schedules_next_run_time ON schedules (next_run_time);

CREATE TABLE locks (
  resource_id  TEXT NOT NULL UNIQUE,
  execution_id TEXT NOT NULL,
  process_id   TEXT NOT NULL,
  ttl          INTEGER NOT NULL DEFAULT 0,
  expires_at   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX idx_locks_acquire_id ON locks (resource_id, execution_id);
CREATE INDEX idx_locks_heartbeat_id ON locks (process_id);
CREATE INDEX idx_locks_timeout ON locks (expires_at);

CREATE TABLE tasks (
  id              TEXT NOT NULL UNIQUE,
  sort_id         INTEGER PRIMARY KEY AUTOINCREMENT,
  process_id      TEXT,
  state           INTEGER NOT NULL DEFAULT 1,
  root_promise_id TEXT NOT NULL,
  recv            BLOB NOT NULL,
  mesg            BLOB NOT NULL,
  timeout         INTEGER NOT NULL DEFAULT 0,
  counter         INTEGER NOT NULL DEFAULT 1,
  attempt         INTEGER NOT NULL DEFAULT 0,
  ttl             INTEGER NOT NULL DEFAULT 0,
  expires_at      INTEGER NOT NULL DEFAULT 0,
  created_on      INTEGER,
  completed_on    INTEGER
);
CREATE INDEX idx_tasks_process_id ON tasks (process_id);
CREATE INDEX idx_tasks_expires_at ON tasks (expires_at);
CREATE INDEX idx_tasks_root_promise_id ON tasks (root_promise_id);
