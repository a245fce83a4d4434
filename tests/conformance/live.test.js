// Conformance: live changes and subscriptions (docs/protocol.md "Live changes", "subscribe").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { C, entityId } from './config.js';
import { creation, removal, tracked, update } from './wire.js';

const T = { timeout: 15_000 };
const about = (id) => (m) => m.type?.startsWith('entity_') && String(m.id) === String(id);

test('entity_created / _updated / _deleted reach every subscriber, the author included, with version, cursor, origin, ts', T, async (t) => {
  const { welcomed } = tracked(t);
  const a = await welcomed('writer', { collections: [C.items] });
  const b = await welcomed('other', { collections: [C.items] });
  const id = entityId();
  const k1 = a.key();
  await a.push([creation(k1, C.items, { n: 1 }, id)]);
  for (const c of [a, b]) {
    const m = await c.next(about(id));
    assert.equal(m.type, 'entity_created');
    assert.deepEqual([m.collection, m.version, m.origin, m.data.n], [C.items, 1, k1, 1]);
    assert.ok(Number.isInteger(m.cursor) && m.cursor > c.welcome.cursor);
    assert.equal(m.ts.node, 'conf');
  }
  const k2 = a.key();
  await a.push([update(k2, C.items, id, { n: 2 }, 1)]);
  const up = await b.next(about(id));
  assert.deepEqual([up.type, up.version, up.origin, up.data.n], ['entity_updated', 2, k2, 2]);
  await a.push([removal(a.key(), C.items, id, 2)]);
  const del = await b.next(about(id));
  assert.deepEqual([del.type, del.version, del.data], ['entity_deleted', 3, undefined]);
});

test('live cursors grow strictly in the order changes are applied', T, async (t) => {
  const { welcomed } = tracked(t);
  const w = await welcomed('writer', { collections: [C.items] });
  const r = await welcomed('other', { collections: [C.items] });
  const ids = [entityId(), entityId(), entityId()];
  await w.push(ids.map((id) => creation(w.key(), C.items, {}, id)));
  const got = [];
  for (const id of ids) got.push(await r.next(about(id)));
  const cursors = got.map((m) => m.cursor);
  assert.deepEqual([...cursors].sort((x, y) => x - y), cursors);
  assert.equal(new Set(cursors).size, 3);
});

test('hello collections limit what arrives; subscribe adds a collection', T, async (t) => {
  const { welcomed } = tracked(t);
  const w = await welcomed('writer');
  const r = await welcomed('other', { collections: [] });
  const first = entityId();
  await w.push([creation(w.key(), C.items, {}, first)]);
  await r.roundTrip();
  assert.equal(r.inbox.filter(about(first)).length, 0, 'not subscribed: nothing');
  r.send({ type: 'subscribe', collections: [C.items] });
  await r.roundTrip();
  const second = entityId();
  await w.push([creation(w.key(), C.items, {}, second)]);
  assert.equal((await r.next(about(second))).type, 'entity_created');
});

test('per-entity subscribe and unsubscribe; unsubscribe of a collection stops its changes', T, async (t) => {
  const { welcomed } = tracked(t);
  const w = await welcomed('writer');
  const r = await welcomed('other', { collections: [] });
  const watched = entityId('watched');
  const ignored = entityId('ignored');
  await w.push([creation(w.key(), C.items, {}, watched), creation(w.key(), C.items, {}, ignored)]);
  r.send({ type: 'subscribe', collection: C.items, ids: [watched] });
  await r.roundTrip();
  await w.push([update(w.key(), C.items, watched, { n: 1 }, 1), update(w.key(), C.items, ignored, { n: 1 }, 1)]);
  assert.equal((await r.next(about(watched))).version, 2);
  await r.roundTrip();
  assert.equal(r.inbox.filter(about(ignored)).length, 0, 'only the subscribed entity');
  r.send({ type: 'unsubscribe', collection: C.items, ids: [watched] });
  await r.roundTrip();
  await w.push([update(w.key(), C.items, watched, { n: 2 }, 2)]);
  await w.next((m) => about(watched)(m) && m.version === 3); // the writer (subscribed to all) saw it
  await r.roundTrip();
  assert.equal(r.inbox.filter(about(watched)).length, 0, 'unsubscribed: nothing');
  // A connection subscribed to everything drops one collection.
  const all = await welcomed('other');
  all.send({ type: 'unsubscribe', collections: [C.items] });
  await all.roundTrip();
  const later = entityId();
  await w.push([creation(w.key(), C.items, {}, later)]);
  await w.next(about(later));
  await all.roundTrip();
  assert.equal(all.inbox.filter(about(later)).length, 0);
});

test('subscribe without names -> bad_message; the connection stays', T, async (t) => {
  const c = await tracked(t).welcomed();
  c.send({ type: 'subscribe' });
  assert.equal((await c.next('error')).code, 'bad_message');
  c.send({ type: 'subscribe', collections: 'conf_items' });
  assert.equal((await c.next('error')).code, 'bad_message');
  await c.roundTrip();
});
