// The README's todo app as the package tests drive it: served next to the reference sync server,
// opened in headless Chromium, one write held back to see it optimistic then acknowledged.
// Used by pack.test.js (esbuild, as README.md's commands write it) and bundlers.test.js (Vite,
// webpack, esbuild, Rollup).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { openStore } from '../../server/store.js';
import { startSyncServer } from '../../server/sync_server.js';

const CONTENT_TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

/** A store whose todos hold one seeded todo, as the app should show it at start. */
export async function seededStore() {
  const store = await openStore();
  await store.apply({ key: 'seed:1', collection: 'todos', kind: 'create', id: 't1', data: { id: 't1', title: 'A seeded todo' }, baseVersion: 0, ts: null });
  return store;
}

/** publicDir as static files + the reference sync server on /sync, on one loopback port. */
export async function serveApp(publicDir, store) {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/favicon.ico') return res.writeHead(204).end(); // the browser asks; the app has none
    const file = resolve(publicDir, `.${path === '/' ? '/index.html' : path}`);
    const body = file.startsWith(publicDir + sep) ? await readFile(file).catch(() => null) : null;
    if (!body) return res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const sync = await startSyncServer({ server, store });
  return { url: `http://127.0.0.1:${server.address().port}/`, close: async () => { await sync.close(); server.closeAllConnections(); await new Promise((d) => server.close(d)); } };
}

/**
 * Opens the app in a new page of `browser` and drives it: the seeded todo renders, "Add" shows
 * "Todo 2" at once with 1 pending while the server's answer is held, then 0 pending once it is let
 * through. Resolves to { page, problems, responses } (the page stays open; responses: every
 * response's { url, status, type }).
 */
export async function driveReadmeApp(browser, url, store) {
  const page = await browser.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  const responses = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => msg.type() === 'error' && problems.push(`console.error: ${msg.text()} (${msg.location().url})`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()}`));
  page.on('response', (res) => {
    responses.push({ url: res.url(), status: res.status(), type: res.headers()['content-type'] ?? '' });
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 })); // the app has none
  // The socket goes through the test, which can hold the server's answers back.
  let holding = false;
  const held = [];
  await page.routeWebSocket(/\/sync$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => (holding ? held.push(() => ws.send(m)) : ws.send(m)));
  });

  await page.goto(url);
  // The first render needs the wasm: if it never comes, say what the page saw.
  await page.getByText('A seeded todo').waitFor().catch((err) => assert.fail(`${err.message}\nthe page saw:\n${problems.join('\n')}`));
  await page.getByText('0 pending').waitFor();

  holding = true;
  await page.getByRole('button', { name: 'Add' }).click();
  await page.locator('li', { hasText: 'Todo 2' }).waitFor();
  assert.equal(await page.textContent('p'), '1 pending');
  await waitUntil(async () => held.length > 0 && (await store.list('todos')).length === 2, 'the server applied the push');
  assert.equal(await page.textContent('p'), '1 pending', 'the write is shown while its answer is still held');

  holding = false;
  for (const send of held.splice(0)) send();
  await page.getByText('0 pending').waitFor();
  assert.deepEqual(await page.locator('li').allTextContents(), ['A seeded todo', 'Todo 2']);
  assert.deepEqual((await store.list('todos')).map((t) => t.data?.title ?? t.title).sort(), ['A seeded todo', 'Todo 2']);
  return { page, problems, responses };
}

export async function waitUntil(check, what, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
