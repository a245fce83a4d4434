// A hydrate keeps the data text of entity records the core wrote itself (the stored form's byte 3,
// kCanonicalText, set by the wasm side's sealing; wasm/stored_restore.cpp, src/records/restore.cpp)
// instead of writing every entity's text again (W5). Records written by JS (JSON.stringify: key
// order as the object had it) carry 0 there and are written again in the canonical form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient } from '../../js/node.js';
import { rawStore, rawPut } from '../support/raw_idb.js';
import { encodeRecord } from '../../js/storage/record_codec.js';

const noTransport = { start() {}, connect() {}, disconnect() {}, push: () => false, sync() {}, setToken() {}, close() {}, stats: null };
const open = (indexedDB, name) => createSyncClient({ collections: { things: {} }, storage: { indexedDB, name }, transport: noTransport });

// Escapes, non-ASCII, nesting, the words the data text is cut at, numbers of every kind.
const tricky = {
  z: 'last "quoted" \\ back\nline\ttab \u0001 ctrl',
  a: { deleted: true, version: 3, data: { '"deleted":': ',"deleted":false,"version":1}' } },
  m: ['ü', '日本', '😀', null, true, false, 0, -1, 1.5, 1e21, 2 ** 53, -0.25],
  e: {},
  l: [],
};

test('entities the core wrote restore with their data exactly as stored, keys in canonical order', async () => {
  const indexedDB = new IDBFactory();
  const client = await open(indexedDB, 'canonical');
  client.goOffline();
  client.core.load('things', [
    { id: 't1', version: 4, data: { id: 't1', ...tricky } },
    { id: 't2', version: 1, data: { id: 't2', n: 1 } },
  ]);
  await client.flush();
  const before = JSON.stringify(client.collection('things').get('t1'));
  await client.close();
  const [stored] = (await rawStore(indexedDB, 'canonical', 'entities')).filter((r) => Array.isArray(r.key) && r.key[1] === 't1');
  assert.equal(stored.value[3], 1, 'sealed by the core: canonical text');

  const again = await open(indexedDB, 'canonical');
  const t1 = again.collection('things').get('t1');
  assert.deepEqual(t1, { id: 't1', ...tricky });
  assert.equal(JSON.stringify(t1), before, 'the same text, key order included');
  assert.deepEqual(Object.keys(t1), [...Object.keys(t1)].sort());
  assert.deepEqual(again.collection('things').get('t2'), { id: 't2', n: 1 });
  // Kept text and written text compare alike: the same data again changes nothing.
  again.core.load('things', [{ id: 't1', version: 4, data: { id: 't1', ...tricky } }]);
  assert.equal(JSON.stringify(again.collection('things').get('t1')), before);
  await again.close();
});

test('an entity record JS wrote (byte 3 is 0, keys in insertion order) is restored in canonical form', async () => {
  const indexedDB = new IDBFactory();
  const client = await open(indexedDB, 'js-written');
  await client.close();
  const value = { version: 2, deleted: false, data: { id: 'j', zeta: 1, alpha: { y: 2, b: 3 } } };
  const bytes = encodeRecord('entities', ['things', 'j'], value);
  assert.equal(bytes[3], 0);
  await rawPut(indexedDB, 'js-written', [{ store: 'entities', key: ['things', 'j'], value: bytes }]);
  const again = await open(indexedDB, 'js-written');
  const j = again.collection('things').get('j');
  assert.deepEqual(j, value.data);
  assert.deepEqual(Object.keys(j), ['alpha', 'id', 'zeta']);
  assert.deepEqual(Object.keys(j.alpha), ['b', 'y']);
  await again.close();
});


test('a flipped flag byte fails the checksum: the record is quarantined, not kept as canonical text', async () => {
  const indexedDB = new IDBFactory();
  const client = await open(indexedDB, 'flipped');
  client.goOffline();
  client.core.load('things', [{ id: 'f', version: 1, data: { id: 'f', n: 1 } }, { id: 'g', version: 1, data: { id: 'g', n: 2 } }]);
  await client.flush();
  await client.close();
  const [stored] = (await rawStore(indexedDB, 'flipped', 'entities')).filter((r) => Array.isArray(r.key) && r.key[1] === 'f');
  assert.equal(stored.value[3], 1);
  // A JS-written record keeps the checksum format 1 always had; the core's flag byte is inside its own.
  const torn = stored.value.slice();
  torn[3] = 0;
  await rawPut(indexedDB, 'flipped', [{ store: 'entities', key: stored.key, value: torn }]);
  const again = await open(indexedDB, 'flipped');
  assert.equal(again.collection('things').get('f'), undefined, 'the torn record is not restored');
  assert.deepEqual(again.collection('things').get('g'), { id: 'g', n: 2 });
  const quarantined = await again.quarantined();
  assert.deepEqual(quarantined.map((q) => [q.store, /checksum/.test(q.reason)]), [['entities', true]]);
  await again.close();
});
