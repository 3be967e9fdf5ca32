-- Indexes for the callback and task commands (REST v1 4.4, 4.7, 4.10), PostgreSQL dialect.

-- The completion transaction turns the callbacks of a promise into tasks.
CREATE INDEX idx_callbacks_promise_id ON callbacks (promise_id);

-- Completing the tasks of a root, and "does this root have an ENQUEUED or
-- CLAIMED task" (enqueueable scan). Supersedes the index on root_promise_id alone.
CREATE INDEX idx_tasks_root_promise_id_state ON tasks (root_promise_id, state);
DROP INDEX idx_tasks_root_promise_id;

-- The enqueueable scan (INIT by expires_at) and the expired scan (ENQUEUED or
-- CLAIMED by expires_at). Supersedes the index on expires_at alone.
CREATE INDEX idx_tasks_state_expires_at ON tasks (state, expires_at);
DROP INDEX idx_tasks_expires_at;

-- The expired scan in its order (root, sort_id), over the active tasks only:
-- completed tasks pile up, ENQUEUED and CLAIMED ones do not.
CREATE INDEX idx_tasks_active_by_root ON tasks (root_promise_id, sort_id) WHERE state IN (2, 4);
