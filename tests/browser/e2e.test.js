// End-to-end: the collaborative gradebook (demo/) in two headless Chromium windows with separate
// browser contexts (so separate IndexedDB "devices"), against the demo server (pages + sync server
// on one port, a temporary data folder). The tests run in order on the same two pages:
//   1. both windows load the seeded gradebook, equal to the server's store;
//   2. A works offline and edits three scores while B edits one of them; A comes back online:
//      the two others sync, the third is a manual conflict, and everything converges;
//   3. the conflict shows base / mine / theirs and "Keep mine" on A wins everywhere;
//   4. A, reloaded while offline with pending edits, still has them (table + outbox), opens no
//      socket while offline, and sends each exactly once when back online;
//   5. a change the server refuses becomes a dead letter with Edit and Discard (no Retry: it
//      would be refused again); "Discard" rolls it back; "Edit" corrects it and it is saved;
//   6. nothing went wrong in either page.
//   node --test tests/browser/e2e.test.js       (screenshots land in test-output/e2e-*.png)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemo } from '../../demo/server/main.js';
import { ASSESSMENTS, runningGrade } from '../../demo/src/gradebook.js';
import { launchChromium } from './chromium.js';

const OUT_DIR = fileURLToPath(new URL('../../test-output/', import.meta.url));
const T = { timeout: 30_000 };

let dataDir;
let demo;
let browser;
/** The two windows: { name, context, page }. */
let A;
let B;
/** Everything that went wrong in a page: uncaught errors, console errors, failed requests. */
const problems = [];

async function openWindow(name) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => problems.push(`${name} pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`${name} console.error: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => problems.push(`${name} request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`${name} HTTP ${res.status()}: ${res.url()}`);
  });
  return { name, context, page };
}

before(async () => {
  await mkdir(OUT_DIR, { recursive: true });
  dataDir = await mkdtemp(join(tmpdir(), 'syncore-e2e-'));
  demo = await startDemo({ port: 0, dataDir });
  browser = await launchChromium();
  A = await openWindow('A');
  B = await openWindow('B');
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

// ---- helpers ------------------------------------------------------------------------------------

const testId = (page, id) => page.locator(`[data-testid="${id}"]`);
const cellId = (studentId, assessment) => `cell-${studentId}-${assessment}`;

async function screenshot(win, name) {
  await win.page.mouse.move(0, 0);
  await win.page.evaluate(() => document.activeElement?.blur()); // no focused cell in the picture
  await win.page.screenshot({ path: `${OUT_DIR}e2e-${name}.png`, fullPage: true, animations: 'disabled' });
}

/** Every score cell as the page shows it: { 'cell-s1-quiz': '92', ... } ('' = not graded). */
const readTable = (win) =>
  win.page.$$eval('input.score-input', (inputs) => Object.fromEntries(inputs.map((i) => [i.dataset.testid, i.value])));

/** The same from the server's store. */
async function serverTable() {
  const out = {};
  for (const { data } of (await demo.store.list('scores'))) out[cellId(data.studentId, data.assessment)] = typeof data.score === 'number' ? String(data.score) : '';
  return out;
}

const serverScore = async (id) => (await demo.store.get('scores', id))?.data.score;

/** Waits until the page shows exactly `expected` (cell id -> text). */
async function waitForTable(win, expected, what) {
  try {
    await win.page.waitForFunction((want) => {
      const inputs = [...document.querySelectorAll('input.score-input')];
      if (inputs.length !== Object.keys(want).length) return false;
      return inputs.every((i) => want[i.dataset.testid] === i.value);
    }, expected);
  } catch (err) {
    assert.deepEqual(await readTable(win), expected, `${win.name}: ${what}`);
    throw err;
  }
}

/** The status bar as data: online, connection, pending, conflicts, failed (strings). */
const READ_STATUS = `(() => {
  const q = (id) => document.querySelector('[data-testid="' + id + '"]');
  return { online: q('status-online')?.dataset.online, connection: q('status-connection')?.dataset.state,
    pending: q('status-pending')?.dataset.count, conflicts: q('status-conflicts')?.dataset.count,
    failed: q('status-failed')?.dataset.count };
})()`;

/** Waits until the status bar shows what is given of { online, connection, pending, conflicts, failed }. */
async function waitForStatus(win, want) {
  const expected = Object.fromEntries(Object.entries(want).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
  try {
    await win.page.waitForFunction(`(() => {
      const got = ${READ_STATUS};
      return Object.entries(${JSON.stringify(expected)}).every(([k, v]) => got[k] === v);
    })()`);
  } catch (err) {
    const got = await win.page.evaluate(READ_STATUS);
    assert.deepEqual(got, { ...got, ...expected }, `${win.name}: status`);
    throw err;
  }
}

/** Types a score into a cell and commits it with Enter, as a user does. */
async function edit(win, studentId, assessment, value) {
  const input = testId(win.page, cellId(studentId, assessment));
  await input.fill(String(value));
  await input.press('Enter');
  await win.page.waitForFunction(
    ([id, v]) => {
      const el = document.querySelector(`[data-testid="${id}"]`);
      return el && el.value === v && document.activeElement !== el;
    },
    [cellId(studentId, assessment), String(value)],
  );
}

/** The running grade a row shows, and the one computed from the row's cells as shown. */
async function gradeOf(win, studentId) {
  const table = await readTable(win);
  const scores = ASSESSMENTS.map((a) => {
    const text = table[cellId(studentId, a.id)];
    return text === '' ? { assessment: a.id } : { assessment: a.id, score: Number(text) };
  });
  const shown = await testId(win.page, `grade-${studentId}`).getAttribute('data-grade');
  return { shown: shown === '' ? null : Number(shown), expected: runningGrade(scores).grade };
}

async function toggleOffline(win, offline) {
  const toggle = testId(win.page, 'offline-toggle');
  assert.equal(await toggle.getAttribute('aria-checked'), String(!offline), `${win.name}: the switch was ${offline ? 'off' : 'on'}`);
  await toggle.click();
  await win.page.waitForSelector(`[data-testid="offline-toggle"][aria-checked="${offline}"]`);
  if (offline) await waitForStatus(win, { online: false, connection: 'offline' });
}

/** Both pages show the server's store, cell for cell, and the same running grades. */
async function assertConverged(what) {
  const expected = await serverTable();
  assert.equal(Object.keys(expected).length, 32, '8 students × 4 assessments on the server');
  await waitForTable(A, expected, what);
  await waitForTable(B, expected, what);
  const grades = (win) => win.page.$$eval('[data-testid^="grade-"]', (els) => els.map((e) => [e.dataset.testid, e.dataset.grade]));
  assert.deepEqual(await grades(A), await grades(B), `${what}: running grades agree`);
  return expected;
}

// ---- the tests (in order, on the same two windows) ------------------------------------------------

test('both windows load the gradebook the server seeded', T, async () => {
  assert.equal(demo.seeded, 40, 'the seed: 8 students + 32 scores');
  assert.equal((await demo.store.changeCount()), 40);
  for (const win of [A, B]) {
    const wasm = win.page.waitForResponse((res) => res.url().endsWith('/dist/syncore.wasm'));
    await win.page.goto(demo.url);
    assert.equal((await wasm).headers()['content-type'], 'application/wasm');
    await win.page.waitForSelector('body[data-ready="true"]');
    await waitForStatus(win, { online: true, connection: 'connected', pending: 0, conflicts: 0 });
  }
  const expected = await assertConverged('initial load');
  assert.equal(expected['cell-s1-quiz'], '92');
  assert.equal(expected['cell-s4-exam'], '', 'a score not graded yet is an empty cell');
  assert.equal(await testId(A.page, 'summary-students').textContent(), '8');
  for (const id of ['s1', 's4', 's8']) {
    const { shown, expected: grade } = await gradeOf(A, id);
    assert.equal(shown, grade, `running grade of ${id}`);
  }
  await testId(A.page, 'outbox-empty').waitFor();
  assert.equal(await testId(A.page, 'conflict-panel').count(), 0, 'no conflict panel');
  assert.notEqual(
    await A.page.evaluate(() => window.gradebook.client.core.clientId),
    await B.page.evaluate(() => window.gradebook.client.core.clientId),
    'two windows, two client ids',
  );
  await screenshot(A, 'initial');
});

test('A edits three scores offline while B edits one of them; back online, both converge', T, async () => {
  const changesBefore = (await demo.store.changeCount());
  const gradeBefore = (await gradeOf(A, 's1')).shown;
  await toggleOffline(A, true);
  await A.page.waitForSelector('[data-testid="offline-notice"]');
  assert.equal(await testId(A.page, 'sync-now').isDisabled(), true, '"Sync now" is disabled while offline');

  await edit(A, 's1', 'quiz', 70);
  // The running grade follows at once, with no server involved.
  const grade = await gradeOf(A, 's1');
  assert.equal(grade.shown, grade.expected, 'the running grade is recomputed from the edited row');
  assert.ok(grade.shown < gradeBefore, `the grade went down (${gradeBefore} -> ${grade.shown})`);
  await edit(A, 's2', 'lab', 99);
  await edit(A, 's3', 'essay', 77.5);
  await waitForStatus(A, { online: false, pending: 3 });
  for (const id of ['s1-quiz', 's2-lab', 's3-essay']) {
    assert.equal(await testId(A.page, `outbox-item-${id}`).getAttribute('data-state'), 'queued', `${id} is queued in the outbox`);
  }
  assert.match(await testId(A.page, 'status-message').textContent(), /Offline — 3 changes will sync/);
  assert.equal(await testId(A.page, cellId('s1', 'quiz')).evaluate((el) => el.closest('td').dataset.mark), 'pending');
  assert.equal((await demo.store.changeCount()), changesBefore, 'nothing reached the server');

  // Meanwhile B, online, changes one of the same scores.
  await edit(B, 's1', 'quiz', 55);
  await waitForStatus(B, { pending: 0 });
  assert.equal(await serverScore('s1-quiz'), 55);
  assert.equal((await demo.store.changeCount()), changesBefore + 1);
  assert.equal(await testId(A.page, cellId('s1', 'quiz')).inputValue(), '70', 'offline A does not see it');
  await screenshot(A, 'offline-edits');

  await toggleOffline(A, false);
  // The two untouched scores sync; the third was changed on both sides: a manual conflict.
  await waitForStatus(A, { online: true, connection: 'connected', pending: 0, conflicts: 1 });
  await testId(A.page, 'conflict-panel').waitFor();
  assert.equal(await serverScore('s2-lab'), 99);
  assert.equal(await serverScore('s3-essay'), 77.5);
  assert.equal(await serverScore('s1-quiz'), 55, "the conflict waits for A's decision");
  assert.equal((await demo.store.changeCount()), changesBefore + 3, "B's edit and A's two");
  const table = await assertConverged('after A came back online');
  assert.equal(table['cell-s2-lab'], '99');
  assert.equal(table['cell-s3-essay'], '77.5');
  assert.equal(await testId(B.page, 'conflict-panel').count(), 0, 'B has nothing to decide');
});

test('the conflict shows base, mine and theirs; "Keep mine" on A wins on both pages', T, async () => {
  const conflict = testId(A.page, 'conflict-s1-quiz');
  assert.equal(await conflict.locator('[data-testid="conflict-base"]').textContent(), '92');
  assert.equal(await conflict.locator('[data-testid="conflict-local"]').textContent(), '70');
  assert.equal(await conflict.locator('[data-testid="conflict-remote"]').textContent(), '55');
  assert.equal(await testId(A.page, cellId('s1', 'quiz')).evaluate((el) => el.closest('td').dataset.mark), 'conflict');
  // The cell itself shows both values, not only theirs.
  const versions = testId(A.page, `${cellId('s1', 'quiz')}-versions`);
  assert.equal(await versions.locator('[data-testid="cell-yours"]').textContent(), 'yours 70');
  assert.equal(await versions.locator('[data-testid="cell-theirs"]').textContent(), 'theirs 55');
  await testId(A.page, 'row-s1').screenshot({ path: `${OUT_DIR}e2e-conflict-cell.png` });
  assert.equal(await testId(A.page, 'status-conflicts').getAttribute('data-count'), '1');
  assert.equal(await testId(A.page, 'status-message').textContent(), '1 conflict to resolve');
  await screenshot(A, 'conflict');

  const changesBefore = (await demo.store.changeCount());
  await conflict.locator('[data-testid="keep-mine"]').click();
  await testId(A.page, 'conflict-panel').waitFor({ state: 'detached' });
  await waitForStatus(A, { connection: 'connected', pending: 0, conflicts: 0 });
  assert.equal(await testId(A.page, `${cellId('s1', 'quiz')}-versions`).count(), 0, 'decided: one value again');
  assert.equal(await serverScore('s1-quiz'), 70, "A's value won on the server");
  assert.equal((await demo.store.changeCount()), changesBefore + 1, 'one change: the resolution');
  const table = await assertConverged('after Keep mine');
  assert.equal(table['cell-s1-quiz'], '70');
  await screenshot(B, 'resolved-b');
});

test('A reloaded while offline keeps its pending edits and sends each exactly once', T, async () => {
  const clientId = await A.page.evaluate(() => window.gradebook.client.core.clientId);
  await toggleOffline(A, true);
  const edits = { 's4-exam': 81, 's5-essay': 60, 's8-essay': 75 };
  for (const [id, value] of Object.entries(edits)) await edit(A, ...id.split('-'), value);
  await waitForStatus(A, { online: false, pending: 3 });
  // Written to IndexedDB before the reload (the client persists every edit before anything else).
  await A.page.evaluate(() => window.gradebook.client.flush());
  const cursorBefore = demo.store.cursor;
  const changesBefore = (await demo.store.changeCount());

  // Every WebSocket A opens from now on, and every mutation it pushes through one.
  const sockets = [];
  const pushed = [];
  A.page.on('websocket', (ws) => {
    sockets.push(ws.url());
    ws.on('framesent', ({ payload }) => {
      const msg = JSON.parse(String(payload));
      if (msg.type === 'push') pushed.push(...msg.mutations);
    });
  });

  await A.page.reload();
  await A.page.waitForSelector('body[data-ready="true"]');
  assert.equal(await testId(A.page, 'offline-toggle').getAttribute('aria-checked'), 'true', 'still "Work offline" after the reload');
  await waitForStatus(A, { online: false, connection: 'offline', pending: 3 });
  for (const [id, value] of Object.entries(edits)) {
    const [student, assessment] = id.split('-');
    assert.equal(await testId(A.page, cellId(student, assessment)).inputValue(), String(value), `${id} survived the reload`);
    assert.equal(await testId(A.page, `outbox-item-${id}`).getAttribute('data-state'), 'queued', `${id} is still in the outbox`);
  }
  assert.equal((await gradeOf(A, 's4')).shown, (await gradeOf(A, 's4')).expected);
  assert.deepEqual(sockets, [], 'a window reloaded offline opens no socket');
  assert.equal((await demo.store.changeCount()), changesBefore);
  await screenshot(A, 'reload-offline');

  await toggleOffline(A, false);
  await waitForStatus(A, { online: true, connection: 'connected', pending: 0, conflicts: 0 });
  await testId(A.page, 'outbox-empty').waitFor();
  for (const [id, value] of Object.entries(edits)) assert.equal(await serverScore(id), value, `${id} on the server`);
  // Exactly once: three applied changes, one per edit, each from its own key of A's client...
  assert.equal((await demo.store.changeCount()), changesBefore + 3, 'three edits, three applied changes');
  const log = (await demo.store.changeLog(cursorBefore));
  assert.deepEqual(log.map((c) => c.id).sort(), Object.keys(edits).sort());
  assert.equal(new Set(log.map((c) => c.origin)).size, 3, 'three distinct idempotency keys');
  assert.ok(log.every((c) => c.origin.startsWith(`${clientId}:`)), 'keys of A (the client id survived the reload)');
  // ...and pushed over the wire once each: no resend of what the server had applied.
  assert.equal(sockets.length, 1, 'one connection once back online');
  assert.deepEqual(pushed.map((m) => m.key).sort(), log.map((c) => c.origin).sort(), 'each key pushed exactly once');
  await assertConverged('after the reload and sync');
  await screenshot(A, 'synced-a');
  await screenshot(B, 'synced-b');
});

test('a change the server refuses becomes a dead letter; Discard rolls it back', T, async () => {
  const changesBefore = (await demo.store.changeCount());
  // The table refuses 150 itself; a client that skips that check meets the server's validation.
  const input = testId(A.page, cellId('s7', 'lab'));
  await input.fill('150');
  // Refused as it is typed: a red border at once, before Enter.
  await A.page.waitForSelector(`[data-testid="${cellId('s7', 'lab')}"][aria-invalid="true"]`);
  // (after the border's short transition)
  const redBorder = (id) => {
    const style = getComputedStyle(document.querySelector(`[data-testid="${id}"]`));
    return style.borderTopColor === 'rgb(217, 45, 75)' && style.borderTopWidth === '2px';
  };
  await A.page.waitForFunction(redBorder, cellId('s7', 'lab')).catch(async () => {
    const { color, width } = await input.evaluate((el) => ({ color: getComputedStyle(el).borderTopColor, width: getComputedStyle(el).borderTopWidth }));
    assert.fail(`the invalid cell has a 2px red border (it has ${width} ${color})`);
  });
  await testId(A.page, 'row-s7').screenshot({ path: `${OUT_DIR}e2e-invalid-input.png` });
  await input.press('Enter');
  await A.page.waitForSelector(`[data-testid="${cellId('s7', 'lab')}"][aria-invalid="true"]`);
  assert.match(await A.page.locator('.cell-error').textContent(), /up to 100/, 'the cell refuses 150');
  await input.press('Escape');
  assert.equal(await input.inputValue(), '55', 'Escape restores the stored value');
  assert.equal(await testId(A.page, 'status-pending').getAttribute('data-count'), '0', 'nothing was queued');
  await A.page.evaluate(() => window.gradebook.client.collection('scores').patch('s7-lab', { score: 150 }));
  await testId(A.page, 'dead-letter-s7-lab').waitFor();
  await waitForStatus(A, { pending: 0, failed: 1 });
  assert.match(await testId(A.page, 'dead-letter-s7-lab').textContent(), /number from 0 to 100/);
  // The history panel (docs/history.md) says it in seed 004's words, next to what was synced.
  await A.page.locator('[data-testid="history-item"][data-status="failed_permanently"]', { hasText: 'scores/s7-lab' }).first().waitFor();
  assert.match(await A.page.locator('[data-testid="history-item"][data-status="failed_permanently"]').first().textContent(), /number from 0 to 100/);
  assert.ok(await A.page.locator('[data-testid="history-item"][data-status="synced"]').count() > 0, 'the earlier edits read synced');
  assert.equal(await input.inputValue(), '55', 'the refused value is rolled back in the view');
  assert.equal(await input.evaluate((el) => el.closest('td').dataset.mark), 'failed');
  assert.equal((await demo.store.changeCount()), changesBefore, 'nothing applied');
  // A validation refusal would be refused again as it is: no Retry, but Edit and Discard.
  const dead = testId(A.page, 'dead-letter-s7-lab');
  assert.equal(await dead.getAttribute('data-error-class'), 'validation');
  assert.equal(await dead.locator('[data-testid="retry"]').count(), 0, 'no Retry for a validation refusal');
  assert.equal(await dead.locator('[data-testid="edit"]').count(), 1, 'Edit is offered');
  assert.equal(await dead.locator('[data-testid="discard"]').count(), 1, 'Discard is offered');
  await screenshot(A, 'dead-letter');
  await testId(A.page, 'outbox-panel').screenshot({ path: `${OUT_DIR}e2e-dead-letter-edit.png` });

  await testId(A.page, 'dead-letter-s7-lab').locator('[data-testid="discard"]').click();
  await testId(A.page, 'dead-letter-s7-lab').waitFor({ state: 'detached' });
  await waitForStatus(A, { pending: 0, failed: 0 });
  await testId(A.page, 'outbox-empty').waitFor();
  assert.equal(await serverScore('s7-lab'), 55);
  await assertConverged('after the discard');
});

test('a refused change corrected with Edit is sent again and saved', T, async () => {
  const changesBefore = (await demo.store.changeCount());
  await A.page.evaluate(() => window.gradebook.client.collection('scores').patch('s7-lab', { score: 150 }));
  const dead = testId(A.page, 'dead-letter-s7-lab');
  await dead.waitFor();
  await dead.locator('[data-testid="edit"]').click();
  const value = dead.locator('[data-testid="edit-value"]');
  assert.equal(await value.inputValue(), '150', 'the editor starts from the refused value');
  await value.fill('101');
  assert.equal(await value.getAttribute('aria-invalid'), 'true', 'checked as it is typed');
  await value.fill('59.5');
  await dead.screenshot({ path: `${OUT_DIR}e2e-dead-letter-editing.png` });
  await dead.locator('[data-testid="save-edit"]').click();
  await dead.waitFor({ state: 'detached' });
  await waitForStatus(A, { pending: 0, failed: 0 });
  assert.equal(await serverScore('s7-lab'), 59.5, 'the corrected value reached the server');
  assert.equal((await demo.store.changeCount()), changesBefore + 1, 'applied once');
  await assertConverged('after the edit');
});

test('on a narrow screen the student column stays in view while the scores scroll', T, async () => {
  await A.page.setViewportSize({ width: 420, height: 900 });
  try {
    const scroller = A.page.locator('.table-scroll');
    const student = testId(A.page, 'row-s1').locator('th');
    const exam = testId(A.page, cellId('s1', 'exam'));
    const before = { student: await student.boundingBox(), exam: await exam.boundingBox(), box: await scroller.boundingBox() };
    const scrolled = await scroller.evaluate((el) => {
      el.scrollLeft = el.scrollWidth;
      return el.scrollLeft;
    });
    assert.ok(scrolled > 100, `the table scrolls sideways at 420 px (by ${scrolled} px)`);
    const after = { student: await student.boundingBox(), exam: await exam.boundingBox() };
    assert.ok(after.exam.x < before.exam.x - 100, 'the scores moved');
    assert.equal(Math.round(after.student.x), Math.round(before.student.x), 'the student column did not');
    assert.equal(Math.round(after.student.x), Math.round(before.box.x));
    // The student's name is on top of the scores that scroll under it.
    const onTop = await A.page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.closest('th')?.closest('tr')?.dataset.testid, [after.student.x + 20, after.student.y + after.student.height / 2]);
    assert.equal(onTop, 'row-s1');
    await scroller.screenshot({ path: `${OUT_DIR}e2e-narrow-sticky.png` });
  } finally {
    await A.page.setViewportSize({ width: 1440, height: 1000 });
  }
});

test('no page errors, console errors or failed requests in either window', async () => {
  assert.deepEqual(problems, []);
});
