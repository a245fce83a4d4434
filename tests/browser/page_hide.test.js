// Saving as the page goes away, in headless Chromium with multi-tab on (the browser default: Web
// Locks, BroadcastChannel, one shared IndexedDB): the app's own pagehide / visibilitychange
// handlers save a draft while the page closes or reloads, in every tab role. The sync server is
// unreachable on purpose: what a later page shows can only have come from IndexedDB.
//   node --test tests/browser/page_hide.test.js
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoServer } from '../../demo/serve.js';
import { launchChromium } from './chromium.js';

const HTML = `<!doctype html><meta charset="utf-8"><title>page hide</title>
<script type="module">
  import { createSyncClient } from '/js/browser.js';
  const client = await createSyncClient({
    url: 'ws://127.0.0.1:9/sync',
    wasmUrl: '/dist/syncore.wasm',
    collections: { todos: {} },
    storage: { name: 'pagehide' },
  });
  window.client = client;
  // The app's "save the draft as the tab hides" handlers, added after the client started.
  addEventListener('pagehide', () => {
    if (window.draft) client.collection('todos').create({ title: window.draft });
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden' && window.hiddenDraft) client.collection('todos').create({ title: window.hiddenDraft });
  });
  document.body.dataset.ready = 'true';
</script>`;

let server;
let browser;
const problems = [];

before(async () => {
  server = await startDemoServer({ port: 0 });
  browser = await launchChromium();
});

after(async () => {
  try {
    await browser?.close();
  } finally {
    await server?.close();
  }
});

async function openPage(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.route('**/pagehide.html', (route) => route.fulfill({ contentType: 'text/html', body: HTML }));
  await page.goto(new URL('/pagehide.html', server.url).href);
  await page.waitForFunction(() => document.body?.dataset.ready === 'true');
  return page;
}

const role = (page) => page.evaluate(() => window.client.status.tab);
const titles = (page) => page.evaluate(() => window.client.collection('todos').list().map((t) => t.title).sort());

/** Opens a page that leads (the last one standing) and returns the titles it restored. */
async function restoredTitles(context) {
  const page = await openPage(context);
  await page.waitForFunction(() => window.client.status.tab === 'leader');
  await page.waitForFunction(() => window.client.tabs.engine !== null);
  const out = await titles(page);
  await page.close();
  return out;
}

test('one tab (the leader) saving in pagehide as it closes: 6 of 6 saves kept', { timeout: 120_000 }, async () => {
  const context = await browser.newContext();
  try {
    const drafts = [];
    for (let i = 0; i < 6; i++) {
      const page = await openPage(context);
      assert.equal(await role(page), 'leader');
      drafts.push(`draft-${i}`);
      await page.evaluate((d) => (window.draft = d), drafts[i]);
      await page.close({ runBeforeUnload: true });
    }
    const kept = await restoredTitles(context);
    assert.deepEqual(kept, [...drafts].sort());
  } finally {
    await context.close();
  }
});

test('one tab saving in visibilitychange and pagehide as it reloads: both kept', { timeout: 60_000 }, async () => {
  const context = await browser.newContext();
  try {
    const page = await openPage(context);
    await page.evaluate(() => {
      window.draft = 'on-pagehide';
      window.hiddenDraft = 'on-hidden';
    });
    await page.reload();
    await page.waitForFunction(() => document.body?.dataset.ready === 'true');
    await page.waitForFunction(() => window.client.tabs.engine !== null);
    // What a reload's visibilitychange saves depends on whether Chromium fires it for a reload;
    // the pagehide save must be there either way.
    const kept = await titles(page);
    assert.ok(kept.includes('on-pagehide'), `kept: ${kept}`);
    await page.close();
  } finally {
    await context.close();
  }
});

test('a tab that leads by takeover: an edit followed at once by closing is kept, 4 of 4', { timeout: 180_000 }, async () => {
  const context = await browser.newContext();
  try {
    const edits = [];
    for (let i = 0; i < 4; i++) {
      const a = await openPage(context);
      const b = await openPage(context);
      assert.equal(await role(b), 'follower');
      await a.close();
      await b.waitForFunction(() => window.client.tabs.engine !== null); // b took over
      edits.push(`edit-${i}`);
      await b.evaluate((title) => {
        window.client.collection('todos').create({ title });
      }, edits[i]);
      await b.close();
    }
    const kept = await restoredTitles(context);
    assert.deepEqual(kept, [...edits].sort());
  } finally {
    await context.close();
  }
});

test('a follower saving in pagehide as it closes: the leader keeps it', { timeout: 60_000 }, async () => {
  const context = await browser.newContext();
  try {
    const leader = await openPage(context);
    const follower = await openPage(context);
    assert.equal(await role(follower), 'follower');
    await follower.evaluate(() => window.client.collection('todos').create({ title: 'linked' }));
    await leader.waitForFunction(() => window.client.collection('todos').list().some((t) => t.title === 'linked'));
    await follower.evaluate(() => (window.draft = 'follower-draft'));
    await follower.close({ runBeforeUnload: true });
    await leader.waitForFunction(() => window.client.collection('todos').list().some((t) => t.title === 'follower-draft'));
    await leader.evaluate(() => window.client.flush());
    await leader.close();
    const kept = await restoredTitles(context);
    assert.deepEqual(kept, ['follower-draft', 'linked']);
  } finally {
    await context.close();
  }
});

test('no page errors', () => {
  assert.deepEqual(problems, []);
});
