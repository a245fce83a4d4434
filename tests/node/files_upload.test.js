// Attachments, the upload half (docs/files.md), through the public API: client.files.put on
// fake-indexeddb, a real sync server on loopback with its file endpoints on PGlite. Each test
// checks the bytes the server ends up holding and the order in which it saw things.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { createSyncClient, SyncError } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';
import { untilClient as until } from './helpers.js';

const fast = { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 };
const CHUNK = 1000;
const quiet = { error: () => {} };

let server;
before(async () => {
  server = await startSyncServer({ port: 0, logger: quiet });
});
after(() => server.close());

/** Bytes that differ in every chunk (a chunk sent at the wrong index would show). */
function patterned(size, seed = 7) {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed + Math.floor(i / CHUNK)) % 256;
  return out;
}

/** The server's bytes of a file, read back chunk by chunk. */
async function serverBytes(srv, fileId) {
  const status = await srv.files.status(fileId);
  if (!status?.complete) return null;
  const parts = [];
  for (let n = 0; n < status.chunks; n++) parts.push(await srv.files.getChunk(fileId, n));
  return new Uint8Array(Buffer.concat(parts));
}

/** A fetch that logs every request (method, path) and can be told to fail. */
function recordingFetch({ failWhen = () => false } = {}) {
  const log = [];
  const fn = async (url, init = {}) => {
    const path = new URL(url).pathname;
    const entry = { method: init.method ?? 'GET', path };
    const verdict = failWhen(entry, log);
    if (verdict === 'before') throw new TypeError('fetch failed (cut before the request)');
    const res = await fetch(url, init);
    log.push(entry);
    if (verdict === 'after') {
      await res.arrayBuffer();
      throw new TypeError('fetch failed (cut before the answer)');
    }
    return res;
  };
  return { fetch: fn, log, chunkPuts: () => log.filter((e) => e.method === 'PUT' && e.path.includes('/chunks/')).map((e) => Number(e.path.split('/').at(-1))) };
}

/** Resolves on the first `event` whose payload passes `pred`; rejects after ms. */
function nextEvent(client, event, pred = () => true, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`no ${event} in ${ms} ms`))), ms);
    const off = client.on(event, (p) => {
      if (!pred(p)) return;
      clearTimeout(timer);
      off();
      resolve(p);
    });
  });
}

async function open({ idb = new IDBFactory(), srv = server, name = 'files-test', files = {}, token = 't', ...rest } = {}) {
  const client = await createSyncClient({
    url: srv.url, token, websocket: fast, storage: { indexedDB: idb, name }, collections: { students: {} },
    files: { chunkSize: CHUNK, backoffBaseMs: 20, backoffMaxMs: 100, ...files }, ...rest,
  });
  return { client, idb };
}

test('a file put offline is uploaded on reconnect: the server holds the exact bytes and the entity that references it', async () => {
  const { client } = await open();
  const progress = [];
  client.on('fileProgress', (p) => progress.push(p));
  client.goOffline();
  const bytes = patterned(2 * CHUNK + 345);
  const { fileId, ref, result } = await client.files.put(new Blob([bytes], { type: 'application/pdf' }), { name: 'report.pdf' });
  assert.deepEqual(ref, { $file: fileId, name: 'report.pdf', type: 'application/pdf', size: bytes.length });
  const student = client.collection('students').create({ id: 'ann', name: 'Ann', report: ref });
  assert.equal((await client.files.meta(fileId)).state, 'pending-upload');
  assert.equal(await server.files.status(fileId), null, 'nothing reached the server while offline');

  client.goOnline();
  assert.equal((await result).status, 'acked');
  assert.equal((await student.result).status, 'acked');
  assert.deepEqual(await serverBytes(server, fileId), bytes);
  assert.deepEqual((await server.store.get('students', 'ann')).data.report, ref);
  assert.equal((await server.store.get('syncore_files', fileId)).data.size, bytes.length);
  const meta = await client.files.meta(fileId);
  assert.equal(meta.state, 'uploaded');
  assert.equal(meta.uploadedBytes, bytes.length);
  // The local copy is still whole after the upload.
  assert.deepEqual(new Uint8Array(await (await client.files.local(fileId)).arrayBuffer()), bytes);
  assert.deepEqual(progress.map((p) => p.sent), [0, CHUNK, 2 * CHUNK, bytes.length]);
  assert.ok(progress.every((p) => p.fileId === fileId && p.direction === 'upload' && p.total === bytes.length));
  await client.close();
});

test('order: no mutation that references a file reaches the server before every chunk of that file', async () => {
  // The server logs what it applies; the client's fetch logs when each chunk was in. A slow link
  // makes the upload take longer than the entity's batch would.
  const applied = [];
  const srv = await startSyncServer({ port: 0, logger: quiet, validate: ({ mutation }) => void applied.push({ what: `${mutation.collection}/${mutation.id}`, at: performance.now() }) });
  const chunksIn = [];
  const slow = async (url, init = {}) => {
    await new Promise((r) => setTimeout(r, 40));
    const res = await fetch(url, init);
    if (init.method === 'PUT' && url.includes('/chunks/')) chunksIn.push(performance.now());
    return res;
  };
  try {
    const { client } = await open({ srv, name: 'order', files: { fetch: slow } });
    await until(client, () => client.status.connected, 'connected');
    const bytes = patterned(4 * CHUNK);
    const { fileId, ref } = await client.files.put(new Blob([bytes]), { name: 'photo.jpg' });
    // High priority: the core would send this before the file's normal-priority metadata.
    const student = client.collection('students').create({ id: 'bob', photo: ref }, { priority: 'high' });
    const other = client.collection('students').create({ id: 'cy', name: 'no file' });
    assert.equal((await student.result).status, 'acked');
    assert.equal((await other.result).status, 'acked');
    assert.equal(chunksIn.length, 4);
    const bob = applied.find((a) => a.what === 'students/bob');
    assert.ok(bob, 'the entity was applied');
    assert.ok(bob.at > Math.max(...chunksIn), 'the entity was applied after the last chunk was in');
    assert.ok(applied.find((a) => a.what === `syncore_files/${fileId}`));
    assert.deepEqual(await serverBytes(srv, fileId), bytes);
    await client.close();
  } finally {
    await srv.close();
  }
});

test('a mutation referencing a file the server does not hold whole is refused (dead letter), not applied', async () => {
  // A client without the files module (or a bug) cannot make an entity point at missing bytes.
  const client = await createSyncClient({ url: server.url, token: 't', websocket: fast, collections: { students: {} } });
  const { result } = client.collection('students').create({ id: 'dan', photo: { $file: 'f-never-uploaded' } });
  await assert.rejects(result, (err) => err instanceof SyncError && err.errorClass === 'validation' && /FILE_MISSING/.test(err.message));
  assert.equal(await server.store.get('students', 'dan'), null);
  assert.equal(client.status.failed, 1);
  await client.close();
});

test('resume: after a cut mid-upload and a restart, only the missing chunks are sent', async () => {
  const idb = new IDBFactory();
  const bytes = patterned(5 * CHUNK + 10);
  // First run: the link dies after two chunks went in.
  const first = recordingFetch({ failWhen: (e, log) => (e.method === 'PUT' && e.path.includes('/chunks/') && log.filter((l) => l.path.includes('/chunks/')).length >= 2 ? 'before' : false) });
  const a = await open({ idb, name: 'resume', files: { fetch: first.fetch } });
  await until(a.client, () => a.client.status.connected, 'connected');
  const twoIn = nextEvent(a.client, 'fileProgress', (p) => p.sent === 2 * CHUNK);
  const { fileId, ref } = await a.client.files.put(new Blob([bytes]), { name: 'scan.png' });
  a.client.collection('students').create({ id: 'eve', scan: ref });
  await twoIn;
  assert.deepEqual(first.chunkPuts(), [0, 1]);
  const partial = await server.files.status(fileId);
  assert.deepEqual(partial.received, [0, 1]);
  assert.equal(partial.complete, false);
  assert.equal(await server.store.get('students', 'eve'), null, 'the entity waits for its file');
  await a.client.close();

  // Second run, same device: the outbox and the bytes come back from IndexedDB.
  const second = recordingFetch();
  const b = await open({ idb, name: 'resume', files: { fetch: second.fetch } });
  await until(b.client, () => b.client.status.pending === 0 && b.client.status.connected, 'outbox drained');
  assert.deepEqual(second.chunkPuts(), [2, 3, 4, 5], 'only the missing chunks');
  assert.deepEqual(await serverBytes(server, fileId), bytes);
  assert.deepEqual((await server.store.get('students', 'eve')).data.scan, ref);
  await b.client.close();
});

test('a chunk sent again (its answer lost) is harmless: the server keeps one copy and the exact bytes', async () => {
  let cut = false;
  const rec = recordingFetch({ failWhen: (e) => (!cut && e.method === 'PUT' && e.path.endsWith('/chunks/1') ? ((cut = true), 'after') : false) });
  const { client } = await open({ name: 'resend', files: { fetch: rec.fetch } });
  const bytes = patterned(3 * CHUNK, 99);
  const { fileId, result } = await client.files.put(new Blob([bytes]));
  assert.equal((await result).status, 'acked');
  assert.deepEqual(rec.chunkPuts(), [0, 1, 2], 'chunk 1 went in, its answer was lost, the resume found it there');
  // Sent again by hand, the same chunk of a complete file changes nothing.
  const again = await fetch(`${server.restUrl}/files/${fileId}/chunks/1`, { method: 'PUT', headers: { Authorization: 'Bearer t' }, body: bytes.slice(CHUNK, 2 * CHUNK) });
  assert.equal(again.status, 200);
  assert.equal((await again.json()).complete, true);
  const wrong = await fetch(`${server.restUrl}/files/${fileId}/chunks/1`, { method: 'PUT', headers: { Authorization: 'Bearer t' }, body: new Uint8Array(CHUNK) });
  assert.equal(wrong.status, 200, 'accepted, but a complete file is never rewritten');
  assert.deepEqual(await serverBytes(server, fileId), bytes);
  await client.close();
});

test('a file the server refuses for good dead-letters, with its code, and so does the entity that references it', async () => {
  const srv = await startSyncServer({ port: 0, logger: quiet, maxFileBytes: 2000 });
  try {
    const { client } = await open({ srv, name: 'refused' });
    const failed = [];
    client.on('fileFailed', (f) => failed.push(f));
    const { fileId, ref, result } = await client.files.put(new Blob([patterned(2500)]), { name: 'big.pdf' });
    const student = client.collection('students').create({ id: 'fay', report: ref });
    await assert.rejects(result, (err) => err instanceof SyncError && err.code === 'REJECTED' && err.errorClass === 'validation' && /TOO_LARGE/.test(err.message));
    await assert.rejects(student.result, (err) => err.errorClass === 'validation' && /FILE_MISSING/.test(err.message));
    assert.equal(failed.length, 1);
    assert.equal(failed[0].fileId, fileId);
    assert.equal(failed[0].error.code, 'TOO_LARGE');
    const meta = await client.files.meta(fileId);
    assert.equal(meta.state, 'failed');
    assert.equal(meta.error.code, 'TOO_LARGE');
    assert.equal(client.status.failed, 2);
    assert.equal(await srv.store.get('students', 'fay'), null);
    await client.close();
  } finally {
    await srv.close();
  }
});

test('storage quota: a put the browser refuses is a typed STORAGE_QUOTA error and queues nothing', async () => {
  const { client } = await open({ name: 'quota' });
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (value, key) {
    if (this.name === 'chunks') throw new DOMException('quota exceeded', 'QuotaExceededError');
    return put.call(this, value, key);
  };
  try {
    await assert.rejects(client.files.put(new Blob([patterned(1500)])), (err) => err instanceof SyncError && err.code === 'STORAGE_QUOTA');
  } finally {
    IDBObjectStore.prototype.put = put;
  }
  assert.equal(client.status.pending, 0);
  assert.equal(client.collection('syncore_files').count(), 0);
  // The app's own cap (files.quotaBytes) is refused the same way.
  const capped = await open({ name: 'quota-cap', files: { quotaBytes: 1000 } });
  await assert.rejects(capped.client.files.put(new Blob([patterned(1500)])), (err) => err instanceof SyncError && err.code === 'STORAGE_QUOTA');
  await capped.client.close();
  await client.close();
});

test('without IndexedDB the bytes are kept in memory and uploaded the same way', async () => {
  const client = await createSyncClient({ url: server.url, token: 't', websocket: fast, collections: { students: {} }, files: { chunkSize: CHUNK } });
  assert.equal(client.files.store.kind, 'memory');
  const bytes = patterned(1234, 3);
  const { fileId, result } = await client.files.put(new Blob([bytes]));
  assert.equal((await result).status, 'acked');
  assert.deepEqual(await serverBytes(server, fileId), bytes);
  await client.close();
});
