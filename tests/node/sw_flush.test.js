// syncore/sw's flush path in Node: the outbox a page left in (fake) IndexedDB, sent by
// flushOutbox() — what the Service Worker runs on a `sync` event — against the real sync server,
// under the leader tab's Web Lock (a small in-memory Web Locks here: Node has no navigator.locks).
// The same in headless Chromium with a real Service Worker: tests/browser/background_sync.test.js.
//   node --test tests/node/sw_flush.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient } from '../../js/node.js';
import { flushOutbox, installBackgroundSync, BACKGROUND_SYNC_TAG, FLUSH_MESSAGE, FLUSHED_MESSAGE } from '../../js/sw/index.js';
import { createElection, leaderLockName } from '../../js/tabs/election.js';
import { startSyncServer } from '../../server/sync_server.js';
import { memoryLocks } from '../support/web_locks.js';

const collections = { todos: {} };
const websocket = { reconnectBaseMs: 20, reconnectMaxMs: 200 };
// A guard against hangs only: a test takes a second or two, but the first one in a process pays for
// PGlite starting, which took minutes on this machine while it was shared by many builds.
const T = { timeout: 300_000 };

/** A page's client on the shared database, offline on purpose: its edits wait in the outbox. */
async function offlinePage(server, indexedDB, titles) {
  const page = await createSyncClient({ url: server.url, collections, websocket, storage: { indexedDB, name: 'app' } });
  page.goOffline();
  for (const title of titles) page.collection('todos').create({ title });
  await page.flush();
  const { clientId } = page.core;
  await page.close();
  return clientId;
}

async function appliedOnServer(server) {
  const log = await server.store.changeLog(0);
  return { origins: log.map((c) => c.origin), titles: (await server.store.list('todos')).map((e) => e.data.title).sort() };
}

test('flushOutbox sends the outbox a closed page left, each mutation once, and stores the acks', T, async (t) => {
  const server = await startSyncServer();
  t.after(() => server.close());
  const indexedDB = new IDBFactory();
  const locks = memoryLocks();
  const pageClientId = await offlinePage(server, indexedDB, ['a', 'b', 'c']);
  assert.deepEqual((await appliedOnServer(server)).titles, []);

  const result = await flushOutbox({ url: server.url, collections, websocket, storage: { indexedDB, name: 'app' }, locks, createSyncClient });
  assert.equal(result.outcome, 'flushed');
  assert.equal(result.completed, true);
  assert.equal(result.pushed, 3);
  assert.equal(result.pending, 0);
  assert.equal(result.clientId, pageClientId, 'the worker sends as the page did: same client id, same idempotency keys');
  const applied = await appliedOnServer(server);
  assert.deepEqual(applied.titles, ['a', 'b', 'c']);
  assert.equal(new Set(applied.origins).size, 3, 'each mutation id applied once');

  // The acks are stored: a page opening later has nothing to send, and sends nothing again.
  const again = await flushOutbox({ url: server.url, collections, websocket, storage: { indexedDB, name: 'app' }, locks, createSyncClient });
  assert.equal(again.outcome, 'nothing-pending');
  const page = await createSyncClient({ url: server.url, collections, websocket, storage: { indexedDB, name: 'app' } });
  t.after(() => page.close());
  assert.equal(page.status.pending, 0);
  assert.deepEqual(page.collection('todos').list().map((e) => e.title).sort(), ['a', 'b', 'c']);
  assert.deepEqual(await page.sync(), { completed: true });
  assert.equal((await server.store.changeLog(0)).length, 3);
});

test('while a page leads (holds the lock) flushOutbox sends nothing; while it flushes, a page cannot lead', T, async (t) => {
  const server = await startSyncServer();
  t.after(() => server.close());
  const indexedDB = new IDBFactory();
  const locks = memoryLocks();
  await offlinePage(server, indexedDB, ['x', 'y']);

  // A page leads: it holds the leader lock until it goes.
  let leave;
  const leading = locks.request(leaderLockName('app'), () => new Promise((resolve) => (leave = resolve)));
  const skipped = await flushOutbox({ url: server.url, collections, websocket, storage: { indexedDB, name: 'app' }, locks, lockWaitMs: 50, createSyncClient });
  assert.equal(skipped.outcome, 'tab-leads');
  assert.equal(server.connections().length, 0, 'the worker never connected');
  assert.deepEqual((await appliedOnServer(server)).titles, []);
  leave();
  await leading;

  // The worker flushes; a page that opens meanwhile runs the real election on the same lock: it
  // follows, and is elected only once the worker's client closed with every ack stored.
  const events = [];
  let elected;
  const electedOnce = new Promise((resolve) => (elected = resolve));
  const election = createElection({ name: 'app', tabId: 'page', locks, onElected: () => {
    events.push('page elected');
    elected();
  } });
  t.after(() => election.close());
  const result = await flushOutbox({
    url: server.url, collections, websocket, storage: { indexedDB, name: 'app' }, locks, createSyncClient: async (o) => {
      events.push(`page leads at once: ${await election.start()}`);
      const client = await createSyncClient(o);
      const close = client.close.bind(client);
      client.close = async () => {
        await close();
        events.push('worker closed');
      };
      return client;
    },
  });
  await electedOnce;
  assert.equal(result.outcome, 'flushed');
  assert.deepEqual(events, ['page leads at once: false', 'worker closed', 'page elected']);
  const applied = await appliedOnServer(server);
  assert.deepEqual(applied.titles, ['x', 'y']);
  assert.equal(new Set(applied.origins).size, applied.origins.length);
});

test('a sync event whose flush cannot reach the server fails (the browser retries) and keeps the outbox; lastChance resolves', T, async (t) => {
  const server = await startSyncServer();
  const indexedDB = new IDBFactory();
  const locks = memoryLocks();
  await offlinePage(server, indexedDB, ['kept']);
  const url = server.url;
  await server.close(); // the server is down

  const scope = new EventTarget();
  const results = [];
  installBackgroundSync({ scope, url, collections, websocket, storage: { indexedDB, name: 'app' }, locks, timeoutMs: 300, createSyncClient, onResult: (r) => results.push(r) });
  const dispatchSync = (lastChance) => {
    const event = new Event('sync');
    let done;
    Object.assign(event, { tag: BACKGROUND_SYNC_TAG, lastChance, waitUntil: (p) => (done = p) });
    scope.dispatchEvent(event);
    return done;
  };
  await assert.rejects(dispatchSync(false), /timeout/);
  await dispatchSync(true); // the last chance: nothing more the browser could do
  assert.deepEqual(results.map((r) => [r.trigger, r.outcome, r.pending]), [['sync', 'timeout', 1], ['sync', 'timeout', 1]]);

  const other = new Event('sync');
  let waited = false;
  Object.assign(other, { tag: 'someone-else', waitUntil: () => (waited = true) });
  scope.dispatchEvent(other);
  assert.equal(waited, false, "another tag is the app's own business");

  const page = await createSyncClient({ url, collections, storage: { indexedDB, name: 'app' } });
  t.after(() => page.close());
  assert.equal(page.status.pending, 1, 'the outbox still holds the change');
});

test('flushOutbox without a database or without Web Locks', T, async () => {
  const indexedDB = new IDBFactory();
  const result = await flushOutbox({ url: 'ws://127.0.0.1:9/sync', collections, storage: { indexedDB, name: 'never-opened' }, locks: memoryLocks(), createSyncClient });
  assert.equal(result.outcome, 'no-database');
  assert.deepEqual(await indexedDB.databases(), [], 'no database was created');
  await assert.rejects(flushOutbox({ url: 'ws://127.0.0.1:9/sync', collections, storage: { indexedDB }, locks: null, createSyncClient }), { code: 'NOT_CONFIGURED' });
});

test("a page's flush message runs the same flush in the worker and is answered with its result; events at once share one flush", T, async (t) => {
  const server = await startSyncServer();
  t.after(() => server.close());
  const indexedDB = new IDBFactory();
  await offlinePage(server, indexedDB, ['m1', 'm2']);
  const scope = new EventTarget();
  const results = [];
  installBackgroundSync({ scope, url: server.url, collections, websocket, storage: { indexedDB, name: 'app' }, locks: memoryLocks(), createSyncClient, onResult: (r) => results.push(r) });
  const answers = [];
  const message = new Event('message');
  let messageDone;
  Object.assign(message, { data: { type: FLUSH_MESSAGE }, source: { postMessage: (m) => answers.push(m) }, waitUntil: (p) => (messageDone = p) });
  scope.dispatchEvent(message);
  const sync = new Event('sync');
  let syncDone;
  Object.assign(sync, { tag: BACKGROUND_SYNC_TAG, lastChance: false, waitUntil: (p) => (syncDone = p) });
  scope.dispatchEvent(sync);
  await Promise.all([messageDone, syncDone]);
  assert.deepEqual(answers.map((a) => [a.type, a.result.trigger, a.result.outcome, a.result.pushed]), [[FLUSHED_MESSAGE, 'message', 'flushed', 2]]);
  assert.deepEqual(results.map((r) => [r.trigger, r.outcome, r.shared ?? false]), [['message', 'flushed', false], ['sync', 'flushed', true]]);
  const applied = await appliedOnServer(server);
  assert.deepEqual(applied.titles, ['m1', 'm2']);
  assert.equal(applied.origins.length, 2);
});

test("with userId the worker flushes that user's own database (the name and lock the pages use)", T, async (t) => {
  const server = await startSyncServer();
  t.after(() => server.close());
  const indexedDB = new IDBFactory();
  const page = await createSyncClient({ url: server.url, collections, websocket, userId: 'ann', storage: { indexedDB, name: 'app' } });
  page.goOffline();
  page.collection('todos').create({ title: "ann's" });
  await page.flush();
  await page.close();
  const locks = memoryLocks();
  const other = await flushOutbox({ url: server.url, collections, websocket, userId: 'bob', storage: { indexedDB, name: 'app' }, locks, createSyncClient });
  assert.equal(other.outcome, 'no-database');
  let leave;
  const annLeads = locks.request(leaderLockName('app:user:ann'), () => new Promise((resolve) => (leave = resolve)));
  const blocked = await flushOutbox({ url: server.url, collections, websocket, userId: 'ann', storage: { indexedDB, name: 'app' }, locks, lockWaitMs: 30, createSyncClient });
  assert.equal(blocked.outcome, 'tab-leads', "ann's leader tab holds ann's lock");
  leave();
  await annLeads;
  const result = await flushOutbox({ url: server.url, collections, websocket, userId: 'ann', storage: { indexedDB, name: 'app' }, locks, createSyncClient });
  assert.deepEqual([result.outcome, result.pushed], ['flushed', 1]);
  assert.deepEqual((await appliedOnServer(server)).titles, ["ann's"]);
});
