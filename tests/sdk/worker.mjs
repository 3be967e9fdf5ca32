// A worker process: `node worker.mjs GROUP [PID]`; registers every scenario function and serves its group.
import { client } from "./lib.mjs";
const [group = "workers", pid] = process.argv.slice(2);
client(group, pid ? { pid } : {});
console.log(JSON.stringify({ worker: group, pid: pid ?? null, ready: true }));
process.on("SIGTERM", () => process.exit(0));
setInterval(() => {}, 1 << 30);
