// The sync client against the reference server on loopback: real WebSockets, real store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import { WebSocketServer } from 'ws';
import { createSyncClient, openIndexedDbStorage } from '../../js/node.js';
import { startSyncServer, tokenTable } from '../../server/sync_server.js';
import { untilClient as until } from './helpers.js';

const collections = { todos: {} };
const fast = { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 };

// Resolves when predicate() holds, re-checked on every client event; rejects after a bound.

async function open(server, extra = {}) {
  return createSyncClient({ url: server.url, collections, token: 't', websocket: fast, batchTimeoutMs: 2000, ...extra });
}

test('two clients round-trip online', async (t) => {
  const server = await startSyncServer();
  const a = await open(server);
  const b = await open(server);
  t.after(async () => {
    await a.close();
    await b.close();
    await server.close();
  });
  await until(a, () => a.status.connected, 'a connected');
  await until(b, () => b.status.connected, 'b connected');
  const created = a.collection('todos').create({ title: 'from a' });
  const { id } = await created.result;
  await until(b, () => b.collection('todos').get(id)?.title === 'from a', 'b sees the create');
  b.collection('todos').patch(id, { title: 'edited by b' });
  await until(a, () => a.collection('todos').get(id)?.title === 'edited by b', 'a sees the edit');
  assert.equal((await server.store.get('todos', id))?.data?.title ?? 'edited by b', 'edited by b');
  assert.equal(a.statusMessage(), 'All changes synced');
});

test('offline edits, then reconnect: both converge', async (t) => {
  const server = await startSyncServer();
  const a = await open(server);
  const b = await open(server);
  t.after(async () => {
    await a.close();
    await b.close();
    await server.close();
  });
  await until(a, () => a.status.connected, 'a connected');
  const seeded = await a.collection('todos').create({ title: 'shared', n: 0 }).result;
  await until(b, () => b.collection('todos').get(seeded.id), 'b has it');

  a.goOffline();
  await until(a, () => !a.status.connected, 'a offline');
  assert.match(a.statusMessage(), /^Offline/);
  a.collection('todos').patch(seeded.id, { n: 1 });
  a.collection('todos').create({ title: 'made offline' });
  a.collection('todos').create({ title: 'also offline' });
  assert.equal(a.status.pending, 3);
  assert.match(a.statusMessage(), /3 changes will sync when connected/);
  b.collection('todos').patch(seeded.id, { title: 'b renamed it' });

  a.goOnline();
  await until(a, () => a.status.pending === 0 && a.status.connected, 'a drained');
  await until(b, () => b.collection('todos').count() === 3 && b.collection('todos').get(seeded.id)?.n === 1, 'b converged');
  await until(a, () => a.collection('todos').get(seeded.id)?.title === 'b renamed it', 'a converged');
  assert.deepEqual(a.collection('todos').list(), b.collection('todos').list());
});

test('server restart mid-run: the client reconnects and nothing is lost', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'syncore-restart-'));
  let server = await startSyncServer({ dataDir });
  const port = server.port;
  const a = await open(server);
  t.after(async () => {
    await a.close();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  await until(a, () => a.status.connected, 'connected');
  const first = await a.collection('todos').create({ title: 'before restart' }).result;
  await server.close();
  await until(a, () => !a.status.connected, 'noticed the drop');
  const during = a.collection('todos').create({ title: 'while the server is down' });
  server = await startSyncServer({ dataDir, port });
  const second = await during.result;
  assert.equal(second.status, 'acked');
  const b = await open(server);
  t.after(() => b.close());
  await until(b, () => b.collection('todos').count() === 2, 'a fresh client sees both');
  assert.equal(b.collection('todos').get(first.id).title, 'before restart');
});

test('link dropped after the server applied a batch, before the ack: no duplicate', async (t) => {
  const server = await startSyncServer();
  const a = await open(server);
  t.after(async () => {
    await a.close();
    await server.close();
  });
  await until(a, () => a.status.connected, 'connected');
  server.failNextAck();
  const r = await a.collection('todos').create({ title: 'exactly once' }).result;
  assert.equal(r.status, 'acked');
  const b = await open(server);
  t.after(() => b.close());
  await until(b, () => b.status.connected && b.status.lastSyncAt !== null, 'b caught up');
  assert.equal(b.collection('todos').count(), 1);
  assert.equal(a.collection('todos').count(), 1);
});

test('a new client on the same IndexedDB keeps pending edits and sends them exactly once', async (t) => {
  const server = await startSyncServer();
  t.after(() => server.close());
  const indexedDB = new IDBFactory();
  const storage1 = await openIndexedDbStorage({ name: 'app', indexedDB });
  const a = await createSyncClient({ url: server.url, collections, token: 't', websocket: fast, storage: storage1 });
  a.goOffline();
  a.collection('todos').create({ title: 'typed offline 1' });
  a.collection('todos').create({ title: 'typed offline 2' });
  await a.flush();
  await a.close(); // the tab is closed before it ever synced

  const storage2 = await openIndexedDbStorage({ name: 'app', indexedDB });
  const again = await createSyncClient({ url: server.url, collections, token: 't', websocket: fast, storage: storage2 });
  t.after(() => again.close());
  assert.equal(again.collection('todos').count(), 2); // the view came back from IndexedDB
  await until(again, () => again.status.pending === 0 && again.status.connected, 'drained');
  const b = await open(server);
  t.after(() => b.close());
  await until(b, () => b.collection('todos').count() === 2, 'server has exactly two');
  const titles = b.collection('todos').list().map((x) => x.title).sort();
  assert.deepEqual(titles, ['typed offline 1', 'typed offline 2']);
});

test('401 pauses until a new token; a validation error lands in dead letters with its message', async (t) => {
  const server = await startSyncServer({
    authorize: tokenTable({ good: { userId: 'ann', read: ['todos'], write: ['todos'] } }),
    validate: ({ mutation }) => (mutation.kind !== 'delete' && mutation.data?.title === '' ? 'title must not be empty' : undefined),
  });
  const a = await open(server, { token: 'bad' });
  t.after(async () => {
    await a.close();
    await server.close();
  });
  await until(a, () => a.status.connection === 'auth-required', 'auth required');
  const queued = a.collection('todos').create({ title: 'waits for the token' });
  assert.equal(a.status.pending, 1);
  a.setToken('good');
  assert.equal((await queued.result).status, 'acked');

  const bad = a.collection('todos').create({ title: '' });
  await assert.rejects(bad.result, { code: 'REJECTED', message: /title must not be empty/ });
  const [dead] = a.core.deadLetters();
  assert.equal(dead.message, 'title must not be empty');
  assert.equal(a.collection('todos').get(bad.id), undefined);
});

test('malformed or oversized server messages are error events, never a crash', async (t) => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (socket) => {
    socket.once('message', () => {
      socket.send(JSON.stringify({ type: 'welcome', protocol: 1, cursor: 0 }));
      socket.send('{not json');
      socket.send(JSON.stringify({ no: 'type' }));
      socket.send(JSON.stringify({ type: 'sync_response', cursor: 1, more: false, changes: [{ op: 'upsert', collection: 'todos', id: 'x', version: 'NaN', data: 5 }] }));
      socket.send('x'.repeat(300_000));
      socket.send(JSON.stringify({ type: 'entity_updated', collection: 'todos', id: 'ok', version: 1, cursor: 2, data: { id: 'ok', fine: true } }));
    });
  });
  const url = `ws://127.0.0.1:${wss.address().port}`;
  const a = await createSyncClient({ url, collections, websocket: { ...fast, maxMessageBytes: 100_000 } });
  t.after(async () => {
    await a.close();
    await new Promise((resolve) => wss.close(resolve));
  });
  const errors = [];
  a.on('error', (e) => errors.push(e.code));
  await until(a, () => a.collection('todos').get('ok')?.fine === true, 'the good message after the bad ones');
  assert.ok(errors.includes('BAD_MESSAGE'), errors.join());
  assert.ok(errors.includes('TOO_LARGE'), errors.join());
  assert.ok(errors.includes('WRONG_TYPE'), errors.join()); // the core refused the bad change
  assert.equal(a.collection('todos').get('x'), undefined);
});

test('storage quota exceeded: a storage event, the send waits, nothing is lost', async (t) => {
  const server = await startSyncServer();
  t.after(() => server.close());
  const inner = await openIndexedDbStorage({ name: 'quota', indexedDB: new IDBFactory() });
  let failures = 2;
  const storage = {
    kind: 'indexeddb',
    readAll: () => inner.readAll(),
    clear: () => inner.clear(),
    close: () => inner.close(),
    async write(effect) {
      if (failures > 0) {
        failures--;
        const err = new Error('QuotaExceededError: the origin is out of space');
        err.code = 'STORAGE_QUOTA';
        throw err;
      }
      return inner.write(effect);
    },
  };
  const a = await createSyncClient({ url: server.url, collections, token: 't', websocket: fast, storage });
  t.after(() => a.close());
  const quota = new Promise((resolve) => a.on('storageQuotaExceeded', resolve));
  await until(a, () => a.status.connected, 'connected');
  const r = a.collection('todos').create({ title: 'survives a full disk' });
  await quota;
  assert.equal((await r.result).status, 'acked');
  const stored = await inner.readAll();
  assert.ok(stored.some((rec) => rec.store === 'entities' && rec.value.data?.title === 'survives a full disk'));
});

test('a client older than the server horizon takes the full resync in chunks to the end (no loop from its old cursor)', { timeout: 60_000 }, async (t) => {
  const server = await startSyncServer();
  t.after(() => server.close());
  const a = await open(server, { websocket: { ...fast, catchUpLimit: 3 } });
  t.after(() => a.close());
  await until(a, () => a.status.connected, 'connected');
  await server.write('todos', { id: 'x1', title: 'first' }, { actor: 'job' });
  await until(a, () => a.collection('todos').get('x1')?.title === 'first', 'a has x1');
  const oldCursor = a.core.cursor;
  a.goOffline();
  await until(a, () => !a.status.connected, 'offline');
  // Offline: ten more entities, one of them deleted, and that tombstone compacted away.
  for (let i = 2; i <= 11; i++) await server.write('todos', { id: `x${i}`, title: `t${i}` }, { actor: 'job' });
  await server.write('todos', null, { id: 'x5', op: 'delete', actor: 'job' });
  await server.store.database.query("UPDATE syncore_changes SET committed_at = now() - interval '2 days' WHERE op = 'delete'");
  const { horizon } = await server.compact({ tombstoneRetentionMs: 86_400_000 });
  assert.ok(horizon > oldCursor, 'the client is older than the horizon');
  const head = await server.store.headCursor();
  a.goOnline();
  // Every chunk is 3 changes; the resync goes on from each chunk's cursor to the head.
  await until(a, () => a.core.cursor === head && a.collection('todos').count() === 10 && a.status.connection === 'connected', 'resynced to the head').catch((err) => { throw new Error(`${err.message}: cursor ${a.core.cursor}/${head}, ${a.collection('todos').count()} todos, ${a.status.connection}`); });
  assert.equal(a.collection('todos').get('x11')?.title, 't11');
});
