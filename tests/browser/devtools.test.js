// The demo's devtools (syncore/devtools behind the "Devtools" toggle) and its server-down states,
// in headless Chromium against the demo server (pages + sync server on one port, a temporary data
// folder). In order, on one window:
//   1. the devtools open from the toggle and show the live queries with their counts, the tab
//      role, the storage and the timeline;
//   2. a change the server refuses (its validation is switched on for a "review") is a dead letter
//      in the devtools; once the server accepts again, Retry from the devtools settles it;
//   3. with the server down, the pill says "Server unreachable" (the browser is still online),
//      edits wait in the outbox, and "Sync now" says the server did not answer;
//   4. the server back, "Sync now" sends what waited and says so.
//   node --test tests/browser/devtools.test.js   (screenshots: test-output/devtools-*.png)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemo } from '../../demo/server/main.js';
import { validateGradebook } from '../../demo/server/gradebook.js';
import { launchChromium } from './chromium.js';

const OUT_DIR = fileURLToPath(new URL('../../test-output/', import.meta.url));
const T = { timeout: 40_000 };

let dataDir;
let demo;
let browser;
let page;
let port;
// The server's validation: while `review` is on, every score change is refused (validation).
let review = false;
const validate = (ctx) => (review && ctx.mutation.collection === 'scores' ? 'the gradebook is locked for the grade review' : validateGradebook(ctx));
const problems = [];
let serverDown = false; // the page's failed connections are expected then

const start = (build) => startDemo({ port, dataDir, build, syncOptions: { validate } });

before(async () => {
  await mkdir(OUT_DIR, { recursive: true });
  dataDir = await mkdtemp(join(tmpdir(), 'syncore-devtools-'));
  port = 0;
  demo = await start(true);
  port = demo.port;
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (serverDown && /WebSocket|ERR_CONNECTION_REFUSED/.test(msg.text())) return;
    problems.push(`console.error: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => {
    if (!serverDown) problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
});

after(async () => {
  try {
    await browser?.close();
  } finally {
    try {
      await demo?.close();
    } finally {
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }
  }
});

const testId = (id) => page.locator(`[data-testid="${id}"]`);
const devtools = () => page.locator('[data-testid="devtools"]');
const status = () => page.evaluate(() => {
  const s = window.gradebook.client.status;
  return { online: s.online, connected: s.connected, pending: s.pending, failed: s.failed };
});
const serverScore = async (id) => (await demo.store.get('scores', id))?.data.score;

async function edit(cell, value) {
  const input = testId(cell);
  await input.fill(String(value));
  await input.press('Enter');
  await page.waitForFunction((id) => document.activeElement !== document.querySelector(`[data-testid="${id}"]`), cell);
}

test('the devtools open from the toggle: live queries with counts, tab role, storage, timeline', T, async () => {
  await page.goto(demo.url);
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await devtools().count(), 0, 'closed at first');
  await testId('devtools-toggle').click();
  await devtools().waitFor();
  assert.equal(await testId('devtools-toggle').getAttribute('aria-pressed'), 'true');
  assert.match(await devtools().locator('[data-testid="devtools-message"]').textContent(), /All changes synced/);
  assert.equal(await devtools().locator('[data-testid="devtools-connection"]').textContent(), 'connected');
  assert.equal(await devtools().locator('[data-testid="devtools-tab-role"]').textContent(), 'single tab', 'the demo passes its own transport: one tab, no election');
  // Every grade-table row reads its scores through a live query: 8 rows of 4 scores each.
  const rowQueries = await devtools().locator('[data-testid="devtools-query"][data-collection="scores"]').evaluateAll((rows) =>
    rows.map((r) => Number(r.querySelector('[data-testid="devtools-query-count"]').textContent)));
  assert.equal(rowQueries.filter((n) => n === 4).length, 8, `row queries: ${rowQueries.join(',')}`);
  assert.equal(await devtools().locator('[data-testid="devtools-storage-kind"]').textContent(), 'indexeddb');
  await page.waitForFunction(() => / of /.test(document.querySelector('[data-testid="devtools-storage-usage"]')?.textContent ?? ''));
  assert.ok(await devtools().locator('[data-testid="devtools-event"][data-event="statusChanged"]').count() > 0, 'the timeline has the start');
  await devtools().screenshot({ path: `${OUT_DIR}devtools-panel.png` });
  // Sections fold; a folded one stays folded through the redraws (the timeline moves on meanwhile).
  await devtools().locator('[data-section="queries"] > summary').click();
  await page.evaluate(() => window.gradebook.client.sync());
  await page.waitForTimeout(1300);
  assert.equal(await devtools().locator('[data-section="queries"]').evaluate((d) => d.open), false, 'still folded after a redraw');
  await devtools().locator('[data-section="timeline"]').scrollIntoViewIfNeeded();
  await devtools().screenshot({ path: `${OUT_DIR}devtools-timeline-storage.png` });
  await devtools().locator('[data-section="queries"] > summary').click();
});

test('a refused change is a dead letter in the devtools; Retry from the devtools settles it once the server accepts', T, async () => {
  review = true;
  await edit('cell-s2-quiz', 90);
  const dead = devtools().locator('[data-testid="devtools-dead-letter"][data-entity="s2-quiz"]');
  await dead.waitFor();
  assert.equal(await dead.getAttribute('data-error-class'), 'validation');
  assert.match(await dead.textContent(), /locked for the grade review/);
  assert.deepEqual(await status(), { online: true, connected: true, pending: 0, failed: 1 });
  assert.equal(await serverScore('s2-quiz'), 85, 'nothing applied');
  assert.equal(await devtools().locator('[data-testid="devtools-count-dead-letters"]').textContent(), '1');
  await page.screenshot({ path: `${OUT_DIR}devtools-dead-letter.png`, animations: 'disabled' });

  review = false; // the review is over: the same change is accepted now
  await dead.locator('[data-action="retry"]').click();
  await dead.waitFor({ state: 'detached' });
  await page.waitForFunction(() => {
    const s = window.gradebook.client.status;
    return s.pending === 0 && s.failed === 0;
  });
  assert.equal(await serverScore('s2-quiz'), 90, 'the retried change reached the server');
  assert.equal(await testId('cell-s2-quiz').inputValue(), '90');
  assert.equal(await testId('dead-letter-s2-quiz').count(), 0, 'gone from the page outbox too');
  // The panel redraws on its own beat: wait for the timeline to show the second settlement.
  const settledEvents = devtools().locator('[data-testid="devtools-event"][data-event="mutationSettled"]');
  await settledEvents.nth(1).waitFor({ timeout: 5000 }).catch(() => {});
  assert.ok(await settledEvents.count() >= 2, 'refused, then acknowledged');
  await devtools().screenshot({ path: `${OUT_DIR}devtools-after-retry.png` });
  await testId('devtools-toggle').click();
  await devtools().waitFor({ state: 'detached' });
});

test('the server down: the pill says so while the browser is online; Sync now says the server did not answer', T, async () => {
  serverDown = true;
  await demo.close();
  demo = null;
  const pill = testId('status-online');
  await page.waitForSelector('[data-testid="status-online"][data-reach="unreachable"]');
  assert.equal(await pill.getAttribute('data-online'), 'true', 'the browser is online');
  assert.match(await pill.textContent(), /Server unreachable/);
  assert.doesNotMatch(await pill.textContent(), /Online|Connected/);
  await testId('server-down-notice').waitFor();
  await edit('cell-s3-quiz', 81);
  await page.waitForFunction(() => window.gradebook.client.status.pending === 1);
  assert.match(await testId('server-down-notice').textContent(), /1 waiting/);
  await page.mouse.move(0, 0);
  await page.evaluate(() => document.activeElement?.blur());
  await page.screenshot({ path: `${OUT_DIR}devtools-demo-server-down.png`, animations: 'disabled' });

  await testId('sync-now').click();
  assert.equal(await testId('sync-feedback').getAttribute('data-state'), 'running');
  await page.waitForSelector('[data-testid="sync-feedback"][data-state="failed"]', { timeout: 10_000 });
  assert.match(await testId('sync-feedback').textContent(), /Server unreachable — 1 change kept on this device/);
  await page.locator('header.topbar').screenshot({ path: `${OUT_DIR}devtools-demo-sync-now-failed.png` });
});

test('the server back: Sync now sends what waited and says so; the pill says edits reach the server', T, async () => {
  demo = await start(false);
  await testId('sync-now').click();
  await page.waitForSelector('[data-testid="sync-feedback"][data-state="done"]', { timeout: 15_000 });
  const said = await testId('sync-feedback').textContent();
  assert.match(said, /Sent 1 change ✓|Up to date ✓/);
  await page.waitForSelector('[data-testid="status-online"][data-reach="server"]');
  serverDown = false; // connected again: from now on a refused connection is a problem
  assert.match(await testId('status-online').textContent(), /Connected · edits reach the server/);
  assert.equal(await testId('server-down-notice').count(), 0);
  assert.equal(await serverScore('s3-quiz'), 81);
  await page.locator('header.topbar').screenshot({ path: `${OUT_DIR}devtools-demo-sync-now-done.png` });
});

test('no page errors, console errors or failed requests (but the connections refused while the server was down)', () => {
  assert.deepEqual(problems, []);
});
