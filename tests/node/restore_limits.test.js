// Whatever the local storage holds, the app starts (issue 12, items 7 and 8): one depth limit on
// an entity's data on every path (create, ack, server change, restore), a record the core
// refuses is quarantined on its own, and the restore goes in bounded chunks, so 100 MiB of local
// data is no more a problem than 1 MiB. Through createSyncClient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient, createMemoryStorage, openIndexedDbStorage, SyncError } from '../../js/node.js';

const collections = { todos: {} };

// Data nested `levels` deep, the entity object itself being level 1.
function nested(levels, fields = {}) {
  let v = {};
  for (let i = 1; i < levels; i++) v = { d: v };
  return { ...v, ...fields };
}

/** A transport the test drives: records pushes; the test answers them. */
function scriptedTransport() {
  const t = {
    pushes: [],
    sink: null,
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

const LIMIT = 64; // ParseLimits::maxDepth: levels of an entity's data

for (const levels of [61, 62, LIMIT]) {
  test(`data ${levels} levels deep: accepted by create, by its ack carrying the server's copy, and by the restart`, async () => {
    const indexedDB = new IDBFactory();
    const name = `depth-${levels}`;
    const transport = scriptedTransport();
    const client = await createSyncClient({ collections, transport, storage: { indexedDB, name } });
    const data = nested(levels, { id: 'x' });
    const { result } = client.collection('todos').create(data);
    await client.flush();
    const [{ batch, mutations }] = transport.pushes;
    const errors = [];
    client.on('error', (e) => errors.push(e));
    transport.sink.answer(batch, [{ key: mutations[0].key, status: 'ok', version: 1, id: 'x', data }]);
    assert.equal((await result).status, 'acked');
    assert.deepEqual(errors, []);
    // A server change as deep applies too.
    transport.sink.deliver([{ op: 'upsert', collection: 'todos', id: 'y', version: 1, data: nested(levels, { id: 'y' }) }], 2);
    await client.flush();
    await client.close();

    const again = await createSyncClient({ collections, storage: { indexedDB, name } });
    assert.deepEqual(again.collection('todos').get('x'), data);
    assert.deepEqual(again.collection('todos').get('y'), nested(levels, { id: 'y' }));
    assert.equal(again.status.storageWarning, null);
    assert.equal(again.status.skipped, 0);
    await again.close();
  });
}

test('data past the limit: refused up front by create, set aside from the server, quarantined from storage', async () => {
  const indexedDB = new IDBFactory();
  const name = 'too-deep';
  const transport = scriptedTransport();
  const client = await createSyncClient({ collections, transport, storage: { indexedDB, name } });
  assert.throws(() => client.collection('todos').create(nested(LIMIT + 1, { id: 'x' })), (e) => e instanceof SyncError && e.code === 'TOO_DEEP');
  client.collection('todos').create({ id: 'ok', title: 'ok' });
  transport.sink.deliver([{ op: 'upsert', collection: 'todos', id: 'y', version: 1, data: nested(LIMIT + 1, { id: 'y' }) }], 2);
  assert.equal(client.status.skipped, 1);
  assert.equal(client.core.cursor, 2);
  await client.flush();
  await client.close();

  // A record deeper than the limit in storage (an older version wrote it, or the limit changed):
  // the app starts, the record is quarantined with its code, store and key, the rest restores.
  const storage = await openIndexedDbStorage({ indexedDB, name });
  await storage.write({ type: 'persist', put: [
    { store: 'entities', key: ['todos', 'deep'], value: { version: 3, deleted: false, data: nested(LIMIT + 3, { id: 'deep' }) } },
    { store: 'entities', key: ['todos', 'fine'], value: { version: 3, deleted: false, data: { id: 'fine' } } },
  ], delete: [] });
  await storage.close();
  const again = await createSyncClient({ collections, storage: { indexedDB, name } });
  assert.deepEqual(again.collection('todos').list().map((e) => e.id), ['fine', 'ok']);
  assert.equal(again.status.pending, 1);
  const deep = (await again.quarantined()).find((q) => q.store === 'entities');
  assert.deepEqual(deep.key, ['todos', 'deep']);
  assert.match(deep.reason, /^TOO_DEEP: /);
  assert.equal(again.core.cursor, 0); // an entity was set aside: catch up from the start
  assert.equal(again.restoreReport.cursorReset, true);
  await again.close();
});

test('100 MiB of local data: the app starts again, everything restored, in bounded chunks', { timeout: 120_000 }, async () => {
  const memory = createMemoryStorage();
  const storage = { ...memory, close: async () => {} }; // survives the first client's close()
  const first = await createSyncClient({ collections, storage });
  first.collection('todos').create({ id: 'pending', title: 'not yet sent' });
  await first.flush();
  await first.close();

  const body = 256 * 1024;
  const count = 400; // 400 × 256 KiB = 100 MiB
  for (let start = 0; start < count; start += 40) {
    const put = [];
    for (let i = start; i < start + 40; i++) {
      const id = `e${String(i).padStart(3, '0')}`;
      put.push({ store: 'entities', key: ['todos', id], value: { version: 1, deleted: false, data: { id, body: String(i % 10).repeat(body) } } });
    }
    await storage.write({ type: 'persist', put, delete: [] });
  }
  const stored = await storage.readAll();
  const bytes = stored.reduce((n, r) => n + (r.value?.data?.body?.length ?? 0), 0);
  assert.ok(bytes >= 100 * 1024 * 1024, `${bytes} bytes stored`);

  const started = Date.now();
  const client = await createSyncClient({ collections, storage });
  const ms = Date.now() - started;
  const todos = client.collection('todos');
  assert.equal(todos.count(), count + 1);
  assert.equal(client.status.pending, 1);
  assert.equal(todos.get('e123').body.length, body);
  assert.equal(todos.get('e123').body[0], '3');
  assert.equal(client.status.storageWarning, null);
  assert.deepEqual(await client.quarantined(), []);
  console.log(`# restored ${(bytes / 1024 / 1024).toFixed(0)} MiB in ${ms} ms`);
  await client.close();
});
