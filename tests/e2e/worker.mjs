// A REST v1 worker for the end-to-end tests, on Node built-ins only. It takes
// task messages from the SSE poller (`--transport sse`) or as HTTP pushes to its
// own listener (`--transport http`), works them through the server's API, and
// prints one JSON line per step on stdout for the driver (e2e_test.cpp).
//
//   node worker.mjs --api http://127.0.0.1:P [--poll http://127.0.0.1:Q]
//        --group G --id W --transport sse|http --mode flow|hold|wait
//        --pid PROCESS --ttl MS
//
// Modes, for each invoke or resume it receives:
//   flow  invoke: claim, create the child `<root>.child`, register a resume
//         callback on it (root = the root, recv = this worker), complete the task.
//         resume: claim, resolve the root with the leaf's value, complete the task.
//   hold  claim and then do nothing (the driver kills the process).
//   wait  claim, then complete once a line `complete` arrives on stdin.

import http from 'node:http';
import readline from 'node:readline';

const opts = {};
for (let i = 2; i < process.argv.length; i += 2) {
  opts[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
const api = new URL(opts.api);
const ttl = Number(opts.ttl ?? 30000);
const pid = opts.pid ?? opts.id;
const agent = new http.Agent({ keepAlive: true });
let self = null; // this worker's receiver, as a callback recv

function emit(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
}

// One API request; resolves to {status, body (parsed JSON or null), text}.
function call(method, path, body) {
  return new Promise((resolve) => {
    const data = body === undefined ? '' : JSON.stringify(body);
    const req = http.request(
      {
        host: api.hostname,
        port: api.port,
        method,
        path,
        agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let parsed = null;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            parsed = null;
          }
          resolve({ status: res.statusCode, body: parsed, text });
        });
      },
    );
    req.on('error', (e) => resolve({ status: 0, body: null, text: String(e) }));
    req.end(data);
  });
}

// Lines from stdin; `wait` mode takes one `complete` per claimed task.
const stdinLines = [];
const stdinWaiters = [];
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const w = stdinWaiters.shift();
  if (w) w(line);
  else stdinLines.push(line);
});
function nextStdinLine() {
  if (stdinLines.length) return Promise.resolve(stdinLines.shift());
  return new Promise((resolve) => stdinWaiters.push(resolve));
}

async function completeTask(task) {
  const r = await call('POST', '/tasks/complete', { id: task.id, counter: task.counter });
  return r.status;
}

async function handle(msg, transport) {
  if (!msg || typeof msg !== 'object') return emit('error', { why: 'message is not an object' });
  if (msg.type === 'notify') return emit('notify', { id: msg.promise?.id, transport });
  const task = msg.task;
  emit('message', {
    type: msg.type,
    id: task.id,
    counter: task.counter,
    claimHref: msg.href?.claim,
    transport,
  });
  const claim = await call('POST', '/tasks/claim', {
    id: task.id,
    counter: task.counter,
    processId: pid,
    ttl,
  });
  emit('claimed', { type: msg.type, id: task.id, counter: task.counter, status: claim.status });
  if (claim.status !== 201) return;
  if (opts.mode === 'hold') return;
  if (opts.mode === 'wait') {
    await nextStdinLine();
    return emit('completed', { id: task.id, counter: task.counter, status: await completeTask(task) });
  }
  const root = claim.body.promises.root;
  if (msg.type === 'invoke') {
    const child = root.id + '.child';
    const created = await call('POST', '/promises', { id: child, timeout: root.data.timeout });
    const cb = await call('POST', '/promises/callback/' + encodeURIComponent(child), {
      rootPromiseId: root.id,
      recv: self,
      timeout: root.data.timeout,
    });
    emit('invoked', {
      root: root.id,
      child,
      createStatus: created.status,
      callbackStatus: cb.status,
      callback: cb.body?.callback ?? null,
      completeStatus: await completeTask(task),
    });
  } else if (msg.type === 'resume') {
    const leaf = claim.body.promises.leaf;
    const resolved = await call('PATCH', '/promises/' + encodeURIComponent(root.id), {
      state: 'RESOLVED',
      value: leaf.data.value,
    });
    emit('resumed', {
      root: root.id,
      leaf: leaf.id,
      leafState: leaf.data.state,
      resolveStatus: resolved.status,
      completeStatus: await completeTask(task),
    });
  }
}

function parseAndHandle(text, transport) {
  let msg;
  try {
    msg = JSON.parse(text);
  } catch {
    return emit('error', { why: 'not JSON', text });
  }
  handle(msg, transport).catch((e) => emit('error', { why: String(e?.stack ?? e) }));
}

// SSE: `data:` lines up to an empty line make one event; `:` lines are comments.
function connectSse() {
  const poll = new URL(opts.poll);
  const path = '/' + opts.group + '/' + opts.id;
  const req = http.get(
    { host: poll.hostname, port: poll.port, path, headers: { Accept: 'text/event-stream' } },
    (res) => {
      emit('connected', { status: res.statusCode, contentType: res.headers['content-type'] });
      res.setEncoding('utf8');
      let buffer = '';
      let data = null;
      res.on('data', (chunk) => {
        buffer += chunk;
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          let line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.endsWith('\r')) line = line.slice(0, -1);
          if (line === '') {
            if (data !== null) parseAndHandle(data, 'sse');
            data = null;
          } else if (line.startsWith(':')) {
            // comment
          } else if (line.startsWith('data')) {
            let v = line.slice(line.indexOf(':') + 1);
            if (v.startsWith(' ')) v = v.slice(1);
            data = data === null ? v : data + '\n' + v;
          }
        }
      });
      res.on('end', () => {
        emit('stream-ended', {});
        setTimeout(connectSse, 200);
      });
    },
  );
  req.on('error', (e) => {
    emit('stream-error', { why: String(e) });
    setTimeout(connectSse, 200);
  });
}

if (opts.transport === 'http') {
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      emit('pushed', { method: req.method, url: req.url, contentType: req.headers['content-type'] });
      parseAndHandle(text, 'http');
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const port = server.address().port;
    self = `http://127.0.0.1:${port}/`;
    emit('listening', { port });
  });
} else {
  self = `poll://uni@${opts.group}/${opts.id}`;
  connectSse();
}
