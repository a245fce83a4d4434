// The reference sync server (server/sync_server.js) against real `ws` clients on loopback:
// every message of docs/protocol.md, limits, authorization, restarts. Waits on messages and
// close events, never on fixed sleeps.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startSyncServer, tokenTable, openStore } from '../../server/sync_server.js';
import { createStaticHandler } from '../../demo/serve.js';
import { spawnSyncServer } from '../support/sync_server_child.js';

const T = { timeout: 5000 };
// The first PGlite of a process takes seconds to start on a busy machine: once per file, not
// per test (in-memory stores share it while one is open; this one stays open until the end).
let warmStore = null;
before(async () => {
  warmStore = await openStore();
}, { timeout: 120_000 });
after(() => warmStore?.close());
const ts = () => ({ wall: Date.now(), counter: 0, node: 'x' });

/** A test client: an inbox of parsed messages; next(pred) takes the first match (or waits). */
class Client {
  static open(url, options) {
    const c = new Client(new WebSocket(url, options));
    return new Promise((resolve, reject) => {
      c.ws.once('open', () => resolve(c));
      c.ws.once('error', reject);
      c.ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    });
  }

  constructor(ws) {
    this.ws = ws;
    this.inbox = [];
    this.waiters = [];
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => {});
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      const i = this.waiters.findIndex((w) => w.pred(msg));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(msg);
      else this.inbox.push(msg);
    });
  }

  send(msg) {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** The next message matching pred (a type name or a function). */
  next(pred = () => true) {
    const match = typeof pred === 'string' ? (m) => m.type === pred : pred;
    const i = this.inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    return new Promise((resolve) => this.waiters.push({ pred: match, resolve }));
  }

  /** hello; resolves to the welcome or the error. */
  async hello(fields = {}) {
    this.clientId = fields.clientId ?? 'c1';
    this.send({ type: 'hello', protocol: [1], clientId: this.clientId, cursor: 0, ...fields });
    return this.next((m) => m.type === 'welcome' || m.type === 'error');
  }

  /** push; resolves to the push_result. */
  async push(mutations, batch = Math.floor(Math.random() * 1e9)) {
    this.send({ type: 'push', batch, mutations });
    return this.next((m) => m.type === 'push_result' && m.batch === batch);
  }

  /** A round trip: everything the server sent before it is in the inbox afterwards. */
  async sync() {
    const t = Math.random();
    this.send({ type: 'heartbeat', t });
    await this.next((m) => m.type === 'heartbeat_ack' && m.t === t);
  }

  close() {
    this.ws.terminate();
  }
}

const creation = (key, collection, data = {}, id = `tmp-${key.replace(':', '-')}`) => ({
  key, collection, id, kind: 'create', data: { id, ...data }, baseVersion: -1, ts: ts(),
});
const update = (key, collection, id, data, baseVersion) => ({ key, collection, id, kind: 'update', data, baseVersion, ts: ts() });
const removal = (key, collection, id, baseVersion) => ({ key, collection, id, kind: 'delete', data: null, baseVersion });

/** Starts a server for one test and closes it (and every client opened through it) after. */
async function serve(t, options = {}) {
  const srv = await startSyncServer(options);
  const clients = [];
  t.after(async () => {
    for (const c of clients) c.close();
    await srv.close();
  });
  srv.client = async (hello, wsOptions) => {
    const c = await Client.open(srv.url, wsOptions);
    clients.push(c);
    if (hello !== undefined) {
      const answer = await c.hello(hello);
      assert.equal(answer.type, 'welcome', JSON.stringify(answer));
      c.welcome = answer;
    }
    return c;
  };
  return srv;
}

// Data folders live under one root, removed when the file is done (after every server closed).
const scratchRoot = mkdtempSync(join(tmpdir(), 'syncore-server-'));
after(() => rmSync(scratchRoot, { recursive: true, force: true }));
const scratchDir = () => mkdtempSync(join(scratchRoot, 'data-'));

describe('connection', () => {
  test('hello -> welcome with the chosen protocol, server time, cursor and user', T, async (t) => {
    const srv = await serve(t);
    const before = Date.now();
    const c = await srv.client({ protocol: [1, 2, 7] });
    assert.equal(c.welcome.protocol, 1);
    assert.equal(c.welcome.cursor, 0);
    assert.equal(c.welcome.userId, 'anonymous');
    assert.ok(c.welcome.serverTime >= before && c.welcome.serverTime <= Date.now());
    assert.equal(srv.connections().length, 1);
    assert.equal(srv.connections()[0].clientId, 'c1');
  });

  test('no common protocol -> unsupported_protocol with the supported list, then close', T, async (t) => {
    const srv = await serve(t);
    const c = await srv.client();
    const err = await c.hello({ protocol: [2, 3] });
    assert.deepEqual([err.type, err.code, err.supported], ['error', 'unsupported_protocol', [1]]);
    assert.equal((await c.closed).code, 1002);
  });

  test('no hello in time -> error and close', T, async (t) => {
    const srv = await serve(t, { helloTimeoutMs: 50 });
    const c = await srv.client();
    assert.equal((await c.next('error')).code, 'bad_message');
    assert.equal((await c.closed).code, 1008);
  });

  test('messages before hello are refused; a second hello too', T, async (t) => {
    const srv = await serve(t);
    const c = await srv.client();
    c.send({ type: 'sync_request', cursor: 0 });
    const err = await c.next('error');
    assert.equal(err.code, 'bad_message');
    assert.equal(err.inReplyTo, 'sync_request');
    assert.equal((await c.hello()).type, 'welcome');
    assert.equal((await c.hello()).code, 'bad_message');
  });

  test('an unknown token -> unauthorized and close; the token is never accepted in the URL', T, async (t) => {
    const srv = await serve(t, { authorize: tokenTable({ good: { userId: 'ann', read: '*', write: '*' } }) });
    const bad = await srv.client();
    const err = await bad.hello({ token: 'nope' });
    assert.deepEqual([err.type, err.code], ['error', 'unauthorized']);
    assert.equal((await bad.closed).code, 1008);
    const none = await srv.client();
    assert.equal((await none.hello({})).code, 'unauthorized');
    const good = await srv.client({ token: 'good' });
    assert.equal(good.welcome.userId, 'ann');
    await assert.rejects(Client.open(`${srv.url}?token=good`), { status: 400 });
    await assert.rejects(Client.open(srv.url.replace('/sync', '/other')), { status: 404 });
  });

  test('an authorize hook that is async or throws', T, async (t) => {
    const srv = await serve(t, {
      authorize: async ({ token, clientId }) => {
        await Promise.resolve();
        if (token === 'boom') throw new Error('db down');
        return { userId: `${clientId}-user` };
      },
      logger: null,
    });
    const c = await srv.client({ token: 'x', clientId: 'cz' });
    assert.equal(c.welcome.userId, 'cz-user');
    const d = await srv.client();
    assert.equal((await d.hello({ token: 'boom' })).code, 'unauthorized');
  });

  test('heartbeat -> heartbeat_ack with the same t', T, async (t) => {
    const srv = await serve(t);
    const c = await srv.client({});
    c.send({ type: 'heartbeat', t: 1763779200000 });
    assert.deepEqual(await c.next('heartbeat_ack'), { type: 'heartbeat_ack', t: 1763779200000 });
  });

  test('malformed JSON, non-objects, unknown types -> bad_message, the connection stays', T, async (t) => {
    const srv = await serve(t);
    const c = await srv.client({});
    for (const frame of ['{nope', '[1,2]', '"hello"', '{"no":"type"}', '{"type":"frobnicate"}', '{"type":"welcome"}']) {
      c.send(frame);
      assert.equal((await c.next('error')).code, 'bad_message', frame);
    }
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await c.next('error')).code, 'bad_message');
    c.send({ type: 'push', batch: 1, mutations: 'x' });
    const err = await c.next('error');
    assert.deepEqual([err.code, err.batch], ['bad_message', 1]);
    c.send({ type: 'sync_request', cursor: -1 });
    assert.equal((await c.next('error')).code, 'bad_message');
    await c.sync();
    assert.equal(c.ws.readyState, WebSocket.OPEN);
  });

  test('a frame over maxMessageBytes -> too_large and close 1009', T, async (t) => {
    const srv = await serve(t, { maxMessageBytes: 1024 });
    const c = await srv.client({});
    c.send({ type: 'heartbeat', t: 'x'.repeat(2000) });
    const err = await c.next('error');
    assert.equal(err.code, 'too_large');
    assert.equal((await c.closed).code, 1009);
  });

  test('a frame far over the limit is cut by ws itself, still with 1009', T, async (t) => {
    const srv = await serve(t, { maxMessageBytes: 1024 });
    const c = await srv.client({});
    c.send({ type: 'heartbeat', t: 'x'.repeat(200_000) });
    assert.equal((await c.closed).code, 1009);
  });

  test('more than maxMessagesPerSecond -> rate_limited, the message dropped', T, async (t) => {
    const srv = await serve(t, { maxMessagesPerSecond: 5 });
    const c = await srv.client(); // hello counts too
    c.send({ type: 'hello', protocol: [1], clientId: 'c1' });
    for (let i = 0; i < 9; i++) c.send({ type: 'heartbeat', t: i });
    await c.next('welcome');
    const acks = [];
    const limited = [];
    while (acks.length + limited.length < 9) {
      const m = await c.next((x) => x.type === 'heartbeat_ack' || x.type === 'error');
      (m.type === 'error' ? limited : acks).push(m);
    }
    assert.deepEqual(acks.map((a) => a.t), [0, 1, 2, 3]);
    assert.equal(limited.length, 5);
    assert.ok(limited.every((e) => e.code === 'rate_limited' && e.retryAfterMs >= 0));
    assert.equal(c.ws.readyState, WebSocket.OPEN);
  });
});

describe('push', () => {
  test('a create with a temporary id -> ok with the server id, version 1, the data', T, async (t) => {
    const srv = await serve(t);
    const c = await srv.client({});
    const res = await c.push([creation('c1:1', 'students', { name: 'Bo', score: 0 })], 7);
    assert.deepEqual(res, {
      type: 'push_result',
      batch: 7,
      results: [{ key: 'c1:1', status: 'ok', id: 's1', version: 1, data: { id: 's1', name: 'Bo', score: 0 } }],
    });
    assert.deepEqual((await srv.store.get('students', 's1')).data, { id: 's1', name: 'Bo', score: 0 });
  });

  test('the same key again (same or another connection) -> the same answer, applied once', T, async (t) => {
    const srv = await serve(t);
    const c = await srv.client({});
    const m = creation('c1:1', 'students', { name: 'Bo' });
    const first = await c.push([m], 1);
    const cursor = srv.store.cursor;
    const second = await c.push([m], 2);
    assert.deepEqual(second.results, first.results);
    c.close();
    const again = await srv.client({ clientId: 'c1' });
    assert.deepEqual((await again.push([m], 3)).results, first.results);
    assert.equal(srv.store.cursor, cursor);
    assert.equal((await srv.store.list('students')).length, 1);
  });

  test('a stale baseVersion -> conflict with the current version and data; nothing applied', T, async (t) => {
    const srv = await serve(t);
    const c = await srv.client({});
    await c.push([creation('c1:1', 'students', { name: 'Ada', score: 91 })]);
    await c.push([update('c1:2', 'students', 's1', { score: 97 }, 1)]);
    const res = await c.push([update('c1:3', 'students', 's1', { score: 95 }, 1)]);
    assert.deepEqual(res.results, [{ key: 'c1:3', status: 'conflict', version: 2, data: { id: 's1', name: 'Ada', score: 97 } }]);
    assert.equal((await srv.store.get('students', 's1')).version, 2);
  });

  test('update is a JSON merge patch: set, null removes, nested merge, arrays replaced', T, async (t) => {
    const srv = await serve(t);
    const c = await srv.client({});
    await c.push([creation('c1:1', 'students', { name: 'Ada', nick: 'A', address: { city: 'X', zip: '1' }, tags: ['a', 'b'] })]);
    const res = await c.push([update('c1:2', 'students', 's1', { nick: null, address: { zip: '2', street: 'S' }, tags: ['c'], score: 1, id: 'hijack' }, 1)]);
    assert.deepEqual(res.results[0], {
      key: 'c1:2', status: 'ok', id: 's1', version: 2,
      data: { id: 's1', name: 'Ada', address: { city: 'X', zip: '2', street: 'S' }, tags: ['c'], score: 1 },
    });
  });

  test('delete -> ok, version bumps, tombstone; later writes conflict with data null', T, async (t) => {
    const srv = await serve(t);
    const c = await srv.client({});
    await c.push([creation('c1:1', 'grades', { v: 1 })]);
    const res = await c.push([removal('c1:2', 'grades', 'g1', 1)]);
    assert.deepEqual(res.results, [{ key: 'c1:2', status: 'ok', id: 'g1', version: 2, data: null }]);
    assert.equal((await srv.store.get('grades', 'g1')).deleted, true);
    const late = await c.push([update('c1:3', 'grades', 'g1', { v: 2 }, 1)]);
    assert.deepEqual(late.results, [{ key: 'c1:3', status: 'conflict', version: 2, data: null }]);
  });

  test('a batch is processed in order and answered once, per mutation', T, async (t) => {
    const srv = await serve(t, { validate: ({ mutation }) => (mutation.id === 'g4' ? 'grade g4 is locked' : null) });
    const c = await srv.client({});
    await c.push([creation('c1:2', 'students', { name: 'Ada' })]);
    const res = await c.push([
      creation('c1:3', 'students', { name: 'Bo' }),
      update('c1:4', 'students', 's1', { score: 95 }, 1),
      removal('c1:5', 'grades', 'g4', 2),
    ], 7);
    assert.deepEqual(res.results.map((r) => [r.key, r.status, r.class]), [
      ['c1:3', 'ok', undefined],
      ['c1:4', 'ok', undefined],
      ['c1:5', 'error', 'validation'],
    ]);
    assert.equal(res.results[2].message, 'grade g4 is locked');
    // refused for good: the same key gets the same refusal
    assert.deepEqual((await c.push([removal('c1:5', 'grades', 'g4', 2)])).results, [res.results[2]]);
  });

  test("a key with another client's id is refused (forbidden), and not remembered", T, async (t) => {
    const srv = await serve(t);
    const mallory = await srv.client({ clientId: 'mallory' });
    const res = await mallory.push([creation('alice:1', 'students', { name: 'evil' }), { ...creation('x', 'students') }, creation(':1', 'students')]);
    assert.deepEqual(res.results.map((r) => [r.status, r.class]), [['error', 'forbidden'], ['error', 'validation'], ['error', 'validation']]);
    assert.match(res.results[0].message, /does not belong/);
    assert.equal(srv.store.cursor, 0);
    const alice = await srv.client({ clientId: 'alice' });
    assert.equal((await alice.push([creation('alice:1', 'students', { name: 'Alice' })])).results[0].status, 'ok');
    // and mallory cannot read alice's stored answer either
    assert.equal((await mallory.push([creation('alice:1', 'students')])).results[0].class, 'forbidden');
  });

  test('a lost ack: applied, dropped before push_result; the retry gets the same answer', T, async (t) => {
    const srv = await serve(t);
    const watcher = await srv.client({ clientId: 'w' });
    const c = await srv.client({});
    srv.failNextAck();
    const m = creation('c1:1', 'students', { name: 'Bo' });
    c.send({ type: 'push', batch: 1, mutations: [m] });
    const { code } = await c.closed;
    assert.equal(code, 1006);
    assert.equal(c.inbox.length, 0, 'neither the echo nor the result reached the author');
    const seen = await watcher.next('entity_created');
    assert.equal(seen.origin, 'c1:1');
    const again = await srv.client({});
    const res = await again.push([m], 1);
    assert.deepEqual(res.results, [{ key: 'c1:1', status: 'ok', id: 's1', version: 1, data: { id: 's1', name: 'Bo' } }]);
    assert.equal(srv.store.cursor, 1);
  });

  test('dropBeforeAck(predicate) selects which pushes lose their ack', T, async (t) => {
    const srv = await serve(t, { dropBeforeAck: ({ batch }) => batch === 'drop-me' });
    const c = await srv.client({});
    assert.equal((await c.push([creation('c1:1', 'students')], 'keep')).results[0].status, 'ok');
    c.send({ type: 'push', batch: 'drop-me', mutations: [creation('c1:2', 'students')] });
    await c.closed;
    assert.equal(srv.store.cursor, 2);
  });

  test('a pushed ts far in the future is clamped', T, async (t) => {
    const srv = await serve(t, { maxClockDriftMs: 1000 });
    const c = await srv.client({});
    const m = { ...creation('c1:1', 'students'), ts: { wall: Date.now() + 3_600_000, counter: 2, node: 'c1' } };
    await c.push([m]);
    const [change] = (await srv.store.changeLog());
    assert.ok(change.ts.wall <= Date.now() + 1000);
    assert.equal(change.ts.counter, 2);
  });
});

describe('live changes', () => {
  test('fan-out to every subscribed connection, the author included, with origin, cursor, ts', T, async (t) => {
    const srv = await serve(t);
    const a = await srv.client({ clientId: 'a' });
    const b = await srv.client({ clientId: 'b', collections: ['students'] });
    const other = await srv.client({ clientId: 'o', collections: ['grades'] });
    const m = creation('a:1', 'students', { name: 'Bo' });
    const res = await a.push([m]);
    const echo = a.inbox.find((x) => x.type === 'entity_created');
    assert.ok(echo, 'the echo arrives before push_result');
    const seen = await b.next('entity_created');
    assert.deepEqual(seen, { type: 'entity_created', collection: 'students', id: 's1', version: 1, cursor: 1, data: { id: 's1', name: 'Bo' }, origin: 'a:1', ts: m.ts });
    assert.deepEqual(echo, seen);
    assert.equal(res.results[0].status, 'ok');
    await a.push([update('a:2', 'students', 's1', { score: 5 }, 1)]);
    const upd = await b.next('entity_updated');
    assert.deepEqual([upd.version, upd.cursor, upd.origin, upd.data.score], [2, 2, 'a:2', 5]);
    await a.push([removal('a:3', 'students', 's1', 2)]);
    const del = await b.next('entity_deleted');
    assert.deepEqual(del, { type: 'entity_deleted', collection: 'students', id: 's1', version: 3, cursor: 3, origin: 'a:3' });
    await other.sync();
    assert.equal(other.inbox.filter((x) => x.type.startsWith('entity_')).length, 0, 'not subscribed to students');
  });

  test('subscribe adds collections', T, async (t) => {
    const srv = await serve(t);
    const a = await srv.client({ clientId: 'a' });
    const b = await srv.client({ clientId: 'b', collections: ['grades'] });
    b.send({ type: 'subscribe', collections: ['students'] });
    await b.sync();
    await a.push([creation('a:1', 'students')]);
    assert.equal((await b.next('entity_created')).collection, 'students');
  });

  test('notify(payload) broadcasts a notification', T, async (t) => {
    const srv = await serve(t);
    const a = await srv.client({ clientId: 'a' });
    const b = await srv.client({ clientId: 'b' });
    assert.equal(srv.notify({ title: 'Grades published', message: 'Term 1', data: { term: 1 } }), 2);
    for (const c of [a, b]) {
      assert.deepEqual(await c.next('notification'), { type: 'notification', title: 'Grades published', message: 'Term 1', data: { term: 1 } });
    }
    assert.equal(srv.notify({ title: 'only b' }, ({ clientId }) => clientId === 'b'), 1);
    assert.equal((await b.next('notification')).title, 'only b');
  });
});

describe('catch-up', () => {
  async function seeded(t, options) {
    const srv = await serve(t, options);
    const w = await srv.client({ clientId: 'w' });
    await w.push([1, 2, 3, 4, 5].map((i) => creation(`w:${i}`, 'students', { n: i }))); // cursors 1-5
    await w.push([update('w:6', 'students', 's1', { n: 10 }, 1), removal('w:7', 'students', 's2', 1), creation('w:8', 'grades')]); // 6-8
    return srv;
  }

  test('chunked by limit with more; resumes from a mid cursor (no compaction)', T, async (t) => {
    const srv = await seeded(t, { compactCatchUp: false });
    const c = await srv.client({ clientId: 'r' });
    assert.equal(c.welcome.cursor, 8);
    const cursors = [];
    let cursor = 0;
    let chunks = 0;
    for (;;) {
      c.send({ type: 'sync_request', cursor, limit: 3 });
      const res = await c.next('sync_response');
      chunks += 1;
      cursors.push(...res.changes.map((x) => x.cursor));
      cursor = res.cursor;
      if (!res.more) break;
      assert.equal(res.changes.length, 3);
      assert.equal(res.cursor, res.changes.at(-1).cursor);
    }
    assert.equal(chunks, 3);
    assert.deepEqual(cursors, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(cursor, 8);
    c.send({ type: 'sync_request', cursor: 5, limit: 500 });
    const tail = await c.next('sync_response');
    assert.deepEqual(tail.changes.map((x) => [x.op, x.collection, x.id, x.version, x.origin]), [
      ['upsert', 'students', 's1', 2, 'w:6'],
      ['delete', 'students', 's2', 2, 'w:7'],
      ['upsert', 'grades', 'g1', 1, 'w:8'],
    ]);
    assert.equal(tail.changes[1].data, undefined);
    assert.deepEqual(tail.changes[0].data, { id: 's1', n: 10 });
    assert.deepEqual([tail.cursor, tail.more], [8, false]);
  });

  test('compaction: only the latest state of each entity, deletes included', T, async (t) => {
    const srv = await seeded(t);
    const c = await srv.client({ clientId: 'r' });
    c.send({ type: 'sync_request', cursor: 0 });
    const res = await c.next('sync_response');
    assert.deepEqual(res.changes.map((x) => `${x.op}:${x.id}@${x.version}`), [
      'upsert:s3@1', 'upsert:s4@1', 'upsert:s5@1', 'upsert:s1@2', 'delete:s2@2', 'upsert:g1@1',
    ]);
    assert.deepEqual([res.cursor, res.more], [8, false]);
    c.send({ type: 'sync_request', cursor: 0, limit: 4 });
    const first = await c.next('sync_response');
    assert.deepEqual([first.changes.length, first.cursor, first.more], [4, 6, true]);
    c.send({ type: 'sync_request', cursor: first.cursor, limit: 4 });
    const second = await c.next('sync_response');
    assert.deepEqual([second.changes.map((x) => x.id), second.cursor, second.more], [['s2', 'g1'], 8, false]);
  });

  test('only subscribed collections; the cursor still reaches the end', T, async (t) => {
    const srv = await seeded(t);
    const c = await srv.client({ clientId: 'r', collections: ['grades'] });
    c.send({ type: 'sync_request', cursor: 0 });
    const res = await c.next('sync_response');
    assert.deepEqual(res.changes.map((x) => x.id), ['g1']);
    assert.equal(res.cursor, 8);
  });

  test('a chunk also stops at maxResponseBytes', T, async (t) => {
    const srv = await serve(t, { maxResponseBytes: 600 });
    const w = await srv.client({ clientId: 'w' });
    await w.push([1, 2, 3, 4].map((i) => creation(`w:${i}`, 'students', { pad: 'x'.repeat(200) })));
    w.send({ type: 'sync_request', cursor: 0, limit: 100 });
    const res = await w.next('sync_response');
    assert.equal(res.more, true);
    assert.ok(res.changes.length >= 1 && res.changes.length < 4);
  });
});

describe('authorization', () => {
  const authorize = tokenTable({
    'tok-ann': { userId: 'ann', read: ['students', 'grades'], write: ['students'] },
    'tok-ann-2': { userId: 'ann', read: ['students', 'grades'], write: ['students', 'grades'] },
    'tok-bob': { userId: 'bob', read: ['students'], write: [] },
    'tok-old': { userId: 'ann', read: '*', write: '*', expiresAt: 1 },
    'tok-root': { userId: 'root', read: '*', write: '*' },
  });

  test('write rules: no permission -> error class forbidden (not remembered); auth with a new token -> welcome; then ok', T, async (t) => {
    const srv = await serve(t, { authorize });
    const ann = await srv.client({ token: 'tok-ann', clientId: 'ann1' });
    const m = creation('ann1:1', 'grades', { v: 1 });
    const res = await ann.push([m]);
    assert.deepEqual(res.results.map((r) => [r.status, r.class]), [['error', 'forbidden']]);
    ann.send({ type: 'auth', token: 'tok-ann-2' });
    const again = await ann.next('welcome');
    assert.deepEqual([again.userId, again.protocol], ['ann', 1]);
    assert.equal((await ann.push([m])).results[0].status, 'ok');
  });

  test('auth with a bad token -> unauthorized and close', T, async (t) => {
    const srv = await serve(t, { authorize });
    const ann = await srv.client({ token: 'tok-ann', clientId: 'ann1' });
    ann.send({ type: 'auth', token: 'forged' });
    assert.equal((await ann.next('error')).code, 'unauthorized');
    assert.equal((await ann.closed).code, 1008);
  });

  test('read rules: no fan-out and no catch-up of unreadable collections, even if asked for', T, async (t) => {
    const srv = await serve(t, { authorize });
    const root = await srv.client({ token: 'tok-root', clientId: 'root' });
    const bob = await srv.client({ token: 'tok-bob', clientId: 'bob', collections: ['students', 'grades'] });
    await root.push([creation('root:1', 'grades'), creation('root:2', 'students')]);
    assert.equal((await bob.next((m) => m.type.startsWith('entity_'))).collection, 'students');
    await bob.sync();
    assert.equal(bob.inbox.filter((m) => m.type.startsWith('entity_')).length, 0);
    bob.send({ type: 'sync_request', cursor: 0 });
    const res = await bob.next('sync_response');
    assert.deepEqual(res.changes.map((c) => c.collection), ['students']);
    assert.deepEqual((await bob.push([creation('bob:1', 'students')])).results.map((r) => r.class), ['forbidden']);
  });

  test('an expired token: pushes get class auth, catch-up gets unauthorized', T, async (t) => {
    const srv = await serve(t, { authorize });
    const c = await srv.client({ token: 'tok-old', clientId: 'old' });
    assert.equal((await c.push([creation('old:1', 'students')])).results[0].class, 'auth');
    c.send({ type: 'sync_request', cursor: 0 });
    assert.equal((await c.next('error')).code, 'unauthorized');
    await c.closed;
  });
});

describe('durability', () => {
  async function fill(srv) {
    const c = await Client.open(srv.url);
    await c.hello({ clientId: 'c1' });
    const r1 = await c.push([creation('c1:1', 'students', { name: 'Bo' }), creation('c1:2', 'students', { name: 'Al' })]);
    const r2 = await c.push([update('c1:3', 'students', 's1', { score: 3 }, 1), removal('c1:4', 'students', 's2', 1)]);
    c.close();
    return [...r1.results, ...r2.results];
  }

  for (const crash of [false, true]) {
    test(`a restart with the same data folder keeps entities, cursor and answers (${crash ? 'crash: kill -9 of the server process' : 'clean close'})`, { timeout: 30_000 }, async (t) => {
      const dataDir = scratchDir();
      let answers;
      let firstUrl = null;
      let firstPort = 0;
      if (crash) {
        // Every answered push was committed: a SIGKILL right after the answers loses none of them.
        const child = await spawnSyncServer(dataDir);
        t.after(() => child.kill());
        answers = await fill({ url: child.url });
        await child.kill('SIGKILL');
      } else {
        const first = await startSyncServer({ dataDir });
        try {
          answers = await fill(first);
        } finally {
          await first.close();
        }
        firstUrl = first.url;
        firstPort = first.port;
      }
      const srv = await serve(t, { dataDir, port: firstPort });
      if (firstUrl) assert.equal(srv.url, firstUrl);
      assert.equal(srv.store.cursor, 4);
      assert.deepEqual((await srv.store.get('students', 's1')), { id: 's1', version: 2, data: { id: 's1', name: 'Bo', score: 3 }, deleted: false });
      assert.equal((await srv.store.get('students', 's2')).deleted, true);
      const c = await srv.client({ clientId: 'c1' });
      assert.equal(c.welcome.cursor, 4);
      const replay = await c.push([creation('c1:1', 'students', { name: 'Bo' }), removal('c1:4', 'students', 's2', 1)]);
      // Stored answers keep no entity data: s1 moved on to version 2 since c1:1, so its replayed
      // answer carries no (stale) data; everything else is the answer given the first time.
      const { data, ...firstWithoutData } = answers[0];
      assert.deepEqual(replay.results, [firstWithoutData, answers[3]]);
      assert.equal(srv.store.cursor, 4);
      assert.equal((await c.push([creation('c1:5', 'students')])).results[0].id, 's3');
      c.send({ type: 'sync_request', cursor: 0 });
      assert.equal((await c.next('sync_response')).cursor, 5);
    });
  }
  // The JSON-log store's torn-line recovery moved with its format to the importer
  // (tests/node/server_store.test.js, "import").
});

describe('one port with the demo pages', () => {
  test('attached to an existing http server on /sync; the pages still load', T, async (t) => {
    const http = createServer(createStaticHandler());
    await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
    const srv = await serve(t, { server: http });
    // after serve's own hook (hooks run in order): the sync sockets are gone by then
    t.after(() => new Promise((resolve) => { http.close(resolve); http.closeAllConnections(); }));
    assert.equal(srv.url, `ws://127.0.0.1:${http.address().port}/sync`);
    const page = await fetch(`http://127.0.0.1:${http.address().port}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const c = await srv.client({});
    assert.equal(c.welcome.protocol, 1);
  });

  test('node demo/server/main.js serves pages and sync on one port', { timeout: 30_000 }, async (t) => {
    const dataDir = scratchDir();
    const main = fileURLToPath(new URL('../../demo/server/main.js', import.meta.url));
    const child = spawn(process.execPath, [main], { env: { ...process.env, PORT: '0', SYNCORE_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    t.after(async () => {
      child.kill('SIGTERM');
      await exited;
    });
    let out = '';
    const pageUrl = await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /sync server:\s+(ws:\S+)/.exec(out);
        const p = /syncore demo: (http:\S+)/.exec(out);
        if (m && p) resolve(p[1]);
      });
      child.once('exit', (code) => reject(new Error(`main.js exited with ${code}: ${out}`)));
    });
    assert.equal((await fetch(pageUrl)).status, 200);
    const c = await Client.open(`${pageUrl.replace('http:', 'ws:')}sync`);
    t.after(() => c.close());
    assert.equal((await c.hello({})).type, 'welcome');
    assert.equal((await c.push([creation('c1:1', 'students')])).results[0].status, 'ok');
    c.close();
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const again = await startSyncServer({ dataDir });
    t.after(() => again.close());
    // main.js seeds the demo's gradebook into a new store before serving: the push came after.
    const seeded = Number(/cursor (\d+)\)/.exec(out)[1]);
    assert.ok(seeded > 0, 'the seed is in the store');
    assert.equal(again.store.cursor, seeded + 1, 'main.js closed the store on SIGTERM, the push kept');
  });
});
