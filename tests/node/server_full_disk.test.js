// A full disk under the sync server's store: a small tmpfs (mount -t tmpfs, so this test needs
// root; it fails, never skips, without it) holds the database (a PGlite data folder, or a whole
// PostgreSQL cluster) and a filler file. A client pushes large incompressible entities until the
// disk is full: the server must answer `transient` (never `ok` for a write that is not durable).
// The server is then killed (kill -9, the worst case), the filler is deleted (space freed), and a
// new server process must start on the same database and hold every acknowledged write; the
// refused ones go through on a retry.
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
import { startPostgres } from '../support/postgres.js';

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

/**
 * Mounts a tmpfs of `size`; `cleanups` run (in order) when the test ends, then it is unmounted:
 * whatever runs on it (a PostgreSQL cluster) must stop before the unmount.
 */
async function mountTmpfs(t, size, cleanups) {
  const mount = await mkdtemp(join(tmpdir(), 'syncore-full-disk-'));
  await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount]).catch((err) => {
    throw new Error(`this test mounts a small tmpfs and needs root (mount failed: ${err.stderr || err.message})`);
  });
  t.after(async () => {
    for (const cleanup of cleanups) await cleanup();
    await run('umount', [mount]).catch(() => run('umount', ['-l', mount]));
    await rm(mount, { recursive: true, force: true });
  });
  return mount;
}

/**
 * Fills the disk through `url` with ~192 KiB entities until 5 pushes are answered transient.
 * Resolves to { acked: Map(id -> digest of its blob), refused: [mutation] }.
 */
async function fillUp(t, url) {
  const peer = await connect(url, 'filler');
  // ~192 KiB of base64 per entity: jsonb keeps it, TOAST cannot compress it.
  const acked = new Map();
  const refused = [];
  let n = 0;
  while (n < 600 && refused.length < 5) {
    n += 1;
    const blob = randomBytes(144 * 1024).toString('base64');
    const mutation = { key: `filler:${n}`, collection: 'blobs', id: `b${n}`, kind: 'create', data: { blob }, baseVersion: -1, ts: { wall: Date.now(), counter: 0, node: 'f' } };
    const answer = await peer.push(n, [mutation]);
    assert.ok(answer, `push ${n} answered (the server stays up on a full disk)`);
    assert.equal(answer.type, 'push_result', JSON.stringify(answer).slice(0, 300));
    const result = answer.results[0];
    if (result.status === 'ok') acked.set(mutation.id, digest(blob));
    else {
      assert.equal(result.class, 'transient', `a full disk is a transient refusal, not ${JSON.stringify(result).slice(0, 300)}`);
      refused.push(mutation);
    }
  }
  assert.equal(refused.length, 5, `the disk filled up within ${n} pushes`);
  assert.ok(acked.size > 10, `writes were acknowledged before the disk filled (${acked.size})`);
  t.diagnostic(`${acked.size} writes acknowledged, then ${refused.length} answered transient (disk full)`);
  peer.close();
  return { acked, refused };
}

/** After the restart: every acknowledged write is there; the refused ones apply once on a retry. */
async function checkEverything(url, { acked, refused }) {
  const reader = await connect(url, 'filler');
  const stored = await reader.everything();
  for (const [id, hash] of acked) {
    assert.ok(stored.get(id), `${id}: acknowledged before the disk filled, so it is there after the restart`);
    assert.equal(digest(stored.get(id).data.blob), hash, `${id}: the acknowledged data`);
  }
  for (const [i, mutation] of refused.entries()) {
    const answer = await reader.push(1000 + i, [mutation]);
    assert.equal(answer?.results?.[0]?.status, 'ok', `retry of ${mutation.id}: ${JSON.stringify(answer).slice(0, 200)}`);
  }
  const after = await reader.everything();
  assert.equal(after.size, acked.size + refused.length, 'every acknowledged and every retried write, once');
  for (const m of refused) assert.equal(after.get(m.id)?.version, 1, `${m.id}: applied once`);
  reader.close();
}

test('a full disk under PGlite: pushes are answered transient, never ok unless durable; after space is freed the server restarts with every acknowledged write', { timeout: 240_000 }, async (t) => {
  // A fresh PGlite folder takes ~39 MiB (a 16 MiB WAL segment included); 96 MiB minus a 24 MiB
  // filler leaves ~33 MiB to fill.
  const servers = [];
  const mount = await mountTmpfs(t, '96m', [async () => {
    for (const s of servers) await s.kill('SIGKILL');
  }]);
  const folder = join(mount, 'pglite');
  const filler = join(mount, 'filler');
  await writeFile(filler, randomBytes(24 * MiB));

  const first = await spawnSyncServer(folder);
  servers.push(first);
  const outcome = await fillUp(t, first.url);

  // The worst case: the process dies while the disk is full. Then space is freed.
  await first.kill('SIGKILL');
  await rm(filler);
  const second = await spawnSyncServer(folder);
  servers.push(second);
  await checkEverything(second.url, outcome);
});

test('a full disk under PostgreSQL: pushes are answered transient, never ok unless durable; after space is freed PostgreSQL and the server restart with every acknowledged write', { timeout: 240_000 }, async (t) => {
  // The whole cluster (data, WAL, socket) on the tmpfs: tests/support/postgres.js makes its
  // folder in os.tmpdir(), i.e. $TMPDIR. A fresh cluster takes ~40 MiB.
  const servers = [];
  let postgres;
  const mount = await mountTmpfs(t, '112m', [
    async () => {
      for (const s of servers) await s.kill('SIGKILL');
    },
    async () => postgres?.stop(),
  ]);
  const filler = join(mount, 'filler');
  await writeFile(filler, randomBytes(32 * MiB));
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = mount;
  try {
    postgres = await startPostgres();
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  }
  const db = await postgres.createDatabase();
  const first = await spawnSyncServer(db);
  servers.push(first);
  const outcome = await fillUp(t, first.url);

  await first.kill('SIGKILL');
  await rm(filler);
  // PostgreSQL may have stopped on the full disk (a WAL write that fails is a PANIC): start it
  // again the way an operator would, then a new server process on the same database.
  const data = join(postgres.dir, 'data');
  const pgCtl = (...args) => run('runuser', ['-u', 'postgres', '--', '/usr/lib/postgresql/15/bin/pg_ctl', '-D', data, ...args]);
  const running = await pgCtl('status').then(() => true, () => false);
  t.diagnostic(`PostgreSQL ${running ? 'stayed up' : 'had stopped and was started again'} after the disk filled`);
  if (!running) {
    const options = `-p ${postgres.port} -k ${postgres.dir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=32MB`;
    await pgCtl('-l', join(postgres.dir, 'log2'), '-o', options, '-w', '-t', '60', 'start');
  }
  const second = await spawnSyncServer(db);
  servers.push(second);
  await checkEverything(second.url, outcome);
});
