// Attachments in headless Chromium (docs/files.md): a real File from an <input type=file>, its
// bytes in the page's real IndexedDB, uploaded in chunks to the reference sync server's file
// endpoints. The page is a tiny test page served next to the repository's js/ and dist/ (as the
// demo server serves them); the client runs with the browser defaults (multi-tab on). In order:
//   1. offline: the file is put and an entity references it; the bytes and the queued metadata
//      are in IndexedDB, nothing reached the server;
//   2. the page reloads (the upload never started) and, online, uploads: progress events, then
//      the server holds the exact bytes and the entity that references them, the local copy stays.
//   node --test tests/browser/files.test.js
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createStaticHandler } from '../../demo/serve.js';
import { startSyncServer } from '../../server/sync_server.js';
import { launchChromium } from './chromium.js';

const T = { timeout: 30_000 };
const PAGE = 'files-test.html';
const HTML = `<!doctype html><meta charset="utf-8"><title>files</title>
<input type="file" id="file">
<script type="module">
  import { createSyncClient } from '/js/browser.js';
  window.progress = [];
  const client = await createSyncClient({
    url: 'ws://' + location.host + '/sync',
    wasmUrl: '/dist/syncore.wasm',
    collections: { students: {} },
    storage: { name: 'files-e2e' },
    token: 'teacher',
    files: true,
  });
  client.on('fileProgress', (p) => window.progress.push(p));
  window.app = { client };
  document.body.dataset.ready = 'true';
</script>`;

let http;
let sync;
let browser;
let page;
const problems = [];
// A file of three chunks (256 KiB each by default), every byte position telling.
const BYTES = Buffer.from(Array.from({ length: 600_000 }, (_, i) => (i * 7 + (i >> 18)) % 256));
const state = {};

before(async () => {
  const files = createStaticHandler();
  http = createServer(async (req, res) => {
    if (await sync.handleFiles(req, res)) return;
    if (req.url === '/favicon.ico') return res.writeHead(204).end();
    if (req.url !== `/${PAGE}`) return files(req, res);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(HTML);
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  sync = await startSyncServer({ server: http, logger: { error: (...a) => problems.push(`server: ${a.join(' ')}`) } });
  browser = await launchChromium();
  const context = await browser.newContext();
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => msg.type() === 'error' && problems.push(`console.error: ${msg.text()}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  await page.goto(`http://127.0.0.1:${http.address().port}/${PAGE}`);
  await page.waitForSelector('body[data-ready="true"]');
});

after(async () => {
  await browser?.close();
  await sync?.close();
  await new Promise((resolve) => (http ? http.close(resolve) : resolve()));
});

/** The server's bytes of a file (null until it is complete). */
async function serverBytes(fileId) {
  const status = await sync.files.status(fileId);
  if (!status?.complete) return null;
  const parts = [];
  for (let n = 0; n < status.chunks; n++) parts.push(await sync.files.getChunk(fileId, n));
  return Buffer.concat(parts);
}

test('offline: a real File is stored in IndexedDB and referenced; nothing reaches the server', T, async () => {
  await page.evaluate(() => window.app.client.goOffline());
  await page.setInputFiles('#file', { name: 'photo.png', mimeType: 'image/png', buffer: BYTES });
  const put = await page.evaluate(async () => {
    const { client } = window.app;
    const file = document.getElementById('file').files[0];
    const { fileId, ref } = await client.files.put(file);
    client.collection('students').create({ id: 'ann', name: 'Ann', photo: ref });
    await client.flush();
    // Read back from IndexedDB itself: the chunks and the meta are there.
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open('files-e2e:files');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const count = await new Promise((resolve) => {
      const req = db.transaction('chunks').objectStore('chunks').count();
      req.onsuccess = () => resolve(req.result);
    });
    db.close();
    return { fileId, ref, count, meta: await client.files.meta(fileId), pending: client.status.pending, isFile: file instanceof File };
  });
  assert.equal(put.isFile, true);
  assert.deepEqual(put.ref, { $file: put.fileId, name: 'photo.png', type: 'image/png', size: BYTES.length });
  assert.equal(put.meta.state, 'pending-upload');
  assert.equal(put.count, 3, 'three chunks in IndexedDB');
  assert.equal(put.pending, 2, 'the file metadata and the entity are queued');
  assert.equal(await sync.files.status(put.fileId), null);
  assert.equal(await sync.store.get('students', 'ann'), null);
  state.fileId = put.fileId;
  state.ref = put.ref;
});

test('after a reload the upload runs: progress events, then the exact bytes and the entity on the server', T, async () => {
  assert.ok(state.fileId, 'the first test ran');
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForFunction(() => window.app.client.status.pending === 0 && window.app.client.status.connected);
  const seen = await page.evaluate(async (fileId) => {
    const { client } = window.app;
    const blob = await client.files.local(fileId);
    return { progress: window.progress, meta: await client.files.meta(fileId), local: Array.from(new Uint8Array(await blob.arrayBuffer()).slice(0, 64)), localSize: blob.size, failed: client.status.failed };
  }, state.fileId);
  assert.equal(seen.failed, 0);
  assert.deepEqual(seen.progress.map((p) => p.sent), [0, 262_144, 524_288, BYTES.length]);
  assert.ok(seen.progress.every((p) => p.fileId === state.fileId && p.direction === 'upload' && p.total === BYTES.length));
  assert.equal(seen.meta.state, 'uploaded');
  assert.equal(seen.localSize, BYTES.length);
  assert.deepEqual(seen.local, Array.from(BYTES.subarray(0, 64)));
  assert.ok((await serverBytes(state.fileId)).equals(BYTES), 'the server holds the exact bytes');
  assert.deepEqual((await sync.store.get('students', 'ann')).data.photo, state.ref);
  assert.deepEqual(problems, []);
});
