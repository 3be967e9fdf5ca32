// Memory of `resonate serve` under concurrent large request bodies (protocol 2026-04-01,
// `POST /` promise.create with a large param), and the 413 envelope past the limit.
//
//   node bench/large_bodies.mjs --server build/actors/resonate [--levels 16,64]
//        [--sizes 10,15] [--over 20] [--rounds 2]
//
// Starts its own server on SQLite in a scratch directory (with --debug, so that
// debug.reset empties the store between phases), runs each phase as `concurrency`
// simultaneous requests on their own connections, `rounds` times, and prints the
// server's VmRSS after the phase and its VmHWM (peak resident set) so far, read from
// /proc/PID/status. Sizes are MiB of base64 in param.data; the body is a few hundred
// bytes more. `--over` MiB bodies must be answered 413 with the error envelope.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const server = args.server ?? "build/actors/resonate";
const levels = (args.levels ?? "16,64").split(",").map(Number);
const sizes = (args.sizes ?? "10,15").split(",").map(Number);
const over = Number(args.over ?? 20);
const rounds = Number(args.rounds ?? 2);
const MiB = 1 << 20;

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

function status(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  return { rss: kib("VmRSS") / 1024, hwm: kib("VmHWM") / 1024 };
}

// One request on a connection of its own; resolves with the status and the body's
// length (the body itself is dropped as it arrives, except a short one).
function post(port, body) {
  return new Promise((resolve) => {
    const req = http.request(
      { host: "127.0.0.1", port, method: "POST", path: "/", agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (res) => {
        let length = 0;
        let text = "";
        res.on("data", (d) => {
          length += d.length;
          if (text.length < 4096) text += d.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode, length, text }));
      },
    );
    // A 413 is written before the rest of the body is read; the server then closes.
    req.on("error", (e) => resolve({ status: 0, length: 0, text: String(e) }));
    req.end(body);
  });
}

const envelope = (kind, data, corrId = "c") =>
  JSON.stringify({ kind, head: { corrId, version: "2026-04-01" }, data });

function createBody(id, mib) {
  // "AAAA" is canonical base64 (zero bytes): the server decodes and re-encodes it.
  const data = "A".repeat(Math.floor((mib * MiB) / 4) * 4);
  return envelope("promise.create", { id, timeoutAt: 32503680000000, param: { headers: {}, data } });
}

const serverEnv = { ...process.env };
delete serverEnv.RESONATE_TEST_PG;  // the store is the scratch SQLite file
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "resonate-bodies-"));
const port = await freePort();
const child = spawn(server, ["serve", "--debug", "--api-http-addr", `127.0.0.1:${port}`, "--metrics-addr", "",
  "--aio-poll-addr", "127.0.0.1:0", "--log-level", "warn", "--aio-store-sqlite-path", path.join(dir, "db.sqlite")],
  { stdio: ["ignore", "inherit", "inherit"], env: serverEnv });
const stop = () => {
  child.kill("SIGTERM");
  fs.rmSync(dir, { recursive: true, force: true });
};
process.on("exit", stop);

for (let i = 0; ; ++i) {
  const up = await new Promise((resolve) =>
    http.get({ host: "127.0.0.1", port, path: "/health", agent: false }, (r) => resolve(r.statusCode === 200))
      .on("error", () => resolve(false)));
  if (up) break;
  if (i > 200 || child.exitCode !== null) throw new Error("server did not start");
  await new Promise((r) => setTimeout(r, 50));
}

const idle = status(child.pid);
console.log(`server idle: VmRSS ${idle.rss.toFixed(0)} MiB`);
console.log("phase                         ok  other  seconds  VmRSS after  VmHWM so far");
let n = 0;
async function phase(label, concurrency, mib, want) {
  let ok = 0;
  let other = 0;
  const t0 = Date.now();
  for (let r = 0; r < rounds; ++r) {
    const body = want === 200 ? null : createBody("over", mib);  // one string shared by all
    const answers = await Promise.all(
      Array.from({ length: concurrency }, () => post(port, body ?? createBody(`p${++n}`, mib))),
    );
    for (const a of answers) {
      if (a.status !== want) {
        ++other;
        if (other === 1) console.log(`  unexpected ${a.status}: ${a.text.slice(0, 200)}`);
        continue;
      }
      if (want === 413) {
        const e = JSON.parse(a.text);
        if (e.head.status !== 413 || typeof e.data !== "string" || !e.data.includes("--api-http-body-limit")) {
          ++other;
          continue;
        }
      }
      ++ok;
    }
    await post(port, envelope("debug.reset", {}));  // keep the store small between rounds
  }
  const s = status(child.pid);
  const seconds = (Date.now() - t0) / 1000;
  console.log(`${label.padEnd(28)} ${String(ok).padStart(3)}  ${String(other).padStart(5)}  ` +
              `${seconds.toFixed(1).padStart(7)}  ${s.rss.toFixed(0).padStart(7)} MiB  ${s.hwm.toFixed(0).padStart(8)} MiB`);
  return other;
}

let failures = 0;
for (const c of levels) {
  for (const mib of sizes) failures += await phase(`${c} x ${mib} MiB create`, c, mib, 200);
  failures += await phase(`${c} x ${over} MiB (over limit)`, c, over, 413);
}
const end = status(child.pid);
console.log(`peak VmHWM ${end.hwm.toFixed(0)} MiB; VmRSS at the end ${end.rss.toFixed(0)} MiB`);
process.exit(failures ? 1 : 0);
