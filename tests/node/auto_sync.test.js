// autoSyncEnabled, syncInterval and pauseWhenHidden (seed 003's SyncConfiguration), against the
// real sync server with the client's outbox in (fake) IndexedDB.
//   node --test tests/node/auto_sync.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';
import { untilClient as until } from './helpers.js';

const collections = { todos: {} };
const websocket = { reconnectBaseMs: 20, reconnectMaxMs: 200 };
// A guard against hangs only: a test takes a second or two, but the first one in a process pays for
// PGlite starting, which took minutes on this machine while it was shared by many builds.
const T = { timeout: 300_000 };

function idbStorage(name) {
  return { indexedDB: new IDBFactory(), name };
}

/** A stand-in for document: an EventTarget with visibilityState. */
function fakeDocument(visibilityState = 'visible') {
  const doc = new EventTarget();
  doc.visibilityState = visibilityState;
  doc.show = (state) => {
    doc.visibilityState = state;
    doc.dispatchEvent(new Event('visibilitychange'));
  };
  return doc;
}

async function serverTitles(server) {
  return (await server.store.list('todos')).map((e) => e.data.title).sort();
}

async function untilTrue(predicate, what, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves once the server's store holds `titles` (checked on each of the server's commits). */
async function untilServerHas(server, titles, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const have = await serverTitles(server);
    if (titles.every((t) => have.includes(t))) return have;
    if (Date.now() > deadline) throw new Error(`server never got ${titles}: it has ${have}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('autoSyncEnabled false: nothing is sent or pulled until client.sync(), which connects for one round', T, async (t) => {
  const server = await startSyncServer();
  const client = await createSyncClient({ url: server.url, collections, websocket, storage: idbStorage('manual'), autoSyncEnabled: false, document: fakeDocument() });
  const other = await createSyncClient({ url: server.url, collections, websocket });
  t.after(async () => {
    await client.close();
    await other.close();
    await server.close();
  });
  client.collection('todos').create({ title: 'queued' });
  await client.flush(); // durable in IndexedDB
  other.collection('todos').create({ title: 'from other' });
  await until(other, () => other.status.pending === 0, 'other pushed');
  // Another client is connected and its write is on the server: ours never said hello.
  assert.equal(server.connections().length, 1);
  assert.equal(client.status.connected, false);
  assert.equal(client.status.pending, 1);
  assert.equal(client.status.connection, 'paused');
  assert.equal(client.statusMessage(), '1 change pending sync');
  assert.deepEqual(await serverTitles(server), ['from other']);

  const result = await client.sync();
  assert.deepEqual(result, { completed: true });
  assert.deepEqual(await serverTitles(server), ['from other', 'queued']);
  assert.equal(client.status.pending, 0);
  assert.deepEqual(client.collection('todos').list().map((e) => e.title).sort(), ['from other', 'queued'], 'the round pulled too');
  // The round is over: the connection is closed again.
  await until(client, () => !client.status.connected, 'disconnected after the round');
  await untilTrue(() => server.connections().every((c) => c.clientId !== client.core.clientId), 'the server saw the close');
  assert.equal(client.status.connection, 'paused');
  assert.equal(client.statusMessage(), 'All changes synced');

  // A network "online" event does not connect a manual client either.
  other.collection('todos').create({ title: 'later' });
  await until(other, () => other.status.pending === 0, 'other pushed again');
  assert.equal(client.collection('todos').list().length, 2);
  assert.deepEqual(await client.sync(), { completed: true });
  assert.equal(client.collection('todos').list().length, 3);
});

test('autoSyncEnabled false with syncInterval: a round every interval pushes and pulls', T, async (t) => {
  const server = await startSyncServer();
  const client = await createSyncClient({ url: server.url, collections, websocket, storage: idbStorage('interval'), autoSyncEnabled: false, syncInterval: 40, document: fakeDocument() });
  const other = await createSyncClient({ url: server.url, collections, websocket });
  t.after(async () => {
    await client.close();
    await other.close();
    await server.close();
  });
  const paused = [];
  client.on('statusChanged', (s) => s.connection === 'paused' && paused.push(s));
  client.collection('todos').create({ title: 'mine' });
  await untilServerHas(server, ['mine']);
  // Between two rounds the connection is closed again.
  await until(client, () => paused.length >= 1, 'a round ended and closed the connection');
  other.collection('todos').create({ title: 'theirs' });
  await until(other, () => other.status.pending === 0, 'other pushed');
  await until(client, () => client.collection('todos').list().some((e) => e.title === 'theirs'), 'pulled by an interval round');
});

test('autoSyncEnabled (default) with syncInterval: catch-up rounds run on the interval with the socket open', T, async (t) => {
  const server = await startSyncServer();
  const client = await createSyncClient({ url: server.url, collections, websocket, storage: idbStorage('auto'), syncInterval: 30, document: fakeDocument() });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  await until(client, () => client.status.connected, 'connected at start');
  const sent = client.getStats().transport.sent;
  // Each round asks the server for changes (sync_request) although nothing happened on the socket.
  await until(client, () => client.getStats().transport.sent >= sent + 2, 'two interval rounds', 3000);
  assert.deepEqual(await client.sync(), { completed: true });
});

test('pauseWhenHidden: no interval rounds while document.hidden; back in sight, the overdue round runs at once', T, async (t) => {
  const server = await startSyncServer();
  const doc = fakeDocument('hidden');
  const client = await createSyncClient({ url: server.url, collections, websocket, storage: idbStorage('hidden'), autoSyncEnabled: false, syncInterval: 20, pauseWhenHidden: true, document: doc });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  const rounds = [];
  client.on('syncStarted', (e) => rounds.push(e));
  client.collection('todos').create({ title: 'while hidden' });
  await client.flush();
  // Ten intervals go by hidden: no round, no connection.
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(server.connections().length, 0);
  assert.deepEqual(await serverTitles(server), []);
  assert.equal(rounds.length, 0);
  doc.show('visible');
  await untilServerHas(server, ['while hidden']);
  // Hidden again: the rounds stop (the last one ends and closes the connection).
  doc.show('hidden');
  // A round the interval started just before (still connecting) finishes first: 'paused' is the
  // state between rounds, not merely "not connected" (which a round still opening also is).
  await until(client, () => client.status.connection === 'paused' && !client.status.connected, 'the last round over');
  client.collection('todos').create({ title: 'hidden again' });
  await client.flush();
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.deepEqual(await serverTitles(server), ['while hidden']);
  // An explicit sync() still works while hidden: pauseWhenHidden pauses the interval only.
  assert.deepEqual(await client.sync(), { completed: true });
  assert.deepEqual(await serverTitles(server), ['hidden again', 'while hidden']);
});

test('sync() says why a round did not complete: offline, no server, bad options refused', T, async (t) => {
  const win = new EventTarget();
  const client = await createSyncClient({ url: 'ws://127.0.0.1:9/sync', collections, websocket, autoSyncEnabled: false, window: win, document: fakeDocument(), syncTimeoutMs: 300 });
  t.after(() => client.close());
  assert.deepEqual(await client.sync(), { completed: false, reason: 'timeout' }, 'nobody listens on port 9');
  assert.equal(client.status.connected, false);
  win.dispatchEvent(new Event('offline'));
  assert.deepEqual(await client.sync(), { completed: false, reason: 'offline' });
  win.dispatchEvent(new Event('online'));
  assert.equal(client.status.connection, 'paused', 'back online, a manual client waits for the next round');
  assert.equal(client.status.connected, false);
  const local = await createSyncClient({ collections });
  t.after(() => local.close());
  assert.deepEqual(await local.sync(), { completed: false, reason: 'no-transport' });
  await assert.rejects(createSyncClient({ collections, syncInterval: -1 }), { code: 'WRONG_TYPE' });
  await assert.rejects(createSyncClient({ collections, autoSyncEnabled: 'no' }), { code: 'WRONG_TYPE' });
});
