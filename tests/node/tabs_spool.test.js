// A follower tab's edits while no leader acknowledges them (js/tabs/spool.js): its outbox is
// memory, and a handoff under the fallback election takes up to 4 heartbeats, so a follower that
// crashed during one lost edits seconds old. Now a follower's flush() passes an edit only once its
// spool in the shared database holds it, and the next leader adopts the spool of a tab that is
// gone. Found by the JS simulation (tests/sim/, seed 411).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { openTab, until } from '../support/tabs.js';
import { startSyncServer } from '../../server/sync_server.js';

const collections = { todos: {} };

/**
 * A BroadcastChannel that goes silent both ways once its tab is dead: a crash, without a word.
 * `deaf`: it still sends but hears nothing (a page going away).
 */
function mortalChannel() {
  const tab = { dead: false, deaf: false };
  tab.Channel = class extends BroadcastChannel {
    postMessage(msg) {
      if (!tab.dead) super.postMessage(msg);
    }
    set onmessage(fn) {
      super.onmessage = (event) => {
        if (!tab.dead && !tab.deaf) fn(event);
      };
    }
  };
  return tab;
}

test("a follower's edits made while no leader acknowledges them survive its crash: the next leader adopts its spool", async (t) => {
  const server = await startSyncServer();
  const origin = { idb: new IDBFactory(), name: 'spool' };
  const a = mortalChannel();
  const leader = await openTab(server, origin, { collections, tabs: { BroadcastChannel: a.Channel } });
  await until(() => leader.status.tab === 'leader', 'a leader');
  // b never claims within this test (its election waits minutes): it stays a follower to its end.
  const b = mortalChannel();
  const follower = await openTab(server, origin, { collections, tabs: { BroadcastChannel: b.Channel, heartbeatMs: 60_000, closeTimeoutMs: 50 } });
  await until(() => follower.status.tab === 'follower' && follower.status.connected, 'the follower linked to the leader');
  let next = null;
  t.after(async () => {
    await next?.close();
    await follower.close().catch(() => {}); // (only its timers: it is dead to the other tabs)
    await leader.close().catch(() => {});
    await server.close();
  });

  // The leader dies without a word; the follower edits before any tab has noticed.
  a.dead = true;
  leader.goOffline();
  const made = [follower.collection('todos').create({ title: 'b0', n: 0 }), follower.collection('todos').create({ title: 'b1', n: 1 })];
  await follower.flush();
  assert.equal(follower.core.pendingMutations().length, 2, 'no leader acknowledged them');
  // Then the follower crashes (no close(): its memory is gone).
  b.dead = true;

  // The next tab leads (the dead leader's heartbeats are missing) and adopts the dead follower's spool.
  // (adoptAfterMs: time to listen to its engine, which settles them, before it adopts)
  next = await openTab(server, origin, { collections, tabs: { adoptAfterMs: 500 } });
  await until(() => next.tabs.engine, 'a new leader');
  const settled = [];
  next.tabs.engine.on('mutationSettled', (e) => settled.push(...(e.mutationIds ?? []).map((id) => `${e.status} ${id}`)));
  await until(async () => (await server.store.list('todos')).length === 2, "the dead follower's edits on the server");
  const onServer = (await server.store.list('todos')).map((e) => e.data.title).sort();
  assert.deepEqual(onServer, ['b0', 'b1']);
  assert.deepEqual(next.collection('todos').list().map((e) => e.title).sort(), ['b0', 'b1']);
  // (The engine also settles its own mutations as the server acknowledges them.)
  const theirs = () => settled.filter((line) => made.some((h) => line.endsWith(` ${h.mutationId}`)));
  await until(() => theirs().length === 2, 'their settlement');
  assert.deepEqual(theirs().sort(), made.map((h) => `acked ${h.mutationId}`).sort(), "settled in the new leader's tab under the follower's mutation ids");
});

test("a follower whose page goes before the living leader's acknowledgements reach it: the leader adopts its spool at the next roll call", async (t) => {
  const server = await startSyncServer();
  const origin = { idb: new IDBFactory(), name: 'spool-live' };
  const leader = await openTab(server, origin, { collections, tabs: { adoptAfterMs: 200 } });
  await until(() => leader.status.tab === 'leader', 'a leader');
  const b = mortalChannel();
  const follower = await openTab(server, origin, { collections, tabs: { BroadcastChannel: b.Channel, heartbeatMs: 60_000, closeTimeoutMs: 50 } });
  await until(() => follower.status.tab === 'follower' && follower.status.connected, 'the follower linked to the leader');
  t.after(async () => {
    await follower.close().catch(() => {}); // (only its timers: it is dead to the other tabs)
    await leader.close().catch(() => {});
    await server.close();
  });
  const settled = [];
  leader.on('mutationSettled', (e) => settled.push(...(e.mutationIds ?? []).map((id) => `${e.status} ${id} ${e.adoptedFrom ? 'adopted' : 'own'}`)));

  // The follower hears nothing more (its page is going): the leader applies what it pushes, but the
  // acknowledgements never arrive; the edit after the first waits behind it, in the spool only.
  b.deaf = true;
  const made = [follower.collection('todos').create({ title: 'c0' }), follower.collection('todos').create({ title: 'c1' })];
  await follower.flush();
  await until(async () => (await server.store.list('todos')).length >= 1, 'the pushed edit on the server');
  b.dead = true; // the page is gone

  const theirs = () => settled.filter((line) => made.some((h) => line.includes(` ${h.mutationId} `)));
  await until(() => theirs().length === 2, "the gone follower's edits settled in the leader's tab");
  assert.deepEqual(theirs().sort(), made.map((h) => `acked ${h.mutationId} adopted`).sort());
  await until(async () => (await server.store.list('todos')).length === 2, 'both edits on the server');
  assert.deepEqual((await server.store.list('todos')).map((e) => e.data.title).sort(), ['c0', 'c1'], 'each applied once');
});
