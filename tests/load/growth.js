// Growth: M mutations into PostgreSQL through the sync server (WebSocket pushes of 1,000
// mutations each, every one through push.js / store.js like a client's: key check, version check,
// one transaction per push, committed before the answer), then the figures docs/server.md cites:
//   - disk bytes per mutation: pg_total_relation_size of every syncore table, after the writes,
//     after compaction (store.compact through the server handle) and after VACUUM FULL (which
//     gives the freed pages back to the file system; compaction alone leaves them for reuse);
//   - catch-up of a new client from cursor 0 and from a recent cursor (sync_request loop of
//     5,000 changes per request until more=false), before and after compaction;
//   - restart time: closing the server and starting a new one on the same database, in-process
//     (startSyncServer until it listens) and as a new process (spawn until it listens).
//
//   node tests/load/growth.js [--mutations 1000000] [--entities <mutations/10>] [--writers 4]
//                             [--db postgres|pglite] [--pglite] [--batch 1000] [--json]
//
// Mix: `entities` creates (client-chosen ids), then updates of random entities, each writer
// connection owning its share of the entities (so it knows their versions: no conflicts). Each
// mutation's data is ~36 bytes of JSON ({"v":n,"t":"<16 letters>"}). --db postgres (default): a
// throwaway PostgreSQL cluster (fsync on) is started and removed after; --db pglite: an on-disk
// PGlite folder in the temp folder, removed after.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { startSyncServer } from '../../server/sync_server.js';
import { startPostgres } from '../support/postgres.js';
import { spawnSyncServer } from '../support/sync_server_child.js';

let BATCH = 1000; // mutations per push (--batch)
const TABLES = ['syncore_meta', 'syncore_entities', 'syncore_changes', 'syncore_answers', 'syncore_clients', 'syncore_counters'];

/** A raw protocol connection: hello, then request/answer pairs matched by type (and batch). */
class Wire {
  static async open(url, hello) {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await once(ws, 'open');
    const wire = new Wire(ws);
    wire.send({ type: 'hello', protocol: [1], ...hello });
    wire.welcome = await wire.next((m) => m.type === 'welcome');
    return wire;
  }

  constructor(ws) {
    this.ws = ws;
    this.waiters = [];
    this.bytesIn = 0;
    ws.on('message', (raw) => {
      this.bytesIn += raw.length;
      const m = JSON.parse(raw.toString());
      const i = this.waiters.findIndex((w) => w.pred(m));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(m);
    });
    ws.on('close', () => {
      for (const w of this.waiters.splice(0)) w.reject(new Error('connection closed'));
    });
  }

  send(msg) {
    this.ws.send(JSON.stringify(msg));
  }

  next(pred) {
    return new Promise((resolve, reject) => this.waiters.push({ pred, resolve, reject }));
  }

  close() {
    this.ws.close();
  }
}

const letters = (n) => n.toString(36).padStart(16, 'x').slice(-16);
const ts = (node) => ({ wall: Date.now(), counter: 0, node });

/** One writer: pushes its share, batch after batch; resolves when done. */
async function writer(url, index, writers, { mutations, entities, onBatch }) {
  const clientId = `grow-${index}`;
  const wire = await Wire.open(url, { clientId, cursor: 0, collections: [] }); // no fan-out to writers
  const own = []; // entity ids this writer owns
  for (let e = index; e < entities; e += writers) own.push(e);
  const versions = new Map();
  let seq = 0;
  let x = index + 1;
  const random = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const share = Math.floor(mutations / writers) + (index < mutations % writers ? 1 : 0);
  let created = 0;
  for (let done = 0; done < share; ) {
    const batch = [];
    while (batch.length < BATCH && done + batch.length < share) {
      seq += 1;
      const key = `${clientId}:${seq}`;
      if (created < own.length) {
        const id = `g${own[created++]}`;
        batch.push({ key, collection: 'items', id, kind: 'create', data: { v: 0, t: letters(seq) }, baseVersion: -1, ts: ts(clientId) });
        versions.set(id, 1);
      } else {
        const id = `g${own[Math.floor(random() * own.length)]}`;
        const base = versions.get(id);
        batch.push({ key, collection: 'items', id, kind: 'update', data: { v: seq, t: letters(seq) }, baseVersion: base, ts: ts(clientId) });
        versions.set(id, base + 1);
      }
    }
    const answer = wire.next((m) => (m.type === 'push_result' && m.batch === seq) || m.type === 'error');
    wire.send({ type: 'push', batch: seq, mutations: batch });
    const result = await answer;
    if (result.type === 'error') throw new Error(`push refused: ${JSON.stringify(result)}`);
    const bad = result.results.find((r) => r.status !== 'ok');
    if (bad) throw new Error(`a mutation was not applied: ${JSON.stringify(bad)}`);
    done += batch.length;
    onBatch(batch.length);
  }
  wire.close();
}

/** A new client's catch-up from `cursor`: { ms, requests, changes, bytes, cursor }. */
async function catchUp(url, cursor) {
  const started = performance.now();
  const wire = await Wire.open(url, { clientId: `reader-${Math.random().toString(36).slice(2)}`, cursor });
  let requests = 0;
  let changes = 0;
  let at = cursor;
  for (;;) {
    const answer = wire.next((m) => m.type === 'sync_response' || m.type === 'error');
    wire.send({ type: 'sync_request', cursor: at, limit: 5000 });
    const r = await answer;
    if (r.type === 'error') throw new Error(`sync_request refused: ${JSON.stringify(r)}`);
    requests += 1;
    changes += r.changes.length;
    at = r.cursor;
    if (!r.more) break;
  }
  const ms = performance.now() - started;
  const bytes = wire.bytesIn;
  wire.close();
  return { ms: Math.round(ms), requests, changes, mib: Math.round((bytes / 1048576) * 10) / 10, cursor: at };
}

async function tableSizes(store) {
  const { rows } = await store.database.query(
    `SELECT relname, pg_total_relation_size(oid)::bigint AS bytes FROM pg_class WHERE relname = ANY($1::text[]) AND relkind = 'r'`,
    [TABLES],
  );
  const bytes = Object.fromEntries(rows.map((r) => [r.relname, Number(r.bytes)]));
  const total = Object.values(bytes).reduce((a, b) => a + b, 0);
  return { totalMiB: Math.round(total / 1048576), perTable: Object.fromEntries(Object.entries(bytes).map(([k, v]) => [k, Math.round(v / 1048576)])), total };
}

export async function runGrowth({ mutations = 1_000_000, entities = Math.max(1, Math.floor(mutations / 10)), writers = 4, db: kind = 'postgres', log = () => {} } = {}) {
  const postgres = kind === 'postgres' ? await startPostgres({ fsync: true }) : null;
  const folder = kind === 'pglite' ? mkdtempSync(join(tmpdir(), 'syncore-growth-')) : null;
  if (!postgres && !folder) throw new Error(`--db must be postgres or pglite (not ${kind})`);
  let server = null;
  let child = null;
  try {
    const db = postgres ? await postgres.createDatabase('growth') : join(folder, 'pglite');
    const options = { db, compactEveryMs: 0, idleTimeoutMs: 0, maxMessagesPerSecond: 10_000 };
    server = await startSyncServer(options);
    const started = Date.now();
    let written = 0;
    let lastLog = started;
    const onBatch = (n) => {
      written += n;
      const now = Date.now();
      if (now - lastLog >= 10_000) {
        lastLog = now;
        log(`  ${written} mutations, ${Math.round(written / ((now - started) / 1000))}/s, load ${loadavg()[0].toFixed(1)}`);
      }
    };
    const loadAtStart = loadavg()[0];
    await Promise.all(Array.from({ length: writers }, (_, i) => writer(server.url, i, writers, { mutations, entities, onBatch })));
    const writeMs = Date.now() - started;
    const head = await server.store.headCursor();
    if (head !== mutations) throw new Error(`the head cursor is ${head}, not ${mutations}`);

    const count = async (table) => Number((await server.store.database.query(`SELECT count(*)::bigint AS n FROM ${table}`)).rows[0].n);
    const perMutation = (s) => Math.round(s.total / mutations);
    const written_ = await tableSizes(server.store);
    const catchUpBefore = { fromZero: await catchUp(server.url, 0), fromRecent: await catchUp(server.url, head - 1000) };

    const compactStarted = Date.now();
    const compacted = await server.compact();
    const compactMs = Date.now() - compactStarted;
    const afterCompaction = await tableSizes(server.store);
    const vacuumStarted = Date.now();
    await server.store.database.query('VACUUM FULL');
    const vacuumMs = Date.now() - vacuumStarted;
    const afterVacuum = await tableSizes(server.store);
    const rows = { changes: await count('syncore_changes'), entities: await count('syncore_entities'), answers: await count('syncore_answers') };
    const catchUpAfter = { fromZero: await catchUp(server.url, 0), fromRecent: await catchUp(server.url, head - 1000) };

    // Restart: in-process, then as a new process.
    await server.close();
    server = null;
    let t = performance.now();
    server = await startSyncServer(options);
    const restartInProcessMs = Math.round(performance.now() - t);
    const afterRestart = await catchUp(server.url, head - 1000);
    await server.close();
    server = null;
    t = performance.now();
    child = await spawnSyncServer(db);
    const restartProcessMs = Math.round(performance.now() - t);
    const childCatchUp = await catchUp(child.url, head - 1000);

    return {
      command: `node tests/load/growth.js --mutations ${mutations} --entities ${entities} --writers ${writers} --db ${kind} --batch ${BATCH}`,
      mutations,
      entities,
      writers,
      path: `WebSocket pushes of 1,000 mutations through the sync server (push.js, store.js), ${postgres ? 'PostgreSQL 15, fsync on' : 'PGlite on disk'}`,
      write: { seconds: Math.round(writeMs / 1000), mutationsPerSecond: Math.round(mutations / (writeMs / 1000)), loadAverage1m: { atStart: Number(loadAtStart.toFixed(1)), atEnd: Number(loadavg()[0].toFixed(1)) } },
      disk: {
        afterWrites: { ...written_, bytesPerMutation: perMutation(written_) },
        compaction: { ...compacted, ms: compactMs },
        afterCompaction: { ...afterCompaction, bytesPerMutation: perMutation(afterCompaction) },
        afterVacuumFull: { ...afterVacuum, bytesPerMutation: perMutation(afterVacuum), vacuumMs, rows },
      },
      catchUp: { beforeCompaction: catchUpBefore, afterCompaction: catchUpAfter, afterRestartFromRecent: afterRestart, newProcessFromRecent: childCatchUp },
      restart: { inProcessMs: restartInProcessMs, newProcessMs: restartProcessMs },
    };
  } finally {
    await server?.close().catch(() => {});
    await child?.kill('SIGTERM');
    await postgres?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      mutations: { type: 'string', default: '1000000' },
      entities: { type: 'string' },
      writers: { type: 'string', default: '4' },
      db: { type: 'string', default: 'postgres' },
      pglite: { type: 'boolean', default: false }, // = --db pglite
      batch: { type: 'string', default: '1000' },
      json: { type: 'boolean', default: false },
    },
  });
  const mutations = Number(values.mutations);
  BATCH = Number(values.batch);
  const report = await runGrowth({
    mutations,
    entities: values.entities ? Number(values.entities) : undefined,
    writers: Number(values.writers),
    db: values.pglite ? 'pglite' : values.db,
    log: (line) => console.error(line),
  });
  for (const key of ['afterWrites', 'afterCompaction', 'afterVacuumFull']) delete report.disk[key].total;
  console.log(values.json ? JSON.stringify(report) : JSON.stringify(report, null, 2));
}
