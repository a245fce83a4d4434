// Conformance: who sees what (README.md's contract: conf_secret is the writer's alone,
// conf_private rows are readable by the user named in data.owner only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { C, entityId, tokens } from './config.js';
import { creation, tracked, update } from './wire.js';

const T = { timeout: 15_000 };
const about = (id) => (m) => m.type?.startsWith('entity_') && String(m.id) === String(id);

test('a collection the user may not read: no fan-out, no catch-up, even when asked for by name', T, async (t) => {
  const { welcomed } = tracked(t);
  const w = await welcomed('writer');
  const spy = await welcomed('other', { collections: [C.secret, C.items] });
  spy.send({ type: 'subscribe', collections: [C.secret] });
  const start = spy.welcome.cursor;
  const id = entityId('secret');
  const r = (await w.push([creation(w.key(), C.secret, { s: 'shh' }, id)])).results[0];
  assert.equal(r.status, 'ok');
  const marker = entityId('marker');
  await w.push([creation(w.key(), C.items, {}, marker)]);
  await spy.next(about(marker)); // the later, readable change arrived: the secret one would have come first
  assert.equal(spy.inbox.filter(about(id)).length, 0);
  const { changes } = await spy.catchUp(start);
  assert.equal(changes.filter((x) => x.collection === C.secret).length, 0);
  const own = await w.catchUp(start);
  assert.equal(own.changes.filter((x) => String(x.id) === id).length, 1, 'the writer sees it');
});

test('row level: a row is sent only to the user it names, live and in catch-up', T, async (t) => {
  const { welcomed } = tracked(t);
  const w = await welcomed('writer');
  const o = await welcomed('other');
  const start = o.welcome.cursor;
  const mine = entityId('mine');
  const theirs = entityId('theirs');
  await w.push([creation(w.key(), C.private, { owner: w.welcome.userId }, mine), creation(w.key(), C.private, { owner: o.welcome.userId }, theirs)]);
  assert.equal((await o.next(about(theirs))).data.owner, o.welcome.userId);
  await o.roundTrip();
  assert.equal(o.inbox.filter(about(mine)).length, 0, "not the writer's row");
  const { changes } = await o.catchUp(start);
  const rows = changes.filter((x) => x.collection === C.private);
  assert.equal(rows.find((x) => String(x.id) === theirs)?.data?.owner, o.welcome.userId);
  // From a cursor after 0 the server may send a removal for a row it cannot show (it does not
  // know what the client holds), never the row itself.
  const hidden = rows.filter((x) => String(x.id) === mine);
  assert.ok(hidden.every((x) => x.op === 'delete' && x.data === undefined), JSON.stringify(hidden));
  const fresh = await welcomed('other');
  const all = await fresh.catchUp(0);
  assert.equal(all.changes.filter((x) => String(x.id) === mine).length, 0, 'from cursor 0: nothing of it');
});

test('row level: a conflict answer does not show a row the user may not read', T, async (t) => {
  const { welcomed } = tracked(t);
  const w = await welcomed('writer');
  const o = await welcomed('other');
  const id = entityId('hidden');
  await w.push([creation(w.key(), C.private, { owner: w.welcome.userId, secret: 'x' }, id)]);
  await w.push([update(w.key(), C.private, id, { secret: 'y' }, 1)]);
  const r = (await o.push([update(o.key(), C.private, id, { note: 'guess' }, 1)])).results[0];
  assert.equal(r.status, 'conflict');
  assert.equal(r.data ?? null, null, `no data of an unreadable row: ${JSON.stringify(r)}`);
  const created = (await o.push([creation(o.key(), C.private, { owner: w.welcome.userId, by: 'other' })])).results[0];
  assert.equal(created.status, 'ok');
  assert.equal(created.data ?? null, null, "an ok answer does not show a row the write put out of the author's reach");
});

test('losing read access to a row -> a removal (entity_deleted), live and in catch-up; no data', T, async (t) => {
  const { welcomed } = tracked(t);
  const w = await welcomed('writer');
  const o = await welcomed('other');
  const late = await welcomed('other'); // catches up later from here
  const from = late.welcome.cursor;
  late.close();
  const id = entityId('moving');
  await w.push([creation(w.key(), C.private, { owner: o.welcome.userId }, id)]);
  assert.equal((await o.next(about(id))).type, 'entity_created');
  // The row is given back to the writer: the other user can no longer read it.
  await w.push([update(w.key(), C.private, id, { owner: w.welcome.userId }, 1)]);
  const gone = await o.next(about(id));
  assert.equal(gone.type, 'entity_deleted');
  assert.equal(gone.data, undefined);
  assert.ok(gone.version >= 2);
  // From a cursor before the move, catch-up ends with the removal too.
  const again = await welcomed('other');
  const { changes } = await again.catchUp(from);
  const last = changes.filter((x) => String(x.id) === id).at(-1);
  assert.deepEqual([last?.op, last?.data], ['delete', undefined]);
});

test('an expired token: refused at hello (unauthorized), or pushes get error class auth and a fresh token via auth resumes on the same connection', T, async (t) => {
  if (typeof tokens.expired !== 'string') throw new Error('the contract needs an "expired" token (README.md)');
  const { open } = tracked(t);
  const c = await open();
  const hello = await c.hello({ token: tokens.expired });
  if (hello.type === 'error') {
    // A server that checks expiry at hello (e.g. a JWT verifier): refused like any bad token.
    assert.equal(hello.code, 'unauthorized');
    assert.equal((await c.closed).code, 1008);
    return;
  }
  const id = entityId();
  const r = (await c.push([creation(c.key(), C.items, {}, id)])).results[0];
  assert.deepEqual([r.status, r.class], ['error', 'auth']);
  c.send({ type: 'sync_request', cursor: 0 });
  const refused = await c.next((m) => m.type === 'error' || m.type === 'sync_response');
  assert.deepEqual([refused.type, refused.code], ['error', 'unauthorized'], 'no catch-up on an expired token');
  assert.equal((await c.closed).code, 1008);
  const again = await open();
  assert.equal((await again.hello({ token: tokens.writer, clientId: c.clientId })).type, 'welcome');
  const retried = (await again.push([creation(r.key, C.items, {}, id)])).results[0];
  assert.equal(retried.status, 'ok', 'the auth answer was not stored under the key');
});
