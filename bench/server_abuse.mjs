// Issue 13 item 8's attacks, measured against a server tree (its server/ folder):
//   node bench/server_abuse.mjs <repo root> deep       one 1 MiB push nested 6,000 deep: answer, CPU
//   node bench/server_abuse.mjs <repo root> subscribe  subscribe floods for 10 s: names held, heap
//   node bench/server_abuse.mjs <repo root> nohello    4 connections sending 1 MiB frames without
//                                                      hello: a welcomed client's heartbeat RTT
// The server runs in a child process (and the flooders in another) so the figures are its own.
import WebSocket from 'ws';
import { fork } from 'node:child_process';
import { resolve } from 'node:path';

const [rootArg, mode, role, url] = process.argv.slice(2);
const root = resolve(rootArg ?? '.');
const self = new URL(import.meta.url).pathname;
const open = async (u, options) => {
  const ws = new WebSocket(u, options);
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  return ws;
};
const nextMessage = (ws, pred = () => true) =>
  new Promise((r) => {
    const on = (d) => {
      const m = JSON.parse(d);
      if (pred(m)) (ws.off('message', on), r(m));
    };
    ws.on('message', on);
  });

if (role === 'server') {
  const { startSyncServer } = await import(`${root}/server/sync_server.js`);
  const srv = await startSyncServer({ port: 0, logger: { error() {} }, ...(mode === 'subscribe' ? { maxMessageBytes: 64 << 20, maxMessagesPerSecond: 1e6 } : {}) });
  process.on('message', (m) => {
    global.gc?.();
    if (m === 'stats') process.send({ cpu: process.cpuUsage(), heap: process.memoryUsage().heapUsed, names: srv.connections().reduce((n, c) => n + (c.collections?.length ?? 0), 0) });
  });
  process.send({ url: srv.url });
} else if (role === 'flood') {
  const frame = JSON.stringify({ type: 'not_hello', pad: 'x'.repeat((1 << 20) - 100) });
  const flooder = () => {
    const ws = new WebSocket(url);
    ws.on('error', () => {});
    ws.on('close', () => setTimeout(flooder, 10));
    ws.on('open', async () => {
      while (ws.readyState === 1) {
        if (ws.bufferedAmount < 4 << 20) ws.send(frame);
        await new Promise((r) => setTimeout(r, 1));
      }
    });
  };
  for (let i = 0; i < 4; i++) flooder();
} else {
  const server = fork(self, [root, mode, 'server'], { execArgv: ['--expose-gc'] });
  const { url: u } = await new Promise((r) => server.once('message', r));
  const stats = () => (server.send('stats'), new Promise((r) => server.once('message', r)));
  const probe = await open(u, { maxPayload: 1 << 30 });
  probe.send(JSON.stringify({ type: 'hello', protocol: [1], clientId: 'probe', collections: mode === 'subscribe' ? [] : undefined }));
  await nextMessage(probe);
  if (mode === 'deep') {
    const depth = 6000;
    const data = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const pad = 'x'.repeat((1 << 20) - data.length - 400);
    const frame = `{"type":"push","batch":1,"mutations":[{"key":"probe:1","collection":"t","id":"tmp-1","kind":"create","data":{"id":"tmp-1","pad":"${pad}","d":${data}},"baseVersion":-1}]}`;
    const before = await stats();
    probe.send(frame);
    const answer = await nextMessage(probe, (m) => m.type === 'push_result');
    const after = await stats();
    const cpuMs = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000;
    console.log(`${root}: ${frame.length} bytes nested ${depth} deep -> ${answer.results[0].status}/${answer.results[0].class}; server CPU ${cpuMs.toFixed(0)} ms`);
  } else if (mode === 'subscribe') {
    const before = await stats();
    let n = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 10_000) {
      probe.send(JSON.stringify({ type: 'subscribe', collections: Array.from({ length: 50_000 }, () => `n${n++}`) }));
      await new Promise((r) => setTimeout(r, 50));
    }
    probe.send(JSON.stringify({ type: 'heartbeat', t: 1 }));
    await nextMessage(probe, (m) => m.type === 'heartbeat_ack');
    const after = await stats();
    console.log(`${root}: ${n} names sent in 10 s; server holds ${after.names}; server heap ${(before.heap / 2 ** 20).toFixed(0)} -> ${(after.heap / 2 ** 20).toFixed(0)} MiB`);
  } else {
    const rtt = async (count) => {
      const out = [];
      for (let i = 0; i < count; i++) {
        const t = performance.now();
        probe.send(JSON.stringify({ type: 'heartbeat', t: i }));
        await nextMessage(probe, (m) => m.type === 'heartbeat_ack' && m.t === i);
        out.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 50));
      }
      return out.sort((a, b) => a - b);
    };
    const quiet = await rtt(20);
    const flood = fork(self, [root, mode, 'flood', u]);
    await new Promise((r) => setTimeout(r, 1000));
    const loud = await rtt(60);
    flood.kill();
    const at = (a, q) => a[Math.min(a.length - 1, Math.floor(a.length * q))].toFixed(1);
    console.log(`${root}: heartbeat RTT ms quiet p50 ${at(quiet, 0.5)}; with 4 no-hello flooders p50 ${at(loud, 0.5)} p95 ${at(loud, 0.95)}`);
  }
  probe.terminate();
  server.kill();
  process.exit(0);
}
