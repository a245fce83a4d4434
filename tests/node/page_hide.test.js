// Saving as the page hides ("save the draft on pagehide / visibilitychange"), in every tab role,
// in Node: tabs of one origin share one fake-indexeddb factory and talk over BroadcastChannel
// (the fallback election). A page that is closing runs its event handlers and their microtasks,
// and nothing after: here a page "dies" right after that (a setImmediate later). From then on its
// channel messages are dropped and its connections refuse new transactions; transactions it
// created before keep going, as a closing page's do. The sync server is unreachable on purpose:
// what a later tab shows can only have come from the shared IndexedDB.
//   node --test tests/node/page_hide.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBDatabase, IDBFactory } from 'fake-indexeddb';
import { createSyncClient, createMemoryStorage } from '../../js/node.js';

const collections = { todos: {} };
const NOWHERE = 'ws://127.0.0.1:9/sync'; // refused: nothing leaves a tab

// A dead page's connections start no transaction.
const transaction = IDBDatabase.prototype.transaction;
IDBDatabase.prototype.transaction = function (...args) {
  if (this.page?.dead) throw new DOMException('the page is gone', 'InvalidStateError');
  return transaction.apply(this, args);
};

function until(predicate, what, ms = 8000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (predicate()) resolve();
      else if (Date.now() - started > ms) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

/** One page of the origin: its own window, document, channel and IndexedDB handle. */
async function openPage(origin, name) {
  const page = { name, dead: false, window: new EventTarget(), document: new EventTarget() };
  page.document.visibilityState = 'visible';
  const idb = origin.idb;
  const indexedDB = {
    open(...args) {
      if (page.dead) throw new DOMException('the page is gone', 'InvalidStateError');
      const req = idb.open(...args);
      req.addEventListener('success', () => {
        req.result.page = page;
      });
      return req;
    },
    deleteDatabase: (...args) => idb.deleteDatabase(...args),
    databases: () => idb.databases(),
    cmp: (a, b) => idb.cmp(a, b),
  };
  const Channel = class extends BroadcastChannel {
    postMessage(msg) {
      if (!page.dead) super.postMessage(msg);
    }
    set onmessage(fn) {
      super.onmessage = (event) => {
        if (!page.dead) fn(event);
      };
    }
  };
  page.client = await createSyncClient({
    url: NOWHERE,
    collections,
    websocket: { reconnectBaseMs: 1000, reconnectMaxMs: 5000 },
    storage: { name: origin.name, indexedDB },
    window: page.window,
    document: page.document,
    tabs: { locks: null, heartbeatMs: 40, helloRetryMs: 40, BroadcastChannel: Channel, window: page.window, document: page.document },
  });
  origin.pages.push(page);
  return page;
}

/** The page closes: hidden, then pagehide (persisted: false); the app's handler saves `title`. */
async function closeWhileSaving(page, title) {
  page.window.addEventListener('pagehide', () => page.client.collection('todos').create({ title }));
  page.document.visibilityState = 'hidden';
  page.document.dispatchEvent(new Event('visibilitychange'));
  page.window.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: false }));
  await new Promise((resolve) => setImmediate(resolve)); // the handlers' microtasks, nothing more
  page.dead = true;
}

const titles = (page) => page.client.collection('todos').list().map((t) => t.title).sort();

function newOrigin(t, name) {
  const origin = { idb: new IDBFactory(), name, pages: [] };
  t.after(async () => {
    for (const p of origin.pages) await p.client.close().catch(() => {}); // a dead page cannot store
  });
  return origin;
}

test('a single tab (leader) saving in pagehide: the save is in IndexedDB for the next tab', async (t) => {
  const origin = newOrigin(t, 'single');
  const a = await openPage(origin, 'A');
  assert.equal(a.client.status.tab, 'leader');
  a.client.collection('todos').create({ title: 'earlier' });
  await a.client.flush();
  await closeWhileSaving(a, 'draft');
  const b = await openPage(origin, 'B');
  await until(() => b.client.status.tab === 'leader', 'B leads');
  await until(() => titles(b).includes('earlier'), "B restored A's data");
  assert.deepEqual(titles(b), ['draft', 'earlier']);
  assert.equal(b.client.status.pending, 2);
});

test('a tab that leads by takeover saving in pagehide: the save is in IndexedDB for the next tab', async (t) => {
  const origin = newOrigin(t, 'takeover');
  const a = await openPage(origin, 'A');
  const b = await openPage(origin, 'B');
  assert.equal(b.client.status.tab, 'follower');
  await a.client.close();
  await until(() => b.client.tabs.engine !== null, 'B took over');
  b.client.collection('todos').create({ title: 'before' });
  await until(() => b.client.core.stats().pending === 0 && b.client.tabs.engine.status.pending === 1, "B's edit in its engine");
  await closeWhileSaving(b, 'draft');
  const c = await openPage(origin, 'C');
  await until(() => c.client.status.tab === 'leader', 'C leads');
  await until(() => titles(c).includes('before'), "C restored B's data");
  assert.deepEqual(titles(c), ['before', 'draft']);
});

test('a follower saving in pagehide: the leader stores the save', async (t) => {
  const origin = newOrigin(t, 'follower');
  const a = await openPage(origin, 'A');
  const b = await openPage(origin, 'B');
  assert.equal(b.client.status.tab, 'follower');
  b.client.collection('todos').create({ title: 'before' });
  await until(() => titles(a).includes('before') && b.client.core.stats().pending === 0, 'the tabs are linked');
  await closeWhileSaving(b, 'draft');
  await until(() => titles(a).includes('draft'), 'the leader has the save');
  await a.client.flush();
  await a.client.close();
  const c = await openPage(origin, 'C');
  await until(() => titles(c).includes('draft'), 'C restored it from IndexedDB');
});

test('status.unsaved counts accepted changes not yet stored; warnBeforeUnload asks only then', async (t) => {
  const inner = createMemoryStorage();
  let gate = Promise.resolve();
  const storage = { ...inner, write: async (effect) => {
    await gate;
    return inner.write(effect);
  } };
  const win = new EventTarget();
  const client = await createSyncClient({ collections, storage, window: win, document: new EventTarget() });
  t.after(() => client.close());
  const off = client.warnBeforeUnload(win);
  const unload = () => {
    const event = new Event('beforeunload', { cancelable: true });
    win.dispatchEvent(event);
    return event.defaultPrevented;
  };
  assert.equal(client.status.unsaved, 0);
  assert.equal(unload(), false, 'nothing unsaved: no prompt');
  let release;
  gate = new Promise((resolve) => (release = resolve));
  client.collection('todos').create({ title: 'a' });
  client.collection('todos').create({ title: 'b' });
  assert.equal(client.status.unsaved, 2);
  assert.equal(unload(), true, 'unsaved changes: the prompt');
  release();
  await client.flush();
  assert.equal(client.status.unsaved, 0);
  assert.equal(unload(), false, 'all stored: no prompt');
  off();
  gate = new Promise((resolve) => (release = resolve));
  client.collection('todos').create({ title: 'c' });
  assert.equal(client.status.unsaved, 1);
  assert.equal(unload(), false, 'unsubscribed: no prompt');
  release();
});
