// Conformance: catch-up (docs/protocol.md "Catch-up"): chunked, resumable, complete; and real
// clients (createSyncClient) converging through the server, including a full resync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncClient } from '../../js/node.js';
import { C, entityId, tokens, url } from './config.js';
import { creation, removal, tracked, update } from './wire.js';

const T = { timeout: 20_000 };

async function seed(t, n = 7) {
  const { welcomed } = tracked(t);
  const w = await welcomed('writer');
  const start = w.welcome.cursor;
  const ids = Array.from({ length: n }, () => entityId('cu'));
  await w.push(ids.map((id, i) => creation(w.key(), C.items, { i }, id)));
  await w.push([update(w.key(), C.items, ids[0], { i: 100 }, 1), removal(w.key(), C.items, ids[1], 1)]);
  return { w, start, ids, welcomed };
}

const ours = (ids) => (x) => x.collection === C.items && ids.includes(String(x.id));

test('sync_request -> sync_response: the latest state of every changed entity and every delete since the cursor', T, async (t) => {
  const { start, ids, welcomed } = await seed(t);
  const r = await welcomed('other');
  const { changes, cursor } = await r.catchUp(start);
  const mine = changes.filter(ours(ids));
  const latest = new Map();
  for (const x of mine) latest.set(String(x.id), x); // the last one of each entity wins
  assert.equal(latest.size, ids.length, 'every entity changed since the cursor is there');
  assert.deepEqual([latest.get(ids[0]).op, latest.get(ids[0]).version, latest.get(ids[0]).data.i], ['upsert', 2, 100]);
  assert.deepEqual([latest.get(ids[1]).op, latest.get(ids[1]).version, latest.get(ids[1]).data], ['delete', 2, undefined]);
  assert.equal(latest.get(ids[2]).origin.split(':').length >= 2, true, 'origin: the key of the write');
  assert.ok(cursor >= Math.max(...mine.map((x) => x.cursor)));
  const cursors = changes.map((x) => x.cursor);
  assert.deepEqual([...cursors].sort((a, b) => a - b), cursors, 'ascending cursors');
});

test('chunked: with more, cursor is the last change included; resumes from any chunk on a new connection', T, async (t) => {
  const { start, ids, welcomed } = await seed(t);
  const r = await welcomed('other');
  r.send({ type: 'sync_request', cursor: start, limit: 3 });
  const first = await r.next('sync_response');
  assert.equal(first.more, true);
  assert.ok(first.changes.length <= 3 && first.changes.length > 0);
  assert.equal(first.cursor, first.changes.at(-1).cursor);
  r.close(); // the link drops after the first chunk
  const again = await welcomed('other');
  const rest = await again.catchUp(first.cursor, 3);
  assert.ok(rest.chunks >= 2);
  const seen = new Set([...first.changes, ...rest.changes].filter(ours(ids)).map((x) => String(x.id)));
  assert.equal(seen.size, ids.length, 'the chunks together cover every entity');
  assert.equal(rest.changes.some((x) => x.cursor <= first.cursor), false, 'nothing before the resume cursor is sent again');
});

test('a bad cursor or limit -> bad_message, the connection stays', T, async (t) => {
  const c = await tracked(t).welcomed();
  for (const bad of [{ cursor: -1 }, { cursor: 'x' }, { cursor: 0, limit: 0 }]) {
    c.send({ type: 'sync_request', ...bad });
    assert.equal((await c.next('error')).code, 'bad_message', JSON.stringify(bad));
  }
  await c.roundTrip();
});

test('a cursor at the end -> no changes, more false, the same cursor or later', T, async (t) => {
  const c = await tracked(t).welcomed();
  const { cursor } = await c.catchUp(0);
  c.send({ type: 'sync_request', cursor });
  const res = await c.next('sync_response');
  assert.equal(res.more, false);
  assert.ok(res.cursor >= cursor);
  assert.equal(res.changes.filter((x) => x.cursor <= cursor).length, 0);
});

// ---- real clients ----

async function client(t, token, extra = {}) {
  const c = await createSyncClient({
    url,
    token,
    collections: { [C.items]: {} },
    websocket: { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 },
    ...extra,
  });
  c.on('error', () => {});
  t.after(() => c.close());
  return c;
}

function until(client, predicate, what, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`timed out waiting for: ${what}`))), ms);
    const check = () => {
      if (predicate()) (clearTimeout(timer), off(), resolve());
    };
    const offs = ['statusChanged', 'mutationSettled', 'syncCompleted'].map((e) => client.on(e, check));
    offs.push(client.core.subscribe(C.items, check));
    const off = () => offs.forEach((f) => f());
    check();
  });
}

test('two real clients converge through the server; a fresh client gets everything by a full resync', T, async (t) => {
  const a = await client(t, tokens.writer);
  const b = await client(t, tokens.other);
  await until(a, () => a.status.connected, 'a connected');
  await until(b, () => b.status.connected, 'b connected');
  const items = a.collection(C.items);
  const made = items.create({ title: 'from a' });
  const { id } = await made.result;
  await until(b, () => b.collection(C.items).get(id)?.title === 'from a', 'b sees the create');
  const edit = b.collection(C.items).patch(id, { title: 'from b' });
  await edit.result;
  await until(a, () => a.collection(C.items).get(id)?.title === 'from b', 'a sees the edit');
  // A client with nothing stored starts at cursor 0 and catches up with the whole state.
  const fresh = await client(t, tokens.writer);
  await until(fresh, () => fresh.collection(C.items).get(id)?.title === 'from b', 'a fresh client has it after catch-up');
});

test('a client that was offline catches up on reconnect (what changed meanwhile, deletes included)', T, async (t) => {
  const a = await client(t, tokens.writer);
  const b = await client(t, tokens.other);
  await until(a, () => a.status.connected, 'a connected');
  const keep = await a.collection(C.items).create({ title: 'keep' }).result;
  const gone = await a.collection(C.items).create({ title: 'gone' }).result;
  await until(b, () => b.collection(C.items).get(gone.id), 'b has both');
  b.goOffline();
  await until(b, () => !b.status.connected, 'b offline');
  await a.collection(C.items).patch(keep.id, { title: 'kept' }).result;
  await a.collection(C.items).delete(gone.id).result;
  b.goOnline();
  await until(b, () => b.collection(C.items).get(keep.id)?.title === 'kept' && !b.collection(C.items).get(gone.id), 'b caught up');
});
