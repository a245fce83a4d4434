// Server-assigned ids and the push fast path (server/write_behind.js, issue 12 item 13): a group
// of pushes is read in one query and written in one statement, ids come from a counter held for
// the transaction. What must not change: ids unique and in order with no gap but the ones clients
// chose, a refused mutation takes no id, every change reaches the feed once, a restart reuses
// nothing. Real server, real `ws` connections, waits on messages only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startSyncServer, openStore, SyncStore } from '../../server/sync_server.js';
import { openDatabase } from '../../server/db.js';

// The first PGlite of a process takes seconds to start: once per file.
let warmStore = null;
before(async () => {
  warmStore = await openStore();
}, { timeout: 120_000 });
after(() => warmStore?.close());
const scratchRoot = mkdtempSync(join(tmpdir(), 'syncore-ids-'));
after(() => rmSync(scratchRoot, { recursive: true, force: true }));

/** A raw protocol client: an inbox of parsed messages; next(pred) takes the first match or waits. */
class Conn {
  static async open(url, clientId) {
    const ws = new WebSocket(url);
    const c = new Conn(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'hello', protocol: [1], clientId, cursor: 0 }));
    const welcome = await c.next((m) => m.type === 'welcome' || m.type === 'error');
    assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
    return c;
  }

  constructor(ws) {
    this.ws = ws;
    this.inbox = [];
    this.waiters = [];
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      const i = this.waiters.findIndex((w) => w.pred(msg));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(msg);
      else this.inbox.push(msg);
    });
  }

  next(pred) {
    const i = this.inbox.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  async push(batch, mutations) {
    this.ws.send(JSON.stringify({ type: 'push', batch, mutations }));
    return (await this.next((m) => m.type === 'push_result' && m.batch === batch)).results;
  }

  /** Everything the server sent before this round trip is in the inbox afterwards. */
  async sync() {
    const t = Math.random();
    this.ws.send(JSON.stringify({ type: 'heartbeat', t }));
    await this.next((m) => m.type === 'heartbeat_ack' && m.t === t);
  }

  close() {
    this.ws.terminate();
  }
}

const ts = () => ({ wall: Date.now(), counter: 0, node: 'x' });
const tempCreate = (client, n, data = {}) => ({
  key: `${client}:${n}`, collection: 'notes', id: `tmp-${client}-${n}`, kind: 'create', data: { title: `t${n}`, ...data }, baseVersion: -1, ts: ts(),
});
const ownCreate = (client, n, id) => ({ key: `${client}:${n}`, collection: 'notes', id, kind: 'create', data: { id, title: id }, baseVersion: -1, ts: ts() });

async function serve(t, options) {
  const server = await startSyncServer({ logger: null, ...options });
  const conns = [];
  t.after(async () => {
    for (const c of conns) c.close();
    await server.close();
  });
  server.conn = async (clientId) => {
    const c = await Conn.open(server.url, clientId);
    conns.push(c);
    return c;
  };
  return server;
}

test('refused mutations in the middle of pushes take no id: ids stay unique and consecutive, chosen ids are skipped, the feed shows each change once', async (t) => {
  // The validate hook refuses titles "no"; "\u0000" is data PostgreSQL refuses (the fast path's
  // one statement fails, the group runs again with a savepoint per mutation).
  const server = await serve(t, { validate: ({ mutation }) => (mutation.data?.title === 'no' ? 'not this one' : null) });
  const watcher = await server.conn('w');
  const c = await server.conn('c');

  // A client chose "n3" and "n5" itself: the counter must skip them.
  assert.deepEqual((await c.push(1, [ownCreate('c', 1, 'n3'), ownCreate('c', 2, 'n5')])).map((r) => r.status), ['ok', 'ok']);
  const first = await c.push(2, [tempCreate('c', 3), tempCreate('c', 4), tempCreate('c', 5, { title: 'no' }), tempCreate('c', 6)]);
  assert.deepEqual(first.map((r) => r.status), ['ok', 'ok', 'error', 'ok']);
  assert.equal(first[2].class, 'validation');
  const second = await c.push(3, [tempCreate('c', 7), tempCreate('c', 8, { title: 'nul \u0000' }), tempCreate('c', 9), tempCreate('c', 10, { title: 'no' })]);
  assert.deepEqual(second.map((r) => r.status), ['ok', 'error', 'ok', 'error']);
  const third = await c.push(4, [tempCreate('c', 11), tempCreate('c', 12)]);
  assert.deepEqual(
    [first, second, third].flat().filter((r) => r.status === 'ok').map((r) => r.id),
    ['n1', 'n2', 'n4', 'n6', 'n7', 'n8', 'n9'],
    'no number reused, none skipped but the chosen n3 and n5',
  );

  // A resent push is answered from the stored answers: the same ids, nothing new applied.
  const again = await c.push(5, [tempCreate('c', 3), tempCreate('c', 4), tempCreate('c', 5, { title: 'no' }), tempCreate('c', 6)]);
  assert.deepEqual(again.map((r) => r.id ?? r.class), ['n1', 'n2', 'validation', 'n4']);

  await watcher.sync();
  const seen = watcher.inbox.filter((m) => m.type === 'entity_created');
  assert.deepEqual(seen.map((m) => m.id), ['n3', 'n5', 'n1', 'n2', 'n4', 'n6', 'n7', 'n8', 'n9'], 'each change once, in order');
  assert.deepEqual(seen.map((m) => m.cursor), [1, 2, 3, 4, 5, 6, 7, 8, 9], 'cursors without a gap');
  assert.equal((await server.store.changeLog()).length, 9);
  assert.equal((await server.store.list('notes')).length, 9);
});

test('a server restart between pushes never reuses an id', async (t) => {
  const dir = mkdtempSync(join(scratchRoot, 'data-'));
  const ids = [];
  for (let run = 0; run < 3; run++) {
    const server = await startSyncServer({ logger: null, db: dir, validate: ({ mutation }) => (mutation.data?.title === 'no' ? 'no' : null) });
    try {
      const c = await Conn.open(server.url, 'c');
      // The last mutation of each push is refused: the counter keeps the last id handed out.
      const results = await c.push(run, [tempCreate('c', run * 3 + 1), tempCreate('c', run * 3 + 2), tempCreate('c', run * 3 + 3, { title: 'no' })]);
      c.close();
      ids.push(...results.filter((r) => r.status === 'ok').map((r) => r.id));
    } finally {
      await server.close();
    }
  }
  assert.deepEqual(ids, ['n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
});

test('a push of 200 temp-id creates costs a few database round trips, not some per mutation', async (t) => {
  let statements = 0;
  const db = await openDatabase(undefined);
  const counted = (q) => ({ query: (text, params) => ((statements += 1), q.query(text, params)) });
  const store = await new SyncStore({ ...db, query: (text, params) => counted(db).query(text, params), transaction: (fn) => db.transaction((q) => fn(counted(q))) }).init();
  const server = await serve(t, { store });
  t.after(() => store.close());
  const c = await server.conn('c');
  const before = statements;
  const results = await c.push(1, Array.from({ length: 200 }, (_, i) => tempCreate('c', i + 1)));
  assert.equal(new Set(results.map((r) => r.id)).size, 200);
  assert.ok(results.every((r) => r.status === 'ok'));
  const used = statements - before;
  t.diagnostic(`${used} statements for one push of 200 creates`);
  assert.ok(used <= 12, `${used} statements for 200 creates`);
});
