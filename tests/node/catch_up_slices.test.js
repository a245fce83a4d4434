// A catch-up applied in slices (js/client/slices.js, docs/main_thread.md), through the public API
// against a sync server in memory (tests/support/memory_sync_server.js: no PGlite start): between slices the event loop runs (timers, other
// readers), every reader then sees the server's order up to some change, status does not say
// "synced" before the last slice, and close() between slices loses nothing. Chunks of 1,500 of
// the server's 2,500 entities, so both the first chunk and the last one are applied in slices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient } from '../../js/node.js';
import { memorySyncServer } from '../support/memory_sync_server.js';

const N = 2500;
const CHUNK = 1500;
const collections = { items: {} };
const websocket = { catchUpLimit: CHUNK, reconnectBaseMs: 20, reconnectMaxMs: 200 };
const entity = (i) => ({ title: `item ${i}`, n: i, body: `${i} `.repeat(60) });

const seeded = () => memorySyncServer(Array.from({ length: N }, (_, i) => ({ collection: 'items', id: `e${i}`, data: entity(i) })));
const server = seeded();

const open = (extra = {}) => createSyncClient({ url: 'ws://memory/sync', WebSocket: server.WebSocket, collections, websocket, ...extra });

function caughtUp(client, count) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not caught up: ${client.collection('items').count()} of ${count}`)), 30_000);
    const check = () => {
      if (client.status.caughtUp && !client.status.syncing && client.collection('items').count() === count) {
        clearTimeout(timer);
        off();
        resolve();
      }
    };
    const off = client.on('statusChanged', check);
    check();
  });
}

// What a reader sees is the server's order up to some change: e0 … e(k-1), each one whole.
function assertPrefix(rows) {
  const seen = rows.map((r) => r.n).sort((a, b) => a - b);
  seen.forEach((n, i) => assert.equal(n, i, `entity e${i} is missing while e${seen.at(-1)} is there`));
  for (const r of rows) {
    const whole = entity(r.n);
    if (r.title !== whole.title || r.body !== whole.body) assert.fail(`entity e${r.n} is not whole: ${JSON.stringify(r)}`);
  }
}

test('a timer set when the first server changes show runs before that chunk is applied: the event loop runs between slices', { timeout: 60_000 }, async () => {
  const client = await open();
  const items = client.collection('items');
  let timerSaw = null;
  const off = client.on('remoteChanges', () => {
    off();
    setTimeout(() => (timerSaw = items.count()), 0);
  });
  await caughtUp(client, N);
  await client.close();
  assert.notEqual(timerSaw, null, 'the timer ran');
  assert.ok(timerSaw < CHUNK, `the timer ran once ${timerSaw} of the first chunk's ${CHUNK} changes were applied: only after the whole chunk`);
});

test('between slices a reader sees a prefix of the server order, and status does not say synced', { timeout: 60_000 }, async () => {
  const client = await open();
  const items = client.collection('items');
  const inside = new Set(); // counts seen that are not a chunk's end
  let polls = 0;
  let polling = true;
  const poll = () => {
    if (!polling) return;
    const rows = items.list();
    assertPrefix(rows);
    if (rows.length < N) {
      assert.equal(client.status.caughtUp, false, `caughtUp with ${rows.length} of ${N}`);
      assert.notEqual(client.statusMessage(), 'All changes synced', `"synced" with ${rows.length} of ${N}`);
    }
    if (rows.length > 0 && rows.length % CHUNK !== 0 && rows.length < N) inside.add(rows.length);
    polls++;
    setImmediate(poll);
  };
  poll();
  await caughtUp(client, N);
  polling = false;
  assertPrefix(items.list());
  assert.equal(client.statusMessage(), 'All changes synced');
  await client.close();
  assert.ok([...inside].some((n) => n < CHUNK), `a reader ran inside the first chunk (saw ${[...inside].join(', ') || 'none'} in ${polls} polls)`);
  assert.ok([...inside].some((n) => n > CHUNK), `a reader ran inside the last chunk (saw ${[...inside].join(', ') || 'none'})`);
});

test('close() between slices, then a restart on the same storage: every server entity and the local edit arrive, nothing lost', { timeout: 60_000 }, async () => {
  const storage = { indexedDB: new IDBFactory(), name: 'slices' };
  const first = await open({ storage });
  const items = first.collection('items');
  let closedAt = null;
  const closing = await new Promise((resolve) => {
    const off = first.on('remoteChanges', () => {
      const k = items.count();
      if (k === 0 || k >= CHUNK) return;
      off();
      closedAt = k;
      // A local edit in the same breath as the close: accepted, so it must be kept and sent.
      items.create({ title: 'local', n: -1, body: '' });
      resolve(first.close());
    });
    // Caught up without ever showing a state inside the first chunk: nothing to close between.
    const offStatus = first.on('statusChanged', (st) => st.caughtUp && closedAt === null && (offStatus(), off(), resolve(first.close())));
  });
  await closing;
  assert.ok(closedAt > 0 && closedAt < CHUNK, `closed inside the first chunk (at ${closedAt})`);

  const second = await open({ storage });
  const again = second.collection('items');
  // What the first client applied before it closed was stored (with its cursor not past it).
  assert.ok(again.count() >= closedAt + 1, `restored ${again.count()}, applied ${closedAt} + the local edit before close`);
  assert.equal(again.list().filter((r) => r.title === 'local').length, 1, 'the local edit was kept');
  await caughtUp(second, N + 1);
  await new Promise((resolve) => {
    const done = () => second.status.pending === 0 && (off2(), resolve());
    const off2 = second.on('statusChanged', done);
    done();
  });
  assertPrefix(again.list().filter((r) => r.n >= 0));
  assert.equal(second.status.skipped, 0);
  assert.equal(server.log.filter((c) => c.data?.title === 'local').length, 1, 'the local edit reached the server, once');
  await second.close();
});

test('a chunk whose slices take longer than catchUpTimeoutMs is not taken for a chunk that never came', { timeout: 60_000 }, async () => {
  const client = await open({ websocket: { ...websocket, catchUpTimeoutMs: 150 }, WebSocket: seeded().WebSocket });
  const errors = [];
  client.on('error', (e) => errors.push(e.code));
  // An app whose listener is slow (0.2 ms a call): the first chunk takes well over 150 ms.
  client.collection('items').subscribe(() => {
    const until = performance.now() + 0.2;
    while (performance.now() < until);
  });
  await caughtUp(client, N);
  const { opened } = client.getStats().transport;
  await client.close();
  assert.deepEqual(errors, []);
  assert.equal(opened, 1, 'one connection: no reconnect for a timeout');
});
