-- REST v1 schema (spec 5.5), PostgreSQL dialect. Headers and tags are JSONB
-- ('{}' when empty) so that tag search is `tags @> $json` on a GIN index;
-- param/value data are raw bytes.

CREATE TABLE promises (
  id                           TEXT PRIMARY KEY,
  sort_id                      BIGSERIAL NOT NULL,
  state                        INTEGER NOT NULL DEFAULT 1,
  param_headers                JSONB,
  param_data                   BYTEA,
  value_headers                JSONB,
  value_data                   BYTEA,
  timeout                      BIGINT NOT NULL DEFAULT 0,
  idempotency_key_for_create   TEXT,
  idempotency_key_for_complete TEXT,
  tags                         JSONB,
  created_on                   BIGINT,
  completed_on                 BIGINT
);
-- Searches page newest first by sort_id.
CREATE UNIQUE INDEX idx_promises_sort_id ON promises (sort_id);
-- `id LIKE 'prefix%'` can use a btree only with pattern ops (or the C collation).
CREATE INDEX idx_promises_id_pattern ON promises (id text_pattern_ops);
-- `tags @> '{"k":"v"}'`.
CREATE INDEX idx_promises_tags ON promises USING GIN (tags jsonb_path_ops);
-- The background timeout scan: pending promises by timeout.
CREATE INDEX idx_promises_pending_timeout ON promises (timeout, sort_id) WHERE state = 1;

CREATE TABLE callbacks (
  id              TEXT PRIMARY KEY,
  promise_id      TEXT NOT NULL,
  root_promise_id TEXT NOT NULL,
  recv            BYTEA NOT NULL,
  mesg            BYTEA NOT NULL,
  timeout         BIGINT NOT NULL DEFAULT 0,
  created_on      BIGINT
);

CREATE TABLE schedules (
  id                    TEXT PRIMARY KEY,
  sort_id               BIGSERIAL NOT NULL,
  description           TEXT,
  cron                  TEXT NOT NULL,
  tags                  JSONB,
  promise_id            TEXT NOT NULL,
  promise_timeout       BIGINT NOT NULL,
  promise_param_headers JSONB,
  promise_param_data    BYTEA,
  promise_tags          JSONB,
  last_run_time         BIGINT,
  next_run_time         BIGINT NOT NULL,
  idempotency_key       TEXT,
  created_on            BIGINT
);
CREATE UNIQUE INDEX idx_schedules_sort_id ON schedules (sort_id);
CREATE INDEX idx_schedules_next_run_time ON schedules (next_run_time);

CREATE TABLE locks (
  resource_id  TEXT PRIMARY KEY,
  execution_id TEXT NOT NULL,
  process_id   TEXT NOT NULL,
  ttl          BIGINT NOT NULL DEFAULT 0,
  expires_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX idx_locks_acquire_id ON locks (resource_id, execution_id);
CREATE INDEX idx_locks_heartbeat_id ON locks (process_id);
CREATE INDEX idx_locks_timeout ON locks (expires_at);

CREATE TABLE tasks (
  id              TEXT PRIMARY KEY,
  sort_id         BIGSERIAL NOT NULL,
  process_id      TEXT,
  state           INTEGER NOT NULL DEFAULT 1,
  root_promise_id TEXT NOT NULL,
  recv            BYTEA NOT NULL,
  mesg            BYTEA NOT NULL,
  timeout         BIGINT NOT NULL DEFAULT 0,
  counter         INTEGER NOT NULL DEFAULT 1,
  attempt         INTEGER NOT NULL DEFAULT 0,
  ttl             BIGINT NOT NULL DEFAULT 0,
  expires_at      BIGINT NOT NULL DEFAULT 0,
  created_on      BIGINT,
  completed_on    BIGINT
);
CREATE UNIQUE INDEX idx_tasks_sort_id ON tasks (sort_id);
CREATE INDEX idx_tasks_process_id ON tasks (process_id);
CREATE INDEX idx_tasks_expires_at ON tasks (expires_at);
CREATE INDEX idx_tasks_root_promise_id ON tasks (root_promise_id);
