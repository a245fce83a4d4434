// Storage adapters for persist effects: IndexedDB (through fake-indexeddb) and memory, and a
// restart of the real core from what the IndexedDB adapter stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory, IDBDatabase, IDBObjectStore, forceCloseDatabase } from 'fake-indexeddb';
import { openIndexedDbStorage } from '../../js/storage/indexeddb.js';
import { createMemoryStorage } from '../../js/storage/memory.js';
import { inspectStored } from '../../js/storage/record_codec.js';
import { createSyncCore, createSyncClient } from '../../js/node.js';

const META = { store: 'meta', key: 'core', value: { clientId: 'c1', cursor: 3 } };
const everyStore = () => ({
  type: 'persist',
  put: [
    { store: 'entities', key: ['todos', '1'], value: { data: { id: '1', title: 'a' }, deleted: false, version: 1 } },
    { store: 'entities', key: ['notes', '1'], value: { data: { id: '1' }, deleted: true, version: 4 } },
    { store: 'outbox', key: 1, value: { seq: 1, collection: 'todos', payload: { title: 'b' }, meta: { base: null } } },
    { store: 'deadLetters', key: 2, value: { entry: { seq: 2, collection: 'todos', payload: {} }, errorClass: 'validation', message: 'no' } },
    { store: 'conflicts', key: 'conflict-1', value: { id: 'conflict-1', collection: 'todos', base: {}, local: {}, remote: {}, patch: {} } },
    META,
  ],
  delete: [],
});

const byStoreKey = (records) =>
  [...records].sort((a, b) => (a.store + JSON.stringify(a.key)).localeCompare(b.store + JSON.stringify(b.key)));

function recorder() {
  const events = [];
  return { events, onEvent: (e) => events.push(e) };
}

/** Reads one store straight from IndexedDB, bypassing the adapter (values as the stored form shows them). */
async function rawRead(factory, name, store) {
  const db = await new Promise((resolve, reject) => {
    const req = factory.open(name);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const tx = db.transaction(store, 'readonly');
  const keys = tx.objectStore(store).getAllKeys();
  const values = tx.objectStore(store).getAll();
  await new Promise((resolve) => (tx.oncomplete = resolve));
  db.close();
  return keys.result.map((key, i) => ({ key, value: inspectStored(values.result[i]) }));
}

/** Swaps a prototype method for the duration of fn. */
async function patched(proto, method, replacement, fn) {
  const original = proto[method];
  proto[method] = replacement(original);
  try {
    return await fn();
  } finally {
    proto[method] = original;
  }
}

test('every store round-trips, deletes apply, and the input effect is left as it was', async () => {
  const indexedDB = new IDBFactory();
  const storage = await openIndexedDbStorage({ indexedDB });
  assert.equal(storage.kind, 'indexeddb');
  const effect = everyStore();
  const copy = structuredClone(effect);
  await storage.write(effect);
  assert.deepEqual(effect, copy);
  assert.deepEqual(byStoreKey(await storage.readAll()), byStoreKey(effect.put));

  await storage.write({ type: 'persist', put: [], delete: [{ store: 'outbox', key: 1 }, { store: 'entities', key: ['notes', '1'] }] });
  const left = await storage.readAll();
  assert.equal(left.length, effect.put.length - 2);
  assert.ok(!left.some((r) => r.store === 'outbox'));
  assert.deepEqual(left.find((r) => r.store === 'entities').key, ['todos', '1']);
  await storage.write({ type: 'persist', put: [], delete: [] }); // nothing to do: no transaction
  await assert.rejects(storage.write({ type: 'send', batch: 1, mutations: [] }), { code: 'STORAGE_FAILED' });
  await storage.close();
  await assert.rejects(storage.write(everyStore()), { code: 'STORAGE_FAILED' });
});

test('one transaction per write: an invalid record aborts the whole write', async () => {
  const indexedDB = new IDBFactory();
  const storage = await openIndexedDbStorage({ indexedDB });
  await storage.write({ type: 'persist', put: [META], delete: [] });
  const modes = [];
  await patched(IDBDatabase.prototype, 'transaction', (orig) => function (...args) {
    modes.push(args[1]);
    return orig.apply(this, args);
  }, async () => {
    await storage.write(everyStore());
    assert.deepEqual(modes, ['readwrite']);
    const bad = everyStore();
    bad.put[0] = { ...bad.put[0], value: { data: { id: '1', fn: () => 1 } } }; // not cloneable
    bad.put.push({ store: 'meta', key: 'core', value: { clientId: 'c1', cursor: 99 } });
    bad.delete.push({ store: 'outbox', key: 1 });
    await assert.rejects(storage.write(bad), { code: 'STORAGE_FAILED' });
    assert.deepEqual(modes, ['readwrite', 'readwrite']);
  });
  // Nothing of the failed write is visible: the meta cursor and the outbox entry are as before.
  assert.deepEqual(byStoreKey(await storage.readAll()), byStoreKey(everyStore().put));
  await assert.rejects(storage.write({ type: 'persist', put: [{ store: 'bogus', key: 1, value: {} }], delete: [] }), { code: 'STORAGE_FAILED' });
  await assert.rejects(storage.write({ type: 'persist', put: [{ store: 'meta', key: { no: 1 }, value: {} }], delete: [] }), { code: 'STORAGE_FAILED' });
  await storage.close();
});

test('write resolves only after the transaction completed, with strict durability', async () => {
  const indexedDB = new IDBFactory();
  const storage = await openIndexedDbStorage({ indexedDB, name: 'durable' });
  const seen = [];
  let resolved = false;
  await patched(IDBDatabase.prototype, 'transaction', (orig) => function (...args) {
    const tx = orig.apply(this, args);
    const entry = { options: args[2], completed: false, resolvedBeforeComplete: null };
    seen.push(entry);
    tx.addEventListener('complete', () => {
      entry.completed = true;
      entry.resolvedBeforeComplete = resolved;
    });
    return tx;
  }, async () => {
    const pending = storage.write(everyStore());
    pending.then(() => (resolved = true));
    await pending;
    assert.equal(seen.length, 1);
    assert.equal(seen[0].completed, true);
    assert.equal(seen[0].resolvedBeforeComplete, false);
    assert.equal(seen[0].options.durability, 'strict');
  });
  // Another connection sees it all as soon as write resolved.
  assert.equal((await rawRead(indexedDB, 'durable', 'entities')).length, 2);
  await storage.close();
});

test('readAll after reopening the same database', async () => {
  const indexedDB = new IDBFactory();
  const first = await openIndexedDbStorage({ indexedDB, name: 'app' });
  await first.write(everyStore());
  await first.close();
  const other = await openIndexedDbStorage({ indexedDB, name: 'other' });
  assert.deepEqual(await other.readAll(), []);
  const again = await openIndexedDbStorage({ indexedDB, name: 'app' });
  const records = await again.readAll();
  assert.deepEqual(byStoreKey(records), byStoreKey(everyStore().put));
  assert.ok(Array.isArray(records.find((r) => r.store === 'entities').key));
  await Promise.all([other.close(), again.close()]);
});

test('sensitive fields never reach IndexedDB: the core leaves them out; an adapter takes no schema', async (t) => {
  const indexedDB = new IDBFactory();
  const collections = { people: { sensitiveFields: ['ssn', 'notes.private', 'kids.ssn'] }, todos: {} };
  const client = await createSyncClient({ collections, storage: { indexedDB, name: 'pii' } });
  t.after(() => client.close());
  const person = { id: 'p', name: 'Ann', ssn: '123', notes: { private: 'x', public: 'y' }, kids: [{ n: 'k', ssn: '9' }] };
  const clean = { id: 'p', name: 'Ann', notes: { public: 'y' }, kids: [{ n: 'k' }] };
  client.core.load('people', [{ version: 1, data: person }]);
  client.core.load('todos', [{ version: 1, data: { id: 't', ssn: 'kept' } }]);
  client.collection('people').patch('p', { ssn: '1', name: 'B' });
  await client.flush();
  const entities = await rawRead(indexedDB, 'pii', 'entities');
  assert.deepEqual(entities.find((r) => r.key[0] === 'people').value.data, clean);
  assert.equal(entities.find((r) => r.key[0] === 'todos').value.data.ssn, 'kept'); // other collections are not affected
  const [outbox] = await rawRead(indexedDB, 'pii', 'outbox');
  assert.deepEqual([outbox.value.payload, outbox.value.meta.base], [{ name: 'B' }, clean]);
  assert.deepEqual(outbox.value.redactedFields, ['ssn']);
  assert.equal(client.collection('people').get('p').ssn, '1'); // the view keeps the data
  // Storage adapters store opaque records: the old storage option is refused, never ignored.
  await assert.rejects(openIndexedDbStorage({ indexedDB, name: 'pii-2', sensitiveFields: { people: ['ssn'] } }), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => createMemoryStorage({ sensitiveFields: { people: ['ssn'] } }), { code: 'INVALID_ARGUMENT' });
});

test('the migration hook runs after the stores exist, with old and new versions', async () => {
  const indexedDB = new IDBFactory();
  const calls = [];
  const migrate = ({ db, transaction, oldVersion, newVersion }) => {
    calls.push([oldVersion, newVersion, [...db.objectStoreNames].sort()]);
    if (oldVersion === 1) transaction.objectStore('meta').put({ migrated: true }, 'core');
  };
  const v1 = await openIndexedDbStorage({ indexedDB, name: 'm', migrate });
  await v1.write({ type: 'persist', put: [META], delete: [] });
  await v1.close();
  const v1again = await openIndexedDbStorage({ indexedDB, name: 'm', migrate });
  await v1again.close();
  const v2 = await openIndexedDbStorage({ indexedDB, name: 'm', version: 2, migrate });
  const stores = ['conflicts', 'deadLetters', 'entities', 'meta', 'outbox'];
  assert.deepEqual(calls, [[0, 1, stores], [1, 2, stores]]);
  assert.deepEqual((await v2.readAll()).find((r) => r.store === 'meta').value, { migrated: true });
  await v2.close();

  // A failing migration leaves the database as it was; the app gets memory storage and the event.
  const { events, onEvent } = recorder();
  const broken = await openIndexedDbStorage({ indexedDB, name: 'm', version: 3, onEvent, migrate: () => { throw new Error('bad migration'); } });
  assert.equal(broken.kind, 'memory');
  assert.equal(events[0].type, 'storage-unavailable');
  assert.match(events[0].message, /bad migration/);
  assert.equal((await rawRead(indexedDB, 'm', 'meta'))[0].value.migrated, true);
});

test('clear empties every store and the storage stays usable', async () => {
  const indexedDB = new IDBFactory();
  const storage = await openIndexedDbStorage({ indexedDB });
  await storage.write(everyStore());
  await storage.clear();
  assert.deepEqual(await storage.readAll(), []);
  await storage.write({ type: 'persist', put: [META], delete: [] });
  assert.deepEqual(await storage.readAll(), [META]);
  await storage.close();
});

test('a quota error rejects the write with STORAGE_QUOTA; retrying the same effect loses nothing', async () => {
  const indexedDB = new IDBFactory();
  const { events, onEvent } = recorder();
  const storage = await openIndexedDbStorage({ indexedDB, onEvent });
  await storage.write({ type: 'persist', put: [META], delete: [] });
  const effect = everyStore();
  effect.put[5] = { store: 'meta', key: 'core', value: { clientId: 'c1', cursor: 4 } };
  effect.delete.push({ store: 'outbox', key: 7 });

  // put() throwing, as some engines report it.
  await patched(IDBObjectStore.prototype, 'put', () => function () {
    throw new DOMException('disk full', 'QuotaExceededError');
  }, () => assert.rejects(storage.write(effect), (err) => err.name === 'SyncError' && err.code === 'STORAGE_QUOTA'));
  // The transaction aborted by the browser with a QuotaExceededError (fake-indexeddb's own abort
  // steps, as the spec's "abort a transaction with error").
  await patched(IDBObjectStore.prototype, 'put', (orig) => function (...args) {
    const req = orig.apply(this, args);
    if (this.name === 'conflicts') this.transaction._abort('QuotaExceededError');
    return req;
  }, () => assert.rejects(storage.write(effect), { code: 'STORAGE_QUOTA' }));
  assert.deepEqual(events.map((e) => [e.type, e.code]), [['storage-error', 'STORAGE_QUOTA'], ['storage-error', 'STORAGE_QUOTA']]);
  assert.match(events[0].message, /disk full/);
  assert.deepEqual(await storage.readAll(), [META]); // neither attempt left anything behind

  await storage.write(effect); // the caller's retry, fault gone
  assert.deepEqual(byStoreKey(await storage.readAll()), byStoreKey(effect.put));
  await storage.close();
});

test('versionchange or a forced close: storage-closed, then the next write reopens', { timeout: 5000 }, async () => {
  const indexedDB = new IDBFactory();
  const connections = [];
  const watched = {
    open: (...args) => {
      const req = indexedDB.open(...args);
      req.addEventListener('success', () => connections.push(req.result));
      return req;
    },
  };
  const { events, onEvent } = recorder();
  const storage = await openIndexedDbStorage({ indexedDB: watched, name: 'tabs', onEvent });
  await storage.write({ type: 'persist', put: [META], delete: [] });
  const types = () => events.map((e) => e.type);

  // Another tab deletes the database (clear site data): we must let go or it stays blocked.
  await new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase('tabs');
    req.onsuccess = resolve;
    req.onerror = () => reject(req.error);
  });
  assert.deepEqual(events, [{ type: 'storage-closed', reason: 'versionchange', newVersion: null }]);
  await storage.write(everyStore());
  assert.equal(connections.length, 2);
  assert.deepEqual(byStoreKey(await storage.readAll()), byStoreKey(everyStore().put));

  forceCloseDatabase(connections[1]); // the browser closing it
  assert.deepEqual(events.at(-1), { type: 'storage-closed', reason: 'close' });
  assert.equal((await storage.readAll()).length, everyStore().put.length);
  assert.equal(connections.length, 3);
  assert.deepEqual(types(), ['storage-closed', 'storage-reopened', 'storage-recreated', 'storage-closed', 'storage-reopened']);

  // A newer app version upgrades the database: this one lets it, then carries on at that version.
  const newer = await openIndexedDbStorage({ indexedDB, name: 'tabs', version: 2 });
  assert.deepEqual(events.at(-1), { type: 'storage-closed', reason: 'versionchange', newVersion: 2 });
  await storage.write({ type: 'persist', put: [{ ...META, value: { clientId: 'c1', cursor: 9 } }], delete: [] });
  assert.deepEqual(types().slice(-2), ['storage-upgraded', 'storage-reopened']);
  assert.equal(events.at(-1).version, 2);
  assert.equal((await newer.readAll()).find((r) => r.store === 'meta').value.cursor, 9);
  await Promise.all([newer.close(), storage.close()]);
});

test('without IndexedDB the storage is in memory, with a storage-unavailable event', async () => {
  const { events, onEvent } = recorder();
  const none = await openIndexedDbStorage({ indexedDB: undefined, onEvent });
  assert.equal(none.kind, 'memory');
  const throwing = await openIndexedDbStorage({ indexedDB: { open() { throw new DOMException('no', 'SecurityError'); } }, onEvent });
  assert.equal(throwing.kind, 'memory');
  const failing = await openIndexedDbStorage({
    onEvent,
    indexedDB: {
      open() {
        const req = { error: new DOMException('private mode', 'InvalidStateError') };
        setTimeout(() => req.onerror({ preventDefault() {} }));
        return req;
      },
    },
  });
  assert.equal(failing.kind, 'memory');
  assert.deepEqual(events.map((e) => e.type), ['storage-unavailable', 'storage-unavailable', 'storage-unavailable']);
  assert.match(events[2].message, /private mode/);
  await none.write(everyStore());
  assert.deepEqual(byStoreKey(await none.readAll()), byStoreKey(everyStore().put));
});

test('memory storage: same interface, whole writes, copies, clear and close', async () => {
  const storage = createMemoryStorage();
  assert.equal(storage.kind, 'memory');
  const effect = everyStore();
  await storage.write(effect);
  const read = await storage.readAll();
  assert.equal(read.length, effect.put.length);
  assert.deepEqual(read.find((r) => r.store === 'entities' && r.key[0] === 'todos').value.data, { id: '1', title: 'a' }); // opaque: stored as given
  read[0].value.changed = true; // a copy: the stored record is not affected
  assert.ok(!(await storage.readAll()).some((r) => r.value.changed));

  const bad = everyStore();
  bad.delete.push({ store: 'outbox', key: 1 });
  bad.put.push({ store: 'meta', key: 'core', value: { fn: () => 1 } });
  await assert.rejects(storage.write(bad), { code: 'STORAGE_FAILED' });
  assert.ok((await storage.readAll()).some((r) => r.store === 'outbox'));
  await storage.write({ type: 'persist', put: [], delete: [{ store: 'entities', key: ['todos', '1'] }] });
  assert.equal((await storage.readAll()).length, effect.put.length - 1);
  await storage.clear();
  assert.deepEqual(await storage.readAll(), []);
  await storage.close();
  await assert.rejects(storage.readAll(), { code: 'STORAGE_FAILED' });
});

test('end to end: a core restored from IndexedDB has the same view and pending mutations', async () => {
  let now = 1_000;
  const collections = { todos: {}, notes: { strategy: 'manual' } };
  const core = await createSyncCore({ collections, now: () => now, client: { clientId: 'c1', seed: 1, persist: true } });
  const storage = await openIndexedDbStorage({ indexedDB: new IDBFactory(), name: 'e2e' });
  let writes = 0;
  // What the shim does: carry each persist effect out before anything after it.
  const carry = async (result) => {
    for (const effect of result.effects ?? []) {
      if (effect.type !== 'persist') continue;
      await storage.write(effect);
      writes++;
    }
    return result;
  };
  const sent = (r) => (r.effects ?? []).filter((e) => e.type === 'send').flatMap((e) => e.mutations);

  await carry(core.applyServer({
    ops: [
      { op: 'upsert', collection: 'todos', id: '1', version: 1, data: { id: '1', title: 'milk', done: false } },
      { op: 'upsert', collection: 'todos', id: '2', version: 1, data: { id: '2', title: 'eggs', done: false } },
      { op: 'upsert', collection: 'notes', id: 'n', version: 1, data: { id: 'n', text: 'a' } },
    ],
    cursor: 7,
  }));
  // Offline: the server's change to a note edited here parks a manual conflict.
  await carry(core.mutate({ collection: 'notes', op: 'update', id: 'n', patch: { text: 'mine' } }));
  await carry(core.applyServer([{ op: 'upsert', collection: 'notes', id: 'n', version: 2, data: { id: 'n', text: 'theirs' } }]));
  await carry(core.setOnline(true));
  const sentNow = sent(await carry(core.mutate({ collection: 'todos', op: 'update', id: '1', patch: { done: true } })));
  await carry(core.mutate({ collection: 'todos', op: 'create', id: '3', data: { id: '3', title: 'bread' } }));
  await carry(core.mutate({ collection: 'todos', op: 'delete', id: '2' }));
  await carry(core.applyServer([{ op: 'reject', key: sentNow[0].key, class: 'validation', message: 'no' }]));
  await carry(core.setOnline(false));
  assert.ok(writes >= 6);
  assert.equal(core.deadLetters().length, 1);
  assert.equal(core.conflicts().length, 1);

  const records = await storage.readAll();
  // The same records as the core holds (values may differ only in in-flight state, which going
  // offline resets without a persist effect and restore resets anyway).
  const keys = (rs) => byStoreKey(rs).map((r) => [r.store, r.key]);
  assert.deepEqual(keys(records), keys(core.exportRecords()));
  const again = await createSyncCore({ collections, now: () => now, client: { clientId: 'c1', seed: 1, persist: true } });
  again.restore(records);
  for (const name of Object.keys(collections)) assert.deepEqual(again.list(name), core.list(name));
  assert.deepEqual(again.pendingMutations(), core.pendingMutations());
  assert.deepEqual(again.deadLetters(), core.deadLetters());
  assert.deepEqual(again.conflicts(), core.conflicts());
  assert.equal(again.cursor, 7);
  core.dispose();
  again.dispose();
  await storage.close();
});
