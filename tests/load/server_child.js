// One sync server instance in its own process for the load test, so its CPU and memory are
// measured apart from the clients' (and from the other instances'). Talks to the runner over IPC:
//   -> { type: 'listening', url }           once up
//   <- { type: 'mark' }  -> { type: 'marked' }          start of the push phase (CPU baseline)
//   <- { type: 'figures' } -> { type: 'figures', ... }  this process's CPU and memory since mark
//   <- { type: 'report' }  -> { type: 'report', ... }   the database's state (any instance can
//                                                        answer: they share one database)
//   <- { type: 'close' }   -> exits after closing the server
// env: LOAD_DB (a PostgreSQL URL or a PGlite folder; PGlite in memory when empty),
//      LOAD_DROP_ACK_EVERY=n (every n-th push is applied but its connection is dropped before the
//      push_result: a lost ack; the client reconnects and pushes the same keys again).
import { startSyncServer } from '../../server/sync_server.js';
import { digestOf } from './digest.js';

const dropEvery = Number(process.env.LOAD_DROP_ACK_EVERY ?? 0);
let pushes = 0; // push messages this instance applied (each one store transaction)
let pushedMutations = 0;
let droppedAcks = 0;
// Called once per applied push: counts pushes, and drops every dropEvery-th ack.
const dropBeforeAck = ({ mutations }) => {
  pushes += 1;
  pushedMutations += mutations.length;
  return dropEvery > 0 && pushes % dropEvery === 0 && ++droppedAcks > 0;
};
let markPushes = 0;
let markPushedMutations = 0;
// No compaction during the run: the change log must name every applied key for the check.
const server = await startSyncServer({
  db: process.env.LOAD_DB || undefined,
  idleTimeoutMs: 0,
  compactEveryMs: 0,
  feedPollMs: 200,
  dropBeforeAck,
  // Every load client comes from 127.0.0.1: no per-address cap here.
  maxConnectionsPerAddress: Number.POSITIVE_INFINITY,
});
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 200);
let markCpu = process.cpuUsage();
let markAt = Date.now();
let markCursor = 0;

// Every figure of the report from one snapshot of the database (REPEATABLE READ), so a push
// committed while the report is read cannot make the counts disagree with each other.
async function report() {
  const snapshot = await server.store.database.transaction(async (q) => {
    // (PGlite is one connection: its transactions never interleave.)
    if (server.store.kind === 'postgres') await q.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const head = Number((await q.query('SELECT cursor FROM syncore_meta')).rows[0].cursor);
    const log = (await q.query('SELECT cursor, origin FROM syncore_changes ORDER BY cursor')).rows;
    const okAnswers = Number((await q.query("SELECT count(*)::int AS n FROM syncore_answers WHERE answer->>'status' = 'ok'")).rows[0].n);
    const live = (await q.query('SELECT collection, data FROM syncore_entities WHERE NOT deleted ORDER BY collection')).rows;
    return { head, log, okAnswers, live };
  });
  const { head, log, okAnswers, live } = snapshot;
  // Applications per idempotency key: the change log names the key of every applied mutation.
  const perKey = new Map();
  for (const ch of log) perKey.set(ch.origin, (perKey.get(ch.origin) ?? 0) + 1);
  const duplicates = [...perKey].filter(([, n]) => n > 1).map(([k]) => k);
  const appliedKeys = {};
  for (const k of perKey.keys()) {
    const client = k.slice(0, k.lastIndexOf(':'));
    (appliedKeys[client] ??= []).push(k);
  }
  // Cursors committed are 1..head, each once (no compaction ran).
  const gapFree = log.length === head && log.every((ch, i) => Number(ch.cursor) === i + 1);
  const byCollection = new Map();
  for (const row of live) {
    if (!byCollection.has(row.collection)) byCollection.set(row.collection, []);
    byCollection.get(row.collection).push(row.data);
  }
  const digests = {};
  let entities = 0;
  for (const [name, data] of byCollection) {
    digests[name] = digestOf(data);
    entities += digests[name].count;
  }
  return {
    type: 'report',
    cursor: head,
    changesSinceMark: head - markCursor,
    changes: log.length,
    gapFree,
    okAnswers,
    duplicates,
    appliedKeys,
    digests,
    entities,
  };
}

function figures() {
  const cpu = process.cpuUsage(markCpu);
  return {
    type: 'figures',
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: Date.now() - markAt,
    rss: process.memoryUsage().rss,
    peakRss,
    connections: server.connections().length,
    pushes: pushes - markPushes,
    pushedMutations: pushedMutations - markPushedMutations,
    droppedAcks,
  };
}

process.on('message', async (msg) => {
  if (msg.type === 'mark') {
    markCpu = process.cpuUsage();
    markAt = Date.now();
    markCursor = await server.store.headCursor();
    markPushes = pushes;
    markPushedMutations = pushedMutations;
    peakRss = process.memoryUsage().rss;
    process.send({ type: 'marked' });
  } else if (msg.type === 'figures') {
    process.send(figures());
  } else if (msg.type === 'report') {
    process.send(await report());
  } else if (msg.type === 'close') {
    clearInterval(sampler);
    await server.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0)); // the runner went away: do not linger
process.send({ type: 'listening', url: server.url });
