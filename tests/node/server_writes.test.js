// Server-side writes (server/write.js): sync.write() and POST /syncore/write get versions,
// cursors, authorization, validation and fan-out exactly like a client's push; and the bounded
// history seen from the wire: welcome's epoch and horizon, a full resync (reset) for a client
// older than the horizon.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startSyncServer, openStore } from '../../server/sync_server.js';

const T = { timeout: 20_000 };
let warmStore = null;
before(async () => {
  warmStore = await openStore();
}, { timeout: 120_000 });
after(() => warmStore?.close());

/** A raw client: an inbox, next(pred). */
async function connect(url, hello = {}) {
  const ws = new WebSocket(url);
  const inbox = [];
  const waiters = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    const i = waiters.findIndex((w) => w.pred(m));
    if (i >= 0) waiters.splice(i, 1)[0].resolve(m);
    else inbox.push(m);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const next = (pred) => {
    const match = typeof pred === 'string' ? (m) => m.type === pred : pred;
    const i = inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
    return new Promise((resolve) => waiters.push({ pred: match, resolve }));
  };
  ws.send(JSON.stringify({ type: 'hello', protocol: [1], clientId: 'c1', cursor: 0, ...hello }));
  const welcome = await next((m) => m.type === 'welcome' || m.type === 'error');
  return { ws, next, welcome, send: (m) => ws.send(JSON.stringify(m)) };
}

test('sync.write: creates, patches and deletes with versions and cursors, fanned out with its origin', T, async (t) => {
  const sync = await startSyncServer({});
  t.after(() => sync.close());
  const c = await connect(sync.url);
  t.after(() => c.ws.terminate());
  const created = await sync.write('students', { id: 's9', name: 'Bo' }, { actor: 'registrar' });
  assert.deepEqual([created.status, created.id, created.version], ['ok', 's9', 1]);
  const live = await c.next('entity_created');
  assert.deepEqual([live.id, live.version, live.cursor, live.origin], ['s9', 1, 1, created.key]);
  assert.match(created.key, /^server:/);
  const patched = await sync.write('students', { score: 3 }, { id: 's9', actor: 'registrar' });
  assert.deepEqual([patched.version, patched.data], [2, { id: 's9', name: 'Bo', score: 3 }]);
  assert.equal((await c.next('entity_updated')).cursor, 2);
  const stale = await sync.write('students', { score: 4 }, { id: 's9', actor: 'registrar', baseVersion: 1 });
  assert.deepEqual([stale.status, stale.version], ['conflict', 2]);
  const again = await sync.write('students', { score: 5 }, { id: 's9', actor: 'registrar', key: 'job-7' });
  const replay = await sync.write('students', { score: 5 }, { id: 's9', actor: 'registrar', key: 'job-7' });
  assert.equal(again.version, 3);
  assert.equal(replay.version, 3, 'the same key is applied once');
  const gone = await sync.write('students', null, { id: 's9', op: 'delete', actor: 'registrar' });
  assert.deepEqual([gone.status, gone.version], ['ok', 4]);
  assert.equal((await c.next('entity_deleted')).cursor, 4);
  assert.equal(await sync.store.headCursor(), 4);
});

test('server writes meet the same authorization and validation as pushes', T, async (t) => {
  const sync = await startSyncServer({
    authorize: ({ token, actor }) => {
      if (actor) return actor.userId === 'registrar' ? { userId: 'registrar', canWrite: (collection) => collection === 'students' } : null;
      return token === 'ok' ? { userId: 'u' } : null;
    },
    validate: ({ mutation }) => (mutation.data?.name === '' ? 'a name is required' : undefined),
  });
  t.after(() => sync.close());
  assert.equal((await sync.write('students', { id: 's1', name: 'x' }, { actor: 'intruder' })).class, 'forbidden');
  assert.equal((await sync.write('grades', { id: 'g1' }, { actor: 'registrar' })).class, 'forbidden');
  const refused = await sync.write('students', { id: 's1', name: '' }, { actor: 'registrar' });
  assert.deepEqual([refused.status, refused.class, refused.message], ['error', 'validation', 'a name is required']);
  assert.equal((await sync.write('students', { id: 's1', name: 'Al' }, { actor: 'registrar' })).status, 'ok');
  assert.equal(await sync.store.headCursor(), 1);
});

test('POST /syncore/write: the server secret, Idempotency-Key, status codes', T, async (t) => {
  const sync = await startSyncServer({ writeSecret: 's3cret-value' });
  t.after(() => sync.close());
  const c = await connect(sync.url);
  t.after(() => c.ws.terminate());
  const endpoint = `http://127.0.0.1:${sync.port}/syncore/write`;
  const post = (body, headers = {}) =>
    fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer s3cret-value', ...headers }, body: JSON.stringify(body) });
  assert.equal((await post({ collection: 'notes', data: {} }, { authorization: 'Bearer wrong' })).status, 401);
  assert.equal((await post({ collection: 'notes', data: {} }, { authorization: '' })).status, 401);
  const first = await post({ collection: 'notes', id: 'n1', data: { text: 'hi' }, actor: 'billing' }, { 'idempotency-key': 'evt-1' });
  assert.equal(first.status, 200);
  const body = await first.json();
  assert.deepEqual([body.status, body.id, body.version, body.key], ['ok', 'n1', 1, 'server:evt-1']);
  assert.equal((await c.next('entity_created')).origin, 'server:evt-1');
  const retried = await post({ collection: 'notes', id: 'n1', data: { text: 'hi' }, actor: 'billing' }, { 'idempotency-key': 'evt-1' });
  assert.equal((await retried.json()).version, 1, 'a retried request is applied once');
  assert.equal((await post({ collection: 'notes', id: 'n1', data: { text: 'x' }, baseVersion: 0 })).status, 409);
  assert.equal((await post({ nope: true })).status, 400);
  assert.equal((await fetch(endpoint)).status, 405);
  assert.equal(await sync.store.headCursor(), 1);
});

test('welcome carries the epoch and horizon; a client older than the horizon gets a full resync (reset)', T, async (t) => {
  const sync = await startSyncServer({});
  t.after(() => sync.close());
  for (let i = 1; i <= 3; i++) await sync.write('notes', { id: `n${i}`, text: `${i}` }, { actor: 'a' });
  await sync.write('notes', null, { id: 'n2', op: 'delete', actor: 'a' }); // cursor 4
  await sync.write('notes', { text: 'later' }, { id: 'n3', actor: 'a' }); // cursor 5
  await sync.store.database.query("UPDATE syncore_changes SET committed_at = now() - interval '2 days' WHERE cursor = 4");
  const stats = await sync.compact({ tombstoneRetentionMs: 86_400_000 });
  assert.equal(stats.horizon, 4);
  const c = await connect(sync.url);
  t.after(() => c.ws.terminate());
  assert.equal(c.welcome.epoch, sync.store.epoch);
  assert.deepEqual([c.welcome.cursor, c.welcome.horizon], [5, 4]);
  // From 3 (before the delete that was compacted away): everything again, from 0, with reset.
  c.send({ type: 'sync_request', cursor: 3 });
  const reset = await c.next('sync_response');
  assert.equal(reset.reset, true);
  assert.deepEqual(reset.changes.map((ch) => [ch.id, ch.version]), [['n1', 1], ['n3', 2]]);
  assert.deepEqual([reset.cursor, reset.more], [5, false]);
  // From the horizon on: incremental as usual.
  c.send({ type: 'sync_request', cursor: 4 });
  const incremental = await c.next('sync_response');
  assert.equal(incremental.reset, undefined);
  assert.deepEqual(incremental.changes.map((ch) => ch.id), ['n3']);
});

test('a push whose middle mutation holds data PostgreSQL refuses: that one is refused for good, the others applied, cursors gap-free', T, async (t) => {
  const sync = await startSyncServer({ logger: null });
  t.after(() => sync.close());
  const c = await connect(sync.url);
  t.after(() => c.ws.terminate());
  const create = (n, text) => ({ key: `c1:${n}`, collection: 'notes', id: `tmp-${n}`, kind: 'create', data: { text }, baseVersion: -1 });
  c.send({ type: 'push', batch: 1, mutations: [create(1, 'fine'), create(2, 'nul \u0000 inside'), create(3, 'also fine')] });
  const result = await c.next('push_result');
  assert.deepEqual(result.results.map((r) => [r.status, r.class]), [['ok', undefined], ['error', 'validation'], ['ok', undefined]]);
  assert.deepEqual((await sync.store.changeLog()).map((ch) => [ch.cursor, ch.origin]), [[1, 'c1:1'], [2, 'c1:3']]);
  c.send({ type: 'push', batch: 2, mutations: [create(2, 'nul \u0000 inside')] });
  assert.equal((await c.next('push_result')).results[0].class, 'validation', 'the same answer again: stored');
});

test('a sync_request ahead of the server head gets a full resync (reset) too', T, async (t) => {
  const sync = await startSyncServer({});
  t.after(() => sync.close());
  await sync.write('notes', { id: 'n1', text: 'only' }, { actor: 'a' });
  const c = await connect(sync.url, { cursor: 40 });
  t.after(() => c.ws.terminate());
  assert.equal(c.welcome.cursor, 1);
  c.send({ type: 'sync_request', cursor: 40 });
  const reset = await c.next('sync_response');
  assert.deepEqual([reset.reset, reset.cursor, reset.more, reset.changes.map((ch) => ch.id)], [true, 1, false, ['n1']]);
});
