// Storage faults, through the whole client on fake-indexeddb with faults injected: quota exceeded,
// the connection closed under us, another tab upgrading the database, torn and refused records,
// no IndexedDB at all, and sensitive fields read back raw from every store. Each checks that what
// was accepted before the fault is intact after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory, IDBObjectStore, forceCloseDatabase } from 'fake-indexeddb';
import { createSyncClient, openIndexedDbStorage, createMemoryStorage } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';
import { untilClient as until } from './helpers.js';
import { inspectStored, storedFromInspected } from '../../js/storage/record_codec.js';
import { request, rawAll } from '../support/raw_idb.js';

const fast = { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 };


/** Every record of every object store of a database, read raw (checksums and all). */
async function rawDump(factory, name) {
  if (!(await factory.databases()).some((d) => d.name === name)) return [];
  // Each value as the stored form shows it: the record and its stored checksum ($checksum).
  return (await rawAll(factory, name)).map((r) => ({ ...r, value: inspectStored(r.value) }));
}

/**
 * Changes one stored value raw (as a torn write or a disk fault would), checksum untouched; a
 * value edited to have no `$checksum` is stored in the earlier, unsealed form.
 */
async function rawEdit(factory, name, store, key, edit) {
  const db = await request(factory.open(name));
  const tx = db.transaction(store, 'readwrite');
  const os = tx.objectStore(store);
  const value = await request(os.get(key));
  os.put(storedFromInspected(edit(inspectStored(value))), key);
  await new Promise((resolve) => (tx.oncomplete = resolve));
  db.close();
}

/**
 * A full disk: while `full`, every put into database `name` aborts its transaction with a
 * QuotaExceededError, as browsers do (fake-indexeddb's own abort steps).
 */
function injectQuota(name) {
  const fault = { full: false, refused: 0 };
  const original = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (...args) {
    const req = original.apply(this, args);
    if (fault.full && this.transaction.db.name === name) {
      fault.refused++;
      this.transaction._abort('QuotaExceededError');
    }
    return req;
  };
  fault.restore = () => {
    IDBObjectStore.prototype.put = original;
  };
  return fault;
}

/** A transport the test drives: records pushes; the test answers them. */
function scriptedTransport() {
  const t = {
    pushes: [],
    sink: null,
    stats: null,
    start(sink) {
      t.sink = sink;
    },
    connect() {
      t.sink.connected();
      t.sink.caughtUp();
    },
    disconnect() {
      t.sink.disconnected();
    },
    push(batch, mutations) {
      t.pushes.push({ batch, mutations });
      return true;
    },
    sync() {},
    setToken() {},
    close() {},
  };
  return t;
}

const titles = (list) => list.map((x) => x.title).sort();

test('quota exceeded: reported, memory state intact, writes retried, nothing lost once space is back', async (t) => {
  const server = await startSyncServer();
  const indexedDB = new IDBFactory();
  const fault = injectQuota('quota');
  t.after(async () => {
    fault.restore();
    await server.close();
  });
  const options = { collections: { todos: {} }, storage: { indexedDB, name: 'quota' }, storageRetryMs: 20 };
  const client = await createSyncClient({ ...options, url: server.url, token: 't', websocket: fast });
  const todos = client.collection('todos');
  await until(client, () => client.status.connected, 'connected');
  const before = todos.create({ title: 'before' });
  await before.result;
  await client.flush();

  fault.full = true;
  const quotaEvents = [];
  client.on('storageQuotaExceeded', (e) => quotaEvents.push(e));
  const during = [todos.create({ title: 'during 1' }), todos.create({ title: 'during 2' })];
  const edit = todos.patch(todos.list()[0].id, { title: 'before, edited' });
  await until(client, () => client.status.storageWarning?.code === 'STORAGE_QUOTA', 'quota warning');
  await until(client, () => fault.refused >= 3, 'three refused writes (retried)');
  assert.ok(quotaEvents.length >= 1 && /QuotaExceededError|full/.test(quotaEvents[0].message));
  // The app's view has everything; nothing was sent (durable before sent); the disk has the old state.
  assert.deepEqual(titles(todos.list()), ['before, edited', 'during 1', 'during 2']);
  assert.equal(client.status.pending, 3);
  assert.deepEqual(titles((await server.store.list('todos')).map((e) => e.data)), ['before']);
  const stored = (await rawDump(indexedDB, 'quota')).filter((r) => r.store === 'entities').map((r) => r.value.data);
  assert.deepEqual(titles(stored), ['before']);

  fault.full = false; // space is back
  client.sync();
  await Promise.all([...during, edit].map((m) => m.result));
  await until(client, () => client.status.storageWarning === null && client.status.pending === 0, 'warning cleared, drained');
  await client.flush();
  assert.deepEqual(titles((await server.store.list('todos')).map((e) => e.data)), ['before, edited', 'during 1', 'during 2']); // each once
  await client.close();

  const again = await createSyncClient(options);
  assert.deepEqual(titles(again.collection('todos').list()), ['before, edited', 'during 1', 'during 2']);
  assert.equal(again.status.pending, 0);
  await again.close();
});

test('the connection closed under us: reopened, no write lost, status tells while it lasts', async () => {
  const indexedDB = new IDBFactory();
  const connections = [];
  const watched = {
    open: (...args) => {
      const req = indexedDB.open(...args);
      req.addEventListener('success', () => connections.push(req.result));
      return req;
    },
    databases: () => indexedDB.databases(),
  };
  const options = { collections: { todos: {} }, storage: { indexedDB: watched, name: 'closing' } };
  const client = await createSyncClient(options);
  const todos = client.collection('todos');
  const events = [];
  const warnings = [];
  client.on('storageEvent', (e) => { events.push(e.type); if (process.env.DBG) console.log(e); });
  client.on('statusChanged', (s) => warnings.push(s.storageWarning?.code ?? null));
  todos.create({ id: 'a', title: 'a' });
  await client.flush();

  // Closed while idle, then closed again while a write is in its transaction.
  // The app's database (the client also opens its history database, "closing-history").
  forceCloseDatabase(connections.filter((c) => c.name === 'closing').at(-1));
  assert.equal(client.status.storageWarning.code, 'STORAGE_CLOSED');
  todos.create({ id: 'b', title: 'b' });
  await client.flush();
  // The browser closes the connection between a put and its commit. A forced close aborts the
  // connection's transactions with an AbortError (spec: "close a database connection", forced),
  // a step fake-indexeddb leaves out (it waits for them): done here by hand, then the close.
  const put = IDBObjectStore.prototype.put;
  let aborted = 0;
  IDBObjectStore.prototype.put = function (...args) {
    IDBObjectStore.prototype.put = put;
    const req = put.apply(this, args);
    this.transaction.addEventListener('abort', () => aborted++);
    forceCloseDatabase(this.transaction.db);
    this.transaction._abort('AbortError');
    return req;
  };
  todos.create({ id: 'c', title: 'c' });
  todos.create({ id: 'd', title: 'd' });
  await client.flush();
  assert.equal(aborted, 1);
  assert.equal(client.status.storageWarning, null);
  // The aborted write ran again on a new connection at once: no storage error, no retry delay.
  assert.deepEqual(events, ['storage-closed', 'storage-reopened', 'storage-closed', 'storage-reopened']);
  assert.ok(warnings.includes('STORAGE_CLOSED'));
  await client.close();

  const again = await createSyncClient(options);
  assert.deepEqual(titles(again.collection('todos').list()), ['a', 'b', 'c', 'd']);
  assert.equal(again.status.pending, 4);
  await again.close();
});

test('another tab upgrades the database: this one lets it, carries on at the new version, says so', async () => {
  const indexedDB = new IDBFactory();
  const options = { collections: { todos: {} }, storage: { indexedDB, name: 'upgrade' } };
  const client = await createSyncClient(options);
  const todos = client.collection('todos');
  todos.create({ id: 'a', title: 'a' });
  await client.flush();

  // The other tab: a newer app version opening at version 2 with a store of its own. Not blocked:
  // it gets its success only because this tab closed its connection.
  const req = indexedDB.open('upgrade', 2);
  req.onupgradeneeded = () => req.result.createObjectStore('newer');
  let blocked = false;
  req.onblocked = () => (blocked = true);
  const other = await request(req);
  assert.equal(blocked, false);
  assert.equal(client.status.storageWarning.code, 'STORAGE_CLOSED');

  todos.create({ id: 'b', title: 'b' });
  await client.flush();
  assert.equal(client.status.storageWarning.code, 'STORAGE_UPGRADED');
  assert.match(client.status.storageWarning.message, /reload/);
  // The other tab sees this tab's write at once: the same database, version 2.
  const tx = other.transaction('outbox', 'readonly');
  assert.equal((await request(tx.objectStore('outbox').getAll())).length, 2);
  other.close();
  await client.close();

  const again = await createSyncClient({ ...options, storage: { ...options.storage, version: 2 } });
  assert.deepEqual(titles(again.collection('todos').list()), ['a', 'b']);
  assert.equal(again.status.storageWarning, null);
  await again.close();
});

test('another tab deletes the database: this tab lets it go, then writes everything it holds back', async () => {
  const indexedDB = new IDBFactory();
  const options = { collections: { todos: {} }, storage: { indexedDB, name: 'deleted' } };
  const client = await createSyncClient(options);
  const todos = client.collection('todos');
  client.core.applyServer({ ops: [{ op: 'upsert', collection: 'todos', id: 's', version: 3, data: { id: 's', title: 'server' } }], cursor: 4 });
  todos.create({ id: 'a', title: 'a' });
  await client.flush();
  await request(indexedDB.deleteDatabase('deleted')); // not blocked: this tab closed at once
  const events = [];
  client.on('storageEvent', (e) => events.push(e.type));
  todos.create({ id: 'b', title: 'b' });
  await client.flush();
  assert.deepEqual(events, ['storage-reopened', 'storage-recreated']);
  await client.close();

  const again = await createSyncClient(options);
  assert.deepEqual(titles(again.collection('todos').list()), ['a', 'b', 'server']);
  assert.equal(again.status.pending, 2);
  assert.equal(again.core.cursor, 4);
  await again.close();
});

test('torn records fail their checksum: quarantined and reported, the rest restores, lost entities come back', async (t) => {
  const server = await startSyncServer();
  t.after(() => server.close());
  const indexedDB = new IDBFactory();
  const options = { collections: { todos: {} }, storage: { indexedDB, name: 'torn' }, url: server.url, token: 't', websocket: fast };
  const writer = await createSyncClient(options);
  const todos = writer.collection('todos');
  await until(writer, () => writer.status.connected, 'connected');
  for (const title of ['one', 'two', 'three']) await todos.create({ title }).result;
  writer.goOffline();
  todos.create({ title: 'offline' });
  await writer.flush();
  await writer.close();

  const raw = await rawDump(indexedDB, 'torn');
  const two = raw.find((r) => r.store === 'entities' && r.value.data.title === 'two');
  const pending = raw.find((r) => r.store === 'outbox');
  assert.match(two.value.$checksum, /^[0-9a-f]{8}$/);
  await rawEdit(indexedDB, 'torn', 'entities', two.key, (v) => ({ ...v, data: { ...v.data, title: 'tw\u0000' } }));
  await rawEdit(indexedDB, 'torn', 'outbox', pending.key, (v) => ({ ...v, payload: { ...v.payload, title: 'offlinf' } }));

  const reader = await createSyncClient({ ...options, url: undefined });
  assert.deepEqual(titles(reader.collection('todos').list()), ['one', 'three']);
  assert.equal(reader.status.pending, 0);
  assert.equal(reader.status.storageWarning.code, 'STORAGE_QUARANTINED');
  assert.equal(reader.core.cursor, 0); // an entity was lost: catch up from the start
  const quarantined = await reader.quarantined();
  assert.deepEqual(quarantined.map((q) => q.store).sort(), ['entities', 'outbox']);
  assert.ok(quarantined.every((q) => /checksum/.test(q.reason)));
  assert.equal(quarantined.find((q) => q.store === 'outbox').value.payload.title, 'offlinf'); // kept for the app
  assert.ok(!(await rawDump(indexedDB, 'torn')).some((r) => r.store === 'outbox'));
  await reader.close();

  // With the server: the catch-up from 0 brings the lost entity back.
  const online = await createSyncClient(options);
  await until(online, () => online.collection('todos').count() === 3, 'the lost entity back');
  assert.deepEqual(titles(online.collection('todos').list()), ['one', 'three', 'two']);
  await online.close();
});

test('records the core refuses (checksum fine) are quarantined; a lost meta takes its outbox along', async () => {
  const indexedDB = new IDBFactory();
  const options = { collections: { todos: {} }, storage: { indexedDB, name: 'refused' } };
  const writer = await createSyncClient(options);
  writer.collection('todos').create({ id: 'a', title: 'a' });
  writer.collection('todos').create({ id: 'b', title: 'b' });
  await writer.flush();
  const clientId = writer.core.clientId;
  await writer.close();

  // Written through the adapter, so the checksums are right; the content is not a valid record.
  const storage = await openIndexedDbStorage({ indexedDB, name: 'refused' });
  await storage.write({ type: 'persist', put: [
    { store: 'entities', key: ['todos', 'x'], value: { version: 'one', deleted: false, data: {} } },
    { store: 'conflicts', key: 'conflict-9', value: { id: 'conflict-9' } },
  ], delete: [] });
  const outbox = (await storage.readAll()).filter((r) => r.store === 'outbox');
  await storage.write({ type: 'persist', put: [{ ...outbox[1], value: { ...outbox[1].value, kind: 'rename' } }], delete: [] });
  await storage.close();

  const reader = await createSyncClient(options);
  const events = (await reader.quarantined()).map((q) => [q.store, q.reason.replace(/:.*/s, '')]);
  assert.deepEqual(events.map((e) => e[0]).sort(), ['conflicts', 'entities', 'outbox']);
  assert.ok(events.every((e) => e[1] === 'CORRUPT_RECORD'));
  assert.deepEqual(titles(reader.collection('todos').list()), ['a']);
  assert.equal(reader.status.pending, 1);
  assert.equal(reader.core.clientId, clientId);
  assert.equal(reader.status.storageWarning.code, 'STORAGE_QUARANTINED');
  await reader.close();

  // The meta record torn: its outbox entries cannot be restored without it (client id, counters).
  const raw = await rawDump(indexedDB, 'refused');
  await rawEdit(indexedDB, 'refused', 'meta', 'core', (v) => ({ ...v, cursor: 99 }));
  const last = await createSyncClient(options);
  assert.deepEqual(titles(last.collection('todos').list()), []); // 'a' was a pending create only
  assert.notEqual(last.core.clientId, clientId);
  const q = await last.quarantined();
  assert.equal(q.filter((r) => r.store === 'meta').length, 1);
  assert.equal(q.filter((r) => r.store === 'outbox').length, 2); // the refused one and 'a'
  assert.equal(raw.filter((r) => r.store === 'outbox').length, 1);
  await last.close();
});

test('a storage that cannot quarantine: the refused record is left in place, skipped and reported', async () => {
  const memory = createMemoryStorage();
  await memory.write({ type: 'persist', put: [
    { store: 'entities', key: ['todos', 'ok'], value: { version: 1, deleted: false, data: { id: 'ok', title: 'ok' } } },
    { store: 'entities', key: ['todos', 'bad'], value: { version: 1, deleted: 'no', data: {} } },
  ], delete: [] });
  const { quarantine, ...custom } = memory; // a custom storage: write, readAll, clear, close
  custom.kind = 'custom';
  const client = await createSyncClient({ collections: { todos: {} }, storage: custom });
  assert.deepEqual(titles(client.collection('todos').list()), ['ok']);
  assert.equal(client.status.storageWarning.code, 'STORAGE_QUARANTINED');
  assert.equal(client.restoreReport.quarantined, 1);
  // nothing deleted (the start adds the meta record of its id block)
  assert.equal((await custom.readAll()).filter((r) => r.store === 'entities').length, 2);
  await client.close();
});

test('records written before checksums existed still load', async () => {
  const indexedDB = new IDBFactory();
  const options = { collections: { todos: {} }, storage: { indexedDB, name: 'legacy' } };
  const writer = await createSyncClient(options);
  writer.collection('todos').create({ id: 'a', title: 'a' });
  await writer.flush();
  await writer.close();
  // Strip every checksum, as the previous version of the adapter wrote them.
  for (const r of await rawDump(indexedDB, 'legacy')) {
    await rawEdit(indexedDB, 'legacy', r.store, r.key, ({ $checksum, ...v }) => v);
  }
  assert.ok(!(await rawDump(indexedDB, 'legacy')).some((r) => '$checksum' in r.value));
  const reader = await createSyncClient(options);
  assert.deepEqual(titles(reader.collection('todos').list()), ['a']);
  assert.equal(reader.status.pending, 1);
  assert.equal(reader.status.storageWarning, null);
  reader.collection('todos').create({ id: 'b', title: 'b' });
  await reader.flush();
  await reader.close();
  const sealed = (await rawDump(indexedDB, 'legacy')).filter((r) => '$checksum' in r.value).map((r) => r.store);
  assert.ok(sealed.includes('meta') && sealed.includes('outbox')); // rewritten records get one
});

test('no IndexedDB (private mode): memory only, with a status warning from the start', async () => {
  const cases = [
    { indexedDB: undefined },
    { indexedDB: { open() { throw new DOMException('denied', 'SecurityError'); } } },
    {
      indexedDB: {
        open() {
          const req = { error: new DOMException('private mode', 'InvalidStateError') };
          setTimeout(() => req.onerror({ preventDefault() {} }));
          return req;
        },
      },
    },
  ];
  for (const storage of cases) {
    const client = await createSyncClient({ collections: { todos: {} }, storage });
    assert.equal(client.status.storage, 'memory');
    assert.equal(client.status.storageWarning.code, 'STORAGE_UNAVAILABLE');
    assert.match(client.status.storageWarning.message, /memory only/);
    client.collection('todos').create({ id: 'a', title: 'a' });
    await client.flush();
    assert.deepEqual(titles(client.collection('todos').list()), ['a']);
    await client.close();
  }
  // Opened, but reading fails: the app still starts, in memory, and the data on disk is untouched.
  const indexedDB = new IDBFactory();
  const storage = await openIndexedDbStorage({ indexedDB, name: 'unreadable' });
  storage.readAll = async () => {
    throw new Error('disk error');
  };
  const client = await createSyncClient({ collections: { todos: {} }, storage });
  assert.equal(client.status.storage, 'memory');
  assert.match(client.status.storageWarning.message, /disk error/);
  await client.close();
});

test('an open that never completes (blocked by an old tab, or hanging): memory only after openTimeoutMs', { timeout: 5000 }, async () => {
  const hanging = await createSyncClient({ collections: { todos: {} }, storage: { indexedDB: { open: () => ({}) }, openTimeoutMs: 50 } });
  assert.equal(hanging.status.storage, 'memory');
  assert.match(hanging.status.storageWarning.message, /did not open within 50 ms/);
  await hanging.close();

  // A tab with an old version open that ignores versionchange blocks the upgrade for good.
  const indexedDB = new IDBFactory();
  const old = await request(indexedDB.open('blocked', 1));
  const events = [];
  const storage = await openIndexedDbStorage({ indexedDB, name: 'blocked', version: 2, openTimeoutMs: 100, onEvent: (e) => events.push(e.type) });
  assert.equal(storage.kind, 'memory');
  assert.deepEqual(events, ['storage-blocked', 'storage-unavailable']);
  assert.match(storage.warning.message, /blocked: another tab keeps an older version open/);
  old.close(); // the late open now goes through, and is closed at once: nothing holds the database
  const next = await request(indexedDB.open('blocked', 3));
  next.close();
});

test('sensitive fields are in no IndexedDB store after creates, edits, conflicts and dead letters', async () => {
  const indexedDB = new IDBFactory();
  const transport = scriptedTransport();
  const SECRETS = ['123-45-6789', '987-65-4321', 'asthma', 'allergy', 'fever'];
  const options = {
    collections: { people: { sensitiveFields: ['ssn', 'health.notes'], strategy: 'manual' } },
    storage: { indexedDB, name: 'pii' },
  };
  const client = await createSyncClient({ ...options, transport, client: { batchSize: 1 } });
  const people = client.collection('people');
  const answer = (status, extra = {}) => {
    const { batch, mutations } = transport.pushes.shift();
    transport.sink.answer(batch, mutations.map((m) => ({ key: m.key, status, ...extra(m) })));
  };

  // A create, acknowledged: entity stored.
  people.create({ id: 'p1', name: 'Ada', ssn: '123-45-6789', health: { notes: 'asthma', ok: true } });
  await client.flush();
  answer('ok', () => ({ version: 1 }));
  // An edit the server calls a conflict: parked with base, local and remote (manual).
  people.patch('p1', { ssn: '987-65-4321', name: 'Ada L.' });
  await client.flush();
  answer('conflict', () => ({ version: 2, data: { id: 'p1', name: 'Ada K.', ssn: '123-45-6789', health: { notes: 'allergy', ok: true } } }));
  // An edit the server refuses: a dead letter.
  people.create({ id: 'p2', name: 'Bob', ssn: '111', health: { notes: 'fever' } });
  await client.flush();
  answer('rejected', () => ({ class: 'validation', message: 'no' }));
  // A pending edit, one changing only sensitive fields, and a server change: all stored now.
  transport.sink.deliver([{ op: 'upsert', collection: 'people', id: 'p3', version: 1, data: { id: 'p3', name: 'Cy', ssn: '123-45-6789' } }], 5);
  client.goOffline();
  people.patch('p3', { name: 'Cyd', health: { notes: 'fever' } });
  people.patch('p3', { ssn: '987-65-4321' }); // folds into the one before: name + ssn + notes
  await client.flush();
  assert.equal(client.core.conflicts().length, 1);
  assert.equal(client.core.deadLetters().length, 1);
  assert.equal(people.get('p3').ssn, '987-65-4321'); // the view keeps them: memory only

  const raw = await rawDump(indexedDB, 'pii');
  const stores = new Set(raw.map((r) => r.store));
  for (const s of ['entities', 'outbox', 'deadLetters', 'conflicts', 'meta']) assert.ok(stores.has(s), `${s} written`);
  const text = JSON.stringify(raw);
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} stored`);
  assert.ok(text.includes('Ada K.') && text.includes('Cyd') && text.includes('Bob'), 'the rest is stored');
  await client.close();
});

test('a pending edit of sensitive fields only is not stored: after a reload it is reported and dropped', async () => {
  const indexedDB = new IDBFactory();
  const options = { collections: { people: { sensitiveFields: ['ssn'] } }, storage: { indexedDB, name: 'pii-edit' } };
  const first = await createSyncClient(options);
  first.core.applyServer({ ops: [{ op: 'upsert', collection: 'people', id: 'p', version: 1, data: { id: 'p', name: 'Ada', ssn: '1' } }], cursor: 1 });
  first.collection('people').patch('p', { ssn: '2' }); // sensitive only
  first.collection('people').create({ id: 'q', name: 'Bo', ssn: '3' }); // a create with one
  await first.flush();
  assert.equal(first.status.pending, 2);
  await first.close();

  const again = await createSyncClient(options);
  // The edit is gone (nothing in it survived); the create goes out without the value.
  assert.deepEqual(again.restoreReport.sensitiveValuesLost, [
    { collection: 'people', id: 'p', fields: ['ssn'], dropped: true },
    { collection: 'people', id: 'q', fields: ['ssn'], dropped: false },
  ]);
  assert.equal(again.status.pending, 1);
  assert.deepEqual(again.collection('people').get('p'), { id: 'p', name: 'Ada' });
  assert.deepEqual(again.collection('people').get('q'), { id: 'q', name: 'Bo' });
  const outbox = (await rawDump(indexedDB, 'pii-edit')).filter((r) => r.store === 'outbox');
  assert.equal(outbox.length, 1); // the empty edit was deleted, not left to load every time
  assert.deepEqual(outbox[0].value.redactedFields, ['ssn']);
  await again.close();
});
