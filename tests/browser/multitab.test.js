// Multi-tab in headless Chromium: pages of ONE browser profile (one origin, one IndexedDB, real Web
// Locks and BroadcastChannel) each run createSyncClient with the defaults (multi-tab on) against
// the reference sync server. A tiny test page is served next to the demo's static files (the
// page's modules are the repository's js/ and dist/ as the demo server serves them). In order:
//   1. the first page leads (Web Lock), the second follows; writes from both land once, views converge;
//   2. the leader page closes with writes queued offline in the shared outbox: the follower takes
//      over and sends each exactly once;
//   3. the leader page is frozen (CDP Page.setWebLifecycleState): another page takes over; the
//      frozen page, resumed, writes through the new leader;
//   4. the server applied every mutation exactly once and every page shows the server's state.
// Chromium is driven over raw CDP here, not through playwright: playwright's focus emulation keeps
// every page "visible", and Chromium does not freeze a visible page (setWebLifecycleState is then
// a silent no-op). The browser is the same /usr/bin/chromium with the same flags.
//   node --test tests/browser/multitab.test.js
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createStaticHandler } from '../../demo/serve.js';
import { startSyncServer } from '../../server/sync_server.js';
import { CHROMIUM_ARGS } from './chromium.js';

const T = { timeout: 30_000 };
const PAGE = 'multitab-test.html';
const HTML = `<!doctype html><meta charset="utf-8"><title>multitab</title>
<script type="module">
  import { createSyncClient } from '/js/browser.js';
  const client = await createSyncClient({
    url: 'ws://' + location.host + '/sync',
    wasmUrl: '/dist/syncore.wasm',
    collections: { todos: {} },
    storage: { name: 'multitab' },
  });
  const list = () => Object.fromEntries(client.collection('todos').list().map((t) => [t.title, t.n]));
  window.tab = { client, list };
  document.body.dataset.ready = 'true';
</script>`;

// ---- a minimal CDP driver --------------------------------------------------------------------------

/** Starts Chromium with a fresh profile; resolves to { send(method, params, sessionId), on, close }. */
async function launchChromium() {
  const profile = await mkdtemp(join(tmpdir(), 'syncore-multitab-'));
  const proc = spawn('/usr/bin/chromium', [...CHROMIUM_ARGS, '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const endpoint = await new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start: ${text}`)), 15_000);
    proc.stderr.on('data', (chunk) => {
      text += chunk;
      const m = text.match(/DevTools listening on (ws:\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => reject(new Error(`chromium exited (${code}): ${text}`)));
  });
  const ws = new WebSocket(endpoint, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let nextId = 1;
  const waiting = new Map();
  const listeners = new Set();
  ws.on('message', (raw) => {
    const msg = JSON.parse(String(raw));
    if (msg.id && waiting.has(msg.id)) {
      const { resolve, reject } = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.error) reject(new Error(`${msg.error.message} ${msg.error.data ?? ''}`));
      else resolve(msg.result);
    } else if (msg.method) {
      for (const fn of listeners) fn(msg);
    }
  });
  return {
    send(method, params = {}, sessionId = undefined) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        ws.send(JSON.stringify({ id, method, params, sessionId }));
      });
    },
    on(fn) {
      listeners.add(fn);
    },
    async close() {
      ws.close();
      proc.kill();
      await new Promise((resolve) => (proc.exitCode !== null ? resolve() : proc.once('exit', resolve)));
      // Chromium's helper processes may still be writing the profile as the browser exits: retry.
      await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

let web;
let sync;
let browser;
const pages = [];
const problems = [];
const expected = new Set(); // every title created by any page

before(async () => {
  const files = createStaticHandler();
  const server = createServer((req, res) => {
    if (req.url === '/favicon.ico') return res.writeHead(204).end();
    if (req.url !== `/${PAGE}`) return files(req, res);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(HTML);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  web = {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
  sync = await startSyncServer({ server });
  browser = await launchChromium();
  browser.on((msg) => {
    const p = pages.find((x) => x.sessionId === msg.sessionId);
    if (msg.method === 'Runtime.exceptionThrown') problems.push(`${p?.name} exception: ${msg.params.exceptionDetails?.exception?.description ?? msg.params.exceptionDetails?.text}`);
    if (msg.method === 'Runtime.consoleAPICalled' && msg.params.type === 'error')
      problems.push(`${p?.name} console.error: ${msg.params.args.map((a) => a.value ?? a.description).join(' ')}`);
  });
});

after(async () => {
  try {
    await browser?.close();
  } finally {
    await sync?.close();
    await web?.close();
  }
});

/** Runs fn(arg) in page p and returns its (awaited, JSON-able) result. */
async function evaluate(p, fn, arg) {
  const { result, exceptionDetails } = await browser.send(
    'Runtime.evaluate',
    { expression: `(${fn})(${JSON.stringify(arg)})`, awaitPromise: true, returnByValue: true },
    p.sessionId,
  );
  if (exceptionDetails) throw new Error(`${p.name}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
  return result.value;
}

/** Polls fn(arg) in page p until it returns something truthy. */
async function waitFor(p, fn, arg, what) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (await evaluate(p, fn, arg).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${p.name}: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function openPage(name) {
  const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await browser.send('Target.attachToTarget', { targetId, flatten: true });
  const p = { name, targetId, sessionId };
  pages.push(p);
  await browser.send('Runtime.enable', {}, sessionId);
  await browser.send('Page.navigate', { url: `${web.url}${PAGE}` }, sessionId);
  await waitFor(p, () => document.body?.dataset.ready === 'true', undefined, 'the client to start');
  return p;
}

const closePage = (p) => browser.send('Target.closeTarget', { targetId: p.targetId });
const setLifecycle = (p, state) => browser.send('Page.setWebLifecycleState', { state }, p.sessionId);
const role = (p) => evaluate(p, () => window.tab.client.status.tab);
const waitRole = (p, r) => waitFor(p, (want) => window.tab.client.status.tab === want, r, `role ${r}`);

/** Creates `count` todos in page p (titles `${prefix}${i}`). */
async function write(p, prefix, count) {
  const titles = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  await evaluate(p, (ts) => ts.forEach((title, n) => window.tab.client.collection('todos').create({ title, n })), titles);
  for (const t of titles) expected.add(t);
}

const sorted = (obj) => Object.fromEntries(Object.entries(obj).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
const serverList = async () => sorted(Object.fromEntries((await sync.store.list('todos')).map(({ data }) => [data.title, data.n])));

/** Waits until the server holds every expected title and page p shows exactly the server's state. */
async function converged(p, what) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const server = (await serverList());
    const view = sorted(await evaluate(p, () => window.tab.list()));
    const pending = await evaluate(p, () => window.tab.client.status.pending);
    if (Object.keys(server).length === expected.size && pending === 0 && JSON.stringify(view) === JSON.stringify(server)) return;
    if (Date.now() > deadline) {
      assert.deepEqual(view, server, `${p.name}: ${what} (pending ${pending}, server ${Object.keys(server).length}/${expected.size})`);
      assert.fail(`${p.name}: ${what}: pending ${pending}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every expected title was created on the server exactly once, and nothing else. */
async function assertExactlyOnce(what) {
  const creates = new Map();
  for (const c of (await sync.store.changeLog(0))) if (c.version === 1) creates.set(c.data.title, (creates.get(c.data.title) ?? 0) + 1);
  for (const t of expected) assert.equal(creates.get(t), 1, `${what}: '${t}' created exactly once`);
  assert.equal((await sync.store.list('todos')).length, expected.size, `${what}: nothing extra on the server`);
}

let A;
let B;
let C;

test('two pages of one browser profile: one leader (Web Lock), writes from both land once, views converge', T, async () => {
  A = await openPage('A');
  B = await openPage('B');
  assert.equal(await role(A), 'leader');
  assert.equal(await role(B), 'follower');
  assert.equal(await evaluate(A, () => window.tab.client.tabs.election), 'web-locks');
  await waitFor(A, () => window.tab.client.status.connected && window.tab.client.status.lastSyncAt !== null, undefined, 'A connected');
  await waitFor(B, () => window.tab.client.status.connected, undefined, "B showing the leader's connection");
  assert.equal(sync.connections().length, 1, 'one socket for the origin');
  await write(A, 'a', 10);
  await write(B, 'b', 10);
  await converged(A, 'A after writes from both');
  await converged(B, 'B after writes from both');
  await assertExactlyOnce('writes from both pages');
});

test('the leader page closes with writes queued offline: the follower takes over and sends each once', T, async (t) => {
  await evaluate(A, () => window.tab.client.goOffline());
  await write(A, 'a-off', 5);
  await write(B, 'b-off', 5);
  // B's writes are durable in the shared outbox once the leader acknowledged them.
  await waitFor(B, () => window.tab.client.core.stats().pending === 0, undefined, "B's writes acknowledged");
  await evaluate(A, () => window.tab.client.flush());
  assert.equal(Object.keys((await serverList())).length, 20, 'nothing queued reached the server yet');
  const closedAt = Date.now();
  await closePage(A);
  await waitRole(B, 'leader');
  const electedAt = Date.now();
  await converged(B, 'B after the handoff');
  // Figures for RELIABILITY.md (not asserted: no timing assertions in npm test).
  t.diagnostic(`close handoff: leader after ${electedAt - closedAt} ms, 10 queued writes on the server after ${Date.now() - closedAt} ms`);
  await assertExactlyOnce('after the leader page closed');
});

test('a frozen leader page hands off; resumed, it writes through the new leader', T, async (t) => {
  C = await openPage('C');
  assert.equal(await role(C), 'follower');
  await converged(C, 'C on opening');
  const frozenAt = Date.now();
  await setLifecycle(B, 'frozen');
  await waitRole(C, 'leader');
  t.diagnostic(`freeze handoff: leader after ${Date.now() - frozenAt} ms`);
  await write(C, 'c', 5);
  await converged(C, 'C leading while B is frozen');
  await setLifecycle(B, 'active');
  await waitRole(B, 'follower');
  await write(B, 'b-resumed', 5);
  await converged(B, 'B after resuming');
  await converged(C, 'C after B resumed');
  await assertExactlyOnce('after the freeze');
  // The frozen leader closed its socket as it froze; the server may take a moment to see it.
  const deadline = Date.now() + 5000;
  while (sync.connections().length !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(sync.connections().length, 1, 'still one socket for the origin');
});

test('no page errors', () => {
  assert.deepEqual(problems, []);
});
