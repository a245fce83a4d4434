// The reference sync server in its own process for the load test, so its CPU and memory are
// measured apart from the clients'. Talks to the runner over IPC:
//   -> { type: 'listening', url }           once up
//   <- { type: 'mark' }                     start of the push phase (CPU baseline)
//   <- { type: 'report' }  -> { type: 'report', ... }   the store's state and the figures
//   <- { type: 'close' }   -> exits after closing the server
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSyncServer } from '../../server/sync_server.js';
import { digestOf } from './digest.js';

// LOAD_DB: a PostgreSQL URL; LOAD_MEMORY_STORE=1: PGlite in memory; else PGlite in a temp folder.
const dataDir = process.env.LOAD_DB || process.env.LOAD_MEMORY_STORE ? undefined : mkdtempSync(join(tmpdir(), 'syncore-load-'));
// LOAD_DROP_ACK_EVERY=n: every n-th push is applied but its connection is dropped before the
// push_result (a lost ack): the client reconnects and pushes the same keys again.
const dropEvery = Number(process.env.LOAD_DROP_ACK_EVERY ?? 0);
let pushes = 0;
let droppedAcks = 0;
const dropBeforeAck = dropEvery > 0 ? () => ++pushes % dropEvery === 0 && ++droppedAcks > 0 : undefined;
// Every load client comes from 127.0.0.1: no per-address cap here.
const server = await startSyncServer({ db: process.env.LOAD_DB || dataDir, idleTimeoutMs: 0, dropBeforeAck, maxConnectionsPerAddress: Number.POSITIVE_INFINITY });
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 200);
let markCpu = process.cpuUsage();
let markAt = Date.now();
let markCursor = 0;

async function report() {
  const log = (await server.store.changeLog(0));
  // Applications per idempotency key: the change log names the key of every applied mutation.
  const perKey = new Map();
  for (const ch of log) perKey.set(ch.origin, (perKey.get(ch.origin) ?? 0) + 1);
  const duplicates = [...perKey].filter(([, n]) => n > 1).map(([k]) => k);
  const appliedKeys = {};
  for (const k of perKey.keys()) {
    const client = k.slice(0, k.lastIndexOf(':'));
    (appliedKeys[client] ??= []).push(k);
  }
  const cpu = process.cpuUsage(markCpu);
  const digests = {};
  let entities = 0;
  for (const name of (await server.store.collectionNames())) {
    digests[name] = digestOf((await server.store.list(name)).map((e) => e.data));
    entities += digests[name].count;
  }
  return {
    type: 'report',
    cursor: server.store.cursor,
    changesSinceMark: server.store.cursor - markCursor,
    changes: log.length,
    duplicates,
    appliedKeys,
    digests,
    entities,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: Date.now() - markAt,
    rss: process.memoryUsage().rss,
    peakRss,
    connections: server.connections().length,
    droppedAcks,
  };
}

process.on('message', async (msg) => {
  if (msg.type === 'mark') {
    markCpu = process.cpuUsage();
    markAt = Date.now();
    markCursor = server.store.cursor;
    peakRss = process.memoryUsage().rss;
    process.send({ type: 'marked' });
  } else if (msg.type === 'report') {
    process.send(await report());
  } else if (msg.type === 'close') {
    clearInterval(sampler);
    await server.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0)); // the runner went away: do not linger
process.send({ type: 'listening', url: server.url });
