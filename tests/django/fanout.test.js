// Several processes: two Daphne processes on one database, joined by the Redis channel layer
// (channels_redis, a throwaway Debian redis-server on a free port). A write through one process
// — a push of a real JS client, or an ORM write in a third process (manage.py shell) — reaches
// the clients of the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { createSyncClient } from '../../js/node.js';
import { freePort, startDjango } from './daphne.js';
import { startPostgres } from '../support/postgres.js';

async function startRedis(t) {
  const port = await freePort();
  const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (up) return `redis://127.0.0.1:${port}/0`;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start');
}

function until(client, predicate, what, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`timed out waiting for: ${what}`))), ms);
    const check = () => {
      if (predicate()) (clearTimeout(timer), off(), resolve());
    };
    const offs = ['statusChanged', 'mutationSettled', 'syncCompleted'].map((e) => client.on(e, check));
    offs.push(client.core.subscribe('conf_items', check));
    const off = () => offs.forEach((f) => f());
    check();
  });
}

async function client(t, url, token) {
  const c = await createSyncClient({ url, token, collections: { conf_items: {} }, websocket: { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 } });
  c.on('error', () => {});
  t.after(() => c.close());
  await until(c, () => c.status.connected, 'connected');
  return c;
}

async function twoProcesses(t, database) {
  const redisUrl = await startRedis(t);
  const one = await startDjango({ redisUrl, database });
  t.after(() => one.stop());
  const two = await startDjango({ redisUrl, database: one.database, migrate: false, tokens: one.tokens });
  t.after(() => two.stop());
  assert.notEqual(one.port, two.port);
  return { one, two };
}

test('two Daphne processes on one database and Redis: a write through one reaches the clients of the other', { timeout: 120_000 }, async (t) => {
  const { one, two } = await twoProcesses(t);
  const a = await client(t, one.url, one.tokens.writer);
  const b = await client(t, two.url, two.tokens.other);
  const { id } = await a.collection('conf_items').create({ title: 'through one' }).result;
  await until(b, () => b.collection('conf_items').get(id)?.title === 'through one', 'the client of process two sees the push made through process one');
  await b.collection('conf_items').patch(id, { title: 'through two' }).result;
  await until(a, () => a.collection('conf_items').get(id)?.title === 'through two', 'and back');

  // A write that is no push at all: the ORM in a third process (a management command, a cron job).
  await one.manage('shell', '-c', "from conformance.models import ConfItem; ConfItem.objects.create(id='from-shell', data={'title': 'orm'})");
  await until(a, () => a.collection('conf_items').get('from-shell')?.title === 'orm', 'process one relays an ORM write of another process');
  await until(b, () => b.collection('conf_items').get('from-shell')?.title === 'orm', 'and so does process two');
});

for (const backend of ['SQLite', 'PostgreSQL']) {
  test(`two processes writing at once (${backend}): every write applied, one cursor each, in order, both clients converge`, { timeout: 180_000 }, async (t) => {
    let database;
    if (backend === 'PostgreSQL') {
      const pg = await startPostgres({ fsync: false });
      t.after(() => pg.stop());
      database = { url: await pg.createDatabase() };
    }
    const { one, two } = await twoProcesses(t, database);
    const a = await client(t, one.url, one.tokens.writer);
    const b = await client(t, two.url, two.tokens.other);
    const N = 25;
    const writes = [];
    for (let i = 0; i < N; i++) {
      writes.push(a.collection('conf_items').create({ by: 'a', i }).result);
      writes.push(b.collection('conf_items').create({ by: 'b', i }).result);
    }
    const ids = (await Promise.all(writes)).map((r) => r.id);
    assert.equal(new Set(ids).size, 2 * N);
    for (const c of [a, b]) await until(c, () => ids.every((id) => c.collection('conf_items').get(id)), 'every write on both clients');
    // The log: one change per write, cursors unique and increasing (catch-up from 0 on a raw socket).
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(two.url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    t.after(() => ws.terminate());
    const inbox = [];
    const next = (type) =>
      new Promise((resolve) => {
        const look = () => {
          const i = inbox.findIndex((m) => m.type === type);
          if (i >= 0) return resolve(inbox.splice(i, 1)[0]);
          ws.once('message', look);
        };
        look();
      });
    ws.on('message', (d) => inbox.push(JSON.parse(d)));
    ws.send(JSON.stringify({ type: 'hello', protocol: [1], clientId: `check-${backend}`, token: two.tokens.writer, collections: ['conf_items'] }));
    await next('welcome');
    ws.send(JSON.stringify({ type: 'sync_request', cursor: 0, limit: 5000 }));
    const { changes } = await next('sync_response');
    const ours = changes.filter((c) => ids.includes(c.id));
    assert.equal(ours.length, 2 * N);
    const cursors = changes.map((c) => c.cursor);
    assert.deepEqual([...cursors].sort((x, y) => x - y), cursors);
    assert.equal(new Set(cursors).size, cursors.length);
  });
}
