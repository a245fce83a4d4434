// Attachments, the offline-content half (docs/files.md "Offline content"), through the public API:
// client.files.get / url / pin / pinCollection / offlineStatus on fake-indexeddb against a real
// sync server on loopback (PGlite), whose files arrive through client.files.put. Waits on events,
// never on timers (but for a few milliseconds between reads whose order LRU eviction must see).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient, SyncError } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';
import { untilClient as until } from './helpers.js';

const fast = { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 };
const CHUNK = 1000;
const quiet = { error: () => {} };
const T = { timeout: 60_000 }; // a wait that never ends fails instead of hanging
const USERS = { 'tok-ann': { id: 'ann' }, 'tok-bob': { id: 'bob' } };

let server;
before(async () => {
  server = await startSyncServer({
    port: 0,
    logger: quiet,
    authenticate: (token) => USERS[token] ?? null,
    // Row level: a student is read by its owner, or by everyone once shared.
    authorize: { canRead: (user, collection, entity) => !entity || collection !== 'students' || entity.data.owner === user.id || entity.data.shared === true },
  });
});
after(() => server.close());
// Clients a failed test left open are closed (close() twice is harmless).
const opened = [];
afterEach(() => Promise.allSettled(opened.splice(0).map((c) => c.close())));

function patterned(size, seed = 7) {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed + Math.floor(i / CHUNK)) % 256;
  return out;
}

const bytesOf = async (blob) => new Uint8Array(await blob.arrayBuffer());
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fetch that logs the content requests (their Range header) and can cut a body after n bytes. */
function recordingFetch({ cutAfter = null } = {}) {
  const requests = [];
  let cut = cutAfter;
  const fn = async (url, init = {}) => {
    const res = await fetch(url, init);
    if (!new URL(url).pathname.endsWith('/content')) return res;
    requests.push({ range: init.headers?.Range ?? null, status: res.status });
    if (cut === null || !res.body) return res;
    const limit = cut;
    cut = null;
    // The connection breaks once `limit` bytes of the body went through.
    const reader = res.body.getReader();
    let passed = 0;
    const body = new ReadableStream({
      async pull(controller) {
        if (passed >= limit) {
          reader.cancel().catch(() => {});
          return controller.error(new TypeError('terminated: the connection was cut'));
        }
        const { done, value } = await reader.read();
        if (done) return controller.close();
        const part = value.subarray(0, limit - passed);
        passed += part.byteLength;
        controller.enqueue(part);
      },
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };
  return { fetch: fn, requests };
}

async function open({ token = 'tok-ann', files = {}, ...rest } = {}) {
  return remember(await createSyncClient({
    url: server.url, token, websocket: fast, storage: { indexedDB: new IDBFactory(), name: 'offline-test' }, collections: { students: {} },
    files: { chunkSize: CHUNK, backoffBaseMs: 20, backoffMaxMs: 100, ...files }, ...rest,
  }));
}

function remember(client) {
  opened.push(client);
  return client;
}

let nextStudent = 0;
/** Uploads bytes through `client` and a student that references them; resolves once both are on the server. */
async function uploaded(client, bytes, { owner = 'ann', shared = false, type = 'image/png' } = {}) {
  const id = `s${++nextStudent}`;
  const name = `${id}.png`;
  const { fileId, ref, result } = await client.files.put(new Blob([bytes], { type }), { name });
  const student = client.collection('students').create({ id, owner, shared, photo: ref });
  assert.equal((await result).status, 'acked');
  assert.equal((await student.result).status, 'acked');
  return { fileId, id, ref, name };
}

test('get downloads a file with download progress and keeps it: the second read is local; url() serves the same bytes', T, async () => {
  const writer = await open();
  const bytes = patterned(3 * CHUNK + 500);
  const { fileId, name } = await uploaded(writer, bytes);
  const rec = recordingFetch();
  const reader = await open({ files: { fetch: rec.fetch } });
  const progress = [];
  reader.on('fileProgress', (p) => progress.push(p));

  assert.deepEqual(await bytesOf(await reader.files.get(fileId)), bytes);
  assert.ok(progress.length >= 2 && progress.every((p) => p.fileId === fileId && p.direction === 'download' && p.total === bytes.length));
  assert.equal(progress[0].received, 0);
  assert.equal(progress.at(-1).received, bytes.length);
  assert.ok(progress.every((p, i) => i === 0 || p.received >= progress[i - 1].received));
  const meta = await reader.files.meta(fileId);
  assert.deepEqual([meta.state, meta.size, meta.type, meta.name], ['uploaded', bytes.length, 'image/png', name]);

  const blob = await reader.files.get(fileId);
  assert.equal(blob.type, 'image/png');
  const url = await reader.files.url(fileId);
  assert.match(url, /^blob:/);
  assert.equal(await reader.files.url(fileId), url, 'one URL per file while the page lives');
  assert.equal(rec.requests.length, 1, 'read twice and as a URL: downloaded once');
  await Promise.all([writer.close(), reader.close()]);
});

test('a download cut halfway resumes with a Range from the bytes received: nothing is fetched twice', T, async () => {
  const writer = await open();
  const bytes = patterned(4 * CHUNK + 77, 3);
  const { fileId } = await uploaded(writer, bytes);
  const rec = recordingFetch({ cutAfter: 1500 });
  const reader = await open({ files: { fetch: rec.fetch } });
  const received = [];
  reader.on('fileProgress', (p) => received.push(p.received));

  assert.deepEqual(await bytesOf(await reader.files.get(fileId)), bytes);
  assert.deepEqual(rec.requests, [
    { range: null, status: 200 },
    { range: 'bytes=1500-', status: 206 },
  ]);
  assert.ok(received.includes(1500) && received.at(-1) === bytes.length);
  await Promise.all([writer.close(), reader.close()]);
});

test('pinCollection downloads the files a field references now, and those of entities that arrive later', T, async () => {
  const writer = await open();
  const first = patterned(2 * CHUNK, 11);
  const a = await uploaded(writer, first);
  const reader = await open();
  const students = reader.collection('students');
  await until(reader, () => students.get(a.id) !== undefined, 'the first student reaches the reader');

  reader.files.pinCollection('students', 'photo');
  await reader.files.downloadsSettled();
  let status = await reader.files.offlineStatus();
  assert.ok(status.pinned >= 1 && status.missing.length === 0, JSON.stringify(status));
  assert.deepEqual(await bytesOf(await reader.files.local(a.fileId)), first);

  const second = patterned(CHUNK + 1, 12);
  const done = new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error('the new reference was not fetched')), 20_000).unref();
    reader.on('fileProgress', (p) => p.received === second.length && p.direction === 'download' && resolve(p.fileId));
  });
  const b = await uploaded(writer, second);
  assert.equal(await done, b.fileId, 'the new reference was fetched without being asked');
  await reader.files.downloadsSettled();
  assert.deepEqual(await bytesOf(await reader.files.local(b.fileId)), second);
  status = await reader.files.offlineStatus();
  assert.equal(status.missing.length, 0);
  assert.deepEqual(status.collections, [{ collection: 'students', field: 'photo', files: status.pinned }]);
  await Promise.all([writer.close(), reader.close()]);
});

test('over storageQuotaMB, unpinned files go least recently used first', T, async () => {
  const writer = await open();
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await uploaded(writer, patterned(1500, 20 + i))).fileId);
  // 0.005 MB = 5242 bytes: three files of 1500 fit, a fourth does not.
  const reader = await open({ storageQuotaMB: 0.005 });
  const held = async () => {
    const out = [];
    for (const id of ids) if ((await reader.files.meta(id))?.state === 'uploaded') out.push(ids.indexOf(id));
    return out;
  };
  for (const i of [0, 1, 2]) {
    await reader.files.get(ids[i]);
    await pause(3);
  }
  await reader.files.get(ids[0]); // 0 is now the most recently used: 1 is the oldest
  await pause(3);
  await reader.files.get(ids[3]);
  assert.deepEqual(await held(), [0, 2, 3]);
  await pause(3);
  await reader.files.get(ids[4]);
  assert.deepEqual(await held(), [0, 3, 4]);
  const status = await reader.files.offlineStatus();
  assert.equal(status.quota, 5242);
  assert.equal(status.usage, 4500);
  // An evicted file comes back on the next read.
  assert.deepEqual(await bytesOf(await reader.files.get(ids[1])), patterned(1500, 21));
  await Promise.all([writer.close(), reader.close()]);
});

test('a pending upload and a pinned file are never evicted; a download that cannot fit fails with FILE_QUOTA and storageQuotaExceeded', T, async () => {
  const writer = await open();
  const small = [];
  for (let i = 0; i < 3; i++) small.push((await uploaded(writer, patterned(1500, 40 + i))).fileId);
  const big = (await uploaded(writer, patterned(3000, 50))).fileId;
  const reader = await open({ files: { storageQuotaMB: 0.005 } }); // 5242 bytes
  const events = [];
  reader.on('storageQuotaExceeded', (e) => events.push(e));

  await reader.files.pin(small[0]);
  reader.goOffline(); // the socket closes: the put below waits in the outbox
  const pending = await reader.files.put(new Blob([patterned(1500, 60)]), { name: 'offline.bin' });
  assert.equal((await reader.files.meta(pending.fileId)).state, 'pending-upload');
  await reader.files.get(small[1]); // 4500 bytes held: pinned + pending + this one
  await reader.files.get(small[2]); // room only by evicting small[1]
  assert.equal((await reader.files.meta(small[1])).state, 'remote');

  await assert.rejects(reader.files.get(big), (err) => {
    assert.ok(err instanceof SyncError);
    assert.equal(err.code, 'FILE_QUOTA');
    assert.deepEqual([err.usage, err.quota, err.needed, err.fileId], [3000, 5242, 3000, big]);
    return true;
  });
  assert.deepEqual(events, [{ usage: 3000, quota: 5242, needed: 3000, fileId: big }]);
  assert.equal((await reader.files.meta(small[0])).state, 'uploaded', 'the pinned file stays');
  assert.equal((await reader.files.meta(pending.fileId)).state, 'pending-upload', 'the pending upload stays');
  assert.equal((await reader.files.meta(big)), null, 'nothing of the refused file is kept');
  const status = await reader.files.offlineStatus();
  assert.deepEqual([status.pinned, status.downloaded, status.pendingUpload, status.usage], [1, 1, 1, 3000]);

  // Unpinned, it may go: the big file then fits.
  await reader.files.unpin(small[0]);
  assert.equal((await reader.files.get(big)).size, 3000);
  assert.equal((await reader.files.meta(small[0])).state, 'remote');
  assert.equal((await reader.files.meta(pending.fileId)).state, 'pending-upload');
  await Promise.all([writer.close(), reader.close()]);
});

test("a user cannot download another user's file until an entity that references it is readable to them", T, async () => {
  const ann = await open();
  const bytes = patterned(1200, 70);
  const { fileId, id } = await uploaded(ann, bytes, { owner: 'ann' });
  const bob = await open({ token: 'tok-bob' });
  await assert.rejects(bob.files.get(fileId), (err) => err instanceof SyncError && err.code === 'NOT_FOUND');
  const url = `${server.restUrl}/files/${fileId}/content`;
  const asBob = await fetch(url, { headers: { Authorization: 'Bearer tok-bob' } });
  assert.equal(asBob.status, 404, 'the same answer as for a file that does not exist');
  assert.equal((await fetch(url)).status, 401);
  // The upload endpoints (status, one chunk) are the uploader's alone: no way around the row rule.
  for (const path of [`/files/${fileId}`, `/files/${fileId}/chunks/0`]) {
    const res = await fetch(`${server.restUrl}${path}`, { headers: { Authorization: 'Bearer tok-bob' } });
    assert.equal(res.status, 404, `${path} as another user`);
  }

  assert.equal((await ann.collection('students').patch(id, { shared: true }).result).status, 'acked');
  assert.deepEqual(await bytesOf(await bob.files.get(fileId)), bytes);
  await Promise.all([ann.close(), bob.close()]);
});

test('GET /files/<id>/content answers ranges as RFC 9110 says: 206 with Content-Range, a suffix, 416 past the end, a stale If-Range gets the whole file', T, async () => {
  const writer = await open();
  const bytes = patterned(2500, 80);
  const { fileId } = await uploaded(writer, bytes);
  const url = `${server.restUrl}/files/${fileId}/content`;
  const get = (headers = {}) => fetch(url, { headers: { Authorization: 'Bearer tok-ann', ...headers } });
  const whole = await get();
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get('accept-ranges'), 'bytes');
  const etag = whole.headers.get('etag');
  assert.deepEqual(new Uint8Array(await whole.arrayBuffer()), bytes);

  const mid = await get({ Range: 'bytes=900-2099' }); // across three chunks
  assert.equal(mid.status, 206);
  assert.equal(mid.headers.get('content-range'), 'bytes 900-2099/2500');
  assert.deepEqual(new Uint8Array(await mid.arrayBuffer()), bytes.subarray(900, 2100));
  const tail = await get({ Range: 'bytes=-100' });
  assert.deepEqual([tail.status, tail.headers.get('content-range')], [206, 'bytes 2400-2499/2500']);
  assert.deepEqual(new Uint8Array(await tail.arrayBuffer()), bytes.subarray(2400));
  const past = await get({ Range: 'bytes=2500-' });
  assert.deepEqual([past.status, past.headers.get('content-range')], [416, 'bytes */2500']);
  await past.arrayBuffer();
  const same = await get({ Range: 'bytes=100-', 'If-Range': etag });
  assert.equal(same.status, 206);
  await same.arrayBuffer();
  const stale = await get({ Range: 'bytes=100-', 'If-Range': '"another"' });
  assert.equal(stale.status, 200);
  assert.equal((await stale.arrayBuffer()).byteLength, bytes.length);
  await writer.close();
});
