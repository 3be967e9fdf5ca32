// Shared by the cluster benchmarks (cluster_forward.mjs, cluster_nodes.mjs):
// `resonate serve` nodes with a cluster port each on one PostgreSQL database,
// and the CPU a process has spent.
import { spawn } from "node:child_process";
import fs from "node:fs";

const ticks = 100;  // clock ticks per second (/proc/<pid>/stat)

/// Nodes on the database of `pg` (a libpq key=value conninfo). `start(id,
/// extra)` resolves with { id, child, log, port, pollPort, cluster } once the
/// node listens; every node started is SIGKILLed when this process exits.
export function cluster(bin, pg) {
  const kv = Object.fromEntries(pg.split(/\s+/).filter(Boolean).map((p) => p.split("=")));
  const storeArgs = ["--aio-store-sqlite-enable=false", "--aio-store-postgres-enable",
    "--aio-store-postgres-host", kv.host ?? "127.0.0.1", "--aio-store-postgres-port", kv.port ?? "5432",
    "--aio-store-postgres-username", kv.user ?? "postgres", "--aio-store-postgres-database", kv.dbname];
  const nodes = [];
  process.on("exit", () => { for (const n of nodes) n.child.kill("SIGKILL"); });
  const start = (id, extra) => {
    const child = spawn(bin, ["serve", ...storeArgs, "--cluster-node-id", id, "--cluster-listen", "127.0.0.1:0",
      "--api-http-addr", "127.0.0.1:0", "--aio-poll-addr", "127.0.0.1:0", "--metrics-addr", "", ...extra],
    { stdio: ["ignore", "pipe", "pipe"] });
    const node = { id, child, log: "" };
    nodes.push(node);
    const onData = (d) => { node.log += d; };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    return new Promise((resolve, reject) => {
      const until = Date.now() + 15000;
      const poll = () => {
        const m = node.log.match(/msg="?listening"? .*? port=(\d+) poll_port=(\d+)/);
        const c = node.log.match(/msg="cluster port open" .*?addr=(\S+)/);
        if (m && c) return resolve(Object.assign(node, { port: Number(m[1]), pollPort: Number(m[2]), cluster: c[1] }));
        if (Date.now() > until || child.exitCode !== null) return reject(new Error(`${id} did not start:\n${node.log}`));
        setTimeout(poll, 20);
      };
      poll();
    });
  };
  // SIGTERM to every node started so far; resolves when all have exited.
  const stopAll = () => Promise.all(nodes.splice(0).map((n) => new Promise((r) => {
    if (n.child.exitCode !== null) return r();
    n.child.on("exit", r);
    n.child.kill("SIGTERM");
  })));
  return { start, stopAll };
}

/// utime + stime of process `pid`, in seconds.
export function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}
