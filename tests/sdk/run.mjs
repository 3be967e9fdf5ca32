// Runner: starts the worker processes a scenario needs, then the driver; kills
// everything on exit; prints the driver's JSON result plus wall time.
//
//   RESONATE_URL=http://127.0.0.1:8001 node run.mjs SCENARIO [NAME]
//   node run.mjs --oracle SCENARIO [NAME]   # starts /work/shared/oracle/refserver.mjs itself (LOG=1)
//
// With --oracle, or SERVER_LOG=<file of the server's stdout> for a server started
// elsewhere, it also reports `requests`: the number of `>>` lines the run added.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const oracle = args[0] === "--oracle" && args.shift();
const [scenario, name = `r${Date.now()}`] = args;
const group = `w-${name}`;
const procs = [];
const killAll = () => { for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL"); };
process.on("exit", killAll);
for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => process.exit(130));

// Which workers each scenario needs: [group, extra env] (crash adds a healthy worker later).
const plans = {
  countdown: [[group]],
  rpc: [[group], [`${group}-b`]],
  fanout: [[group], [group]],
  crash: [[group, { RESONATE_CRASH: "1" }]],
  schedule: [[group]],
  hitl: [[group]],
  restart: [[group]],
  heartbeat: [[group]],
  rest: [[group]],
  large: [[group]],
};
if (!plans[scenario]) { console.error(`usage: run.mjs [--oracle] {${Object.keys(plans).join("|")}} [NAME]`); process.exit(2); }

const freePort = () => new Promise((res) => { const s = net.createServer().listen(0, () => { const p = s.address().port; s.close(() => res(p)); }); });
function start(file, argv, env, logTo) {
  const p = spawn(process.execPath, [path.join(here, file), ...argv], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  procs.push(p);
  let out = "";
  p.stdout.on("data", (d) => { out += d; if (logTo) logTo.write(d); });
  p.stderr.on("data", (d) => process.stderr.write(`[${file} ${argv.join(" ")}] ${d}`));
  p.output = () => out;
  p.ready = new Promise((res) => { const f = () => (out.includes("ready") || out.includes("reference server") ? res() : setTimeout(f, 20)); f(); });
  p.exited = new Promise((res) => p.on("exit", (code, sig) => res({ code, sig })));
  return p;
}

let serverLog = process.env.SERVER_LOG;
let env = {};
if (oracle) {
  const port = await freePort();
  serverLog = path.join(fs.mkdtempSync("/tmp/sdk-e2e-"), "oracle.log");
  const log = fs.createWriteStream(serverLog);
  const srv = spawn(process.execPath, ["/work/shared/oracle/refserver.mjs"], {
    env: { ...process.env, SDK_DIR: path.join(here, "node_modules/@resonatehq/sdk"), PORT: String(port), LOG: "1" }, stdio: ["ignore", "pipe", "inherit"] });
  procs.push(srv);
  await new Promise((res) => srv.stdout.on("data", (d) => { log.write(d); if (String(d).includes("reference server")) res(); }));
  env.RESONATE_URL = `http://127.0.0.1:${port}`;
}
if (!(env.RESONATE_URL ?? process.env.RESONATE_URL)) { console.error("RESONATE_URL is not set (or pass --oracle)"); process.exit(2); }
const countReq = () => (serverLog && fs.existsSync(serverLog) ? fs.readFileSync(serverLog, "utf8").split("\n").filter((l) => l.startsWith(">> ")).length : undefined);

// crash and restart recover through a lapsed lease: a short ttl keeps them quick.
const ttlEnv = ["crash", "restart"].includes(scenario) ? { RESONATE_TTL_MS: process.env.RESONATE_TTL_MS ?? "3000" }
  : scenario === "heartbeat" ? { RESONATE_TTL_MS: process.env.RESONATE_TTL_MS ?? "1500" } : {};
const t0 = Date.now();
const req0 = countReq();
const workers = plans[scenario].map(([g, e = {}]) => start("worker.mjs", [g], { ...env, ...ttlEnv, ...e }));
await Promise.all(workers.map((w) => w.ready));
const driver = start("scenario.mjs", [scenario, name, group], { ...env, ...ttlEnv });
if (scenario === "crash") {
  // The crashing worker must be dead before the healthy one exists, so the task can only move by lease expiry.
  const r = await workers[0].exited;
  if (r.sig !== "SIGKILL") { console.error(`crash worker exited with ${JSON.stringify(r)}, expected SIGKILL`); process.exit(1); }
  start("worker.mjs", [group], { ...env, ...ttlEnv });
}
const { code } = await driver.exited;
const line = driver.output().trim().split("\n").pop() ?? "";
let result;
try { result = JSON.parse(line); } catch { result = { ok: false, error: `driver printed no JSON: ${line}` }; }
await new Promise((r) => setTimeout(r, 50)); // let the server flush its log
const req1 = countReq();
console.log(JSON.stringify({ ...result, wall_ms: Date.now() - t0, ...(req1 !== undefined ? { requests: req1 - (req0 ?? 0) } : {}), ...(oracle ? { server_log: serverLog } : {}) }));
process.exit(code === 0 && result.ok ? 0 : 1);
