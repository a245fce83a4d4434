// End-to-end smoke test of the live-query playground (demo/leaderboard.html) in headless Chromium:
// the wasm core loads in a real browser, the live leaderboard renders and follows every commit the
// buttons make. (The gradebook at / has its own tests: e2e.test.js.)
//   node --test tests/browser/smoke.test.js      (screenshots land in test-output/smoke-*.png)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startDemoServer } from '../../demo/serve.js';
import { launchChromium } from './chromium.js';

const OUT_DIR = fileURLToPath(new URL('../../test-output/', import.meta.url));
const MIN_SCORE = 50;
const LIMIT = 10;

let server;
let browser;
let page;
/** Everything that went wrong in the page: uncaught errors, console errors, failed requests. */
const problems = [];

before(async () => {
  await mkdir(OUT_DIR, { recursive: true });
  server = await startDemoServer({ port: 0 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
});

after(async () => {
  try {
    await browser?.close();
  } finally {
    await server?.close();
  }
});

// ---- helpers ------------------------------------------------------------------------------------

// Finite animations (row highlights) are fast-forwarded so the pictures show the settled page.
async function screenshot(name) {
  await page.mouse.move(0, 0); // no hover state left over from the last click
  await page.screenshot({ path: `${OUT_DIR}smoke-${name}.png`, fullPage: true, animations: 'disabled' });
}

/** The leaderboard as rendered: [{ id, name, score }] in table order. */
const readBoard = () =>
  page.$$eval('#leaderboard tbody tr', (trs) =>
    trs.map((tr) => ({
      id: tr.dataset.id,
      name: tr.querySelector('.student-name').textContent,
      score: Number(tr.querySelector('.score-value').textContent),
    })));

const readNumber = (id) => page.$eval(`#${id}`, (node) => Number(node.textContent));

/** Every entity as the core holds it (core.list, not the query), for an independent check. */
const listEntities = () => page.evaluate(() => window.demo.core.list('scores').map((s) => ({ ...s })));

function assertSortedDesc(rows) {
  for (let i = 1; i < rows.length; i++)
    assert.ok(rows[i - 1].score >= rows[i].score, `row ${i} (${rows[i].score}) is above row ${i - 1} (${rows[i - 1].score})`);
}

/** The table must equal the query recomputed from the raw entities: same scores, same total. */
async function assertBoardMatchesCore() {
  const [rows, entities, total, count] = await Promise.all([readBoard(), listEntities(), readNumber('total'), readNumber('entities')]);
  const matching = entities.filter((s) => s.score >= MIN_SCORE).sort((a, b) => b.score - a.score);
  assert.ok(rows.length <= LIMIT, `at most ${LIMIT} rows, got ${rows.length}`);
  assertSortedDesc(rows);
  assert.deepEqual(rows.map((r) => r.score), matching.slice(0, LIMIT).map((s) => s.score), 'leaderboard scores = top 10 of the core');
  const byId = new Map(entities.map((s) => [s.id, s]));
  for (const row of rows) {
    assert.ok(byId.has(row.id), `row ${row.id} is a live entity`);
    assert.equal(byId.get(row.id).score, row.score, `row ${row.id} shows the entity's current score`);
    assert.equal(byId.get(row.id).name, row.name);
  }
  assert.equal(total, matching.length, 'query total = entities with score >= 50');
  assert.equal(count, entities.length, 'student count = entities in the core');
  return { rows, entities };
}

/** Clicks, then waits until the commit counter moved on by exactly one. */
async function clickForOneCommit(selector) {
  const before = await readNumber('commits');
  await page.click(selector);
  await page.waitForFunction((n) => Number(document.getElementById('commits').textContent) >= n + 1, before);
  assert.equal(await readNumber('commits'), before + 1, 'one click, one commit');
}

// ---- tests (in order, on one page) ---------------------------------------------------------------

test('the page loads the wasm core and renders the live leaderboard', async () => {
  const wasm = page.waitForResponse((res) => res.url().endsWith('/dist/syncore.wasm'));
  await page.goto(`${server.url}leaderboard.html?seed=smoke`);
  const wasmResponse = await wasm;
  assert.equal(wasmResponse.headers()['content-type'], 'application/wasm');
  await page.waitForSelector('body[data-ready="true"]');

  const { rows } = await assertBoardMatchesCore();
  assert.ok(rows.length > 0, 'the leaderboard has rows');
  assert.ok(rows.every((r) => r.score >= MIN_SCORE), 'every row has score >= 50');
  assert.equal(await readNumber('entities'), 24, 'the initial sync loaded 24 students');
  assert.equal(await readNumber('commits'), 1, 'the initial sync is one commit');
  const bytes = await page.$eval('#memory', (node) => Number(node.dataset.bytes));
  assert.ok(bytes > 0, `memoryBytes is shown (${bytes})`);
  assert.match(await page.textContent('#memory'), /\d.*B$/);
  assert.equal(await page.isVisible('#error'), false, 'no error banner');
  assert.equal(await page.textContent('#status-text'), 'Live');
  await screenshot('initial');
});

test('"Add student" creates one entity in one commit', async () => {
  const before = await readNumber('entities');
  await clickForOneCommit('#add');
  assert.equal(await readNumber('entities'), before + 1);
  await assertBoardMatchesCore();
});

test('"Randomize a score" upserts one existing entity with a new score', async () => {
  const before = new Map((await listEntities()).map((s) => [s.id, s.score]));
  await clickForOneCommit('#randomize');
  const afterList = await listEntities();
  assert.equal(afterList.length, before.size, 'no entity created or deleted');
  const changed = afterList.filter((s) => before.get(s.id) !== s.score);
  assert.equal(changed.length, 1, 'exactly one score changed');
  const version = await page.evaluate((id) => window.demo.state.versions.get(id), changed[0].id);
  assert.ok(version >= 2, `the changed entity was sent with a higher version (v${version})`);
  await assertBoardMatchesCore();
});

test('"Simulate server burst" applies 50 upserts as one commit and the live query follows', async () => {
  const boardBefore = await readBoard();
  const renders = await page.evaluate(() => {
    window.__renders = 0;
    window.demo.board.subscribe(() => window.__renders++);
    return window.__renders;
  });
  await clickForOneCommit('#burst');
  const { rows } = await assertBoardMatchesCore();
  assert.ok(rows.length >= 1 && rows.length <= LIMIT, `1..${LIMIT} rows, got ${rows.length}`);
  const label = await page.textContent('#activity li:first-child .activity-label');
  assert.match(label, /burst · 50 upserts/);
  const afterRenders = await page.evaluate(() => window.__renders);
  // One commit -> at most one notification of the live query, however many entities it touched.
  assert.ok(afterRenders - renders <= 1, `the live query notified ${afterRenders - renders} times for one commit`);
  const changed = JSON.stringify(rows) !== JSON.stringify(boardBefore);
  assert.equal(afterRenders - renders, changed ? 1 : 0, 'notified exactly when the result changed');
  await screenshot('burst');
});

test('"Delete lowest" removes the entity with the lowest score', async () => {
  const lowestId = await page.$eval('#lowest', (node) => node.dataset.id);
  assert.ok(lowestId, 'the lowest student is shown');
  const entities = await listEntities();
  const minScore = Math.min(...entities.map((s) => s.score));
  assert.equal(entities.find((s) => s.id === lowestId).score, minScore, 'the shown student has the lowest score');

  await clickForOneCommit('#delete-lowest');
  assert.equal(await page.evaluate((id) => window.demo.core.get('scores', id) === undefined, lowestId), true, 'gone from the core');
  assert.equal(await page.locator(`#leaderboard tr[data-id="${lowestId}"]`).count(), 0, 'gone from the leaderboard');
  assert.notEqual(await page.$eval('#lowest', (node) => node.dataset.id), lowestId, 'a new lowest is shown');
  assert.equal(await readNumber('entities'), entities.length - 1);
  await assertBoardMatchesCore();
});

test('removing the leader takes its row out and the next student moves up', async () => {
  const [leader, second] = await readBoard();
  assert.ok(leader, 'there is a leader');
  await clickForOneCommit(`#leaderboard tr[data-id="${leader.id}"] .row-remove`);
  await page.waitForSelector(`#leaderboard tr[data-id="${leader.id}"]`, { state: 'detached' });
  const { rows } = await assertBoardMatchesCore();
  assert.ok(!rows.some((r) => r.id === leader.id), 'the removed id is gone');
  if (second) assert.ok(rows[0].score <= leader.score && rows.some((r) => r.id === second.id), 'the runner-up is still listed');
});

test('no page errors, console errors or failed requests', async () => {
  await screenshot('final');
  assert.deepEqual(problems, []);
});

test('a SyncError is shown in the error banner and changes nothing', async () => {
  const commits = await readNumber('commits');
  const board = await readBoard();
  // An uncaught failure (here: a batch for a collection that does not exist) must reach the banner.
  await page.evaluate(() => {
    setTimeout(() => window.demo.commit('Bad batch', [{ op: 'upsert', collection: 'nope', id: 'x', version: 1, data: { id: 'x' } }]));
  });
  await page.waitForSelector('#error', { state: 'visible' });
  assert.equal(await page.textContent('#error-code'), 'UNKNOWN_COLLECTION');
  assert.match(await page.textContent('#error-message'), /nope/);
  assert.equal(await readNumber('commits'), commits, 'a failed commit is not counted');
  assert.deepEqual(await readBoard(), board, 'the leaderboard is unchanged');
  await screenshot('error');
  // The failure was reported (uncaught error + console.error), and nothing else went wrong.
  assert.ok(problems.length > 0 && problems.every((p) => p.includes('UNKNOWN_COLLECTION')), problems.join('\n'));
  await page.click('#error-dismiss');
  await page.waitForSelector('#error', { state: 'hidden' });
});
