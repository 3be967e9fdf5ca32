// A worker process: `node worker.mjs GROUP [PID]`; registers every scenario function and serves its group.
// With RESONATE_WORKER_URL it talks to that server instead of RESONATE_URL's, which the driver
// keeps: several nodes, workers streaming from another node than the requests go to.
if (process.env.RESONATE_WORKER_URL) process.env.RESONATE_URL = process.env.RESONATE_WORKER_URL;
const { client } = await import("./lib.mjs");
const [group = "workers", pid] = process.argv.slice(2);
client(group, pid ? { pid } : {});
console.log(JSON.stringify({ worker: group, pid: pid ?? null, ready: true }));
process.on("SIGTERM", () => process.exit(0));
setInterval(() => {}, 1 << 30);
