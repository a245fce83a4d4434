// Local durability in headless Chromium on its real IndexedDB: how long an accepted edit is at risk
// (accepted, not yet durable), and what a reload in the middle of a burst of edits loses.
//   node --test tests/browser/durability.test.js
// Each run is a fresh browser context (its own IndexedDB). The figures go to the test's
// diagnostics (docs/storage.md quotes them): what a reload at a given moment loses depends on how
// fast the browser commits, so it is not asserted. What is asserted holds whatever the timing: a
// reload loses no edit that status.unsaved did not count as at risk when the page hid, and loses
// nothing once it is 0.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoServer } from '../../demo/serve.js';
import { launchChromium } from './chromium.js';

const BURST = 500;

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
  await page.route('**/blank.html', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><meta charset="utf-8"><title>durability</title>' }));
  await page.goto(new URL('/blank.html', server.url).href);
  return page;
}

const start = (page, options = {}) =>
  page.evaluate(async (o) => {
    const { createSyncClient } = await import('/js/browser.js');
    window.client = await createSyncClient({ collections: { todos: {} }, storage: { name: 'durability' }, tabs: false, ...o });
    await window.client.flush();
    return window.client.collection('todos').count();
  }, options);

// In the page: status.unsaved as the page hides (after the client's own pagehide handler).
const recordUnsavedAtHide = () =>
  addEventListener('pagehide', () => sessionStorage.setItem('unsavedAtHide', String(window.client.status.unsaved)));

/** After a reload: { kept, unsavedAtHide } (the page stores the count before it goes). */
async function afterReload(page) {
  const kept = await start(page);
  const unsavedAtHide = Number(await page.evaluate(() => sessionStorage.getItem('unsavedAtHide')));
  return { kept, unsavedAtHide };
}

/** A burst of BURST creates in one task, then a reload `delay` ms after the burst (null: once all is stored). */
async function reloadAfterBurst(delay) {
  const context = await browser.newContext();
  try {
    const page = await openPage(context);
    await start(page);
    await page.evaluate(recordUnsavedAtHide);
    const reloaded = page.waitForEvent('load');
    await page.evaluate(async ([n, ms]) => {
      const todos = window.client.collection('todos');
      for (let i = 0; i < n; i++) todos.create({ id: `t${i}`, title: `t${i}` });
      if (ms === null) await window.client.flush();
      setTimeout(() => location.reload(), ms ?? 0);
    }, [BURST, delay]);
    await reloaded;
    return await afterReload(page);
  } finally {
    await context.close();
  }
}

/** Per edit, the time from its acceptance until it is durable, over a burst and over a stream. */
async function riskWindow(context, pattern) {
  const page = await openPage(context);
  await start(page);
  return page.evaluate(async ([n, how]) => {
    const { client } = window;
    const todos = client.collection('todos');
    const accepted = [];
    const durable = [];
    // status.unsaved counts accepted mutations not yet written: each drop marks edits durable.
    client.on('statusChanged', (s) => {
      const now = performance.now();
      while (durable.length < accepted.length - s.unsaved) durable.push(now);
    });
    for (let i = 0; i < n; i++) {
      todos.create({ id: `${how}${i}`, title: `${how}${i}` });
      accepted.push(performance.now());
      if (how === 'stream' && i % 10 === 9) await new Promise((r) => setTimeout(r, 1)); // typing-like: small tasks
    }
    await client.flush();
    const waits = accepted.map((a, i) => durable[i] - a).sort((x, y) => x - y);
    return { n, p50: waits[Math.floor(n / 2)], p99: waits[Math.floor(n * 0.99)], max: waits[n - 1] };
  }, [BURST, pattern]);
}

test(`the window: time from an edit's acceptance until it is durable (${BURST} edits)`, { timeout: 60_000 }, async (t) => {
  const context = await browser.newContext();
  try {
    for (const pattern of ['burst', 'stream']) {
      const w = await riskWindow(context, pattern);
      t.diagnostic(`${pattern}: ${w.n} edits, accepted -> durable p50 ${w.p50.toFixed(1)} ms, p99 ${w.p99.toFixed(1)} ms, max ${w.max.toFixed(1)} ms`);
      assert.ok(Number.isFinite(w.max), `${pattern}: every edit became durable`);
    }
  } finally {
    await context.close();
  }
});

test(`a reload right after a burst of ${BURST} edits loses only what status.unsaved counted`, { timeout: 300_000 }, async (t) => {
  const rows = [];
  for (let round = 0; round < 2; round++) {
    for (const delay of [0, 10, 25, 50, 100]) {
      const r = await reloadAfterBurst(delay);
      rows.push({ delay, ...r });
      t.diagnostic(`reload ${delay} ms after a burst of ${BURST}: ${r.kept}/${BURST} kept (${r.unsavedAtHide} unsaved as the page hid)`);
    }
  }
  assert.deepEqual(rows.filter((r) => BURST - r.kept > r.unsavedAtHide), [], 'reloads that lost edits status.unsaved did not count');
  const stored = await reloadAfterBurst(null);
  assert.deepEqual(stored, { kept: BURST, unsavedAtHide: 0 }, 'a reload once status.unsaved is 0');
});

/** Edits 10 per task (typing-like, ~BURST edits) while a reload comes `delay` ms after the first. */
async function reloadMidStream(delay) {
  const context = await browser.newContext();
  try {
    const page = await openPage(context);
    await start(page);
    await page.evaluate(recordUnsavedAtHide);
    const reloaded = page.waitForEvent('load');
    await page.evaluate(([n, ms]) => {
      sessionStorage.setItem('accepted', '0');
      setTimeout(() => location.reload(), ms);
      const todos = window.client.collection('todos');
      let i = 0;
      const step = () => {
        for (let k = 0; k < 10 && i < n; k++, i++) {
          todos.create({ id: `s${i}`, title: `s${i}` });
          sessionStorage.setItem('accepted', String(i + 1)); // survives the reload
        }
        if (i < n) setTimeout(step, 0);
      };
      step();
    }, [BURST, delay]);
    await reloaded;
    const { kept, unsavedAtHide } = await afterReload(page);
    const accepted = Number(await page.evaluate(() => sessionStorage.getItem('accepted')));
    return { accepted, kept, unsavedAtHide };
  } finally {
    await context.close();
  }
}

test('a reload in the middle of a stream of edits loses only what status.unsaved counted', { timeout: 300_000 }, async (t) => {
  const rows = [];
  for (const delay of [5, 20, 50, 100, 200]) {
    const r = await reloadMidStream(delay);
    rows.push({ delay, ...r });
    t.diagnostic(`reload ${delay} ms into a stream of edits: ${r.accepted} accepted before it, ${r.kept} kept (${r.unsavedAtHide} unsaved as the page hid)`);
  }
  assert.deepEqual(rows.filter((r) => r.accepted - r.kept > r.unsavedAtHide), [], 'reloads that lost edits status.unsaved did not count');
  assert.ok(rows.some((r) => r.accepted > 0 && r.accepted < BURST), 'some reload came in the middle of the stream');
});

test('no page errors', () => {
  assert.deepEqual(problems, []);
});
