-- Several nodes on one database: who is in the cluster, and which node holds
-- which SSE stream. A message for a worker whose stream is on another node is
-- handed to that node over the cluster port (aio_adapters/cluster). Both
-- tables are hints for delivery, never the truth about promises or tasks: a
-- stale row costs a failed send, which the retry timers of both protocols
-- cover. Times are ms of the database's clock, as in partition_leases.
--
-- One row per node id. `incarnation` rises at every start of the node (a
-- restarted container may come back with the same CAF node id), and
-- `heartbeat_at` every second while the node lives.
CREATE TABLE cluster_nodes (
  node_id      TEXT PRIMARY KEY,
  incarnation  BIGINT NOT NULL,
  api_addr     TEXT NOT NULL,
  cluster_addr TEXT NOT NULL,
  heartbeat_at BIGINT NOT NULL
);

-- The SSE streams connected to each node: (group, id) as the poll address
-- names them. A node writes its row when a stream connects and deletes it
-- when the stream goes; at start it deletes what an earlier incarnation left.
CREATE TABLE cluster_streams (
  grp          TEXT NOT NULL,
  stream_id    TEXT NOT NULL,
  node_id      TEXT NOT NULL,
  incarnation  BIGINT NOT NULL,
  connected_at BIGINT NOT NULL,
  PRIMARY KEY (grp, stream_id, node_id)
);
CREATE INDEX cluster_streams_node ON cluster_streams (node_id);
