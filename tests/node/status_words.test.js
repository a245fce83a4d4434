// Status in seed 003's words, through the public API against the reference sync server: "Syncing…"
// while a push or a catch-up runs, syncCompleted(result) with what the round did, and the storage
// figures (navigator.storage.estimate()) in status and in storageQuotaExceeded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient, openIndexedDbStorage } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';
import { untilClient as until } from './helpers.js';

const fast = { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 };
const collections = { todos: {}, notes: { strategy: 'manual' } };

function open(server, extra = {}) {
  return createSyncClient({ url: server.url, collections, token: 't', websocket: fast, batchTimeoutMs: 30_000, window: new EventTarget(), document: new EventTarget(), ...extra });
}

test('"Syncing…" while the first catch-up runs and while the server holds a push, then "All changes synced"', async (t) => {
  let gate = null;
  const server = await startSyncServer({ validate: async () => { await gate; } });
  t.after(() => server.close());
  const a = await open(server);
  t.after(() => a.close());
  const messages = [];
  a.on('statusChanged', () => messages.at(-1) !== a.statusMessage() && messages.push(a.statusMessage()));
  await until(a, () => a.status.connected && !a.status.syncing, 'connected and caught up');
  assert.deepEqual(messages.slice(-2), ['Syncing…', 'All changes synced'], messages.join(' | '));

  let release;
  gate = new Promise((resolve) => (release = resolve));
  const held = a.collection('todos').create({ title: 'held' });
  await until(a, () => a.status.syncing, 'the push is out');
  assert.equal(a.statusMessage(), 'Syncing… — 1 change pending sync');
  // Held by the server: still syncing a moment later (the answer, not a timer, ends it).
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(a.statusMessage(), 'Syncing… — 1 change pending sync');
  release();
  gate = null;
  await held.result;
  await until(a, () => !a.status.syncing, 'answered');
  assert.equal(a.statusMessage(), 'All changes synced');
});

test('syncCompleted(result) counts what the round pushed, pulled, refused and found in conflict', async (t) => {
  const server = await startSyncServer({ validate: ({ mutation }) => (mutation.kind !== 'delete' && mutation.data?.title === '' ? 'title must not be empty' : undefined) });
  t.after(() => server.close());
  const a = await open(server);
  t.after(() => a.close());
  await until(a, () => a.status.connected && !a.status.syncing, 'connected');
  const note = a.collection('notes').create({ text: 'base' });
  const { id: noteId } = await note.result;
  await until(a, () => !a.status.syncing, 'idle');

  a.goOffline();
  await until(a, () => !a.status.connected, 'offline');
  a.collection('todos').create({ title: 'one' });
  a.collection('todos').create({ title: 'two' });
  a.collection('todos').create({ title: '' }); // refused for good: a dead letter
  a.collection('notes').patch(noteId, { text: 'mine' });
  await server.write('todos', { id: 'srv-1', title: 'from the server' }, { actor: 'job' });
  await server.write('todos', { id: 'srv-2', title: 'from the server' }, { actor: 'job' });
  await server.write('notes', { id: noteId, text: 'theirs' }, { actor: 'job' });

  const completed = [];
  a.on('syncCompleted', (result) => completed.push(result));
  a.goOnline();
  await until(a, () => completed.length > 0, 'the round completed');
  const [result] = completed;
  assert.equal(typeof result.lastSyncAt, 'number');
  assert.deepEqual({ ...result, lastSyncAt: 0 }, { pushed: 2, pulled: 3, conflicts: 1, failed: 1, lastSyncAt: 0 });
  assert.equal(a.status.conflicts, 1);

  // The next round starts from 0.
  a.collection('todos').create({ title: 'three' });
  await until(a, () => completed.length > 1, 'the next round completed');
  assert.deepEqual({ ...completed[1], lastSyncAt: 0 }, { pushed: 1, pulled: 0, conflicts: 0, failed: 0, lastSyncAt: 0 });
});

test('status.storageUsage / storageQuota come from navigator.storage.estimate(), and storageQuotaExceeded carries them', async (t) => {
  const server = await startSyncServer();
  t.after(() => server.close());
  let usage = 900;
  let estimates = 0;
  const navigator = { storage: {
    estimate: async () => {
      estimates++;
      return { usage, quota: 1000 };
    },
    persisted: async () => false,
    persist: async () => false,
  } };
  const inner = await openIndexedDbStorage({ name: 'quota', indexedDB: new IDBFactory() });
  let failures = 0;
  const storage = {
    kind: 'indexeddb',
    readAll: () => inner.readAll(),
    clear: () => inner.clear(),
    close: () => inner.close(),
    async write(effect) {
      if (failures > 0) {
        failures--;
        throw Object.assign(new Error('QuotaExceededError: the origin is out of space'), { code: 'STORAGE_QUOTA' });
      }
      return inner.write(effect);
    },
  };
  const a = await open(server, { storage, navigator, storageEstimateMs: 100 });
  t.after(() => a.close());
  await until(a, () => a.status.storageUsage === 900 && a.status.storageQuota === 1000, 'the first estimate');

  // Many writes, few estimates: refreshed after commits at most once per storageEstimateMs.
  usage = 950;
  const before = estimates;
  for (let i = 0; i < 20; i++) a.collection('todos').create({ title: `t${i}` });
  await until(a, () => a.status.storageUsage === 950, 'refreshed after the commits');
  assert.ok(estimates - before <= 2, `${estimates - before} estimates for 20 writes`);

  usage = 1000;
  failures = 2;
  const quota = new Promise((resolve) => a.on('storageQuotaExceeded', resolve));
  const r = a.collection('todos').create({ title: 'survives a full disk' });
  const event = await quota;
  assert.equal(event.usage, 1000);
  assert.equal(event.quota, 1000);
  assert.match(event.message, /QuotaExceededError/);
  assert.equal(typeof event.attempt, 'number'); // kept from before: the runner's retry count
  assert.equal((await r.result).status, 'acked');
});

test('without navigator.storage (Node) the storage figures stay null', async (t) => {
  const a = await createSyncClient({ collections, storage: { name: 'plain', indexedDB: new IDBFactory() }, navigator: {} });
  t.after(() => a.close());
  a.collection('todos').create({ title: 'x' });
  await a.flush();
  assert.equal(a.status.storageUsage, null);
  assert.equal(a.status.storageQuota, null);
});
