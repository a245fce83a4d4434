// Temp ids in a follower tab (js/tabs/): the leader acknowledges a follower's create once it is
// durable in the shared database, before the server gave the entity its id, so the follower holds
// it under the temp id. When the server's id comes (the leader's `changes` name the rename), the
// follower must rename what it holds, pending edits included, and never list the entity twice.
// Found by the JS simulation (tests/sim/, seed 524).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { openTab, until } from '../support/tabs.js';
import { startSyncServer } from '../../server/sync_server.js';

// Server-assigned ids (`ids: 'server'`): a create without an id gets a temp id, renamed on ack.
const collections = { todos: { strategy: 'merge', ids: 'server' } };

/** A BroadcastChannel whose outgoing pushes can be held back, then let through. */
function holdingChannel() {
  const held = [];
  const gate = { holding: false };
  gate.release = () => {
    gate.holding = false;
    for (const send of held.splice(0)) send();
  };
  gate.Channel = class extends BroadcastChannel {
    postMessage(msg) {
      if (gate.holding && msg?.type === 'push') held.push(() => super.postMessage(msg));
      else super.postMessage(msg);
    }
  };
  return gate;
}

test('a follower renames an entity it holds under a temp id when the server assigns the id, with its edit still pending', async (t) => {
  const server = await startSyncServer();
  const origin = { idb: new IDBFactory(), name: 'temp-ids' };
  const leader = await openTab(server, origin, { collections });
  await until(() => leader.status.tab === 'leader', 'a leader');
  const gate = holdingChannel();
  const follower = await openTab(server, origin, { collections, tabs: { BroadcastChannel: gate.Channel } });
  t.after(async () => {
    await follower.close().catch(() => {});
    await leader.close();
    await server.close();
  });
  await until(() => follower.status.tab === 'follower' && follower.status.connected, 'the follower linked to the leader');

  // Offline leader: the follower's create is acknowledged (durable in the shared database) under
  // its temp id, long before the server can name the entity.
  leader.goOffline();
  const { id: tempId } = follower.collection('todos').create({ title: 'x', n: 0 });
  assert.ok(tempId.startsWith('tmp-'), `a temp id (${tempId})`);
  // (status.pending adds the leader's: the follower's own outbox is what the leader acknowledged)
  const ownPending = () => follower.core.pendingMutations().length;
  await until(() => ownPending() === 0, "the leader's ack of the create");

  // An edit of it that reaches the leader only after the server named the entity.
  gate.holding = true;
  follower.collection('todos').patch(tempId, { n: 1 });
  leader.goOnline();
  await until(async () => (await server.store.list('todos')).length === 1 && leader.status.pending === 0, 'the create on the server');
  const [{ data: created }] = await server.store.list('todos');
  assert.notEqual(created.id, tempId, 'the server named the entity');
  await until(() => follower.collection('todos').get(created.id) !== undefined, 'the rename in the follower');
  gate.release();

  await until(() => ownPending() === 0, 'the ack of the edit');
  await until(async () => (await server.store.get('todos', created.id))?.data.n === 1, 'the edit on the server');
  assert.deepEqual(follower.collection('todos').list(), [{ id: created.id, title: 'x', n: 1 }], 'the follower lists the entity once, under the server id');
  assert.equal(follower.collection('todos').get(tempId), undefined, 'nothing left under the temp id');
  assert.deepEqual(leader.collection('todos').list(), [{ id: created.id, title: 'x', n: 1 }], 'the leader too');
});

test('a follower does not keep an entity the server deleted before the leader learnt its id (seed 457)', async (t) => {
  // The leader's create is applied by the server, its ack is lost, and another client deletes the
  // entity before the leader is back: the leader's catch-up brings the delete first, then the
  // re-sent create's stored answer names the id. The leader has nothing under it; a follower that
  // held the entity under its temp id must not keep it under the server's id either.
  let leader = null;
  let onLostAck = null;
  const server = await startSyncServer({ dropBeforeAck: (info) => info.clientId === leader?.core.clientId && onLostAck?.(info) });
  const origin = { idb: new IDBFactory(), name: 'temp-ids-deleted' };
  leader = await openTab(server, origin, { collections });
  await until(() => leader.status.tab === 'leader', 'a leader');
  const follower = await openTab(server, origin, { collections });
  t.after(async () => {
    await follower.close().catch(() => {});
    await leader.close();
    await server.close();
  });
  await until(() => follower.status.tab === 'follower' && follower.status.connected, 'the follower linked to the leader');

  leader.goOffline();
  const { id: tempId } = follower.collection('todos').create({ title: 'gone', n: 0 });
  await until(() => follower.core.pendingMutations().length === 0, "the leader's ack of the create");
  assert.equal(follower.collection('todos').get(tempId)?.title, 'gone');

  let serverId = null;
  onLostAck = (info) => {
    const created = info.results.find((r) => r.status === 'ok' && r.id);
    if (!created) return false;
    onLostAck = null;
    serverId = created.id;
    leader.goOffline(); // not back before the entity is deleted
    return true;
  };
  leader.goOnline();
  await until(() => serverId !== null, 'the create applied on the server, its ack lost');
  await server.write('todos', null, { op: 'delete', id: serverId });
  assert.equal((await server.store.list('todos')).length, 0);
  leader.goOnline();

  await until(() => leader.status.pending === 0 && leader.status.connected, 'the leader caught up and answered');
  await until(() => follower.collection('todos').count() === 0, 'the follower sees it gone', 3000).catch(() => {});
  assert.deepEqual(leader.collection('todos').list(), [], 'the leader has nothing');
  assert.deepEqual(follower.collection('todos').list(), [], 'the follower has nothing, under neither id');
});
