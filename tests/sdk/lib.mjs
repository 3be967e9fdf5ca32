// Shared code for the SDK end-to-end scenarios: the durable functions every
// worker registers, the client factory, and the result/timeout conventions
// (one JSON line on stdout; exit 0 on success, 1 with a message on failure).
import "./polyfill.mjs";
import fs from "node:fs";
import { Resonate } from "@resonatehq/sdk";

export const URL_ = process.env.RESONATE_URL;
const enc = (v) => Buffer.from(JSON.stringify(v)).toString("base64");
const dec = (s) => (s ? JSON.parse(Buffer.from(s, "base64").toString()) : undefined);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- durable functions (registered by name in every process) ----
function* countdown(ctx, n, delayMs) {
  const seen = [];
  for (let i = n; i > 0; i--) {
    seen.push(yield* ctx.run((_c, x) => x, i));
    yield* ctx.sleep(delayMs);
  }
  return seen;
}
function* echo(_ctx, x) { return `echo:${x}`; }
// rpc + detached into another group, both awaited.
function* orchestrate(ctx, target, x) {
  const a = yield* ctx.rpc("echo", `${x}-rpc`, ctx.options({ target }));
  const f = yield* ctx.detached("echo", `${x}-detached`, ctx.options({ target }));
  const b = yield* f;
  return [a, b];
}
function* leaf(_ctx, i) { return i * i; }
function* fanout(ctx, n, target) {
  const fs = [];
  for (let i = 0; i < n; i++) fs.push(yield* ctx.beginRpc("leaf", i, ctx.options({ target })));
  let sum = 0;
  for (const f of fs) sum += yield* f;
  return sum;
}
// Step 2 SIGKILLs its own process when RESONATE_CRASH=1, i.e. mid-workflow
// while this worker holds the task; another worker must finish after the lease expires.
function* crashy(ctx) {
  const a = yield* ctx.run(() => process.pid);
  yield* ctx.run(() => { if (process.env.RESONATE_CRASH === "1") process.kill(process.pid, "SIGKILL"); });
  const b = yield* ctx.run(() => process.pid);
  return { first: a, finished: b };
}
// Fired by a schedule: resolves the promise the driver waits on.
function* tick(ctx, seenId) {
  yield* ctx.run(async (c) => { await c.getDependency("resonate").promises.resolve(seenId, { data: enc("ticked") }); });
  return "ticked";
}
// Human in the loop: announce the ctx.promise id (by creating a side promise
// carrying it), then block until someone resolves it from outside.
function* approval(ctx, announceId) {
  const p = yield* ctx.promise();
  yield* ctx.run(async (c, id) => {
    try { await c.getDependency("resonate").promises.create(announceId, Date.now() + 600000, { data: enc(id) }); }
    catch (e) { /* already exists on replay */ }
  }, p.id);
  const answer = yield* p;
  return { promise: p.id, answer };
}
// Server restart: step 1 writes RESONATE_MARKER (the harness SIGKILLs the
// server when it appears and starts it again on the same store), then the
// workflow sleeps through the outage and finishes on the restarted server.
function* survive(ctx, sleepMs) {
  const a = yield* ctx.run(() => {
    if (process.env.RESONATE_MARKER) fs.writeFileSync(process.env.RESONATE_MARKER, String(process.pid));
    return "before";
  });
  yield* ctx.sleep(sleepMs);
  const b = yield* ctx.run(() => "after");
  return [a, b];
}
// REST v1 interop: the promise `restId` was created over REST v1; this
// workflow announces that it runs, then awaits that promise by id (ctx.rpc with
// an explicit id is promise.create on an existing id, i.e. the stored promise).
function* awaitRest(ctx, restId, announceId) {
  yield* ctx.run(async (c) => {
    try { await c.getDependency("resonate").promises.create(announceId, Date.now() + 600000); }
    catch (e) { /* already exists on replay */ }
  });
  const v = yield* ctx.rpc("echo", "unused", ctx.options({ id: restId }));
  return { value: v };
}
// Heartbeats: one step runs longer than the task's ttl (RESONATE_TTL_MS), so
// the lease holds only if the SDK's heartbeats (every ttl/2) are honoured;
// each start of the step appends a line to RESONATE_MARKER.
function* longStep(ctx, ms) {
  return yield* ctx.run(async (_c, d) => {
    if (process.env.RESONATE_MARKER) fs.appendFileSync(process.env.RESONATE_MARKER, `${process.pid}\n`);
    await sleep(d);
    return `slept ${d}`;
  }, ms);
}
export const FUNCS = { longStep, countdown, echo, orchestrate, leaf, fanout, crashy, tick, approval, survive, awaitRest };

export function client(group, extra = {}) {
  if (!URL_) fail("RESONATE_URL is not set");
  const ttl = process.env.RESONATE_TTL_MS ? Number(process.env.RESONATE_TTL_MS) : undefined;
  const r = new Resonate({ url: URL_, group, ...(ttl ? { ttl } : {}), ...extra });
  for (const [name, f] of Object.entries(FUNCS)) r.register(name, f);
  r.setDependency("resonate", r);
  return r;
}
export { enc, dec };

export function ok(obj) { process.stdout.write(JSON.stringify({ ok: true, ...obj }) + "\n"); process.exit(0); }
export function fail(msg) { process.stdout.write(JSON.stringify({ ok: false, error: String(msg) }) + "\n"); process.exit(1); }
export function deadline(ms, what) { setTimeout(() => fail(`timeout after ${ms} ms: ${what}`), ms).unref(); }
