// First contact with the real @resonatehq/sdk 0.11.5 (the one tests/sdk
// installs): how long a worker that was not there waits for its work.
//
//   node bench/first_contact.mjs --url http://127.0.0.1:8001 [--runs 3] [--lease 5000]
//
// 1. late worker: the driver starts `echo` on group G (resonate.beginRpc) while
//    no worker of G is connected; 0.5 s later a worker process of G starts
//    (tests/sdk/worker.mjs). Figure: from the worker's "ready" line (its SSE
//    stream is being opened) to the driver's result.
// 2. killed worker: worker A of group K runs `crashy`, which SIGKILLs A in its
//    second step while A holds the task (ttl = --lease). A new worker of K is
//    started right after A died ("restart at once"), or only after the lease
//    has lapsed ("restart after the lease"). Figure: from A's death to the
//    driver's result.
//
// Prints one JSON line per measurement and a summary line per scenario
// ({"scenario","runs","ms":[...],"median_ms"}).
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const sdkDir = path.join(here, "../tests/sdk");
await import(pathToFileURL(path.join(sdkDir, "polyfill.mjs")).href);
const { Resonate } = await import(
  pathToFileURL(path.join(sdkDir, "node_modules/@resonatehq/sdk/dist/src/index.js")).href
);

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const url = arg("url", process.env.RESONATE_URL);
const runs = Number(arg("runs", 3));
const lease = Number(arg("lease", 5000));
const limit = Number(arg("limit", 90000));  // give up on one measurement after this
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tag = `${process.pid}-${Date.now()}`;

// A worker process; resolves `ready` when it printed its ready line, `exited` when it ended.
function worker(group, env = {}) {
  const child = spawn(process.execPath, [path.join(sdkDir, "worker.mjs"), group], {
    env: { ...process.env, RESONATE_URL: url, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = new Promise((resolve) => {
    child.stdout.on("data", (d) => { if (String(d).includes('"ready":true')) resolve(performance.now()); });
  });
  const exited = new Promise((resolve) => child.on("exit", () => resolve(performance.now())));
  return { child, ready, exited };
}

function within(p, what) {
  return Promise.race([p, sleep(limit).then(() => { throw new Error(`no result within ${limit} ms: ${what}`); })]);
}

const driver = new Resonate({ url, group: `driver-${tag}` });
const results = {};
const record = (scenario, ms) => {
  (results[scenario] ??= []).push(ms);
  console.log(JSON.stringify({ scenario, ms: Math.round(ms) }));
};

for (let i = 0; i < runs; i++) {
  // 1. late worker
  {
    const group = `late-${tag}-${i}`;
    const handle = await driver.beginRpc(`late-${tag}-${i}`, "echo", i, driver.options({ target: group }));
    await sleep(500);
    const w = worker(group);
    const ready = await w.ready;
    await within(handle.result(), "late worker");
    record("late_worker_ready_to_result", performance.now() - ready);
    w.child.kill("SIGKILL");
  }
  // 2. killed worker, restarted at once / after the lease
  for (const [scenario, delay] of [["killed_worker_restart_at_once", 0], ["killed_worker_restart_after_lease", lease + 500]]) {
    const group = `kill-${tag}-${i}-${delay}`;
    const a = worker(group, { RESONATE_CRASH: "1", RESONATE_TTL_MS: String(lease) });
    await a.ready;
    const handle = await driver.beginRpc(`${group}-wf`, "crashy", driver.options({ target: group }));
    const died = await a.exited;
    await sleep(delay);
    const b = worker(group, { RESONATE_TTL_MS: String(lease) });
    await within(handle.result(), scenario);
    record(scenario, performance.now() - died);
    b.child.kill("SIGKILL");
  }
}
for (const [scenario, ms] of Object.entries(results)) {
  const sorted = [...ms].sort((x, y) => x - y);
  console.log(JSON.stringify({ scenario, runs: ms.length, ms: ms.map(Math.round), median_ms: Math.round(sorted[Math.floor(sorted.length / 2)]) }));
}
process.exit(0);
