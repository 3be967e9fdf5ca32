// The cost of a message forwarded to another node (docs/cluster-plan.md,
// section 2), side by side with one sent to a stream on the same node.
//
//   node bench/cluster_forward.mjs --bin build/actors/resonate --pg "host=... port=... user=... dbname=..." \
//     [--messages 500] [--concurrency 1]
//
// Starts two `resonate serve` nodes on the given (empty, scratch) PostgreSQL
// database: a, which holds the lease on the background work, and b, joined
// to a's cluster port. A worker's SSE stream is on a ("local") and another
// one on b ("forwarded"). Each message is a REST v1 promise created on a
// with `resonate:invoke` set to one of the two streams: a sends the invoke
// right after the commit, to its own stream or, through the directory and
// the cluster port, to b's. Figures: the time from the create's request to
// the event on the stream (p50, p99), and the CPU both node processes spent
// per message (utime + stime from /proc), for each kind.
import http from "node:http";
import { cluster, cpuSeconds } from "./cluster_lib.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const bin = arg("bin", "build/actors/resonate");
const pg = arg("pg", process.env.RESONATE_TEST_PG);
const messages = Number(arg("messages", 500));
const concurrency = Number(arg("concurrency", 1));
if (!pg) { console.error("--pg CONNINFO (or RESONATE_TEST_PG) is needed"); process.exit(2); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const { start: startNode } = cluster(bin, pg);

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function post(port, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method: "POST", agent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", reject);
    req.end(body);
  });
}

// An SSE stream; `waitFor(id)` resolves when an event naming `__invoke:id` arrives.
function stream(port, path) {
  const waiting = new Map();
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream ${path}: ${res.statusCode}`));
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const event = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const m = event.match(/"id":"__invoke:([^"]+)"/);
          if (m && waiting.has(m[1])) { waiting.get(m[1])(performance.now()); waiting.delete(m[1]); }
        }
      });
      resolve({ waitFor: (id) => new Promise((r) => waiting.set(id, r)) });
    }).on("error", reject);
  });
}

const quantile = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };

const a = await startNode("a", []);
await sleep(1500);  // a takes the lease first
const b = await startNode("b", ["--cluster-seeds", a.cluster]);
const local = await stream(a.pollPort, "/local/w");
const remote = await stream(b.pollPort, "/remote/w");
await sleep(1500);  // the directory rows and b's link to a are in place

async function run(kind, s, recv) {
  const latencies = [];
  let next = 0;
  const one = async () => {
    for (;;) {
      const i = next++;
      if (i >= messages) return;
      const id = `${kind}-${i}-${Date.now()}`;
      const got = s.waitFor(id);
      const t0 = performance.now();
      const status = await post(a.port, "/promises", JSON.stringify({ id, timeout: 32503680000000,
        tags: { "resonate:invoke": recv } }));
      if (status !== 201) throw new Error(`create ${id}: ${status}`);
      latencies.push((await Promise.race([got, sleep(5000).then(() => NaN)])) - t0);
    }
  };
  const cpu0 = cpuSeconds(a.child.pid) + cpuSeconds(b.child.pid);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, one));
  const wall = performance.now() - t0;
  const cpu = cpuSeconds(a.child.pid) + cpuSeconds(b.child.pid) - cpu0;
  const lost = latencies.filter((x) => Number.isNaN(x)).length;
  const ok = latencies.filter((x) => !Number.isNaN(x));
  const row = { kind, messages, concurrency, lost, p50_ms: +quantile(ok, 0.5).toFixed(2),
    p99_ms: +quantile(ok, 0.99).toFixed(2), per_s: Math.round(messages / (wall / 1000)),
    cpu_ms_per_message: +((cpu * 1000) / messages).toFixed(3) };
  console.log(JSON.stringify(row));
  return row;
}

// Alternated, so that a drift of the machine shows in both.
const rows = [];
for (const round of [1, 2]) {
  rows.push(await run(`local${round}`, local, "poll://uni@local/w"));
  rows.push(await run(`forwarded${round}`, remote, "poll://uni@remote/w"));
}
process.exit(rows.some((r) => r.lost > 0) ? 1 : 0);
