// A full disk under the sync server's store: a small tmpfs (mount -t tmpfs, so this test needs
// root; it fails, never skips, without it) holds the PGlite data folder and a filler file. A
// client pushes large incompressible entities until the disk is full: the server must answer
// `transient` (never `ok` for a write that is not durable). The server is then killed (kill -9,
// the worst case), the filler is deleted (space freed), and a new server process must start on
// the same folder and hold every acknowledged write; the refused ones go through on a retry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { spawnSyncServer } from '../support/sync_server_child.js';

const run = promisify(execFile);
const MiB = 1 << 20;

/** A raw protocol client: hello, then push / sync_request answered in order. */
async function connect(url, clientId) {
  const ws = new WebSocket(url);
  const inbox = [];
  const waiters = [];
  ws.on('error', () => {});
  ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString());
    const i = waiters.findIndex((w) => w.pred(m));
    if (i >= 0) waiters.splice(i, 1)[0].resolve(m);
    else inbox.push(m);
  });
  const closed = new Promise((resolve) => ws.once('close', () => resolve(null)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const next = (pred) => {
    const i = inbox.findIndex(pred);
    if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
    return Promise.race([new Promise((resolve) => waiters.push({ pred, resolve })), closed]);
  };
  ws.send(JSON.stringify({ type: 'hello', protocol: [1], clientId, cursor: 0, collections: ['blobs'] }));
  const welcome = await next((m) => m.type === 'welcome');
  assert.ok(welcome, 'welcomed');
  return {
    /** The push_result, or null when the connection closed first. */
    push(batch, mutations) {
      ws.send(JSON.stringify({ type: 'push', batch, mutations }));
      return next((m) => (m.type === 'push_result' && m.batch === batch) || (m.type === 'error' && m.inReplyTo === 'push'));
    },
    /** Every entity of the store, by id: { version, data }. */
    async everything() {
      const entities = new Map();
      let cursor = 0;
      for (;;) {
        ws.send(JSON.stringify({ type: 'sync_request', cursor, limit: 50 }));
        const r = await next((m) => m.type === 'sync_response');
        assert.ok(r, 'sync_response');
        for (const ch of r.changes) entities.set(ch.id, ch.op === 'delete' ? null : { version: ch.version, data: ch.data });
        cursor = r.cursor;
        if (!r.more) return entities;
      }
    },
    close: () => ws.terminate(),
  };
}

const digest = (text) => createHash('sha256').update(text).digest('hex');

test('a full disk under PGlite: pushes are answered transient, never ok unless durable; after space is freed the server restarts with every acknowledged write', { timeout: 240_000 }, async (t) => {
  const mount = await mkdtemp(join(tmpdir(), 'syncore-full-disk-'));
  // A fresh PGlite folder takes ~39 MiB (a 16 MiB WAL segment included); 96 MiB minus a 24 MiB
  // filler leaves ~33 MiB to fill.
  await run('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mount]).catch((err) => {
    throw new Error(`this test mounts a small tmpfs and needs root (mount failed: ${err.stderr || err.message})`);
  });
  const servers = [];
  t.after(async () => {
    for (const s of servers) await s.kill('SIGKILL');
    await run('umount', ['-l', mount]).catch(() => {});
    await rm(mount, { recursive: true, force: true });
  });
  const folder = join(mount, 'pglite');
  const filler = join(mount, 'filler');
  await writeFile(filler, randomBytes(24 * MiB));

  const first = await spawnSyncServer(folder);
  servers.push(first);
  const peer = await connect(first.url, 'filler');

  // ~192 KiB of base64 per entity: jsonb keeps it, TOAST cannot compress it.
  const acked = new Map(); // id -> digest of its blob
  const refused = []; // mutations answered transient
  let full = false;
  let n = 0;
  while (n < 400 && refused.length < 5) {
    n += 1;
    const blob = randomBytes(144 * 1024).toString('base64');
    const mutation = { key: `filler:${n}`, collection: 'blobs', id: `b${n}`, kind: 'create', data: { blob }, baseVersion: -1, ts: { wall: Date.now(), counter: 0, node: 'f' } };
    const answer = await peer.push(n, [mutation]);
    assert.ok(answer, `push ${n} answered (the server stays up on a full disk)`);
    assert.equal(answer.type, 'push_result', JSON.stringify(answer).slice(0, 300));
    const result = answer.results[0];
    if (result.status === 'ok') {
      acked.set(mutation.id, digest(blob));
    } else {
      assert.equal(result.class, 'transient', `a full disk is a transient refusal, not ${JSON.stringify(result).slice(0, 300)}`);
      full = true;
      refused.push(mutation);
    }
  }
  assert.ok(full, `the disk filled up within ${n} pushes`);
  assert.ok(acked.size > 10, `writes were acknowledged before the disk filled (${acked.size})`);
  t.diagnostic(`${acked.size} writes acknowledged, then ${refused.length} answered transient (disk full)`);
  peer.close();

  // The worst case: the process dies while the disk is full. Then space is freed.
  await first.kill('SIGKILL');
  await rm(filler);

  const second = await spawnSyncServer(folder);
  servers.push(second);
  const reader = await connect(second.url, 'filler');
  const stored = await reader.everything();
  for (const [id, hash] of acked) {
    assert.ok(stored.get(id), `${id}: acknowledged before the disk filled, so it is there after the restart`);
    assert.equal(digest(stored.get(id).data.blob), hash, `${id}: the acknowledged data`);
  }
  // What was refused was not applied half-way: a retry with the same key applies it once.
  for (const [i, mutation] of refused.entries()) {
    const answer = await reader.push(1000 + i, [mutation]);
    assert.equal(answer?.results?.[0]?.status, 'ok', `retry of ${mutation.id}: ${JSON.stringify(answer).slice(0, 200)}`);
  }
  const after = await reader.everything();
  assert.equal(after.size, acked.size + refused.length, 'every acknowledged and every retried write, once');
  for (const m of refused) assert.equal(after.get(m.id)?.version, 1, `${m.id}: applied once`);
  reader.close();
});
