// Custom resolvers that are async (seed 003's are) or return something that is not an entity:
// through createSyncClient, the reference server and a real conflict (another client edited the
// same field while this one was offline). The conflict stays parked until the promise settles,
// survives a reload, and the entity is never wiped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';
import { untilClient as until } from './helpers.js';

const fast = { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 };

function gate() {
  let open;
  let fail;
  const promise = new Promise((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/**
 * A server, client `a` (custom strategy on todos, its own IndexedDB) and client `b`; a todo both
 * know; `a` goes offline and edits the title, `b` edits it too. Returns when `a` is offline with
 * its edit pending and the server has b's.
 */
async function conflictSetup(t, resolver) {
  const server = await startSyncServer();
  const indexedDB = new IDBFactory();
  const aOptions = {
    url: server.url,
    token: 't',
    websocket: fast,
    collections: { todos: { strategy: 'custom' } },
    storage: { indexedDB, name: 'async-resolver' },
  };
  const a = await createSyncClient(aOptions);
  const b = await createSyncClient({ url: server.url, token: 't', websocket: fast, collections: { todos: {} } });
  const clients = new Set([a, b]);
  t.after(async () => {
    for (const c of clients) await c.close();
    await server.close();
  });
  const errors = [];
  a.on('error', (e) => errors.push(e));
  a.core.setCustomResolver('todos', resolver);
  await until(a, () => a.status.connected, 'a connected');
  const { id } = await a.collection('todos').create({ title: 'start', done: false, note: 'kept' }).result;
  await until(b, () => b.collection('todos').get(id)?.title === 'start', 'b has the todo');
  a.goOffline();
  await until(a, () => !a.status.connected, 'a offline');
  a.collection('todos').patch(id, { title: 'mine' });
  await b.collection('todos').patch(id, { title: 'theirs' }).result;
  return { server, a, b, id, errors, aOptions, clients };
}

test('an async custom resolver parks the conflict until it settles, then its value is applied and synced', async (t) => {
  const decision = gate();
  const cases = [];
  const { server, a, b, id, errors } = await conflictSetup(t, async (c) => {
    cases.push(c);
    await decision.promise;
    return { ...c.remote, title: `${c.local.title}+${c.remote.title}` };
  });
  a.goOnline();
  await until(a, () => a.status.conflicts === 1, 'the conflict parked while the resolver runs');
  // Never wiped: the entity is whole (the server's version while the decision is pending).
  const parkedView = a.collection('todos').get(id);
  assert.deepEqual({ ...parkedView }, { id, title: 'theirs', done: false, note: 'kept' });
  const [conflict] = a.core.conflicts();
  assert.equal(conflict.entityId, id);
  assert.equal(conflict.resolving, true);
  assert.equal(conflict.local.title, 'mine');
  assert.equal(cases.length, 1);
  assert.equal(a.status.pending, 0, 'nothing sent for it yet (no {} patch, no nulls)');
  assert.notEqual((await server.store.get('todos', id))?.data?.id, null);

  decision.open();
  await until(a, () => a.status.conflicts === 0 && a.status.pending === 0, 'resolved and synced');
  assert.deepEqual({ ...a.collection('todos').get(id) }, { id, title: 'mine+theirs', done: false, note: 'kept' });
  await until(b, () => b.collection('todos').get(id)?.title === 'mine+theirs', 'b sees the merged title');
  assert.deepEqual({ ...b.collection('todos').get(id) }, { id, title: 'mine+theirs', done: false, note: 'kept' });
  assert.deepEqual(errors, []);
});

test('a rejected or invalid async decision leaves the conflict parked and says so; never a wiped entity', async (t) => {
  const decisions = [];
  const { a, id, errors } = await conflictSetup(t, () => {
    const g = gate();
    decisions.push(g);
    return g.promise;
  });
  a.goOnline();
  await until(a, () => a.status.conflicts === 1 && decisions.length === 1, 'parked');
  decisions[0].fail(new Error('the merge service is down'));
  await until(a, () => errors.length === 1, 'an error event');
  assert.equal(errors[0].code, 'RESOLVER_FAILED');
  assert.match(errors[0].message, /merge service is down/);
  assert.equal(errors[0].conflictId, a.core.conflicts()[0].id);
  assert.equal(a.status.conflicts, 1, 'still parked, as manual');
  assert.equal(a.core.conflicts()[0].resolving, false);
  assert.equal(a.collection('todos').get(id).id, id);

  // The app decides instead, through the same path.
  const conflictId = a.core.conflicts()[0].id;
  a.core.resolveConflict(conflictId, { choice: 'local' });
  await until(a, () => a.status.conflicts === 0 && a.status.pending === 0, 'resolved by the app');
  assert.equal(a.collection('todos').get(id).title, 'mine');
});

test('resolver values that are not an entity (Map, Promise of a string, number) park; the entity stays whole', async (t) => {
  const { a, b, id, errors } = await conflictSetup(t, () => new Map([['title', 'x']]));
  a.goOnline();
  await until(a, () => a.status.conflicts === 1, 'a Map parks the conflict');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, 'RESOLVER_FAILED');
  assert.deepEqual({ ...a.collection('todos').get(id) }, { id, title: 'theirs', done: false, note: 'kept' });
  assert.equal(a.status.pending, 0);

  // A second conflict on the same todo: a promise of a string, then a plain number.
  a.core.resolveConflict(a.core.conflicts()[0].id, { choice: 'local' });
  await until(a, () => a.status.pending === 0 && a.status.conflicts === 0, 'first one settled');
  for (const [i, resolver] of [async () => 'merged!', () => 42].entries()) {
    a.core.setCustomResolver('todos', resolver);
    a.goOffline();
    await until(a, () => !a.status.connected, 'offline again');
    a.collection('todos').patch(id, { title: `mine ${i}` });
    await b.collection('todos').patch(id, { title: `theirs ${i}` }).result;
    a.goOnline();
    await until(a, () => a.status.conflicts === 1 && errors.length === 2 + i, `conflict ${i} parked`);
    assert.deepEqual({ ...a.collection('todos').get(id) }, { id, title: `theirs ${i}`, done: false, note: 'kept' });
    a.core.resolveConflict(a.core.conflicts()[0].id, { choice: 'remote' });
    await until(a, () => a.status.conflicts === 0, 'cleared');
  }
  assert.equal(errors.length, 3);
  assert.ok(errors.every((e) => e.code === 'RESOLVER_FAILED'));
});

test('reload while an async resolver is pending: the conflict is parked, persisted, and can be decided after', async (t) => {
  const never = gate();
  const setup = await conflictSetup(t, () => never.promise);
  const { a, server, id, aOptions, clients } = setup;
  a.goOnline();
  await until(a, () => a.status.conflicts === 1, 'parked');
  await a.flush();
  await a.close();
  clients.delete(a);
  never.open({ title: 'too late' }); // settles after the close: must change nothing

  const again = await createSyncClient(aOptions);
  clients.add(again);
  assert.equal(again.status.conflicts, 1);
  const [conflict] = again.core.conflicts();
  assert.equal(conflict.entityId, id);
  assert.equal(conflict.local.title, 'mine');
  assert.equal(conflict.resolving, false, 'the promise did not survive the reload; the conflict did');
  assert.deepEqual({ ...again.collection('todos').get(id) }, { id, title: 'theirs', done: false, note: 'kept' });
  await until(again, () => again.status.connected, 'connected again');
  again.core.resolveConflict(conflict.id, { choice: 'local' });
  await until(again, () => again.status.conflicts === 0 && again.status.pending === 0, 'decided and synced');
  assert.equal((await server.store.get('todos', id)).data.title, 'mine');
  assert.equal((await server.store.get('todos', id)).data.note, 'kept');
});
