// The podman suite: docker-compose.yml really brought up with podman-compose
// (three nodes on one PostgreSQL, in containers of their own network), driven
// from this machine over the published ports, then hurt one node at a time.
//
//   node tests/podman/compose.mjs up|serving|disconnect|pause|kill|down
//
// Each step is a CTest test of label `podman` (tests/podman/CMakeLists.txt),
// run in that order on one compose project; `up` and `down` are its fixture.
// The images come first from `scripts/podman.sh images build/actors/resonate`.
//
// What a fault step asserts, for the node that holds the lease on the
// background work (found in the database, so the fault always hurts the owner):
//   - the other two keep serving both protocols while it is hurt;
//   - every write acknowledged before and during the fault reads back, with its
//     state, from a node that is up (REST v1 and protocol 2026-04-01);
//   - timers armed just before the fault fire on a survivor (read from the
//     database: a GET answers a timed-out promise as such on any node, so it
//     proves nothing), and the lease moves to a survivor with a higher epoch.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const project = process.env.RESONATE_COMPOSE_PROJECT ?? "resonate-ci";
// The host ports docker-compose.yml publishes the nodes' APIs on.
const port = (n, fallback) => Number(process.env[`RESONATE_NODE_${n}_PORT`] ?? fallback);
const nodes = { a: port("A", 8001), b: port("B", 8002), c: port("C", 8003) };
const leaseTtlMs = 5000;  // deploy/cluster/node-*.yaml
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...args) => console.log(`[ podman ]`, ...args);

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...opts });
}
const compose = (...args) =>
  run("podman-compose", ["-p", project, "-f", path.join(root, "docker-compose.yml"), ...args],
    { cwd: root, env: process.env });
const container = (service) => `${project}_${service}_1`;
const network = `${project}_default`;

// One SQL query on the compose database, rows as arrays of columns.
function sql(query) {
  const out = run("podman", ["exec", container("postgres"), "psql", "-h", "/tmp", "-U", "resonate",
    "-d", "resonate", "-tA", "-F", "|", "-c", query]);
  return out.split("\n").filter(Boolean).map((l) => l.split("|"));
}
function lease() {
  const rows = sql("SELECT owner, epoch FROM partition_leases WHERE partition_id = 0");
  return rows.length ? { owner: rows[0][0], epoch: Number(rows[0][1]) } : null;
}

async function request(node, method, p, body) {
  const res = await fetch(`http://127.0.0.1:${nodes[node]}${p}`, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { "content-type": "application/json" },
    signal: AbortSignal.timeout(3000),
  });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, json, text };
}
async function tryRequest(node, method, p, body) {
  try { return await request(node, method, p, body); } catch (e) { return { status: 0, error: e.message }; }
}
const envelope = (kind, data) => ({ kind, head: { corrId: "podman", version: "2026-04-01" }, data });

async function until(what, limitMs, check) {
  const end = Date.now() + limitMs;
  let last;
  while (Date.now() < end) {
    try { last = await check(); if (last === true) return; } catch (e) { last = e.message; }
    await sleep(250);
  }
  throw new Error(`${what}: not within ${limitMs} ms (last: ${JSON.stringify(last)})`);
}

// -- the ledger of acknowledged writes -------------------------------------------------
// id -> { proto, states }: the states a write may read back in. A create that
// was acknowledged is there with its state; a completion that was acknowledged
// narrows it to the completed state, one that got no answer (the node was hurt
// under it) leaves both possible. The ledger lives in a file from `up` to
// `down`, so that the last step reads back what every step wrote.
const ledgerFile = process.env.RESONATE_COMPOSE_LEDGER ?? `/tmp/${project}-ledger.json`;
const ledger = new Map(fs.existsSync(ledgerFile) ? JSON.parse(fs.readFileSync(ledgerFile, "utf8")) : []);
const saveLedger = () => fs.writeFileSync(ledgerFile, JSON.stringify([...ledger]));
let seq = 0;
const runId = `${process.argv[2]}-${Date.now().toString(36)}`;

// One round of writes through `node`: REST v1 create, then complete; protocol
// 2026 create, then settle. Returns how many of the 4 were acknowledged.
async function writeRound(node) {
  const n = ++seq;
  const far = Date.now() + 3_600_000;
  let acked = 0;
  const v1 = `v1-${runId}-${node}-${n}`;
  let r = await tryRequest(node, "POST", "/promises", { id: v1, timeout: far, param: { data: "" } });
  if (r.status === 201) {
    acked++;
    r = await tryRequest(node, "PATCH", `/promises/${v1}`, { state: "RESOLVED", value: { data: "" } });
    const done = r.status === 201 || r.status === 200;
    ledger.set(v1, { proto: "v1", states: done ? ["RESOLVED"] : ["PENDING", "RESOLVED"] });
    if (done) acked++;
  }
  const v2 = `v2-${runId}-${node}-${n}`;
  r = await tryRequest(node, "POST", "/", envelope("promise.create", { id: v2, timeoutAt: far }));
  if (r.status === 200 && r.json?.head?.status === 200) {
    acked++;
    r = await tryRequest(node, "POST", "/", envelope("promise.settle", { id: v2, state: "resolved" }));
    const done = r.status === 200 && r.json?.head?.status === 200;
    ledger.set(v2, { proto: "2026", states: done ? ["resolved"] : ["pending", "resolved"] });
    if (done) acked++;
  }
  return acked;
}

// Keeps writing through `targets` until stop() is called; counts per node.
function load(targets) {
  let running = true;
  const counts = Object.fromEntries(targets.map((t) => [t, 0]));
  const loops = targets.map(async (t) => {
    while (running) counts[t] += await writeRound(t);
  });
  return { counts, stop: async () => { running = false; await Promise.all(loops); return counts; } };
}

// Every acknowledged write reads back with its state from `node`.
async function checkLedger(node) {
  let lost = 0;
  for (const [id, want] of ledger) {
    const r = want.proto === "v1"
      ? await request(node, "GET", `/promises/${id}`)
      : await request(node, "POST", "/", envelope("promise.get", { id }));
    const got = want.proto === "v1" ? (r.status === 200 ? r.json.state : `HTTP ${r.status}`)
      : (r.json?.head?.status === 200 ? r.json.data.promise.state : `status ${r.json?.head?.status}`);
    if (!want.states.includes(got)) {
      if (lost < 10) console.error(`lost: ${id} acknowledged as ${want.states}, reads ${got}`);
      lost++;
    }
  }
  if (lost) throw new Error(`${lost} of ${ledger.size} acknowledged writes were lost`);
  log(`${ledger.size} acknowledged writes read back from node ${node}`);
}

// Timers whose deadline passes while the owner is hurt, armed through `node`.
async function armTimers(node, count, inMs) {
  const deadline = Date.now() + inMs;
  const ids = [];
  for (let i = 0; i < count; i++) {
    const id = `timer-${runId}-${++seq}`;
    const r = await request(node, "POST", "/promises", { id, timeout: deadline });
    if (r.status !== 201) throw new Error(`timer ${id}: HTTP ${r.status} ${r.text}`);
    ids.push(id);
  }
  return { ids, deadline };
}
function timersFired(ids) {
  const list = ids.map((id) => `'${id}'`).join(",");
  const rows = sql(`SELECT count(*) FROM promises WHERE id IN (${list}) AND state = 16`);
  return Number(rows[0][0]);  // 16: REJECTED_TIMEDOUT
}

async function ready(node) {
  const r = await request(node, "GET", "/ready");
  if (r.status !== 200) return `HTTP ${r.status}`;
  return r.json;
}

// -- the steps ----------------------------------------------------------------------------
const steps = {
  async up() {
    try { compose("down", "-v"); } catch { /* nothing to take down */ }
    ledger.clear();
    compose("up", "-d");
    await until("three nodes ready, each connected to the other two", 120_000, async () => {
      for (const n of Object.keys(nodes)) {
        const r = await ready(n);
        if (typeof r === "string") return `${n}: ${r}`;
        const others = (r.cluster?.members ?? []).filter((m) => m.node !== n && m.connected);
        if (others.length !== 2) return `${n}: ${JSON.stringify(r.cluster?.members)}`;
      }
      return true;
    });
    await until("one node holds the lease", 30_000, () => lease() !== null || "no lease yet");
    log("up; lease", JSON.stringify(lease()));
  },

  async serving() {
    // Writes through every node, each read back through another.
    for (let i = 0; i < 20; i++) for (const n of Object.keys(nodes)) {
      const acked = await writeRound(n);
      if (acked !== 4) throw new Error(`node ${n}: ${acked} of 4 writes acknowledged`);
    }
    for (const n of Object.keys(nodes)) await checkLedger(n);
    // A worker's stream on node c gets the task of a promise created on node a.
    const ac = new AbortController();
    const res = await fetch(`http://127.0.0.1:${nodes.c}/poll/podman/w1`, { signal: ac.signal });
    if (res.status !== 200) throw new Error(`poll: HTTP ${res.status}`);
    const reader = res.body.getReader();
    await until("the stream is in the directory", 10_000,
      () => sql("SELECT count(*) FROM cluster_streams WHERE grp = 'podman'")[0][0] === "1" || "no row");
    const id = `invoke-${runId}`;
    const r = await request("a", "POST", "/promises", { id, timeout: Date.now() + 600_000,
      tags: { "resonate:invoke": "poll://uni@podman/w1" } });
    if (r.status !== 201) throw new Error(`invoke: HTTP ${r.status} ${r.text}`);
    let seen = "";
    const decoder = new TextDecoder();
    const end = Date.now() + 10_000;
    while (!seen.includes(id) && Date.now() < end) {
      const chunk = await Promise.race([reader.read(), sleep(end - Date.now()).then(() => ({ done: true }))]);
      if (chunk.done) break;
      seen += decoder.decode(chunk.value);
    }
    ac.abort();
    if (!seen.includes(id)) throw new Error(`the task message did not reach node c's stream: ${seen}`);
    log("a task created on node a reached a worker streaming from node c");
  },

  async disconnect() {
    await hurt("disconnect",
      (ctr) => run("podman", ["network", "disconnect", network, ctr]),
      // as podman-compose connected it: the service name is an alias of its own
      (ctr) => run("podman", ["network", "connect", "--alias", ctr.split("_")[1], network, ctr]));
  },

  async pause() {
    await hurt("pause",
      (ctr) => run("podman", ["pause", ctr]),
      (ctr) => run("podman", ["unpause", ctr]));
  },

  async kill() {
    await hurt("kill", (ctr) => run("podman", ["kill", "-s", "KILL", ctr]), null);
  },

  async down() {
    compose("down", "-v");
    ledger.clear();
  },
};

// The owner of the background work is hurt under load on all three nodes;
// `heal` (if any) undoes it, after which the node must serve again.
async function hurt(name, harm, heal) {
  const before = lease();
  if (!before) throw new Error("no node holds the lease");
  const owner = before.owner;
  const survivors = Object.keys(nodes).filter((n) => n !== owner);
  log(`${name}: node ${owner} holds the lease (epoch ${before.epoch})`);

  const timers = await armTimers(survivors[0], 32, 1500);
  const everywhere = load(Object.keys(nodes));
  await sleep(1000);
  const harmedAt = Date.now();
  harm(container(`node-${owner}`));
  const afterHarm = load(survivors);
  await everywhere.stop();

  // The lease moves and the dead owner's timers fire on a survivor.
  let firstFired = 0;
  await until("every timer fired on a survivor", 2 * leaseTtlMs + 10_000, () => {
    const fired = timersFired(timers.ids);
    if (fired > 0 && !firstFired) firstFired = Date.now();
    return fired === timers.ids.length || `${fired} of ${timers.ids.length}`;
  });
  const after = lease();
  if (!after || after.owner === owner || after.epoch <= before.epoch)
    throw new Error(`the lease did not move: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
  const counts = await afterHarm.stop();
  for (const n of survivors)
    if (counts[n] === 0) throw new Error(`node ${n} acknowledged no write while ${owner} was hurt`);
  log(`${name}: lease ${owner}/${before.epoch} -> ${after.owner}/${after.epoch}; first timer fired`,
    `${firstFired - Math.max(harmedAt, timers.deadline)} ms after the later of harm and deadline;`,
    `survivors acknowledged ${JSON.stringify(counts)} writes meanwhile`);
  await checkLedger(survivors[0]);

  if (heal) {
    heal(container(`node-${owner}`));
    const healedAt = Date.now();
    await until(`node ${owner} serves again`, 60_000, async () => (await writeRound(owner)) === 4 || "not yet");
    await until(`node ${owner} is connected to the others again`, 30_000, async () => {
      const r = await ready(owner);
      const others = (r.cluster?.members ?? []).filter((m) => m.node !== owner && m.connected);
      return others.length === 2 || JSON.stringify(r.cluster?.members ?? r);
    });
    await checkLedger(owner);
    log(`${name}: node ${owner} serves again and is linked to the others, ${Date.now() - healedAt} ms after`);
  }
}

const step = process.argv[2];
if (!steps[step]) { console.error(`usage: compose.mjs ${Object.keys(steps).join("|")}`); process.exit(2); }
steps[step]().then(() => { saveLedger(); process.exit(0); }, (e) => {
  saveLedger();
  console.error(`[ podman ] ${step} failed: ${e.stack ?? e}`);
  for (const s of ["node-a", "node-b", "node-c"]) {
    const r = spawnSync("podman", ["logs", "--tail", "20", container(s)], { encoding: "utf8" });
    console.error(`--- ${s}\n${r.stdout ?? ""}${r.stderr ?? ""}`);
  }
  process.exit(1);
});
