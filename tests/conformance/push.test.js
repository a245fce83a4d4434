// Conformance: writes (docs/protocol.md "Writes: push / push_result", "What the server remembers
// per key"): versions, merge patch, conflicts, idempotency, batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { C, entityId, limits } from './config.js';
import { creation, removal, tracked, update } from './wire.js';

const T = { timeout: 15_000 };

test('a create with a temporary id -> ok with the server id, version 1 and the data', T, async (t) => {
  const c = await tracked(t).welcomed();
  const r = await c.push([creation(c.key(), C.items, { title: 'a', n: 1 })]);
  const [ok] = r.results;
  assert.equal(ok.status, 'ok', JSON.stringify(ok));
  assert.equal(ok.version, 1);
  assert.ok(!String(ok.id).startsWith('tmp-'), `the server assigned an id (${ok.id})`);
  assert.equal(ok.data.title, 'a');
  assert.equal(String(ok.data.id), String(ok.id));
});

test('a create keeps an id that is not temporary; the same id again -> conflict with the current entity', T, async (t) => {
  const c = await tracked(t).welcomed();
  const id = entityId();
  const first = (await c.push([creation(c.key(), C.items, { v: 1 }, id)])).results[0];
  assert.deepEqual([first.status, String(first.id), first.version], ['ok', id, 1]);
  const again = (await c.push([creation(c.key(), C.items, { v: 2 }, id)])).results[0];
  assert.equal(again.status, 'conflict');
  assert.equal(again.version, 1);
  assert.equal(again.data.v, 1);
});

test('update is a JSON merge patch: set, null removes, nested objects merge, arrays are replaced', T, async (t) => {
  const c = await tracked(t).welcomed();
  const { id } = await c.create(C.items, { keep: 1, drop: 2, nested: { a: 1, b: 2 }, list: [1, 2, 3] });
  const r = (await c.push([update(c.key(), C.items, id, { drop: null, nested: { b: 3, c: 4 }, list: [9], added: 'x' }, 1)])).results[0];
  assert.equal(r.status, 'ok', JSON.stringify(r));
  assert.equal(r.version, 2);
  const { id: _id, ...rest } = r.data;
  assert.deepEqual(rest, { keep: 1, nested: { a: 1, b: 3, c: 4 }, list: [9], added: 'x' });
});

test('a stale baseVersion -> conflict with the current version and data; nothing applied', T, async (t) => {
  const c = await tracked(t).welcomed();
  const { id } = await c.create(C.items, { n: 1 });
  await c.push([update(c.key(), C.items, id, { n: 2 }, 1)]);
  const r = (await c.push([update(c.key(), C.items, id, { n: 99 }, 1)])).results[0];
  assert.deepEqual([r.status, r.version, r.data.n], ['conflict', 2, 2]);
  const next = (await c.push([update(c.key(), C.items, id, { n: 3 }, 2)])).results[0];
  assert.deepEqual([next.status, next.version], ['ok', 3], 'the conflicting write changed nothing');
});

test('an update or delete of an entity the server does not have -> conflict, version 0, data null', T, async (t) => {
  const c = await tracked(t).welcomed();
  const missing = entityId('missing');
  for (const m of [update(c.key(), C.items, missing, { a: 1 }, 1), removal(c.key(), C.items, missing, 1)]) {
    const r = (await c.push([m])).results[0];
    assert.deepEqual([r.status, r.version, r.data ?? null], ['conflict', 0, null]);
  }
});

test('delete -> ok, the version bumps; later writes conflict with data null', T, async (t) => {
  const c = await tracked(t).welcomed();
  const { id } = await c.create(C.items);
  const del = (await c.push([removal(c.key(), C.items, id, 1)])).results[0];
  assert.deepEqual([del.status, del.version], ['ok', 2]);
  const late = (await c.push([update(c.key(), C.items, id, { a: 1 }, 2)])).results[0];
  assert.deepEqual([late.status, late.data ?? null], ['conflict', null]);
});

test('idempotency: the same key again (same connection, another, after a reconnect) -> the same answer, applied once', T, async (t) => {
  const { welcomed } = tracked(t);
  const a = await welcomed();
  const m = creation(a.key(), C.items, { once: true });
  const first = await a.push([m]);
  const again = await a.push([m]);
  assert.deepEqual(again.results, first.results);
  a.close();
  const b = await welcomed('writer', { clientId: a.clientId }); // the same client, reconnected
  const third = await b.push([m]);
  assert.deepEqual(third.results, first.results);
  // Applied once: the entity is at version 1, and the log has one change for it.
  const { changes } = await b.catchUp(0);
  const mine = changes.filter((x) => x.collection === C.items && String(x.id) === String(first.results[0].id));
  assert.equal(mine.length, 1);
  assert.equal(mine[0].version, 1);
});

test('a batch is processed in order and answered once, one result per mutation', T, async (t) => {
  const c = await tracked(t).welcomed();
  const id = entityId();
  const keys = [c.key(), c.key(), c.key()];
  const r = await c.push([creation(keys[0], C.items, { n: 1 }, id), update(keys[1], C.items, id, { n: 2 }, 1), update(keys[2], C.items, id, { n: 3 }, 2)], 42);
  assert.equal(r.batch, 42);
  assert.deepEqual(r.results.map((x) => [x.key, x.status, x.version]), [[keys[0], 'ok', 1], [keys[1], 'ok', 2], [keys[2], 'ok', 3]]);
  await c.roundTrip();
  assert.equal(c.inbox.filter((m) => m.type === 'push_result' && m.batch === 42).length, 0, 'one push_result per batch');
});

test("a key of another client id -> error class forbidden, not remembered", T, async (t) => {
  const { welcomed } = tracked(t);
  const a = await welcomed();
  const b = await welcomed();
  const stolen = creation(`${b.clientId}:1`, C.items);
  const r = (await a.push([stolen])).results[0];
  assert.deepEqual([r.status, r.class], ['error', 'forbidden']);
  const own = (await b.push([stolen])).results[0];
  assert.equal(own.status, 'ok', 'the refusal was not stored under the key');
});

test('a malformed mutation -> error class validation, stored: the same answer again', T, async (t) => {
  const c = await tracked(t).welcomed();
  const bad = { key: c.key(), collection: C.items, id: 'x', kind: 'explode', data: {}, baseVersion: 0 };
  const r = (await c.push([bad])).results[0];
  assert.deepEqual([r.status, r.class], ['error', 'validation']);
  assert.equal(typeof r.message, 'string');
  assert.deepEqual((await c.push([bad])).results[0], r);
});

test('a push without a mutation list -> bad_message; over the batch limit -> too_large (batch, limit), nothing applied, the connection stays', T, async (t) => {
  const c = await tracked(t).welcomed();
  c.send({ type: 'push', batch: 5 });
  assert.equal((await c.next('error')).code, 'bad_message');
  const id = entityId();
  const many = Array.from({ length: limits.maxBatch + 1 }, (_, i) => creation(c.key(), C.items, { i }, i === 0 ? id : undefined));
  const e = await c.push(many, 8);
  assert.deepEqual([e.type, e.code, e.batch, e.limit], ['error', 'too_large', 8, limits.maxBatch]);
  const later = (await c.push([update(c.key(), C.items, id, { a: 1 }, 1)])).results[0];
  assert.deepEqual([later.status, later.version], ['conflict', 0], 'nothing of the refused batch was applied');
});

test('the reader may read but not write: each mutation -> error class forbidden; the connection stays', T, async (t) => {
  const { welcomed } = tracked(t);
  const w = await welcomed('writer');
  const r = await welcomed('reader');
  const { id } = await w.create(C.items, { n: 1 });
  const res = await r.push([update(r.key(), C.items, id, { n: 2 }, 1), creation(r.key(), C.items)]);
  assert.deepEqual(res.results.map((x) => [x.status, x.class]), [['error', 'forbidden'], ['error', 'forbidden']]);
  await r.roundTrip();
  const check = (await w.push([update(w.key(), C.items, id, { n: 5 }, 1)])).results[0];
  assert.deepEqual([check.status, check.version], ['ok', 2], "the reader's writes changed nothing");
});
