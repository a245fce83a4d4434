// Eviction and persistent storage in headless Chromium on its real IndexedDB: the origin's
// IndexedDB is cleared (CDP Storage.clearDataForOrigin, as an eviction would) while no page of the
// app is open; the next start reports the pending edits that were lost. And the client asks for
// persistent storage and shows the answer in status.storagePersisted.
//   node --test tests/browser/storage_eviction.test.js
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoServer } from '../../demo/serve.js';
import { launchChromium } from './chromium.js';


let server;
let browser;
let origin;
const problems = [];

before(async () => {
  server = await startDemoServer({ port: 0 });
  origin = new URL(server.url).origin;
  browser = await launchChromium();
});

after(async () => {
  try {
    await browser?.close();
  } finally {
    await server?.close();
  }
  assert.deepEqual(problems, []);
});

// In every page: the library as window.lib, and a count of navigator.storage.persist() calls.
function pageHelpers() {
  window.load = async () => (window.lib ??= await import('/js/browser.js'));
  window.persistCalls = 0;
  const persist = navigator.storage?.persist?.bind(navigator.storage);
  if (persist) {
    navigator.storage.persist = () => {
      window.persistCalls++;
      return persist();
    };
  }
}

async function openPage(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.addInitScript(pageHelpers);
  await page.route('**/blank.html', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><meta charset="utf-8"><title>eviction</title>' }));
  await page.goto(new URL('/blank.html', server.url).href);
  return page;
}

test('IndexedDB cleared while no page was open: the next start reports the lost pending edits', async () => {
  const context = await browser.newContext();
  const page = await openPage(context);
  const first = await page.evaluate(async () => {
    const { createSyncClient } = await window.load();
    // No server: the edits stay pending, as offline.
    const client = await createSyncClient({ collections: { todos: {} }, storage: { name: 'evict' }, tabs: false });
    for (const id of ['a', 'b', 'c']) client.collection('todos').create({ id, title: id });
    await client.flush();
    const out = { clientId: client.core.clientId, pending: client.status.pending };
    await client.close();
    return out;
  });
  assert.equal(first.pending, 3);
  await page.close(); // no page of the origin is open now

  const other = await context.newPage(); // about:blank: holds nothing of the origin
  const cdp = await context.newCDPSession(other);
  await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'indexeddb' });
  await other.close();

  const again = await openPage(context);
  const second = await again.evaluate(async () => {
    const { createSyncClient } = await window.load();
    const gone = !(await indexedDB.databases()).some((d) => d.name === 'evict');
    const client = await createSyncClient({ collections: { todos: {} }, storage: { name: 'evict' }, tabs: false });
    const events = [];
    client.on('storageEvent', (e) => events.push(e));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const out = {
      gone,
      events: events.filter((e) => e.type === 'storage-evicted'),
      report: client.restoreReport.evicted,
      warning: client.status.storageWarning,
      clientId: client.core.clientId,
      todos: client.collection('todos').count(),
    };
    await client.close();
    return out;
  });
  assert.equal(second.gone, true, 'the database was cleared');
  assert.equal(second.events.length, 1);
  assert.deepEqual({ ...second.events[0], type: undefined }, { type: undefined, clientId: first.clientId, pending: 3, deadLetters: 0, conflicts: 0, lost: 3 });
  assert.equal(second.report.lost, 3);
  assert.equal(second.warning?.code, 'STORAGE_EVICTED');
  assert.match(second.warning.message, /3 unsynced changes/);
  assert.notEqual(second.clientId, first.clientId);
  assert.equal(second.todos, 0);
  await again.close();

  // Reopened once more, nothing new was lost: no second alarm.
  const third = await openPage(context);
  assert.equal(await third.evaluate(async () => {
    const { createSyncClient } = await window.load();
    const client = await createSyncClient({ collections: { todos: {} }, storage: { name: 'evict' }, tabs: false });
    const evicted = client.restoreReport.evicted;
    await client.close();
    return evicted;
  }), null);
  await context.close();
});

test('persistent storage: requested with IndexedDB storage, reported in status.storagePersisted; persistStorage: false only reads', async (t) => {
  const context = await browser.newContext();
  const page = await openPage(context);
  const result = await page.evaluate(async () => {
    const { createSyncClient } = await window.load();
    const waitFor = async (client) => {
      for (let i = 0; i < 100 && client.status.storagePersisted === null; i++) await new Promise((r) => setTimeout(r, 20));
      return client.status.storagePersisted;
    };
    const off = await createSyncClient({ collections: { todos: {} }, storage: { name: 'persist-off' }, tabs: false, persistStorage: false });
    const offPersisted = await waitFor(off);
    const callsWhenOff = window.persistCalls;
    await off.close();
    const on = await createSyncClient({ collections: { todos: {} }, storage: { name: 'persist-on' }, tabs: false });
    const onPersisted = await waitFor(on);
    await on.close();
    return { offPersisted, callsWhenOff, onPersisted, calls: window.persistCalls, browserSays: await navigator.storage.persisted(), storage: on.status.storage };
  });
  t.diagnostic(`headless Chromium: persisted() ${result.offPersisted} before asking, persist() -> ${result.onPersisted}`);
  assert.equal(typeof result.offPersisted, 'boolean');
  assert.equal(result.callsWhenOff, 0, 'persistStorage: false never asks');
  assert.equal(typeof result.onPersisted, 'boolean');
  assert.equal(result.onPersisted, result.browserSays);
  assert.ok(result.calls === 1 || result.onPersisted === true, `persist() asked once unless already persisted (${result.calls})`);
  assert.equal(result.storage, 'indexeddb', 'status.storage stays the kind string');
  await context.close();
});
