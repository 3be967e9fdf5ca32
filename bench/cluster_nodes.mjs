// Throughput and server CPU per operation with 1, 2 and 3 nodes on one
// PostgreSQL, for both protocols (issue "Several nodes on one PostgreSQL").
//
//   node bench/cluster_nodes.mjs --bin build/actors/resonate --pg "host=... port=... user=... dbname=..." \
//     [--seconds 5] [--concurrency 64] [--nodes 1,2,3]
//
// For each node count, starts that many `resonate serve` nodes (a, b, c; each
// with a cluster port, joined to a) on the given scratch database, and spreads
// `concurrency` clients evenly over them. Each client runs one kind of
// operation in a loop for `seconds`, after a second of warm-up:
//   v1    REST v1 POST /promises, then PATCH /promises/{id} (RESOLVED);
//   2026  protocol 2026-04-01 promise.create, then promise.settle, on POST /.
// One operation is the pair. Figures: operations per second, p50 and p99 of
// the pair, and the CPU every node process spent per operation (utime + stime
// from /proc; PostgreSQL's own CPU is not in it). Kinds run one after the
// other, both for every node count, so a change that slows one shows.
import http from "node:http";
import { cluster, cpuSeconds } from "./cluster_lib.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const bin = arg("bin", "build/actors/resonate");
const pg = arg("pg", process.env.RESONATE_TEST_PG);
const seconds = Number(arg("seconds", 5));
const concurrency = Number(arg("concurrency", 64));
const counts = arg("nodes", "1,2,3").split(",").map(Number);
if (!pg) { console.error("--pg CONNINFO (or RESONATE_TEST_PG) is needed"); process.exit(2); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const { start: startNode, stopAll } = cluster(bin, pg);

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function request(port, method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method, agent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => { text += d; });
      res.on("end", () => resolve({ status: res.statusCode, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
const envelope = (kind, data) => JSON.stringify({ kind, head: { corrId: "b", version: "2026-04-01" }, data });
const ok26 = (r) => r.status === 200 && r.text.includes('"status":200');

const kinds = {
  async v1(port, id) {
    let r = await request(port, "POST", "/promises", JSON.stringify({ id, timeout: 32503680000000 }));
    if (r.status !== 201) throw new Error(`v1 create ${id}: ${r.status} ${r.text}`);
    r = await request(port, "PATCH", `/promises/${id}`, JSON.stringify({ state: "RESOLVED" }));
    if (r.status !== 201) throw new Error(`v1 complete ${id}: ${r.status} ${r.text}`);
  },
  async 2026(port, id) {
    let r = await request(port, "POST", "/", envelope("promise.create", { id, timeoutAt: 32503680000000 }));
    if (!ok26(r)) throw new Error(`2026 create ${id}: ${r.status} ${r.text}`);
    r = await request(port, "POST", "/", envelope("promise.settle", { id, state: "resolved" }));
    if (!ok26(r)) throw new Error(`2026 settle ${id}: ${r.status} ${r.text}`);
  },
};

const quantile = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
let serial = 0;

async function measure(nodes, kind) {
  const run = async (ms, latencies) => {
    const end = performance.now() + ms;
    const client = async (i) => {
      const port = nodes[i % nodes.length].port;
      while (performance.now() < end) {
        const t0 = performance.now();
        await kinds[kind](port, `${kind}-${nodes.length}-${++serial}-${Date.now()}`);
        if (latencies) latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, i) => client(i)));
  };
  await run(1000, null);  // warm-up
  const latencies = [];
  const cpu0 = nodes.reduce((s, n) => s + cpuSeconds(n.child.pid), 0);
  const t0 = performance.now();
  await run(seconds * 1000, latencies);
  const wall = (performance.now() - t0) / 1000;
  const cpu = nodes.reduce((s, n) => s + cpuSeconds(n.child.pid), 0) - cpu0;
  const row = { nodes: nodes.length, kind, concurrency, ops: latencies.length,
    per_s: Math.round(latencies.length / wall), p50_ms: +quantile(latencies, 0.5).toFixed(2),
    p99_ms: +quantile(latencies, 0.99).toFixed(2),
    cpu_ms_per_op: +((cpu * 1000) / latencies.length).toFixed(3) };
  console.log(JSON.stringify(row));
  return row;
}

const rows = [];
for (const n of counts) {
  const a = await startNode("a", []);
  await sleep(1500);  // a takes the lease first
  const nodes = [a];
  for (const id of ["b", "c"].slice(0, n - 1)) nodes.push(await startNode(id, ["--cluster-seeds", a.cluster]));
  await sleep(1500);  // the links are up
  for (const kind of ["v1", "2026"]) rows.push(await measure(nodes, kind));
  await stopAll();
}
console.log("\n| nodes | kind | ops/s | p50 ms | p99 ms | node CPU ms/op |\n|---|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.nodes} | ${r.kind} | ${r.per_s} | ${r.p50_ms} | ${r.p99_ms} | ${r.cpu_ms_per_op} |`);
process.exit(0);
