// Full resync through the public API against the real server on PGlite (docs/protocol.md, "Full
// resync"): a replaced database (older backup, or a new one with another epoch), a client older
// than the compaction horizon, and a restart in the middle of a resync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import WebSocket from 'ws';
import { createSyncClient, openIndexedDbStorage } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';
import { untilClient as until } from './helpers.js';

const collections = { todos: {} };
const fast = { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 };

function open(server, extra = {}) {
  return createSyncClient({ url: server.url, collections, token: 't', websocket: fast, batchTimeoutMs: 2000, ...extra });
}

// Caught up, nothing pending, no resync under way.
const settledOn = (c) => c.status.connected && !c.status.resyncing && c.status.pending === 0 && c.status.lastSyncAt !== null;

const titles = (list) => list.map((x) => x.title).sort();

async function serverTodos(server) {
  return (await server.store.list('todos')).map((e) => e.data);
}

test('the server database replaced by an older backup: stale entities go, its versions win, pending edits apply once', { timeout: 60_000 }, async (t) => {
  const live = await mkdtemp(join(tmpdir(), 'syncore-resync-live-'));
  const backup = await mkdtemp(join(tmpdir(), 'syncore-resync-backup-'));
  let server = await startSyncServer({ dataDir: live });
  const port = server.port;
  const a = await open(server);
  t.after(async () => {
    await a.close();
    await server.close();
    await rm(live, { recursive: true, force: true });
    await rm(backup, { recursive: true, force: true });
  });
  await until(a, () => a.status.connected, 'connected');
  const kept = await a.collection('todos').create({ title: 'kept', n: 1 }).result;
  // The backup is taken here, with the server stopped (a consistent copy of the data folder).
  await server.close();
  await cp(live, backup, { recursive: true });
  server = await startSyncServer({ dataDir: live, port });
  await until(a, () => settledOn(a), 'reconnected');
  await a.collection('todos').create({ title: 'lost with the database' }).result;
  assert.equal((await a.collection('todos').patch(kept.id, { n: 2 }).result).status, 'acked');
  const cursorBefore = a.core.cursor;

  // The live database is lost; the backup is restored behind the same address.
  a.goOffline();
  await until(a, () => !a.status.connected, 'offline');
  await server.close();
  server = await startSyncServer({ dataDir: backup, port });
  assert.ok((await server.store.head()).cursor < cursorBefore, 'the backup is behind what the client had seen');
  // Edits made meanwhile stay queued through the resync.
  const edit = a.collection('todos').patch(kept.id, { title: 'edited offline' });
  const made = a.collection('todos').create({ title: 'made offline' });
  a.goOnline();
  assert.equal((await edit.result).status, 'acked');
  assert.equal((await made.result).status, 'acked');
  await until(a, () => settledOn(a), 'resynced and drained');

  // (The server numbers ids again from the backup's counter: compare by content, not by id.)
  assert.ok(!titles(a.collection('todos').list()).includes('lost with the database'), 'the entity the backup lacks is gone');
  // The backup's n (1), with the offline edit on top of it.
  assert.deepEqual({ ...a.collection('todos').get(kept.id) }, { id: kept.id, title: 'edited offline', n: 1 });
  assert.equal(a.core.cursor, (await server.store.head()).cursor);
  const onServer = await serverTodos(server);
  assert.deepEqual(titles(onServer), ['edited offline', 'made offline'], 'each pending edit applied exactly once');
  assert.deepEqual(titles(a.collection('todos').list()), titles(onServer));
  assert.equal(a.statusMessage(), 'All changes synced');
});

test('a new database (another epoch, a higher cursor): the client drops what it held, keeps its pending create', { timeout: 60_000 }, async (t) => {
  let server = await startSyncServer();
  const port = server.port;
  const a = await open(server);
  t.after(async () => {
    await a.close();
    await server.close();
  });
  await until(a, () => a.status.connected, 'connected');
  await a.collection('todos').create({ title: 'old database' }).result;
  const edited = await a.collection('todos').create({ title: 'edited later' }).result;
  a.goOffline();
  await until(a, () => !a.status.connected, 'offline');
  await server.close();
  server = await startSyncServer({ port });
  // The new database is ahead of the client's cursor: only its epoch tells it apart.
  for (let i = 0; i < 6; i++) await server.write('todos', { id: `n${i}`, title: `new ${i}` }, { actor: 'admin' });
  assert.ok((await server.store.head()).cursor > a.core.cursor);
  const edit = a.collection('todos').patch(edited.id, { title: 'edited offline' });
  const made = a.collection('todos').create({ title: 'made offline' });
  a.goOnline();
  assert.equal((await made.result).status, 'acked');
  // The server no longer has it: under server-wins its removal wins over the edit (a conflict).
  assert.equal((await edit.result).status, 'overridden');
  await until(a, () => settledOn(a), 'resynced');
  const held = titles(a.collection('todos').list());
  assert.ok(!held.includes('old database') && !held.includes('edited later') && !held.includes('edited offline'), held.join());
  assert.equal(held.length, 7);
  const onServer = await serverTodos(server);
  assert.deepEqual(titles(a.collection('todos').list()), titles(onServer));
  assert.equal(onServer.filter((x) => x.title === 'made offline').length, 1);
  assert.equal(a.core.cursor, (await server.store.head()).cursor);
});

test('a client older than the compaction horizon loses an entity deleted and compacted away', { timeout: 60_000 }, async (t) => {
  const server = await startSyncServer({ compactEveryMs: 0 });
  const a = await open(server);
  const b = await open(server);
  t.after(async () => {
    await a.close();
    await b.close();
    await server.close();
  });
  await until(a, () => a.status.connected, 'a connected');
  const doomed = await a.collection('todos').create({ title: 'deleted while a is away' }).result;
  const stays = await a.collection('todos').create({ title: 'stays' }).result;
  await until(b, () => b.collection('todos').count() === 2, 'b has both');
  a.goOffline();
  await until(a, () => !a.status.connected, 'a offline');
  assert.equal((await b.collection('todos').delete(doomed.id).result).status, 'acked');
  await server.compact({ tombstoneRetentionMs: 0 });
  assert.ok(server.store.horizon > a.core.cursor, 'a is now older than the horizon');
  a.goOnline();
  await until(a, () => settledOn(a) && a.core.cursor >= server.store.horizon, 'a resynced');
  assert.equal(a.collection('todos').get(doomed.id), undefined);
  assert.equal(a.collection('todos').get(stays.id)?.title, 'stays');
  assert.equal(a.statusMessage(), 'All changes synced');
});

// A WebSocket that stops handing messages on after the first chunk of the catch-up, as a link
// that dies mid-way would.
function cutAfterFirstChunk(state) {
  return class CutWebSocket extends WebSocket {
    set onmessage(fn) {
      super.onmessage = (event) => {
        if (state.cut) return;
        if (String(event.data).startsWith('{"type":"sync_response"')) state.cut = state.chunks++ >= 1;
        if (!state.cut) fn(event);
      };
    }
    get onmessage() {
      return super.onmessage;
    }
  };
}

test('a restart in the middle of a resync starts it over and is never reported as synced', { timeout: 60_000 }, async (t) => {
  let server = await startSyncServer();
  const port = server.port;
  const indexedDB = new IDBFactory();
  const first = await createSyncClient({
    url: server.url, collections, token: 't', websocket: fast, storage: await openIndexedDbStorage({ name: 'app', indexedDB }),
  });
  t.after(() => server.close());
  await until(first, () => settledOn(first), 'first sync');
  await first.collection('todos').create({ title: 'old database' }).result;
  first.goOffline();
  await until(first, () => !first.status.connected, 'offline');
  await first.close();

  // The database is replaced; its content comes in chunks of one.
  await server.close();
  server = await startSyncServer({ port });
  for (let i = 0; i < 4; i++) await server.write('todos', { id: `n${i}`, title: `new ${i}` }, { actor: 'admin' });
  const state = { chunks: 0, cut: false };
  const cut = await createSyncClient({
    url: server.url, collections, token: 't', WebSocket: cutAfterFirstChunk(state),
    websocket: { ...fast, catchUpLimit: 1, heartbeatMs: 60_000 }, storage: await openIndexedDbStorage({ name: 'app', indexedDB }),
  });
  await until(cut, () => cut.collection('todos').get('n0') !== undefined, 'the first chunk applied');
  for (let i = 0; i < 200 && !state.cut; i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(state.cut, 'the link went silent after the first chunk');
  assert.equal(cut.status.resyncing, true);
  assert.notEqual(cut.statusMessage(), 'All changes synced');
  assert.ok(cut.collection('todos').get('n1') === undefined);
  await cut.flush();
  await cut.close();

  const again = await createSyncClient({
    url: server.url, collections, token: 't', websocket: { ...fast, catchUpLimit: 1 },
    storage: await openIndexedDbStorage({ name: 'app', indexedDB }),
  });
  t.after(() => again.close());
  // Straight from storage, before any answer: the half state is not "synced".
  assert.equal(again.status.resyncing, true);
  assert.notEqual(again.statusMessage(), 'All changes synced');
  await until(again, () => settledOn(again), 'resync finished');
  assert.deepEqual(titles(again.collection('todos').list()), ['new 0', 'new 1', 'new 2', 'new 3']);
  assert.equal(again.core.cursor, (await server.store.head()).cursor);
  assert.equal(again.statusMessage(), 'All changes synced');
});
