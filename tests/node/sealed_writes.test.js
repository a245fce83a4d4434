// The write direction of IndexedDB through wasm (issue 15 item 1, js/storage/sealed_records.js,
// wasm/persist_records.cpp): a client on IndexedDB has each record sealed in wasm memory and put
// from there, and the outcome of each write is called back into wasm. Observed through the public
// test seam createSyncClient({ wrapHandle }) (the handle's calls) and the raw database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { createSyncClient, openIndexedDbStorage } from '../../js/node.js';
import { openStored, decodeValue } from '../../js/storage/record_codec.js';

import { rawStore } from '../support/raw_idb.js';
import { parseAnswer } from '../../js/local_write_answer.js';

// The outbox as stored: a local write is kept there until the server confirms it.
const rawOutbox = async (factory, name) => (await rawStore(factory, name, 'outbox')).map(({ key, value }) => ({ key, stored: value }));

// Records the handle's calls by name, with their arguments and answers.
function recording(calls) {
  return (handle) =>
    new Proxy(handle, {
      get(target, prop) {
        const v = target[prop];
        if (typeof v !== 'function') return v;
        return (...args) => {
          const out = v.apply(target, args);
          calls.push({ name: String(prop), args, out });
          return out;
        };
      },
    });
}

const noTransport = { start() {}, connect() {}, disconnect() {}, push: () => false, sync() {}, setToken() {}, close() {}, stats: null };

test('on IndexedDB a write is sealed in wasm and put from wasm memory: no value text in the commit, the callback releases it', async () => {
  const indexedDB = new IDBFactory();
  const calls = [];
  let handle;
  const client = await createSyncClient({ collections: { todos: {} }, storage: { indexedDB, name: 'sealed' }, transport: noTransport,
    wrapHandle: (h) => recording(calls)((handle = h)) });
  const todos = client.collection('todos');
  const title = 'a title only the value holds 9f3c';
  const { id } = todos.create({ title });
  await client.flush();

  // The mutate's answer names the records it persists, without their values.
  const mutate = calls.find((c) => c.name === 'mutate');
  assert.ok(mutate, 'the create crossed as a mutate');
  const persist = parseAnswer(mutate.out).commit.effects.find((e) => e.type === 'persist');
  assert.ok(persist.put.length > 0);
  for (const r of persist.put) assert.deepEqual(Object.keys(r).sort(), ['key', 'sealed', 'store']);
  // (A plain write answers an array built from numbers in wasm memory: searched as its JSON.)
  const answerText = typeof mutate.out === 'string' ? mutate.out : JSON.stringify(mutate.out);
  assert.ok(!answerText.includes(title), 'no value text crosses');
  // The write handed the sealed records to IndexedDB from wasm, then said it was durable (code 0).
  const write = calls.find((c) => c.name === 'persistWrite');
  assert.ok(write && write.out > 0, 'persistWrite put the records');
  const settled = calls.filter((c) => c.name === 'persistSettled');
  // persistWrite(write, ids): the ids it put are the ids the callback settles.
  assert.ok(settled.some((c) => c.args[1] === 0 && c.args[0] === write.args[1]));
  assert.equal(JSON.parse(handle.persistStats()).live, 0, 'released once durable');

  // On disk: the stored form, checksum right, the value as the core wrote it; a restart hydrates it.
  const [entry] = await rawOutbox(indexedDB, 'sealed');
  assert.equal(openStored('outbox', entry.key, entry.stored).state, 'ok');
  assert.equal(decodeValue(entry.stored).entityId, id);
  assert.equal(decodeValue(entry.stored).payload.title, title);
  await client.close();
  const again = await createSyncClient({ collections: { todos: {} }, storage: { indexedDB, name: 'sealed' }, transport: noTransport });
  assert.deepEqual(again.collection('todos').list().map((t) => t.title), [title]);
  await again.close();
});

test('a failed write (quota) is called back into wasm with its code; the sealed bytes stay for the retry, which stores them', async (t) => {
  const indexedDB = new IDBFactory();
  const original = IDBObjectStore.prototype.put;
  let full = false;
  IDBObjectStore.prototype.put = function (...args) {
    const req = original.apply(this, args);
    if (full && this.transaction.db.name === 'sealed-quota') this.transaction._abort('QuotaExceededError');
    return req;
  };
  t.after(() => {
    IDBObjectStore.prototype.put = original;
  });
  const calls = [];
  let handle;
  const client = await createSyncClient({ collections: { todos: {} }, storage: { indexedDB, name: 'sealed-quota' }, transport: noTransport,
    storageRetryMs: 10, wrapHandle: (h) => recording(calls)((handle = h)) });
  const todos = client.collection('todos');
  todos.create({ title: 'before' });
  await client.flush();
  full = true;
  todos.create({ title: 'kept through a full disk' });
  const deadline = Date.now() + 5000;
  while (!calls.some((c) => c.name === 'persistSettled' && c.args[1] === 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.ok(calls.some((c) => c.name === 'persistSettled' && c.args[1] === 1), 'the quota failure reached wasm (code 1)');
  const held = JSON.parse(handle.persistStats());
  assert.ok(held.live > 0 && held.failures >= 1 && held.lastFailure === 1, 'the bytes are kept for the retry');
  full = false;
  client.sync(); // retries the failed write now (as after a quota warning)
  await client.flush();
  assert.equal(JSON.parse(handle.persistStats()).live, 0);
  const stored = await rawOutbox(indexedDB, 'sealed-quota');
  assert.deepEqual(stored.map((r) => decodeValue(r.stored).payload.title), ['before', 'kept through a full disk']);
  await client.close();
});

test("a sealed record's value still reads once its group is durable and the wasm side let its bytes go", async () => {
  const indexedDB = new IDBFactory();
  const storage = await openIndexedDbStorage({ indexedDB, name: 'sealed-value' });
  const effects = [];
  const write = storage.write.bind(storage);
  storage.write = (effect) => {
    effects.push(effect);
    return write(effect);
  };
  let handle;
  const client = await createSyncClient({ collections: { todos: {} }, storage, transport: noTransport, wrapHandle: (h) => (handle = h) });
  const { id } = client.collection('todos').create({ title: 'read back after durable' });
  await client.flush();
  assert.equal(JSON.parse(handle.persistStats()).live, 0, 'released once durable');
  const outbox = effects.flatMap((e) => e.put).filter((r) => r.store === 'outbox');
  assert.equal(outbox.length, 1);
  assert.equal(outbox[0].value?.entityId, id);
  assert.equal(outbox[0].value?.payload.title, 'read back after durable');
  await client.close();
  await storage.close();
});
