// A queue the user controls (issue 18 item 3, docs/queue_control.md), through the public client
// API against the reference sync server on loopback: cancel, clearQueue, per-mutation maxRetries,
// expireAfterMs and the critical lane, and that each survives a restart.
//   node --test tests/node/queue_control.test.js
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient, openIndexedDbStorage } from '../../js/node.js';
import { GroupCommit } from '../../js/client/group_commit.js';
import { startSyncServer } from '../../server/sync_server.js';
import { untilClient as until } from './helpers.js';

const collections = { todos: {} };
const fast = { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 };
const quiet = { window: new EventTarget(), document: new EventTarget() };

// One server for the file (its first start costs seconds); each test uses its own ids. It cannot
// apply 'flaky' todos now: each push of one is refused as transient (the maxRetries test).
let server;
before(async () => {
  server = await startSyncServer({ logger: { error() {}, warn() {}, log() {} },
    validate: ({ mutation }) => {
      if (mutation.data?.title === 'flaky') throw new Error('the database is busy');
      return undefined;
    } });
});
after(() => server.close());

async function open(server, extra = {}) {
  const indexedDB = extra.indexedDB ?? new IDBFactory();
  const storage = await openIndexedDbStorage({ name: 'queue-control', indexedDB });
  return createSyncClient({ url: server.url, collections, token: 't', websocket: fast, batchTimeoutMs: 2000, storage, ...quiet, ...extra });
}

// Connected and caught up: from then on the core sends a mutation in the commit that makes it.
const ready = (client) => until(client, () => client.status.connected && client.status.caughtUp, 'connected and caught up');

const settledAs = (client, status) => {
  const seen = [];
  client.on('mutationSettled', (e) => e.status === status && seen.push(e));
  return seen;
};

test('cancel: the queued change is rolled back, settles cancelled, is never sent, and stays cancelled after a restart', async (t) => {
  const indexedDB = new IDBFactory();
  let a = await open(server, { indexedDB });
  t.after(async () => {
    await a.close();
  });
  await until(a, () => a.status.connected, 'connected');
  const todos = a.collection('todos');
  const { id } = await todos.create({ title: 'server copy' }).result;
  a.goOffline();
  await until(a, () => !a.status.connected, 'offline');
  const cancelledEvents = settledAs(a, 'cancelled');
  const edit = todos.patch(id, { title: 'my edit' });
  const kept = todos.create({ title: 'kept' });
  assert.equal(todos.get(id).title, 'my edit');
  const cancelled = await edit.cancel();
  assert.deepEqual(cancelled, [edit.mutationId]);
  assert.equal(todos.get(id).title, 'server copy', 'rolled back in the view');
  assert.deepEqual(await edit.result, { status: 'cancelled', id, version: undefined });
  assert.deepEqual(cancelledEvents.map((e) => e.mutationIds), [[edit.mutationId]]);
  assert.equal(a.status.pending, 1);

  // A restart finds it cancelled, and only the other change goes out.
  await a.close();
  a = await open(server, { indexedDB });
  assert.equal(a.status.pending, 1);
  assert.equal(a.collection('todos').get(id).title, 'server copy');
  await until(a, () => a.status.connected && a.status.pending === 0, 'drained');
  assert.equal((await server.store.get('todos', id)).data.title, 'server copy', 'the server never saw the cancelled edit');
  assert.ok(await server.store.get('todos', kept.id), 'the other change went out');
  await assert.rejects(a.cancel(edit.mutationId), { code: 'NOT_FOUND' });
});

test('cancel of a change already handed to the server is refused with ALREADY_SENT and changes nothing', async (t) => {
  const a = await open(server);
  t.after(async () => {
    await a.close();
  });
  await ready(a);
  const made = a.collection('todos').create({ title: 'on its way' });
  await assert.rejects(made.cancel(), (err) => err.code === 'ALREADY_SENT' && /may have applied/.test(err.message));
  assert.equal(a.collection('todos').get(made.id).title, 'on its way');
  assert.equal((await made.result).status, 'acked');
});

test('cancelling a create takes the later edits of that entity with it; other entities keep theirs', async (t) => {
  const a = await open(server);
  t.after(async () => {
    await a.close();
  });
  a.goOffline();
  const todos = a.collection('todos');
  const made = todos.create({ id: 'n1', title: 'new' });
  const edit = todos.patch('n1', { title: 'edited' }, { maxRetries: 2 }); // its own options: a separate entry
  const other = todos.create({ id: 'n2', title: 'other' });
  assert.deepEqual(await a.cancel(made.mutationId), [made.mutationId, edit.mutationId]);
  assert.equal(todos.get('n1'), undefined);
  assert.equal((await edit.result).status, 'cancelled');
  assert.equal(todos.get('n2').title, 'other');
  a.goOnline();
  assert.equal((await other.result).status, 'acked');
  assert.equal(await server.store.get('todos', 'n1') ?? null, null);
});

test('clearQueue rolls back everything unsent, resolves with what it cancelled, and reports each', async (t) => {
  const a = await open(server);
  t.after(async () => {
    await a.close();
  });
  await until(a, () => a.status.connected, 'connected');
  const todos = a.collection('todos');
  const { id } = await todos.create({ title: 'server copy', n: 0 }).result;
  a.goOffline();
  await until(a, () => !a.status.connected, 'offline');
  const events = settledAs(a, 'cancelled');
  const handles = [todos.patch(id, { n: 1 }), todos.create({ title: 'x' }), todos.create({ title: 'y' }), todos.delete(id, { priority: 'critical' })];
  assert.equal(a.status.pending, 3); // the delete folded into the queued update of the same todo
  const cancelled = await a.clearQueue();
  assert.deepEqual(cancelled.sort(), handles.map((h) => h.mutationId).sort());
  assert.deepEqual(events.flatMap((e) => e.mutationIds).sort(), cancelled);
  assert.equal(a.status.pending, 0);
  assert.equal(todos.get(id).n, 0, 'the todo is back as the server has it');
  assert.equal(todos.get(handles[1].id), undefined);
  assert.equal(todos.get(handles[2].id), undefined);
  for (const h of handles) assert.equal((await h.result).status, 'cancelled');
  assert.deepEqual(await a.clearQueue(), []);
});

test('a mutation\'s own maxRetries sends it to the dead letters after that many retries', async (t) => {
  const a = await open(server, { client: { maxRetries: 10, backoffBaseMs: 5, backoffMaxMs: 10 } });
  t.after(async () => {
    await a.close();
  });
  await ready(a);
  let pushes = 0; // only this mutation is pending: every push carries it
  a.on('syncStarted', () => pushes++);
  const failed = a.collection('todos').create({ id: 'f1', title: 'flaky' }, { maxRetries: 1 });
  await assert.rejects(failed.result, { code: 'REJECTED', errorClass: 'transient' });
  assert.equal(pushes, 2, 'the first attempt and one retry, not the client\'s ten');
  const [dead] = a.core.deadLetters();
  assert.equal(dead.mutationIds[0], failed.mutationId);
  assert.equal(a.collection('todos').get('f1'), undefined);
});

test('expireAfterMs: a change that waited too long is an EXPIRED dead letter, never sent, and kept across a restart', async (t) => {
  const indexedDB = new IDBFactory();
  let a = await open(server, { indexedDB });
  t.after(async () => {
    await a.close();
  });
  a.goOffline();
  const todos = a.collection('todos');
  const stale = todos.create({ id: 's1', title: 'stale' }, { expireAfterMs: 30 });
  const fresh = todos.create({ id: 's2', title: 'fresh' });
  await assert.rejects(stale.result, (err) => err.code === 'EXPIRED' && err.errorClass === 'expired' && /EXPIRED/.test(err.message));
  assert.equal(todos.get('s1'), undefined, 'rolled back');
  assert.equal(a.status.failed, 1);
  await a.close();
  a = await open(server, { indexedDB });
  assert.deepEqual(a.core.deadLetters().map((d) => [d.id, d.errorClass]), [['s1', 'expired']]);
  assert.equal(a.status.pending, 1);
  await until(a, () => a.status.connected && a.status.pending === 0, 'drained');
  assert.ok(await server.store.get('todos', 's2'), fresh.mutationId);
  assert.equal(await server.store.get('todos', 's1') ?? null, null, 'the expired change was never sent');
});

test('critical goes out at once, past the batches in flight, and never before an earlier change of its entity', async (t) => {
  const a = await open(server, { client: { maxInFlightBatches: 1, batchSize: 1 } });
  t.after(async () => {
    await a.close();
  });
  await ready(a);
  const todos = a.collection('todos');
  const state = (m) => a.core.pendingMutations().find((p) => p.mutationIds.includes(m.mutationId))?.state;
  const first = todos.create({ id: 'a', title: 'first' }); // takes the one batch slot
  const waits = todos.create({ id: 'b', title: 'normal' });
  const urgent = todos.create({ id: 'c', title: 'urgent' }, { priority: 'critical' });
  assert.equal(state(first), 'in-flight');
  assert.equal(state(waits), 'queued', 'a normal change waits for the slot');
  assert.equal(state(urgent), 'in-flight', 'the critical change did not wait');
  // An earlier change of the same entity goes first, lifted to critical with it.
  const earlier = todos.patch('b', { n: 1 }, { maxRetries: 3 });
  const later = todos.patch('b', { n: 2 }, { priority: 'critical' });
  const order = [];
  a.on('mutationSettled', (e) => e.status === 'acked' && order.push(...e.mutationIds));
  await Promise.all([first, waits, urgent, earlier, later].map((m) => m.result));
  assert.ok(order.indexOf(waits.mutationId) < order.indexOf(earlier.mutationId));
  assert.ok(order.indexOf(earlier.mutationId) < order.indexOf(later.mutationId));
  assert.equal((await server.store.get('todos', 'b')).data.n, 2);
});

test('group commit: a commit that sends a critical mutation goes to storage at once, not after the group delay', async () => {
  const started = [];
  const storage = { orderedWrites: true, write: (effect) => {
    started.push(effect);
    return new Promise((resolve) => setTimeout(resolve, 50));
  } };
  const sends = [];
  const runner = new GroupCommit({ storage: () => storage, send: (e) => sends.push(e.batch), wake() {}, writeFailed() {},
    writeSucceeded() {}, durable() {}, error: (err) => {
      throw err;
    } }, { maxDelayMs: 10_000, maxRecords: 1000 });
  const put = (key) => ({ type: 'persist', put: [{ store: 'outbox', key, value: {} }], delete: [] });
  runner.push([put(1), { type: 'send', batch: 1, mutations: [] }]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(started.length, 1);
  runner.push([put(2), { type: 'send', batch: 2, mutations: [] }]); // normal: waits for the group
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(started.length, 1, 'a normal commit waits while a write is under way');
  runner.push([put(3), { type: 'send', batch: 3, mutations: [], critical: true }]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(started.length, 2, 'the critical commit (and what waited before it) went to storage at once');
  await runner.flush();
  assert.deepEqual(sends, [1, 2, 3]);
});
