// Outbox pages (js/storage/outbox_pages.js, wasm/persist_records.cpp; docs/record_format.md): a
// group commit with a burst of new outbox entries puts them as one IndexedDB value, each entry
// with its own CRC-32; any later word on a seq (a re-put, a delete) is a record of its own that
// shadows the page's copy. Checked on the raw database (fake-indexeddb) and across restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient, openIndexedDbStorage } from '../../js/node.js';
import { rawStore, rawPut } from '../support/raw_idb.js';
import { isOutboxPage } from '../../js/storage/outbox_pages.js';
import { pageEntries, isTombstone } from '../../js/storage/entity_pages.js';

const noTransport = { start() {}, connect() {}, disconnect() {}, push: () => false, sync() {}, setToken() {}, close() {}, stats: null };
const open = (indexedDB, name) => createSyncClient({ collections: { todos: {} }, storage: { indexedDB, name }, transport: noTransport });
const rawOutbox = (indexedDB, name) => rawStore(indexedDB, name, 'outbox');
const pagesOf = (raw) => raw.filter((r) => isOutboxPage(r.key, r.value));
const titles = (client) => client.collection('todos').list().map((t) => t.title).sort();

async function burst(indexedDB, name, n) {
  const client = await open(indexedDB, name);
  const todos = client.collection('todos');
  for (let i = 0; i < n; i++) todos.create({ id: `t${String(i).padStart(3, '0')}`, title: `title ${i}` });
  await client.flush();
  return client;
}

test('a burst of new outbox entries is stored as pages, a few values for many entries, and restores whole', async () => {
  const indexedDB = new IDBFactory();
  const client = await burst(indexedDB, 'burst', 300);
  await client.close();
  const raw = await rawOutbox(indexedDB, 'burst');
  const pages = pagesOf(raw);
  assert.ok(pages.length >= 1, 'the burst went as pages');
  const entries = pages.flatMap((p) => pageEntries(p.value, 'outbox').entries);
  // Groups of up to 250 records (two per create): the last group's 50 stay records of their own.
  assert.ok(entries.length >= 200, `${entries.length} of 300 entries in ${pages.length} pages`);
  // Keyed by the first entry's seq; every entry its own stored record.
  for (const p of pages) assert.deepEqual(p.key, [JSON.parse(new TextDecoder().decode(pageEntries(p.value, 'outbox').entries[0].keyBytes))]);
  assert.equal(entries.length + raw.filter((r) => !Array.isArray(r.key)).length, 300);

  const again = await open(indexedDB, 'burst');
  assert.equal(again.status.pending, 300);
  assert.equal(titles(again).length, 300);
  assert.equal(again.core.pendingMutations()[299].data.title, 'title 299');
  await again.close();
});

test('a few entries at a time stay records of their own (one value each), as before', async () => {
  const indexedDB = new IDBFactory();
  const client = await burst(indexedDB, 'few', 10);
  await client.close();
  const raw = await rawOutbox(indexedDB, 'few');
  assert.equal(pagesOf(raw).length, 0);
  assert.equal(raw.length, 10);
});

test('a re-put and a delete of a paged entry shadow its page copy across restarts; compaction drops what nothing needs', async () => {
  const indexedDB = new IDBFactory();
  const client = await burst(indexedDB, 'shadow', 200);
  const todos = client.collection('todos');
  // The update folds into the pending create (the same seq: a re-put); the cancel deletes a seq.
  todos.patch('t000', { title: 'changed' });
  await client.cancel(client.core.pendingMutations().find((m) => m.id === 't001').mutationIds[0]);
  await client.flush();
  await client.close();
  const raw = await rawOutbox(indexedDB, 'shadow');
  assert.ok(pagesOf(raw).length >= 1);
  assert.ok(raw.some((r) => isTombstone(r.value)), 'the cancel of a paged entry left a tombstone');

  const again = await open(indexedDB, 'shadow');
  assert.equal(again.status.pending, 199);
  assert.ok(!titles(again).includes('title 1'), 'the cancelled create stays cancelled');
  assert.ok(titles(again).includes('changed') && !titles(again).includes('title 0'), 'the re-put wins over the page copy');
  // Every entry of the pages taken back: the pages and their tombstones go at the next compaction.
  await again.clearQueue();
  await again.close();
  const storage = await openIndexedDbStorage({ indexedDB, name: 'shadow' });
  await storage.readAll();
  await storage.compact();
  await storage.close();
  assert.deepEqual(await rawOutbox(indexedDB, 'shadow'), []);
  const last = await open(indexedDB, 'shadow');
  assert.equal(last.status.pending, 0);
  assert.deepEqual(titles(last), []);
  await last.close();
});

test('restored entries written again in a burst are never paged (a page holds first puts only)', async () => {
  const indexedDB = new IDBFactory();
  const first = await burst(indexedDB, 'restored', 100);
  await first.close();
  const pagesBefore = pagesOf(await rawOutbox(indexedDB, 'restored')).length;
  const again = await open(indexedDB, 'restored');
  const todos = again.collection('todos');
  for (let i = 0; i < 100; i++) todos.patch(`t${String(i).padStart(3, '0')}`, { title: `again ${i}` });
  await again.flush();
  await again.close();
  const raw = await rawOutbox(indexedDB, 'restored');
  assert.equal(pagesOf(raw).length, pagesBefore, 'no new page');
  const last = await open(indexedDB, 'restored');
  assert.equal(last.status.pending, 100);
  assert.ok(titles(last).every((t) => t.startsWith('again ')));
  await last.close();
});

test('a page torn in one entry loses that entry only: quarantined, the rest restores, the tombstone keeps it gone', async () => {
  const indexedDB = new IDBFactory();
  const client = await burst(indexedDB, 'torn', 100);
  await client.close();
  const [page] = pagesOf(await rawOutbox(indexedDB, 'torn'));
  const { entries } = pageEntries(page.value, 'outbox');
  const victim = entries[5];
  const torn = page.value.slice();
  // Flip one byte of the victim's JSON text (its CRC-32 no longer matches).
  const at = victim.bytes.byteOffset - page.value.byteOffset + victim.bytes.length - 3;
  torn[at] ^= 0x01;
  await rawPut(indexedDB, 'torn', [{ store: 'outbox', key: page.key, value: torn }]);

  const again = await open(indexedDB, 'torn');
  assert.equal(again.status.pending, 99);
  const q = await again.quarantined();
  assert.equal(q.filter((r) => r.store === 'outbox').length, 1);
  await again.close();
  const last = await open(indexedDB, 'torn');
  assert.equal(last.status.pending, 99);
  assert.equal((await last.quarantined()).length, 1, 'quarantined once, not again at every start');
  await last.close();
});
