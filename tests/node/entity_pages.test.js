// Confirmed entities kept in pages (js/storage/entity_pages.js, docs/record_format.md "Pages"):
// the one-way migration from one record per entity, a page torn in one entry losing that entry
// only, and the per-entity records and tombstones that shadow a page's copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient, openIndexedDbStorage } from '../../js/node.js';
import { COMPACT_AT, PAGE_ENTRIES } from '../../js/storage/entity_pages.js';

import { rawStore, rawPut as rawPutAll } from '../support/raw_idb.js';

const rawEntities = (factory, name) => rawStore(factory, name, 'entities');
const rawPut = (factory, name, key, value) => rawPutAll(factory, name, [{ store: 'entities', key, value }]);

const COUNT = COMPACT_AT + PAGE_ENTRIES + 10; // enough to migrate, over more than one page
const entity = (i) => ({ id: `e${i}`, title: `entity ${i}`, n: i });
const noTransport = { start() {}, connect() {}, disconnect() {}, push: () => false, sync() {}, setToken() {}, close() {}, stats: null };

async function start(indexedDB, name) {
  const storage = await openIndexedDbStorage({ indexedDB, name });
  const client = await createSyncClient({ collections: { k: {} }, storage, transport: noTransport, client: { clientId: 'pages', seed: 1 } });
  return { storage, client };
}

async function stop({ storage, client }) {
  await client.close();
  await storage.close();
}

// A database written one record per entity (as before pages), then one start to migrate it.
async function migrated(name) {
  const indexedDB = new IDBFactory();
  const first = await start(indexedDB, name);
  first.client.core.load('k', Array.from({ length: COUNT }, (_, i) => ({ id: `e${i}`, version: 1, data: entity(i) })));
  await first.client.flush();
  await stop(first);
  assert.equal((await rawEntities(indexedDB, name)).length, COUNT, 'one record per entity before');
  const second = await start(indexedDB, name);
  assert.equal(second.client.core.count('k'), COUNT);
  await second.storage.compact(); // what the start began in the background, done once more (idempotent)
  await stop(second);
  return indexedDB;
}

test('one record per entity migrates to pages once; a start from pages restores every entity', async () => {
  const indexedDB = await migrated('migrate');
  const raw = await rawEntities(indexedDB, 'migrate');
  assert.ok(raw.every((r) => typeof r.key === 'number'), 'only pages left');
  assert.equal(raw.length, Math.ceil(COUNT / PAGE_ENTRIES));
  const again = await start(indexedDB, 'migrate');
  assert.equal(again.client.core.count('k'), COUNT);
  assert.deepEqual(again.client.collection('k').get('e7'), entity(7));
  assert.deepEqual(await again.storage.readQuarantine(), []);
  await stop(again);
});

test('a page torn in one entry quarantines that entry only, once', async () => {
  const indexedDB = await migrated('torn');
  const [first] = await rawEntities(indexedDB, 'torn');
  const page = first.value.slice();
  // Flip a byte inside the text of the entry of e3 ("entity 3" in its payload).
  const needle = new TextEncoder().encode('"entity 3"');
  const at = page.findIndex((_, i) => needle.every((b, j) => page[i + j] === b));
  assert.ok(at > 0);
  page[at + 2] ^= 0x01;
  await rawPut(indexedDB, 'torn', first.key, page);

  const after = await start(indexedDB, 'torn');
  assert.equal(after.client.core.count('k'), COUNT - 1);
  assert.equal(after.client.collection('k').get('e3'), undefined);
  assert.deepEqual(after.client.collection('k').get('e4'), entity(4));
  const quarantined = await after.storage.readQuarantine();
  assert.deepEqual(quarantined.map((q) => q.key), [['k', 'e3']]);
  assert.match(quarantined[0].reason, /checksum/);
  await stop(after);
  const later = await start(indexedDB, 'torn');
  assert.equal(later.client.core.count('k'), COUNT - 1);
  assert.equal((await later.storage.readQuarantine()).length, 1, 'not quarantined again');
  await stop(later);
});

test("an entity's own record and its tombstone shadow the page's copy", async () => {
  const indexedDB = await migrated('shadow');
  const storage = await openIndexedDbStorage({ indexedDB, name: 'shadow' });
  const value = { data: { id: 'e5', title: 'newer' }, deleted: false, version: 2 };
  await storage.write({ type: 'persist', put: [{ store: 'entities', key: ['k', 'e5'], value }], delete: [{ store: 'entities', key: ['k', 'e6'] }] });
  const read = await storage.readAll();
  const entities = read.filter((r) => r.store === 'entities');
  assert.equal(entities.length, COUNT - 1);
  assert.deepEqual(entities.filter((r) => r.key[1] === 'e5').map((r) => r.value), [value]);
  assert.ok(!entities.some((r) => r.key[1] === 'e6'));
  // Folded into the pages: the same read from pages alone.
  await storage.compact();
  assert.ok((await rawEntities(indexedDB, 'shadow')).every((r) => typeof r.key === 'number'));
  const folded = (await storage.readAll()).filter((r) => r.store === 'entities');
  assert.deepEqual(folded.map((r) => JSON.stringify([r.key, r.value])).sort(), entities.map((r) => JSON.stringify([r.key, r.value])).sort());
  await storage.close();
});
