// The driver: `RESONATE_URL=... node scenario.mjs SCENARIO NAME [GROUP]`.
// NAME makes promise ids unique per run; GROUP is the worker group (default "workers").
import fs from "node:fs";
import { client, ok, fail, deadline, sleep, dec, enc } from "./lib.mjs";
const [scenario, name = `s${Date.now()}`, group = "workers"] = process.argv.slice(2);
const T = Number(process.env.SCENARIO_TIMEOUT_MS ?? 60000);
deadline(T, scenario);
const r = client(`driver-${name}`);
const id = (s) => `${scenario}-${name}${s ? "-" + s : ""}`;
const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);

async function waitPromise(pid, pred) {
  for (;;) {
    try { const p = await r.promises.get(pid); if (pred(p)) return p; } catch { /* not there yet */ }
    await sleep(200);
  }
}

const scenarios = {
  // (a) countdown: once in-process with resonate.run, once on a worker with resonate.rpc.
  async countdown() {
    const want = [3, 2, 1];
    const local = await r.run(id("run"), "countdown", 3, 200);
    if (!eq(local, want)) fail(`run returned ${JSON.stringify(local)}`);
    const remote = await r.rpc(id("rpc"), "countdown", 3, 200, r.options({ target: group }));
    if (!eq(remote, want)) fail(`rpc returned ${JSON.stringify(remote)}`);
    return { local, remote };
  },
  // (b) worker in GROUP calls ctx.rpc and ctx.detached into GROUP-b.
  async rpc() {
    const v = await r.rpc(id(), "orchestrate", `${group}-b`, "x", r.options({ target: group }));
    if (!eq(v, ["echo:x-rpc", "echo:x-detached"])) fail(`orchestrate returned ${JSON.stringify(v)}`);
    return { value: v };
  },
  // (c) 100 children via ctx.beginRpc, then awaited.
  async fanout() {
    const n = Number(process.env.FANOUT_N ?? 100);
    const v = await r.rpc(id(), "fanout", n, group, r.options({ target: group }));
    const want = ((n - 1) * n * (2 * n - 1)) / 6;
    if (v !== want) fail(`fanout returned ${v}, want ${want}`);
    return { n, sum: v };
  },
  // (d) the runner starts a worker with RESONATE_CRASH=1 that kills itself mid-workflow,
  // then a healthy one; the healthy one must finish after the lease expires.
  async crash() {
    const v = await r.rpc(id(), "crashy", r.options({ target: group }));
    if (v.first === v.finished) fail(`same pid finished: ${JSON.stringify(v)}`);
    return { value: v };
  },
  // (f) a schedule (cron with seconds, every 2 s by default) fires `tick` on a worker.
  async schedule() {
    const seen = id("seen");
    await r.promises.create(seen, Date.now() + T);
    const cron = process.env.SCHEDULE_CRON ?? "*/2 * * * * *";
    const s = await r.schedule(id(), cron, "tick", seen, r.options({ target: group }));
    const p = await waitPromise(seen, (p) => p.state !== "pending");
    await s.delete();
    if (p.state !== "resolved") fail(`seen promise ${p.state}`);
    return { cron, seen: p.state };
  },
  // (g) human in the loop: the worker blocks on ctx.promise, the driver resolves it.
  async hitl() {
    const ann = id("announce");
    const h = await r.beginRpc(id(), "approval", ann, r.options({ target: group }));
    const a = await waitPromise(ann, () => true);
    const pid = dec(a.param?.data);
    if (!pid) fail(`announce promise carries no id: ${JSON.stringify(a)}`);
    await r.promises.resolve(pid, { data: enc("approved") });
    const v = await h.result();
    if (v.answer !== "approved" || v.promise !== pid) fail(`approval returned ${JSON.stringify(v)}`);
    return { value: v };
  },
  // (e) the harness SIGKILLs the server while the workflow sleeps and restarts
  // it on the same store; the workflow must finish on the restarted server.
  async restart() {
    if (!process.env.RESONATE_MARKER) fail("restart needs RESONATE_MARKER and a harness that restarts the server (tests/sdk/sdk_test.cpp)");
    const v = await r.rpc(id(), "survive", Number(process.env.RESTART_SLEEP_MS ?? 2000), r.options({ target: group }));
    if (!eq(v, ["before", "after"])) fail(`survive returned ${JSON.stringify(v)}`);
    return { value: v };
  },
  // Heartbeats keep a lease: a 4 s step under a 1.5 s ttl runs exactly once.
  async heartbeat() {
    const marker = process.env.RESONATE_MARKER;
    if (!marker) fail("heartbeat needs RESONATE_MARKER");
    const v = await r.rpc(id(), "longStep", 4000, r.options({ target: group }));
    if (v !== "slept 4000") fail(`longStep returned ${JSON.stringify(v)}`);
    const starts = fs.readFileSync(marker, "utf8").trim().split("\n").length;
    if (starts !== 1) fail(`the step started ${starts} times: the lease lapsed despite heartbeats`);
    return { value: v, starts };
  },
  // A 900,000-character argument, and the same back: envelopes of ~1.2 MB (base64 of
  // the JSON) each way, over the old 1 MiB body limit, whose 413 the SDK reports as
  // "platform failure: HTTP 413".
  async large() {
    const arg = "x".repeat(900_000);
    const v = await r.rpc(id(), "echo", arg, r.options({ target: group }));
    if (v !== `echo:${arg}`) fail(`echo returned ${typeof v === "string" ? v.length + " characters" : JSON.stringify(v)}`);
    return { length: v.length };
  },
  // (h) a promise created over REST v1 is awaited by a workflow and completed
  // over REST v1; the workflow's own promise then reads as RESOLVED over REST v1.
  async rest() {
    const restId = id("rest"), ann = id("announce");
    const rest = (method, p, body) => fetch(`${process.env.RESONATE_URL}${p}`, {
      method, headers: { "content-type": "application/json" }, body: body && JSON.stringify(body) });
    const c = await rest("POST", "/promises", { id: restId, timeout: Date.now() + T, param: { headers: {}, data: "" } });
    if (c.status !== 201) fail(`REST v1 create: ${c.status} ${await c.text()}`);
    const h = await r.beginRpc(id(), "awaitRest", restId, ann, r.options({ target: group }));
    await waitPromise(ann, () => true);
    await sleep(300); // let the workflow reach its await and suspend
    const done = await rest("PATCH", `/promises/${encodeURIComponent(restId)}`, { state: "RESOLVED", value: { headers: {}, data: enc("from-rest") } });
    if (done.status !== 201) fail(`REST v1 complete: ${done.status} ${await done.text()}`);
    const v = await h.result();
    if (v.value !== "from-rest") fail(`awaitRest returned ${JSON.stringify(v)}`);
    const root = await (await rest("GET", `/promises/${encodeURIComponent(id())}`)).json();
    if (root.state !== "RESOLVED") fail(`root over REST v1: ${JSON.stringify(root)}`);
    return { value: v, root: root.state };
  },
};

const run = scenarios[scenario];
if (!run) fail(`unknown scenario ${scenario}; one of ${Object.keys(scenarios).join(", ")}`);
const t0 = Date.now();
try { const res = await run(); ok({ scenario, name, ms: Date.now() - t0, ...res }); }
catch (e) { fail(`${scenario}: ${e?.stack ?? e}`); }
