// Closed-loop workflow load driven by the real @resonatehq/sdk 0.11.5 (the
// one tests/sdk installs): CONCURRENCY loops, each running a 3-step workflow
// (`ctx.run` three times) with `resonate.run(freshId, "threeSteps")` and
// starting the next when it returns, for DURATION after a WARMUP. The SDK runs
// the function in this process; every step is a durable round trip to the
// server (task.create, task.fence per step, task.fulfill).
//
//   node bench/sdk_workflows.mjs --url http://127.0.0.1:8001 --concurrency 16 \
//        [--duration 10] [--warmup 2] [--server-pid PID]
//
// Prints one JSON line: {"concurrency","workflows","seconds","per_s","p50_ms",
// "p99_ms","errors","server_cpu_ms_per_workflow"?}. With --server-pid, the
// server's CPU time (utime + stime from /proc/PID/stat) over the measured
// window, divided by the workflows finished in it.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const sdkDir = path.join(here, "../tests/sdk");
await import(pathToFileURL(path.join(sdkDir, "polyfill.mjs")).href);
const { Resonate } = await import(pathToFileURL(path.join(sdkDir, "node_modules/@resonatehq/sdk/dist/src/index.js")).href);

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const url = arg("url", process.env.RESONATE_URL);
const concurrency = Number(arg("concurrency", 1));
const duration = Number(arg("duration", 10)) * 1000;
const warmup = Number(arg("warmup", 2)) * 1000;
const serverPid = arg("server-pid");
if (!url) { console.error("usage: sdk_workflows.mjs --url URL [--concurrency N] [--duration S] [--warmup S] [--server-pid PID]"); process.exit(2); }

const ticks = 100; // USER_HZ on Linux
function cpuMs(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks; // utime + stime, clock ticks (100/s)
}

const r = new Resonate({ url, group: `bench-${process.pid}` });
r.register("threeSteps", function* threeSteps(ctx) {
  let sum = 0;
  for (let i = 1; i <= 3; i++) sum += yield* ctx.run((_c, x) => x, i);
  return sum;
});

const run = `b${process.pid}x${Date.now()}`;
let seq = 0;
let measuring = false;
let stop = false;
const latencies = [];
let errors = 0;

async function loop(n) {
  while (!stop) {
    const id = `${run}-${n}-${seq++}`;
    const t0 = performance.now();
    try {
      const v = await r.run(id, "threeSteps");
      if (v !== 6) throw new Error(`threeSteps returned ${v}`);
      if (measuring) latencies.push(performance.now() - t0);
    } catch (e) {
      if (measuring) errors++;
      if (errors < 3) console.error(String(e?.stack ?? e));
    }
  }
}

const loops = Array.from({ length: concurrency }, (_, n) => loop(n));
await new Promise((res) => setTimeout(res, warmup));
measuring = true;
const cpu0 = serverPid ? cpuMs(serverPid) : 0;
const t0 = performance.now();
await new Promise((res) => setTimeout(res, duration));
measuring = false;
const seconds = (performance.now() - t0) / 1000;
const cpu1 = serverPid ? cpuMs(serverPid) : 0;
stop = true;
await Promise.race([Promise.all(loops), new Promise((res) => setTimeout(res, 10000))]);

latencies.sort((a, b) => a - b);
const q = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null);
const round = (x, d = 2) => (x === null ? null : Number(x.toFixed(d)));
const out = {
  concurrency,
  workflows: latencies.length,
  seconds: round(seconds),
  per_s: round(latencies.length / seconds, 1),
  p50_ms: round(q(0.5)),
  p99_ms: round(q(0.99)),
  errors,
};
if (serverPid && latencies.length) out.server_cpu_ms_per_workflow = round((cpu1 - cpu0) / latencies.length, 3);
console.log(JSON.stringify(out));
process.exit(0);
