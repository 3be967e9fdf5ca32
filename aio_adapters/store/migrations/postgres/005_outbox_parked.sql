-- Protocol 2026-04-01: messages parked for a stream, PostgreSQL dialect.
-- A message for a `poll://` address that no connected stream could take waits
-- here, out of the drain's way, until a stream that can take it connects
-- (then it goes back to outbox_execute26 / outbox_unblock26), or until it is
-- older than the park limit. An execute is keyed by its task (version >= 0),
-- an unblock by (promise, address) with version -1, as in the outbox.
CREATE TABLE outbox_parked26 (
  id        TEXT NOT NULL,
  address   TEXT NOT NULL,
  version   BIGINT NOT NULL,
  parked_at BIGINT NOT NULL,
  PRIMARY KEY (id, address)
);
CREATE INDEX idx_outbox_parked26_age ON outbox_parked26 (parked_at);
CREATE INDEX idx_outbox_parked26_address ON outbox_parked26 (address);
