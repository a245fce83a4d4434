// A hydrate from entity pages streams (js/storage/idb_read.js): IndexedDB hands each chunk of
// pages to the core while it reads the next, an entity's own record or tombstone still shadows
// its page copy, a torn entry is quarantined alone, and a read started over counts only once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createSyncClient, openIndexedDbStorage, createMemoryStorage } from '../../js/node.js';
import { PAGE_ENTRIES, pageEntries } from '../../js/storage/entity_pages.js';
import { PAGES_PER_READ } from '../../js/storage/idb_read.js';
import { rawStore, rawPut } from '../support/raw_idb.js';

const COUNT = PAGE_ENTRIES * (PAGES_PER_READ + 2) + 7; // two chunks of pages, the last one short
const entity = (i) => ({ id: `e${i}`, title: `entity ${i}`, n: i });
const noTransport = { start() {}, connect() {}, disconnect() {}, push: () => false, sync() {}, setToken() {}, close() {}, stats: null };

// The storage, its readAll watched: the chunks onEntities was handed and what readAll returned.
function watched(storage) {
  const seen = { chunks: [], returned: [] };
  const readAll = storage.readAll.bind(storage);
  storage.readAll = async (options) => {
    const onEntities = options?.onEntities;
    const out = await readAll({ ...options, onEntities: onEntities && ((records, fromStart) => {
      seen.chunks.push({ n: records.length, fromStart });
      onEntities(records, fromStart);
    }) });
    seen.returned = out;
    return out;
  };
  return seen;
}

async function start(indexedDB, name) {
  const storage = await openIndexedDbStorage({ indexedDB, name, keyRange: IDBKeyRange, compactDelayMs: 60_000 });
  const seen = watched(storage);
  const client = await createSyncClient({ collections: { k: {} }, storage, transport: noTransport, client: { clientId: 'pages', seed: 1 } });
  return { storage, client, seen };
}

async function stop({ storage, client }) {
  await client.close();
  await storage.close();
}

async function paged(name) {
  const indexedDB = new IDBFactory();
  const first = await start(indexedDB, name);
  first.client.core.load('k', Array.from({ length: COUNT }, (_, i) => ({ id: `e${i}`, version: 1, data: entity(i) })));
  await first.client.flush();
  assert.ok((await first.storage.compact()) > PAGES_PER_READ);
  await stop(first);
  return indexedDB;
}

test('a start from pages hands them to the core in chunks as they are read; own records and tombstones shadow them', async () => {
  const indexedDB = await paged('stream');
  const storage = await openIndexedDbStorage({ indexedDB, name: 'stream', keyRange: IDBKeyRange });
  const value = { data: { id: 'e5', title: 'newer' }, deleted: false, version: 2 };
  await storage.write({ type: 'persist', put: [{ store: 'entities', key: ['k', 'e5'], value }], delete: [{ store: 'entities', key: ['k', 'e6'] }] });
  await storage.close();

  const s = await start(indexedDB, 'stream');
  assert.equal(s.client.core.count('k'), COUNT - 1);
  assert.equal(s.client.collection('k').get('e5').title, 'newer');
  assert.equal(s.client.collection('k').get('e6'), undefined);
  assert.deepEqual(s.client.collection('k').get(`e${COUNT - 1}`), entity(COUNT - 1));
  // One start of the read, then the pages in chunks; none of their entries in the returned list.
  assert.deepEqual(s.seen.chunks[0], { n: 0, fromStart: true });
  const sizes = s.seen.chunks.slice(1).map((c) => c.n);
  assert.ok(sizes.length >= 2, `chunks: ${sizes}`);
  assert.equal(sizes.reduce((a, b) => a + b, 0), COUNT - 2); // e5, e6 shadowed
  assert.deepEqual(s.seen.returned.filter((r) => r.store === 'entities').map((r) => r.key), [['k', 'e5']]);
  assert.equal(s.client.restoreReport.records, s.seen.returned.length + COUNT - 2);
  // Read in chunks without onEntities (another tab's engine): every entry in the returned list.
  const listed = (await s.storage.readAll()).filter((r) => r.store === 'entities');
  assert.equal(listed.length, COUNT - 1);
  assert.deepEqual(listed.filter((r) => r.key[1] === 'e5').map((r) => r.value.data.title), ['newer']);
  assert.ok(!listed.some((r) => r.key[1] === 'e6'));
  await stop(s);
});

test('a page torn in one entry: on the streamed start that entry alone is quarantined, once', async () => {
  const indexedDB = await paged('torn');
  const pages = await rawStore(indexedDB, 'torn', 'entities');
  const last = pages[pages.length - 1]; // in the second chunk: its index counts the first chunk's
  const page = last.value.slice();
  const [, id] = JSON.parse(new TextDecoder().decode(pageEntries(page).entries[1].keyBytes));
  const n = Number(id.slice(1));
  const needle = new TextEncoder().encode(`"entity ${n}"`);
  const at = page.findIndex((_, i) => needle.every((b, j) => page[i + j] === b));
  assert.ok(at > 0);
  page[at + 2] ^= 0x01;
  await rawPut(indexedDB, 'torn', [{ store: 'entities', key: last.key, value: page }]);

  const s = await start(indexedDB, 'torn');
  assert.equal(s.client.core.count('k'), COUNT - 1);
  assert.equal(s.client.collection('k').get(id), undefined);
  assert.deepEqual(s.client.collection('k').get('e4'), entity(4));
  const quarantined = await s.storage.readQuarantine();
  assert.deepEqual(quarantined.map((q) => q.key), [['k', id]]);
  await stop(s);
  const later = await start(indexedDB, 'torn');
  assert.equal(later.client.core.count('k'), COUNT - 1);
  assert.equal((await later.storage.readQuarantine()).length, 1, 'not quarantined again');
  await stop(later);
});

test('a read started over (fromStart again) restores only what the last attempt handed out', async () => {
  // A storage of records as an IndexedDB read that lost its connection halfway hands them out.
  const source = createMemoryStorage();
  const first = await createSyncClient({ collections: { k: {} }, storage: source, transport: noTransport, client: { clientId: 'over', seed: 1 } });
  first.core.load('k', Array.from({ length: 6 }, (_, i) => ({ id: `e${i}`, version: 1, data: entity(i) })));
  await first.flush();
  const all = await source.readAll();
  await first.close();
  const entities = all.filter((r) => r.store === 'entities');
  const rest = all.filter((r) => r.store !== 'entities');
  const storage = {
    kind: 'memory',
    write: async () => {},
    clear: async () => {},
    close() {},
    async readAll({ onEntities } = {}) {
      onEntities([], true);
      onEntities(entities.slice(0, 4), false); // the connection is lost here: the read starts over
      onEntities([], true);
      onEntities(entities.slice(0, 3), false);
      onEntities(entities.slice(3), false);
      return rest;
    },
  };
  const again = await createSyncClient({ collections: { k: {} }, storage, transport: noTransport, client: { clientId: 'over', seed: 1 } });
  assert.equal(again.core.count('k'), 6);
  assert.deepEqual(again.collection('k').get('e4'), entity(4));
  assert.equal(again.restoreReport.records, all.length);
  await again.close();
});
