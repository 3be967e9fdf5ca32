// Differential test, protocol 2026-04-01: one seeded random stream of
// envelopes goes to our server (over HTTP, `resonate serve --debug` after
// debug.start + debug.reset, time only from `resonate:debug_time` and
// debug.tick) and to the reference state machine, the SDK 0.11.5's own
// `Server` (dist/src/network/local.js, as ../shared/oracle/ wraps it), in
// process. After every step the statuses and the normalised data must agree;
// every SNAP_EVERY steps, and at the end, so must debug.snap.
//
//   node differential.mjs --url http://127.0.0.1:8001 --seed 1 --steps 1000
//
// Prints one JSON line: {"ok":true,"seed":..,"steps":..,"kinds":{kind:{status:n}},
// "allowed":{divergence:n}} and exits 0, or {"ok":false,...,"step":..,"history":[...]}
// and exits 1. The divergences allowed, with their reasons, are ALLOWED below
// and in docs/protocol-2026.md.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const URL_ = arg("url", process.env.RESONATE_URL);
const SEED = Number(arg("seed", 1));
const STEPS = Number(arg("steps", 1000));
const SNAP_EVERY = Number(arg("snap-every", 25));
const BATCH = Number(arg("batch", 100));
const SDK_DIR = arg("sdk-dir", path.join(here, "../sdk/node_modules/@resonatehq/sdk"));
const VERSION = "2026-04-01";
if (!URL_) { console.error("usage: differential.mjs --url URL [--seed N] [--steps N]"); process.exit(2); }
const { Server } = await import(pathToFileURL(path.join(SDK_DIR, "dist/src/network/local.js")).href);

// ---- seeded randomness (mulberry32) ----
let rs = SEED >>> 0 || 1;
const rand = () => {
  rs = (rs + 0x6d2b79f5) >>> 0;
  let t = rs;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const chance = (p) => rand() < p;

// ---- the stream ----
// Small pools so that operations collide: roots and their children (ids and
// lineage as the SDK builds them, 2.9), two worker groups, two pids.
const ROOTS = ["r0", "r1", "r2", "r3"];
const IDS = [...ROOTS, "r0:1", "r0:2", "r1:1", "r2:1", "r0:1:1"];
const TARGETS = ["poll://any@g1", "poll://any@g2/w1", "poll://uni@g1/w2"];
const PIDS = ["w1", "w2"];
const SCHEDULES = ["s0", "s1"];
const T0 = 1_700_000_000_000;
let now = T0;
let corr = 0;

const enc = (s) => Buffer.from(s).toString("base64");
const value = () => pick([undefined, { headers: {}, data: "" }, { headers: { a: "1" }, data: enc(`v${Math.floor(rand() * 9)}`) }]);
const rootOf = (id) => id.split(":")[0];
const tagsFor = (id) => {
  const t = {};
  const kind = rand();
  if (kind < 0.55) t["resonate:target"] = pick(TARGETS);
  else if (kind < 0.7) t["resonate:timer"] = "true";
  else if (kind < 0.85) t["resonate:scope"] = "global";
  if (chance(0.8)) {
    t["resonate:origin"] = rootOf(id);
    t["resonate:branch"] = chance(0.7) ? rootOf(id) : id;
    t["resonate:parent"] = id.includes(":") ? id.slice(0, id.lastIndexOf(":")) : id;
  }
  return t;
};
const timeoutAt = () => now + pick([-5000, 0, 400, 2000, 20000, 120000, 10_000_000]);
const promiseCreate = (id = pick(IDS), tags = tagsFor(id)) => {
  const d = { id, timeoutAt: timeoutAt(), tags };
  const v = value();
  if (v) d.param = v;
  return d;
};
const settleData = (id) => {
  const d = { id, state: pick(["resolved", "rejected", "rejected_canceled"]) };
  const v = value();
  if (v) d.value = v;
  return d;
};
const inner = (kind, data) => ({ kind, head: { corrId: `c${++corr}`, version: VERSION }, data });
// A version the reference holds for the task most of the time, sometimes a wrong one.
const versionOf = (id) => {
  const t = oracle.tasks.get(id);
  if (t && chance(0.85)) return t.version;
  return Math.floor(rand() * 4);
};
// A task id, mostly one the reference holds in one of `states` (so that most
// operations get past the state checks), sometimes any task or any id.
const taskId = (...states) => {
  const known = [...oracle.tasks.values()];
  const fit = known.filter((t) => states.includes(t.state));
  if (fit.length && chance(0.8)) return pick(fit).id;
  return known.length && chance(0.7) ? pick(known).id : pick(IDS);
};

const generators = [
  [8, () => ["promise.create", promiseCreate()]],
  [4, () => ["promise.get", { id: pick(IDS) }]],
  [3, () => ["promise.settle", settleData(pick(IDS))]],
  [3, () => { const awaited = pick(IDS); return ["promise.register_callback", { awaited, awaiter: pick(IDS.filter((x) => x !== awaited)) }]; }],
  [3, () => ["promise.register_listener", { awaited: pick(IDS), address: pick(["poll://uni@cli/c1", "poll://any@cli"]) }]],
  [2, () => ["task.get", { id: taskId("pending", "acquired", "suspended", "halted", "fulfilled") }]],
  [5, () => {
    const id = pick(IDS);
    const tags = { ...tagsFor(id), "resonate:target": pick(TARGETS) };
    return ["task.create", { pid: pick(PIDS), ttl: pick([1000, 60000]), action: inner("promise.create", promiseCreate(id, tags)) }];
  }],
  [7, () => { const id = taskId("pending"); return ["task.acquire", { id, version: versionOf(id), pid: pick(PIDS), ttl: pick([1000, 5000, 60000]) }]; }],
  [2, () => { const id = taskId("acquired"); return ["task.release", { id, version: versionOf(id) }]; }],
  [5, () => { const id = taskId("acquired"); return ["task.fulfill", { id, version: versionOf(id), action: inner("promise.settle", settleData(id)) }]; }],
  [5, () => {
    const id = taskId("acquired");
    const others = IDS.filter((x) => x !== id);
    const awaited = chance(0.7) ? [pick(others)] : [pick(others), pick(others)];
    return ["task.suspend", { id, version: versionOf(id), actions: [...new Set(awaited)].map((a) => inner("promise.register_callback", { awaiter: id, awaited: a })) }];
  }],
  [6, () => {
    const id = taskId("acquired");
    const target = pick(IDS.filter((x) => x !== id)); // Rust's 400 rule; the SDK never fences its own id
    const action = chance(0.6) ? inner("promise.create", promiseCreate(target)) : inner("promise.settle", settleData(target));
    return ["task.fence", { id, version: versionOf(id), action }];
  }],
  [2, () => { const id = taskId("acquired"); return ["task.heartbeat", { pid: pick(PIDS), tasks: [{ id, version: versionOf(id) }] }]; }],
  [1, () => ["task.halt", { id: taskId("pending", "acquired", "suspended") }]],
  [1, () => ["task.continue", { id: taskId("halted") }]],
  [1, () => ["schedule.create", {
    id: pick(SCHEDULES), cron: pick(["* * * * *", "*/5 * * * *"]), promiseId: "{{.id}}-{{.timestamp}}",
    promiseTimeout: pick([1000, 60000]), promiseParam: { headers: {}, data: "" }, promiseTags: { "resonate:target": pick(TARGETS) } }]],
  [1, () => ["schedule.get", { id: pick(SCHEDULES) }]],
  [1, () => ["schedule.delete", { id: pick(SCHEDULES) }]],
  [6, () => { now += pick([1, 250, 1000, 5000, 30000, 70000]); return ["debug.tick", { time: now }]; }],
];
const totalWeight = generators.reduce((s, [w]) => s + w, 0);
function nextOp() {
  let x = rand() * totalWeight;
  for (const [w, g] of generators) { if ((x -= w) < 0) return g(); }
  return generators[0][1]();
}

// ---- the two backends ----
let oracle = new Server();
async function ours(kind, data) {
  const env = { kind, head: { corrId: `c${++corr}`, version: VERSION, "resonate:debug_time": now }, data };
  const res = await fetch(URL_, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(env) });
  const body = await res.json();
  if (body?.head?.corrId !== env.head.corrId) throw new Error(`corrId not echoed: ${JSON.stringify(body)}`);
  if (body.head.status !== res.status) throw new Error(`HTTP ${res.status} but head.status ${body.head.status}`);
  return { status: body.head.status, data: body.data };
}
function reference(kind, data) {
  const r = oracle.apply(now, { kind, head: { corrId: "x", version: VERSION }, data });
  return { status: r.response.head.status, data: r.response.data };
}

// ---- normalisation and the divergences allowed ----
// Each entry: why we differ from the reference on purpose (see docs/protocol-2026.md).
const ALLOWED = {
  "absent-param": "a promise record always carries param (required by spec 1.4); the reference omits one that was never sent",
  "fence-preload": "task.fence: the reference always answers preload []; we preload the branch as Rust does (spec 5.2), which the SDK uses to skip reads",
  "error-text": "error statuses are compared, their message texts are not (spec 5.2); the reference answers task.suspend's missing awaited with data {} where the SDK's guard wants a string",
  "dead-awaiter": "a suspended awaiter whose own promise is already past its timeout is not resumed by the chain (spec C6); the reference resumes it",
  "snap-messages": "debug.snap messages: the reference lists every message ever sent (executes upserted by task); we list the outbox, where an execute lives until its task leaves pending",
};
const allowedHits = {};
const allow = (k) => { allowedHits[k] = (allowedHits[k] ?? 0) + 1; };

const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
function norm(v, key) {
  if (Array.isArray(v)) {
    const xs = v.map((x) => norm(x));
    if (key === "resumes") return xs.length;
    return xs.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  }
  if (isObj(v)) {
    // A promise record's param is required (spec 1.4); the reference leaves
    // out one that was never sent. Absent and {} are the same value.
    if ("timeoutAt" in v && "tags" in v && "state" in v) v = { ...v, param: v.param ?? {}, value: v.value ?? {} };
    const out = {};
    for (const k of Object.keys(v).sort()) {
      const x = v[k];
      if (k === "corrId") continue;
      // An empty value is omitted or written out empty: the same value.
      if ((k === "param" || k === "value" || k === "promiseParam") && isObj(x)) {
        const h = x.headers && Object.keys(x.headers).length ? norm(x.headers) : undefined;
        const d = x.data ? x.data : undefined;
        out[k] = { ...(h ? { headers: h } : {}), ...(d ? { data: d } : {}) };
        continue;
      }
      out[k] = norm(x, k);
    }
    return out;
  }
  return v;
}
const same = (a, b) => JSON.stringify(norm(a)) === JSON.stringify(norm(b));

function compareStep(kind, a, b) {
  if (a.status !== b.status) return `status ${a.status} (ours) vs ${b.status} (reference)`;
  if (a.status >= 400) { if (!same(a.data, b.data)) allow("error-text"); return null; }
  let x = a.data, y = b.data;
  if (kind === "task.fence" && isObj(x) && isObj(y)) {
    if (!same(x.preload, y.preload)) allow("fence-preload");
    x = { ...x, preload: [] }; y = { ...y, preload: [] };
  }
  return same(x, y) ? null : `data differs: ours ${JSON.stringify(norm(x))} reference ${JSON.stringify(norm(y))}`;
}

async function snaps() {
  const a = (await ours("debug.snap", {})).data;
  const b = reference("debug.snap", {}).data;
  for (const key of ["promises", "tasks", "promiseTimeouts", "taskTimeouts", "callbacks", "listeners"]) {
    if (!same(a[key], b[key])) {
      // Name only the entries that differ.
      const xs = new Set(a[key].map((e) => JSON.stringify(norm(e))));
      const ys = new Set(b[key].map((e) => JSON.stringify(norm(e))));
      return `debug.snap ${key}: only ours ${[...xs].filter((e) => !ys.has(e)).join(" ")}; only the reference's ${[...ys].filter((e) => !xs.has(e)).join(" ")}`;
    }
  }
  // The outbox is ours; the reference's list is a history. Every message we
  // hold must be one the reference sent.
  const theirs = new Set(b.messages.map((m) => JSON.stringify(norm(m))));
  for (const m of a.messages) {
    if (!theirs.has(JSON.stringify(norm(m)))) return `debug.snap message ${JSON.stringify(m)} was never sent by the reference`;
  }
  if (a.messages.length !== b.messages.length) allow("snap-messages");
  return null;
}

// ---- run ----
const kinds = {};
const history = [];
const out = (o) => { process.stdout.write(JSON.stringify(o) + "\n"); };
async function main() {
  for (const k of ["debug.start", "debug.reset"]) {
    const r = await ours(k, {});
    if (r.status !== 200) { out({ ok: false, seed: SEED, error: `${k} answered ${r.status}: is the server running with --debug?` }); process.exit(1); }
  }
  oracle = new Server();
  for (let step = 1; step <= STEPS; step++) {
    // Batches start from nothing (as Rust's differential.rs does), so that the
    // small id pool keeps producing fresh promises and tasks to work on.
    if (step > 1 && step % BATCH === 1) {
      const r = await ours("debug.reset", {});
      if (r.status !== 200) { out({ ok: false, seed: SEED, step, error: `debug.reset answered ${r.status}` }); process.exit(1); }
      oracle = new Server();
    }
    const [kind, data] = nextOp();
    const a = await ours(kind, data);
    const b = reference(kind, data);
    history.push({ step, now, kind, data, ours: a, reference: b });
    if (history.length > 15) history.shift();
    (kinds[kind] ??= {})[a.status] = (kinds[kind][a.status] ?? 0) + 1;
    let why = compareStep(kind, a, b);
    if (!why && (step % SNAP_EVERY === 0 || step % BATCH === 0 || step === STEPS)) why = await snaps();
    if (why) { out({ ok: false, seed: SEED, step, error: why, history }); process.exit(1); }
  }
  out({ ok: true, seed: SEED, steps: STEPS, kinds, allowed: allowedHits });
}
main().catch((e) => { out({ ok: false, seed: SEED, error: String(e?.stack ?? e), history }); process.exit(1); });
