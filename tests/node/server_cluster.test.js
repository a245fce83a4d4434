// Several sync server processes on one PostgreSQL (tests/support/postgres.js): a change
// committed through any instance reaches the subscribers of every instance in cursor order with
// no gap, and a `kill -9` of one instance in the middle of a burst loses nothing it acknowledged
// and applies nothing twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import WebSocket from 'ws';
import { startPostgres } from '../support/postgres.js';
import { spawnSyncServer } from '../support/sync_server_child.js';

let postgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

/** A raw protocol client that records every live change and answers pushes. */
class Peer {
  static async open(url, clientId) {
    const ws = new WebSocket(url);
    const peer = new Peer(ws, clientId);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'hello', protocol: [1], clientId, cursor: 0 }));
    peer.welcome = await peer.next((m) => m.type === 'welcome');
    return peer;
  }

  constructor(ws, clientId) {
    this.ws = ws;
    this.clientId = clientId;
    this.cursors = []; // cursors of live changes, as received
    this.entities = new Map(); // "collection/id" -> { version, data } from live changes
    this.waiters = [];
    this.inbox = [];
    this.closed = new Promise((resolve) => ws.once('close', resolve));
    ws.on('error', () => {});
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString());
      if (m.type.startsWith('entity_')) {
        this.cursors.push(m.cursor);
        this.entities.set(`${m.collection}/${m.id}`, { version: m.version, data: m.type === 'entity_deleted' ? null : m.data });
      }
      const i = this.waiters.findIndex((w) => w.pred(m));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(m);
      else this.inbox.push(m);
    });
  }

  next(pred) {
    const i = this.inbox.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  /** Resolves to the push_result, or null when the connection dies first. */
  push(batch, mutations) {
    this.ws.send(JSON.stringify({ type: 'push', batch, mutations }));
    return Promise.race([this.next((m) => m.type === 'push_result' && m.batch === batch), this.closed.then(() => null)]);
  }

  close() {
    this.ws.terminate();
  }
}

async function until(predicate, what, ms = 20_000) {
  const started = Date.now();
  while (!(await predicate())) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const ts = () => ({ wall: Date.now(), counter: 0, node: 'x' });

test('two instances on one PostgreSQL: random pushes through both reach every client in cursor order, gap-free; all converge', { timeout: 120_000 }, async (t) => {
  const db = await postgres.createDatabase();
  const a = await spawnSyncServer(db);
  t.after(() => a.kill());
  const b = await spawnSyncServer(db);
  t.after(() => b.kill());
  assert.equal(a.epoch, b.epoch, 'one database, one epoch');
  const peers = [];
  for (let i = 0; i < 6; i++) peers.push(await Peer.open((i % 2 ? b : a).url, `p${i}`));
  t.after(() => peers.forEach((p) => p.close()));

  // Each peer creates entities, then updates random ones (its own view's version: conflicts happen).
  const ROUNDS = 25;
  let batch = 0;
  await Promise.all(
    peers.map(async (peer, pi) => {
      let n = 0;
      for (let r = 0; r < ROUNDS; r++) {
        const mutations = [];
        const size = 1 + ((r * 7 + pi) % 3);
        for (let k = 0; k < size; k++) {
          n += 1;
          const known = [...peer.entities.entries()].filter(([, e]) => e.data);
          if (known.length && (n + pi) % 2 === 0) {
            const [key, e] = known[(n * 31 + pi) % known.length];
            const id = key.slice(key.indexOf('/') + 1);
            mutations.push({ key: `${peer.clientId}:${n}`, collection: 'items', id, kind: 'update', data: { [`by_${peer.clientId}`]: n }, baseVersion: e.version, ts: ts() });
          } else {
            mutations.push({ key: `${peer.clientId}:${n}`, collection: 'items', id: `tmp-${n}`, kind: 'create', data: { owner: peer.clientId, n }, baseVersion: -1, ts: ts() });
          }
        }
        const result = await peer.push(++batch, mutations);
        assert.ok(result, 'answered');
        for (const res of result.results) assert.ok(['ok', 'conflict'].includes(res.status), JSON.stringify(res));
      }
    }),
  );

  const client = new pg.Client(db);
  await client.connect();
  t.after(() => client.end());
  const head = Number((await client.query('SELECT cursor FROM syncore_meta')).rows[0].cursor);
  const cursors = (await client.query('SELECT cursor FROM syncore_changes ORDER BY cursor')).rows.map((r) => Number(r.cursor));
  assert.ok(head > ROUNDS * peers.length, `many changes (${head})`);
  assert.deepEqual(cursors, Array.from({ length: head }, (_, i) => i + 1), 'committed cursors are 1..head with no hole');
  await until(() => peers.every((p) => p.cursors.at(-1) === head), 'every peer saw the head');
  const rows = (await client.query('SELECT collection, id, version, data FROM syncore_entities')).rows;
  for (const peer of peers) {
    assert.deepEqual(peer.cursors, cursors, `${peer.clientId}: every change, in cursor order, once`);
    assert.equal(peer.entities.size, rows.length);
    for (const row of rows) assert.deepEqual(peer.entities.get(`${row.collection}/${row.id}`), { version: Number(row.version), data: row.data }, `${peer.clientId}: ${row.id}`);
  }
});

test('kill -9 of one instance mid-burst: nothing it acknowledged is lost, nothing is applied twice', { timeout: 120_000 }, async (t) => {
  const db = await postgres.createDatabase();
  const a = await spawnSyncServer(db);
  t.after(() => a.kill());
  const b = await spawnSyncServer(db);
  t.after(() => b.kill());
  const watcher = await Peer.open(a.url, 'watcher');
  t.after(() => watcher.close());
  const victims = [];
  for (let i = 0; i < 4; i++) victims.push(await Peer.open(b.url, `v${i}`));

  const acked = new Set();
  const sent = new Map(); // key -> mutation
  const BATCHES = 200;
  const bursts = victims.map(async (peer) => {
    for (let n = 1; n <= BATCHES; n++) {
      const mutation = { key: `${peer.clientId}:${n}`, collection: 'items', id: `tmp-${n}`, kind: 'create', data: { owner: peer.clientId, n }, baseVersion: -1, ts: ts() };
      sent.set(mutation.key, mutation);
      const result = await peer.push(n, [mutation]);
      if (!result) return; // the instance died: this one may or may not have been applied
      assert.equal(result.results[0].status, 'ok');
      acked.add(mutation.key);
    }
  });
  await until(() => acked.size >= 40, 'some acknowledged writes');
  await b.kill('SIGKILL');
  await Promise.all(bursts);
  assert.ok(acked.size < BATCHES * victims.length, 'killed mid-burst');

  // The clients come back through the other instance and send again what was not acknowledged.
  for (const peer of victims) {
    const again = await Peer.open(a.url, peer.clientId);
    t.after(() => again.close());
    const pending = [...sent.values()].filter((m) => m.key.startsWith(`${peer.clientId}:`) && !acked.has(m.key));
    const result = await again.push(1, pending);
    for (const r of result.results) assert.equal(r.status, 'ok', JSON.stringify(r));
  }
  const client = new pg.Client(db);
  await client.connect();
  t.after(() => client.end());
  const origins = (await client.query("SELECT origin, count(*)::int AS n FROM syncore_changes GROUP BY origin")).rows;
  const applied = new Map(origins.map((r) => [r.origin, r.n]));
  for (const key of acked) assert.equal(applied.get(key), 1, `${key}: acknowledged, so applied, once`);
  for (const key of sent.keys()) assert.equal(applied.get(key), 1, `${key}: applied exactly once in the end`);
  assert.equal(applied.size, sent.size);
  const head = Number((await client.query('SELECT cursor FROM syncore_meta')).rows[0].cursor);
  assert.equal(head, sent.size);
  await until(() => watcher.cursors.at(-1) === head, 'the other instance fanned everything out');
  assert.deepEqual(watcher.cursors, Array.from({ length: head }, (_, i) => i + 1), 'in order, no gap, through the crash');
});
