// Storage evicted while no tab was open, and persistent storage: through createSyncClient on
// fake-indexeddb against the reference server. The database is deleted between two clients (as a
// browser evicting the origin's IndexedDB would); the marker kept outside IndexedDB (a stand-in
// for localStorage here: Node has none) tells the next start what was lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';
import { untilClient as until } from './helpers.js';

const fast = { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 };
const collections = { todos: {} };

/** localStorage's interface over a Map. */
function fakeLocalStorage() {
  const map = new Map();
  return {
    map,
    getItem: (k) => (map.has(k) ? map.get(k) : null),
    setItem: (k, v) => map.set(k, String(v)),
    removeItem: (k) => map.delete(k),
  };
}

const deleteDatabase = (factory, name) =>
  new Promise((resolve, reject) => {
    const req = factory.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error);
  });

/** A client with `n` edits made offline (pending), written to storage, then closed. */
async function leavePending(server, device, n) {
  const client = await createSyncClient({ ...device, url: server.url, token: 't', websocket: fast });
  await until(client, () => client.status.connected, 'connected');
  await client.collection('todos').create({ title: 'synced' }).result;
  client.goOffline();
  await until(client, () => !client.status.connected, 'offline');
  for (let i = 0; i < n; i++) client.collection('todos').create({ title: `offline ${i}` });
  assert.equal(client.status.pending, n);
  const { clientId } = client.core;
  await client.flush();
  await client.close();
  return clientId;
}

test('a database evicted while closed, with pending edits: reported at the next start (event, status, report)', async (t) => {
  const server = await startSyncServer();
  t.after(() => server.close());
  const device = { collections, storage: { indexedDB: new IDBFactory(), name: 'evict', evictionMarker: fakeLocalStorage() } };
  const lostClientId = await leavePending(server, device, 3);

  await deleteDatabase(device.storage.indexedDB, 'evict');
  const events = [];
  const onEvent = [];
  const client = await createSyncClient({ ...device, storage: { ...device.storage, onEvent: (e) => onEvent.push(e) }, url: server.url, token: 't', websocket: fast });
  client.on('storageEvent', (e) => events.push(e));
  t.after(() => client.close());
  await until(client, () => events.some((e) => e.type === 'storage-evicted'), 'a storage-evicted event');
  const evicted = events.find((e) => e.type === 'storage-evicted');
  assert.equal(evicted.lost, 3);
  assert.equal(evicted.pending, 3);
  assert.equal(evicted.clientId, lostClientId);
  assert.deepEqual(onEvent.filter((e) => e.type === 'storage-evicted').map((e) => e.lost), [3], 'the storage option onEvent hears it during the open');
  assert.equal(client.restoreReport.evicted.lost, 3);
  assert.equal(client.status.storageWarning?.code, 'STORAGE_EVICTED');
  assert.match(client.status.storageWarning.message, /3 unsynced changes/);
  assert.notEqual(client.core.clientId, lostClientId);
  // The app still works: it catches up from the server (the synced todo comes back).
  await until(client, () => client.collection('todos').list().some((x) => x.title === 'synced'), 'caught up');
});

test('no false alarm: a reopened database, a cleared one (clearLocalData) and one that never held pending edits', async (t) => {
  const server = await startSyncServer();
  t.after(() => server.close());
  const marker = fakeLocalStorage();
  const device = { collections, storage: { indexedDB: new IDBFactory(), name: 'keep', evictionMarker: marker } };
  await leavePending(server, device, 2);

  const reopened = await createSyncClient({ ...device });
  assert.equal(reopened.status.pending, 2);
  assert.equal(reopened.restoreReport.evicted, null);
  assert.equal(reopened.status.storageWarning, null);
  await reopened.clearLocalData();
  await reopened.close();
  await deleteDatabase(device.storage.indexedDB, 'keep');
  const afterClear = await createSyncClient({ ...device });
  assert.equal(afterClear.restoreReport.evicted, null, 'cleared on purpose: nothing is owed');
  await afterClear.close();

  // Everything synced, then deleted: nothing unsynced was lost, so nothing to report.
  const synced = await createSyncClient({ ...device, url: server.url, token: 't', websocket: fast });
  await until(synced, () => synced.status.connected, 'connected');
  await synced.collection('todos').create({ title: 'acked' }).result;
  await synced.flush();
  await synced.close();
  await deleteDatabase(device.storage.indexedDB, 'keep');
  const fresh = await createSyncClient({ ...device });
  assert.equal(fresh.restoreReport.evicted, null);
  assert.equal(fresh.status.storageWarning, null);
  await fresh.close();
});

test('persistent storage is requested for IndexedDB and reported in status.storagePersisted', async (t) => {
  const calls = [];
  const manager = (granted) => ({
    persisted: async () => {
      calls.push('persisted');
      return false;
    },
    persist: async () => {
      calls.push('persist');
      return granted;
    },
  });
  const idb = () => ({ indexedDB: new IDBFactory(), evictionMarker: null });
  const granted = await createSyncClient({ collections, storage: idb(), navigator: { storage: manager(true) } });
  t.after(() => granted.close());
  await until(granted, () => granted.status.storagePersisted === true, 'persisted: true');
  assert.deepEqual(calls, ['persisted', 'persist']);

  calls.length = 0;
  const off = await createSyncClient({ collections, storage: idb(), navigator: { storage: manager(true) }, persistStorage: false });
  t.after(() => off.close());
  await until(off, () => off.status.storagePersisted === false, 'persisted: false, not asked');
  assert.deepEqual(calls, ['persisted']);

  const refused = await createSyncClient({ collections, storage: idb(), navigator: { storage: manager(false) } });
  t.after(() => refused.close());
  await until(refused, () => refused.status.storagePersisted === false, 'refused: false');

  // Unknown (no StorageManager), and not applicable (memory storage): null; storage stays a string.
  const unknown = await createSyncClient({ collections, storage: idb(), navigator: {} });
  const memory = await createSyncClient({ collections, storage: 'memory', navigator: { storage: manager(true) } });
  t.after(() => unknown.close());
  t.after(() => memory.close());
  assert.equal(unknown.status.storagePersisted, null);
  assert.equal(memory.status.storagePersisted, null);
  assert.equal(typeof unknown.status.storage, 'string');
});
