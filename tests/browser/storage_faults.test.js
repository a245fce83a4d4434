// Storage faults in headless Chromium on its real IndexedDB: a real quota (CDP
// Storage.overrideQuotaForOrigin), another tab upgrading the database, site data cleared under a
// live client, a torn record, no IndexedDB at all, and sensitive fields read back raw. Each
// checks that what was accepted before the fault is intact after it (a reload restores it).
//   node --test tests/browser/storage_faults.test.js
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoServer } from '../../demo/serve.js';
import { launchChromium } from './chromium.js';


let server;
let browser;
let origin;
/** Everything that went wrong in a page: uncaught errors. */
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

// In every page: the library as window.lib once loaded, and raw IndexedDB helpers.
function pageHelpers() {
  const request = (req) =>
    new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  window.load = async () => (window.lib ??= await import('/js/browser.js'));
  window.rawDump = async (name) => {
    if (!(await indexedDB.databases()).some((d) => d.name === name)) return [];
    const db = await request(indexedDB.open(name));
    const out = [];
    for (const store of db.objectStoreNames) {
      const tx = db.transaction(store, 'readonly');
      const [keys, values] = await Promise.all([request(tx.objectStore(store).getAllKeys()), request(tx.objectStore(store).getAll())]);
      // Each value as the stored form shows it: the record and its stored checksum ($checksum).
      const { inspectStored } = await import('/js/storage/record_codec.js');
      keys.forEach((key, i) => out.push({ store, key, value: inspectStored(values[i]) }));
    }
    db.close();
    return out;
  };
  // Checksum untouched, as a torn write leaves a record (record_codec.js storedFromInspected).
  window.rawEdit = async (name, store, key, edit) => {
    const { inspectStored, storedFromInspected } = await import('/js/storage/record_codec.js');
    const db = await request(indexedDB.open(name));
    const tx = db.transaction(store, 'readwrite');
    const os = tx.objectStore(store);
    os.put(storedFromInspected(edit(inspectStored(await request(os.get(key))))), key);
    await new Promise((resolve) => (tx.oncomplete = resolve));
    db.close();
  };
  window.request = request;
}

async function openPage(context, initScript) {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  if (initScript) await page.addInitScript(initScript);
  await page.addInitScript(pageHelpers);
  await page.route('**/blank.html', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><meta charset="utf-8"><title>storage faults</title>' }));
  await page.goto(new URL('/blank.html', server.url).href);
  return page;
}

const titles = (list) => list.map((x) => x.title).sort();

test('a real quota: writes refused, reported, kept in memory, all stored once space is back', async (t) => {
  const context = await browser.newContext();
  const page = await openPage(context);
  const cdp = await context.newCDPSession(page);
  // 200 kB for the origin. Chromium applies an override to databases opened after it: first.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 200_000 });
  await page.evaluate(async () => {
    const { createSyncClient } = await window.load();
    window.client = await createSyncClient({ collections: { files: {} }, storage: { name: 'quota' }, storageRetryMs: 50 });
    window.quotaEvents = [];
    window.client.on('storageQuotaExceeded', (e) => window.quotaEvents.push(e.message));
    window.client.collection('files').create({ id: 'before', title: 'before' });
    await window.client.flush();
  });
  // Incompressible 20 kB records until the browser refuses one (at most 40: 800 kB).
  const accepted = await page.evaluate(async () => {
    const files = window.client.collection('files');
    const noise = () => Array.from({ length: 1300 }, () => Math.random().toString(36).slice(2, 18)).join('');
    for (let i = 0; i < 40 && window.quotaEvents.length === 0; i++) {
      files.create({ id: `f${i}`, title: `f${i}`, body: noise() });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return files.count();
  });
  await page.waitForFunction(() => window.client.status.storageWarning?.code === 'STORAGE_QUOTA');
  const during = await page.evaluate(async () => ({
    events: window.quotaEvents,
    count: window.client.collection('files').count(),
    pending: window.client.status.pending,
    stored: (await window.rawDump('quota')).filter((r) => r.store === 'outbox').length,
  }));
  assert.ok(during.events.length >= 1 && /QuotaExceededError/.test(during.events[0]), JSON.stringify(during.events));
  assert.equal(during.count, accepted); // the view has every accepted change
  assert.equal(during.pending, accepted);
  assert.ok(during.stored < accepted, `stored ${during.stored} of ${accepted}`);
  t.diagnostic(`quota 200000 B: ${accepted} changes accepted, ${during.stored} stored before the refusal, ${during.events.length} quota events`);

  await cdp.send('Storage.overrideQuotaForOrigin', { origin }); // space is back
  await page.evaluate(() => window.client.sync());
  await page.waitForFunction(() => window.client.status.storageWarning === null);
  await page.evaluate(() => window.client.flush());
  assert.equal(await page.evaluate(async () => (await window.rawDump('quota')).filter((r) => r.store === 'outbox').length), accepted);

  await page.reload();
  const restored = await page.evaluate(async () => {
    const { createSyncClient } = await window.load();
    const client = await createSyncClient({ collections: { files: {} }, storage: { name: 'quota' } });
    const ids = client.collection('files').list().map((f) => f.id).sort();
    await client.close();
    return ids;
  });
  assert.equal(restored.length, accepted);
  assert.ok(restored.includes('before') && restored.includes(`f${accepted - 2}`));
  await context.close();
});

test('another tab upgrades the database: not blocked; this tab carries on and says reload', async () => {
  const context = await browser.newContext();
  const page = await openPage(context);
  await page.evaluate(async () => {
    const { createSyncClient } = await window.load();
    window.client = await createSyncClient({ collections: { todos: {} }, storage: { name: 'tabs' } });
    window.client.collection('todos').create({ id: 'a', title: 'a' });
    await window.client.flush();
  });
  const other = await openPage(context);
  const upgraded = await other.evaluate(async () => {
    const req = indexedDB.open('tabs', 2);
    let blocked = false;
    req.onblocked = () => (blocked = true);
    req.onupgradeneeded = () => req.result.createObjectStore('newer');
    window.db = await window.request(req);
    return { version: window.db.version, blocked };
  });
  assert.deepEqual(upgraded, { version: 2, blocked: false });
  const after = await page.evaluate(async () => {
    const closed = window.client.status.storageWarning?.code;
    window.client.collection('todos').create({ id: 'b', title: 'b' });
    await window.client.flush();
    return { closed, now: window.client.status.storageWarning?.code };
  });
  assert.deepEqual(after, { closed: 'STORAGE_CLOSED', now: 'STORAGE_UPGRADED' });
  // The newer tab sees both writes in its database.
  assert.equal(await other.evaluate(async () => {
    const tx = window.db.transaction('outbox', 'readonly');
    return (await window.request(tx.objectStore('outbox').getAll())).length;
  }), 2);
  await other.close();
  await page.reload();
  assert.deepEqual(await page.evaluate(async () => {
    const { createSyncClient } = await window.load();
    const client = await createSyncClient({ collections: { todos: {} }, storage: { name: 'tabs', version: 2 } });
    const list = client.collection('todos').list().map((t) => t.title).sort();
    await client.close();
    return list;
  }), ['a', 'b']);
  await context.close();
});

test('site data cleared under a live client (connection force-closed): it writes back all it holds', async () => {
  const context = await browser.newContext();
  const page = await openPage(context);
  const cdp = await context.newCDPSession(page);
  await page.evaluate(async () => {
    const { createSyncClient } = await window.load();
    window.client = await createSyncClient({ collections: { todos: {} }, storage: { name: 'cleared' } });
    window.events = [];
    window.client.on('storageEvent', (e) => window.events.push(e.type));
    window.client.collection('todos').create({ id: 'a', title: 'a' });
    await window.client.flush();
  });
  await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'indexeddb' });
  await page.waitForFunction(() => window.events.includes('storage-closed'));
  const events = await page.evaluate(async () => {
    window.client.collection('todos').create({ id: 'b', title: 'b' });
    await window.client.flush();
    await window.client.flush(); // the rewrite queued behind that write
    return window.events;
  });
  assert.deepEqual(events, ['storage-closed', 'storage-reopened', 'storage-recreated']);
  await page.reload();
  assert.deepEqual(await page.evaluate(async () => {
    const { createSyncClient } = await window.load();
    const client = await createSyncClient({ collections: { todos: {} }, storage: { name: 'cleared' } });
    const list = client.collection('todos').list().map((t) => t.title).sort();
    await client.close();
    return list;
  }), ['a', 'b']);
  await context.close();
});

test('a torn record is quarantined and reported; the rest restores', async () => {
  const context = await browser.newContext();
  const page = await openPage(context);
  const result = await page.evaluate(async () => {
    const { createSyncClient } = await window.load();
    const options = { collections: { todos: {} }, storage: { name: 'torn' } };
    const writer = await createSyncClient(options);
    for (const id of ['a', 'b', 'c']) writer.collection('todos').create({ id, title: id });
    await writer.flush();
    await writer.close();
    const victim = (await window.rawDump('torn')).find((r) => r.store === 'outbox' && r.value.entityId === 'b');
    await window.rawEdit('torn', 'outbox', victim.key, (v) => ({ ...v, payload: { ...v.payload, title: 'B' } }));
    const reader = await createSyncClient(options);
    const out = {
      titles: reader.collection('todos').list().map((t) => t.title).sort(),
      warning: reader.status.storageWarning?.code,
      quarantined: (await reader.quarantined()).map((q) => [q.store, q.value.payload.title]),
    };
    await reader.close();
    return out;
  });
  assert.deepEqual(result, { titles: ['a', 'c'], warning: 'STORAGE_QUARANTINED', quarantined: [['outbox', 'B']] });
  await context.close();
});

test('no IndexedDB (private mode): memory only with a warning; SecurityError on open too', async () => {
  const cases = [
    () => Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true }),
    () => {
      IDBFactory.prototype.open = () => {
        throw new DOMException('denied', 'SecurityError');
      };
    },
  ];
  for (const init of cases) {
    const context = await browser.newContext();
    const page = await openPage(context, init);
    const status = await page.evaluate(async () => {
      const { createSyncClient } = await window.load();
      const client = await createSyncClient({ collections: { todos: {} } });
      client.collection('todos').create({ id: 'a', title: 'a' });
      await client.flush();
      const out = { storage: client.status.storage, warning: client.status.storageWarning, count: client.collection('todos').count() };
      await client.close();
      return out;
    });
    assert.equal(status.storage, 'memory');
    assert.equal(status.warning.code, 'STORAGE_UNAVAILABLE');
    assert.match(status.warning.message, /memory only/);
    assert.equal(status.count, 1);
    await context.close();
  }
});

test('sensitive fields: no store of the real IndexedDB holds one, after creates, edits, conflicts and dead letters', async () => {
  const context = await browser.newContext();
  const page = await openPage(context);
  const { text, stores, view } = await page.evaluate(async () => {
    const { createSyncClient } = await window.load();
    const transport = {
      pushes: [],
      start(sink) {
        transport.sink = sink;
      },
      connect() {
        transport.sink.connected();
        transport.sink.caughtUp();
      },
      disconnect() {
        transport.sink.disconnected();
      },
      push(batch, mutations) {
        transport.pushes.push({ batch, mutations });
        return true;
      },
      sync() {},
      setToken() {},
      close() {},
    };
    const answer = (status, extra) => {
      const { batch, mutations } = transport.pushes.shift();
      transport.sink.answer(batch, mutations.map((m) => ({ key: m.key, status, ...extra })));
    };
    const client = await createSyncClient({
      collections: { people: { sensitiveFields: ['ssn', 'health.notes'], strategy: 'manual' } },
      storage: { name: 'pii' },
      transport,
    });
    const people = client.collection('people');
    people.create({ id: 'p1', name: 'Ada', ssn: '123-45-6789', health: { notes: 'asthma', ok: true } });
    await client.flush();
    answer('ok', { version: 1 });
    people.patch('p1', { ssn: '987-65-4321', name: 'Ada L.' });
    await client.flush();
    answer('conflict', { version: 2, data: { id: 'p1', name: 'Ada K.', ssn: '123-45-6789', health: { notes: 'allergy' } } });
    people.create({ id: 'p2', name: 'Bob', ssn: '111', health: { notes: 'fever' } });
    await client.flush();
    answer('rejected', { class: 'validation', message: 'no' });
    client.goOffline();
    people.create({ id: 'p3', name: 'Cy', ssn: '987-65-4321', health: { notes: 'fever' } });
    await client.flush();
    const raw = await window.rawDump('pii');
    const out = { text: JSON.stringify(raw), stores: [...new Set(raw.map((r) => r.store))].sort(), view: people.get('p3').ssn };
    await client.close();
    return out;
  }).catch((err) => ({ text: String(err), stores: [], view: null }));
  assert.deepEqual(stores, ['conflicts', 'deadLetters', 'entities', 'meta', 'outbox'], text);
  for (const secret of ['123-45-6789', '987-65-4321', 'asthma', 'allergy', 'fever']) assert.ok(!text.includes(secret), `${secret} stored`);
  assert.ok(text.includes('Ada K.') && text.includes('Bob') && text.includes('Cy'));
  assert.equal(view, '987-65-4321'); // in memory only
  await context.close();
});
