// Background sync in headless Chromium: a page registers a module Service Worker that runs
// syncore/sw (installBackgroundSync); the page's edits made while the sync server is down wait in
// IndexedDB; every page closes; the server comes back; the worker's `sync` event, dispatched
// through the DevTools protocol (ServiceWorker.dispatchSyncEvent), loads the wasm in the worker,
// opens the pages' database under the leader tab's Web Lock and delivers the edits exactly once.
// And: while a page is open and leads, a dispatched sync event sends nothing (the page sends).
// The worker is served from the same loopback origin as the page; the sync server has its own
// port (so it can stop and come back on it, with the same store).
//   node --test tests/browser/background_sync.test.js
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createStaticHandler } from '../../demo/serve.js';
import { allowEveryone, openStore, startSyncServer } from '../../server/sync_server.js';
import { launchChromium } from './chromium.js';

// A guard against hangs only: the first test also waits for the before hook (PGlite and Chromium
// starting), which took minutes on this machine while it was shared by many builds.
const T = { timeout: 300_000 };
const DB = 'bgsync';
const TAG = 'syncore-outbox';

const page = (syncUrl) => `<!doctype html><meta charset="utf-8"><title>background sync</title>
<script type="module">
  import { createSyncClient } from '/js/browser.js';
  import { requestBackgroundSync } from '/js/sw/index.js';
  const registration = await navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' });
  await navigator.serviceWorker.ready;
  const client = await createSyncClient({
    url: ${JSON.stringify(syncUrl)}, wasmUrl: '/dist/syncore.wasm', collections: { todos: {} }, storage: { name: '${DB}' },
    websocket: { reconnectBaseMs: 50, reconnectMaxMs: 300 },
  });
  const errors = [];
  client.on('error', (e) => errors.push(String(e?.message ?? e)));
  // Only the "queued while not connected" registration here: the test dispatches the rest itself.
  requestBackgroundSync(client, { window: null, document: null });
  const titles = () => client.collection('todos').list().map((t) => t.title).sort();
  window.app = { client, registration, titles, errors };
  document.body.dataset.ready = 'true';
</script><body>`;

const worker = (syncUrl) => `
import { installBackgroundSync } from '/js/sw/index.js';
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
// What the test reads back (Playwright evaluates in the worker): every flush's result, and how many
// sync events are still running.
const results = [];
let started = 0;
self.addEventListener('sync', () => started++);
self.addEventListener('periodicsync', () => started++);
self.flushResults = () => results;
self.idle = () => started === results.length;
installBackgroundSync({
  url: ${JSON.stringify(syncUrl)}, wasmUrl: '/dist/syncore.wasm', collections: { todos: {} }, storage: { name: '${DB}' },
  lockWaitMs: 200, timeoutMs: 5000, websocket: { reconnectBaseMs: 50, reconnectMaxMs: 300 },
  onResult: ({ error, ...result }) => results.push(error ? { ...result, error: String(error.message ?? error) } : result),
});
`;

let web;
let sync;
let store;
let syncPort;
let browser;
let context;
let cdp; // a DevTools session on an about:blank page: no page of the app's origin
const problems = [];

async function startSync(options = {}) {
  sync = await startSyncServer({ store, port: syncPort, ...options });
  syncPort = sync.port;
}

async function serverState() {
  const log = await store.changeLog(0);
  return { origins: log.map((c) => c.origin), titles: (await store.list('todos')).map((e) => e.data.title).sort() };
}

/** Resolves when check() is true; polled (the state lives in another process). */
async function until(check, what, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) {
      if (process.env.BG_DEBUG) console.error(JSON.stringify(await (await serviceWorker()).evaluate(() => [self.flushResults(), self.idle()])));
      throw new Error(`timed out waiting for: ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function serviceWorker() {
  return context.serviceWorkers()[0] ?? context.waitForEvent('serviceworker');
}

async function openAppPage() {
  const p = await context.newPage();
  p.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  await p.goto(`${web.url}app.html`);
  await p.waitForSelector('body[data-ready=true]', { state: 'attached', timeout: 15_000 });
  return p;
}

let registration = null;
function registrationId() {
  registration ??= findRegistration();
  return registration;
}

async function findRegistration() {
  const found = new Promise((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const r = registrations.find((x) => x.scopeURL === web.url && !x.isDeleted);
      if (r) resolve(r.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  return found;
}

/** Dispatches the worker's sync event through CDP; resolves the flush result it produced. */
async function dispatchSync({ periodic = false } = {}) {
  const sw = await serviceWorker();
  const before = (await sw.evaluate(() => self.flushResults())).length;
  const origin = web.url.replace(/\/$/, '');
  if (periodic) await cdp.send('ServiceWorker.dispatchPeriodicSyncEvent', { origin, registrationId: await registrationId(), tag: 'syncore-periodic' });
  else await cdp.send('ServiceWorker.dispatchSyncEvent', { origin, registrationId: await registrationId(), tag: TAG, lastChance: false });
  return until(async () => (await sw.evaluate(() => self.flushResults()))[before], 'the flush result of the dispatched sync event');
}

before(async () => {
  store = await openStore();
  await startSync();
  const files = createStaticHandler();
  const server = createServer((req, res) => {
    if (req.url === '/app.html') return res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page(sync.url));
    if (req.url === '/sw.js') return res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(worker(sync.url));
    if (req.url === '/favicon.ico') return res.writeHead(204).end();
    return files(req, res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  web = { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((resolve) => {
    server.close(resolve);
    server.closeAllConnections();
  }) };
  browser = await launchChromium();
  context = await browser.newContext();
  context.on('serviceworker', (sw) => sw.on('console', (m) => m.type() === 'error' && problems.push(`worker console.error: ${m.text()}`)));
  cdp = await context.newCDPSession(await context.newPage());
});

after(async () => {
  await browser?.close();
  await web?.close();
  await sync?.close();
  await store?.close();
});

test('edits made offline, every page closed, the server back: the dispatched sync event delivers them exactly once', T, async (t) => {
  const p = await openAppPage();
  await sync.close(); // the server goes away
  await until(() => p.evaluate(() => !window.app.client.status.connected), 'the page saw the server go');
  await p.evaluate(async () => {
    for (const title of ['a', 'b', 'c']) window.app.client.collection('todos').create({ title });
    await window.app.client.flush(); // in IndexedDB
  });
  // requestBackgroundSync registered the tag (queued while not connected); the browser is online,
  // so it fired at once — while the page leads, the worker does not send.
  const sw = await serviceWorker();
  await until(async () => (await p.evaluate(() => window.app.registration.sync.getTags())).length === 0 && (await sw.evaluate(() => self.idle())), 'the sync events the page asked for ran');
  const early = await sw.evaluate(() => self.flushResults());
  assert.ok(early.length >= 1, 'the page registered the sync tag');
  assert.deepEqual([...new Set(early.map((r) => `${r.trigger}:${r.outcome}`))], ['sync:tab-leads']);
  await p.close();

  await startSync(); // the server comes back (same port, same store); no page of the origin is open
  assert.equal(context.pages().filter((x) => x.url().startsWith(web.url)).length, 0);
  const started = performance.now();
  const result = await dispatchSync();
  // From the dispatch to the stored acks: worker start, wasm, IndexedDB, connect, catch-up, push, close.
  t.diagnostic(`sync event to flushed: ${Math.round(performance.now() - started)} ms (polled every 25 ms)`);
  assert.equal(result.outcome, 'flushed', JSON.stringify(result));
  assert.equal(result.pushed, 3);
  assert.equal(result.pending, 0);
  const state = await serverState();
  assert.deepEqual(state.titles, ['a', 'b', 'c']);
  assert.equal(state.origins.length, 3);
  assert.equal(new Set(state.origins).size, 3, 'each mutation id applied once');

  // The acks are stored in the pages' database: a second event has nothing to send.
  assert.equal((await dispatchSync()).outcome, 'nothing-pending');
  assert.deepEqual(problems, []);
});

test('with a page open and leading, a dispatched sync event sends nothing; the page sends, once', T, async () => {
  const p = await openAppPage();
  assert.deepEqual(await p.evaluate(() => window.app.titles()), ['a', 'b', 'c']);
  assert.equal(await p.evaluate(() => window.app.client.status.pending), 0, 'the worker stored its acks: nothing to send again');
  assert.equal(await p.evaluate(() => window.app.client.tabs.role), 'leader');
  await sync.close();
  await until(() => p.evaluate(() => !window.app.client.status.connected), 'the page saw the server go');
  await p.evaluate(async () => {
    window.app.client.collection('todos').create({ title: 'd' });
    await window.app.client.flush();
  });
  await startSync();
  const result = await dispatchSync();
  assert.equal(result.outcome, 'tab-leads', JSON.stringify(result));
  assert.equal(result.pushed, 0);
  await until(() => p.evaluate(() => window.app.client.status.pending === 0), 'the page sent its edit');
  const state = await serverState();
  assert.deepEqual(state.titles, ['a', 'b', 'c', 'd']);
  assert.equal(new Set(state.origins).size, 4, 'each mutation id applied once');
  assert.equal(state.origins.length, 4);
  assert.deepEqual(await p.evaluate(() => window.app.errors), []);
  assert.deepEqual(problems, []);
  await p.close();
});

test('periodicsync (dispatched through CDP: headless Chromium denies the registration itself) flushes the same way', T, async () => {
  const p = await openAppPage();
  // Periodic Background Sync needs an installed app with site engagement: a test page is refused.
  assert.equal(await p.evaluate(async () => (await import('/js/sw/index.js')).requestPeriodicSync({ minInterval: 60_000 })), 'denied');
  await sync.close();
  await until(() => p.evaluate(() => !window.app.client.status.connected), 'the page saw the server go');
  await p.evaluate(async () => {
    window.app.client.collection('todos').create({ title: 'e' });
    await window.app.client.flush();
  });
  const sw = await serviceWorker();
  await until(async () => (await p.evaluate(() => window.app.registration.sync.getTags())).length === 0 && (await sw.evaluate(() => self.idle())), 'the sync events the page asked for ran');
  await p.close();
  await startSync();
  const result = await dispatchSync({ periodic: true });
  assert.deepEqual([result.trigger, result.outcome, result.pushed], ['periodicsync', 'flushed', 1], JSON.stringify(result));
  const state = await serverState();
  assert.deepEqual(state.titles, ['a', 'b', 'c', 'd', 'e']);
  assert.equal(new Set(state.origins).size, 5);
  assert.equal(state.origins.length, 5);
  assert.deepEqual(problems, []);
});

test('a page that opens while the worker flushes follows (the worker holds the lock), then leads and sends its own edit, once', T, async () => {
  let p = await openAppPage();
  await sync.close();
  await until(() => p.evaluate(() => !window.app.client.status.connected), 'the page saw the server go');
  await p.evaluate(async () => {
    window.app.client.collection('todos').create({ title: 'f' });
    await window.app.client.flush();
  });
  const sw = await serviceWorker();
  await until(async () => (await p.evaluate(() => window.app.registration.sync.getTags())).length === 0 && (await sw.evaluate(() => self.idle())), 'the sync events the page asked for ran');
  await p.close();
  // The server holds the first hello it gets (the worker's) until the page is open.
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  let helloSeen;
  const firstHello = new Promise((resolve) => (helloSeen = resolve));
  await startSync({ authorize: async () => {
    helloSeen();
    await gate;
    return allowEveryone();
  } });
  const before = (await sw.evaluate(() => self.flushResults())).length;
  await cdp.send('ServiceWorker.dispatchSyncEvent', { origin: web.url.replace(/\/$/, ''), registrationId: await registrationId(), tag: TAG, lastChance: false });
  await firstHello; // the worker holds the lock and is connecting
  p = await openAppPage();
  assert.equal(await p.evaluate(() => window.app.client.tabs.role), 'follower', 'the lock is the worker\'s: the page does not lead');
  await p.evaluate(() => window.app.client.collection('todos').create({ title: 'g' }));
  release();
  const result = await until(async () => (await sw.evaluate(() => self.flushResults()))[before], 'the worker flushed');
  assert.deepEqual([result.outcome, result.pushed], ['flushed', 1], JSON.stringify(result));
  await until(() => p.evaluate(() => window.app.client.tabs.role === 'leader' && window.app.client.status.pending === 0), 'the page leads and sent its edit');
  const state = await serverState();
  assert.deepEqual(state.titles, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  assert.equal(state.origins.length, 7);
  assert.equal(new Set(state.origins).size, 7, 'each mutation id applied once');
  assert.deepEqual(await p.evaluate(() => window.app.titles()), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  assert.deepEqual(await p.evaluate(() => window.app.errors), []);
  assert.deepEqual(problems, []);
  await p.close();
});
