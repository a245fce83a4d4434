// The encoded record form of the IndexedDB adapter (js/storage/record_codec.js): what is on disk,
// its checksum, the one-way migration of a database written by the earlier adapter (objects
// sealed with `$checksum`, js/storage/checksum.js), and a hydrate that never parses an entity in JS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { createSyncClient, openIndexedDbStorage } from '../../js/node.js';
import { sealValue } from '../../js/storage/checksum.js';
import { STORES } from '../../js/storage/memory.js';
import { crc32, isEncoded, inspectStored } from '../../js/storage/record_codec.js';

import { request, rawAll as rawDump, rawPut } from '../support/raw_idb.js';

/** A database as the adapter before this form wrote it: every value an object with `$checksum`. */
async function writeOldDatabase(factory, name, records) {
  const req = factory.open(name, 1);
  req.onupgradeneeded = () => {
    for (const store of STORES) req.result.createObjectStore(store);
  };
  (await request(req)).close();
  await rawPut(factory, name, records.map((r) => ({ ...r, value: sealValue(r.store, r.key, r.value) })));
}

const titles = (list) => list.map((x) => x.title).sort();

test('CRC-32 is the standard one (IEEE, as zip and PNG)', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('records are stored encoded: bytes with a checksum over store, key and text', async () => {
  const indexedDB = new IDBFactory();
  const storage = await openIndexedDbStorage({ indexedDB, name: 'enc' });
  const value = { data: { id: '1', title: 'déjà vu 🙂' }, deleted: false, version: 1 };
  await storage.write({ type: 'persist', put: [{ store: 'entities', key: ['todos', '1'], value }], delete: [] });
  const [raw] = (await rawDump(indexedDB, 'enc')).filter((r) => r.store === 'entities');
  assert.ok(isEncoded(raw.value));
  assert.deepEqual([...raw.value.subarray(0, 4)], [0x53, 0x52, 1, 0]);
  assert.equal(new TextDecoder().decode(raw.value.subarray(8)), JSON.stringify(value));
  assert.deepEqual((await storage.readAll()).map((r) => r.value), [value]);
  await storage.close();

  // The same bytes under another key fail their checksum: quarantined, not restored as that key.
  await rawPut(indexedDB, 'enc', [{ store: 'entities', key: ['todos', '2'], value: raw.value }]);
  const again = await openIndexedDbStorage({ indexedDB, name: 'enc' });
  const read = await again.readAll();
  assert.deepEqual(read.map((r) => r.key), [['todos', '1']]);
  const [q] = await again.readQuarantine();
  assert.deepEqual([q.key, q.value], [['todos', '2'], value]);
  assert.match(q.reason, /checksum/);
  await again.close();
});

test('a database written by the earlier adapter loads, and is rewritten in the encoded form once', async () => {
  // Records of a real client, as its memory storage holds them, written the earlier way.
  const memory = await createSyncClient({ collections: { todos: {} }, storage: 'memory', client: { clientId: 'old', seed: 1 } });
  memory.core.load('todos', [{ id: 's1', version: 1, data: { id: 's1', title: 'from server' } }]);
  memory.collection('todos').create({ id: 'p1', title: 'pending' });
  await memory.flush();
  const records = memory.core.exportRecords();
  await memory.close();
  assert.ok(records.some((r) => r.store === 'outbox') && records.some((r) => r.store === 'entities'));

  const indexedDB = new IDBFactory();
  await writeOldDatabase(indexedDB, 'old', records);
  assert.ok((await rawDump(indexedDB, 'old')).every((r) => !isEncoded(r.value) && '$checksum' in r.value));

  const client = await createSyncClient({ collections: { todos: {} }, storage: { indexedDB, name: 'old' } });
  assert.deepEqual(titles(client.collection('todos').list()), ['from server', 'pending']);
  assert.equal(client.status.pending, 1);
  assert.equal(client.core.clientId, 'old');
  assert.equal(client.status.storageWarning, null);
  await client.close();
  const after = await rawDump(indexedDB, 'old');
  assert.ok(after.length >= records.length);
  assert.ok(after.every((r) => isEncoded(r.value)), 'every record rewritten');
  // What the records hold is unchanged by the rewrite.
  for (const r of records) {
    const { $checksum, ...value } = inspectStored(after.find((a) => a.store === r.store && JSON.stringify(a.key) === JSON.stringify(r.key)).value);
    if (r.store !== 'meta') assert.deepEqual(value, r.value, `${r.store} ${JSON.stringify(r.key)}`);
  }

  // Once: the next start rewrites nothing (its only write is the meta record of its id block).
  const puts = [];
  const original = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (...args) {
    puts.push(this.name);
    return original.apply(this, args);
  };
  try {
    const next = await createSyncClient({ collections: { todos: {} }, storage: { indexedDB, name: 'old' } });
    assert.deepEqual(titles(next.collection('todos').list()), ['from server', 'pending']);
    await next.flush();
    await next.close();
  } finally {
    IDBObjectStore.prototype.put = original;
  }
  assert.deepEqual(puts, ['meta']);
});

test('a torn record of the earlier form is still quarantined, the rest migrates', async () => {
  const indexedDB = new IDBFactory();
  const good = { store: 'entities', key: ['todos', 'a'], value: { version: 1, deleted: false, data: { id: 'a', title: 'a' } } };
  const torn = { store: 'entities', key: ['todos', 'b'], value: { version: 1, deleted: false, data: { id: 'b', title: 'b' } } };
  await writeOldDatabase(indexedDB, 'old-torn', [good, torn]);
  await rawPut(indexedDB, 'old-torn', [{ ...torn, value: { ...sealValue(torn.store, torn.key, torn.value), deleted: true } }]);
  const client = await createSyncClient({ collections: { todos: {} }, storage: { indexedDB, name: 'old-torn' } });
  assert.deepEqual(titles(client.collection('todos').list()), ['a']);
  assert.equal(client.status.storageWarning.code, 'STORAGE_QUARANTINED');
  assert.deepEqual((await client.quarantined()).map((q) => q.key), [['todos', 'b']]);
  await client.close();
  const entities = (await rawDump(indexedDB, 'old-torn')).filter((r) => r.store === 'entities');
  assert.deepEqual(entities.map((r) => [r.key, isEncoded(r.value)]), [[['todos', 'a'], true]]);
});

test('a hydrate hands entity records to the core as stored text: none is parsed in JS', async () => {
  const indexedDB = new IDBFactory();
  const writer = await createSyncClient({ collections: { todos: {} }, storage: { indexedDB, name: 'lazy' } });
  writer.core.load('todos', Array.from({ length: 50 }, (_, i) => ({ id: `t${i}`, version: 1, data: { id: `t${i}`, title: `marker-${i} déjà 🙂` } })));
  await writer.flush();
  await writer.close();

  const parsed = [];
  const original = JSON.parse;
  JSON.parse = function (text, ...rest) {
    if (typeof text === 'string' && text.includes('marker-')) parsed.push(text.slice(0, 60));
    return original.call(this, text, ...rest);
  };
  let reader;
  try {
    reader = await createSyncClient({ collections: { todos: {} }, storage: { indexedDB, name: 'lazy' } });
  } finally {
    JSON.parse = original;
  }
  assert.equal(reader.collection('todos').count(), 50);
  assert.equal(reader.collection('todos').get('t7').title, 'marker-7 déjà 🙂'); // UTF-8 through the checksum in wasm
  assert.deepEqual(parsed, []);
  await reader.close();
});

test('the wasm side checks each stored record it restores: a record torn after it was read is refused', async () => {
  const { createSyncCore } = await import('../../js/node.js');
  const { encodeRecord, lazyRecord } = await import('../../js/storage/record_codec.js');
  const writer = await createSyncCore({ collections: { todos: {} }, client: { clientId: 'w', seed: 1 } });
  writer.load('todos', [{ id: 'a', version: 1, data: { id: 'a', title: 'a' } }, { id: 'b', version: 1, data: { id: 'b', title: 'b' } }]);
  const records = writer.exportRecords();
  writer.dispose?.();
  const lazy = records.map((r) => lazyRecord(r.store, r.key, encodeRecord(r.store, r.key, r.value)));
  // A byte of b's title changed under its checksum (after readAll checked it).
  const b = lazy.findIndex((r) => r.store === 'entities' && r.key[1] === 'b');
  const torn = encodeRecord(records[b].store, records[b].key, records[b].value);
  torn[torn.length - 4] ^= 0x01;
  lazy[b] = lazyRecord(records[b].store, records[b].key, torn);

  const reader = await createSyncCore({ collections: { todos: {} } });
  reader.restoreBegin();
  reader.restoreAdd(lazy);
  const { events } = reader.restoreFinish();
  const refused = events.filter((e) => e.type === 'record-refused');
  assert.deepEqual(refused.map((e) => [e.index, e.store, e.key, e.code]), [[b, 'entities', ['todos', 'b'], 'CORRUPT_RECORD']]);
  assert.match(refused[0].message, /checksum/);
  assert.deepEqual(reader.list('todos').map((t) => t.title), ['a']);
  assert.equal(reader.clientId, 'w');
});
