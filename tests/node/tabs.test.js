// Multi-tab (js/tabs/) in Node: several clients in one process share one fake-indexeddb factory
// (one "origin") and talk over Node's BroadcastChannel. Node has no navigator.locks, so these runs
// use the BroadcastChannel election (the fallback); the Web Locks path runs in
// tests/browser/multitab.test.js. The server is the reference server on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';

const collections = { todos: { ids: 'server' } }; // server-assigned ids: temp ids, renamed on ack
const fast = { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 };

function until(predicate, what, ms = 8000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = async () => {
      let ok = false;
      try {
        ok = await predicate();
      } catch {
        ok = false;
      }
      if (ok) resolve();
      else if (Date.now() - started > ms) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

/** A BroadcastChannel that can lose chosen messages: a tab dying at a chosen moment. */
function lossyChannel(drop) {
  return class extends BroadcastChannel {
    postMessage(msg) {
      if (!drop.out?.(msg)) super.postMessage(msg);
    }
    set onmessage(fn) {
      super.onmessage = (event) => {
        if (!drop.in?.(event.data)) fn(event);
      };
    }
  };
}

/** Opens one tab of the origin `origin` ({ idb, name }). */
function openTab(server, origin, tabs = {}) {
  return createSyncClient({
    url: server.url,
    collections,
    token: 't',
    websocket: fast,
    storage: { name: origin.name, indexedDB: origin.idb },
    tabs: { locks: null, heartbeatMs: 40, helloRetryMs: 40, ...tabs },
  });
}

const titles = (client) => Object.fromEntries(client.collection('todos').list().map((t) => [t.title, t.n]));
const serverTitles = async (server) => Object.fromEntries((await server.store.list('todos')).map(({ data }) => [data.title, data.n]));

/** Every mutation applied exactly once: one change per title on the server, none lost. */
async function assertExactlyOnce(server, expectedTitles, what) {
  const log = (await server.store.changeLog(0));
  const creates = new Map();
  for (const c of log) if (c.version === 1) creates.set(c.data.title, (creates.get(c.data.title) ?? 0) + 1);
  for (const title of expectedTitles) assert.equal(creates.get(title), 1, `${what}: '${title}' created exactly once`);
  assert.equal((await server.store.list('todos')).length, expectedTitles.length, `${what}: no extra entity on the server`);
  assert.equal(new Set(log.map((c) => c.origin)).size, log.length, `${what}: every applied change has its own key`);
}

const settled = (clients, server, n) => async () =>
  (await server.store.list('todos')).length === n && clients.every((c) => c.status.pending === 0 && c.collection('todos').count() === n);

test('the fallback election makes one leader; every tab writes, each write lands once, views converge', async (t) => {
  const server = await startSyncServer();
  const origin = { idb: new IDBFactory(), name: 'one' };
  const tabs = await Promise.all([openTab(server, origin), openTab(server, origin), openTab(server, origin)]);
  t.after(async () => {
    for (const c of tabs) await c.close();
    await server.close();
  });
  const roles = tabs.map((c) => c.status.tab);
  assert.equal(roles.filter((r) => r === 'leader').length, 1, `one leader: ${roles}`);
  assert.equal(roles.filter((r) => r === 'follower').length, 2);
  assert.ok(tabs.every((c) => c.tabs.election === 'broadcast-channel'));
  // Followers have their own client ids: their keys and temp ids never collide.
  assert.equal(new Set(tabs.map((c) => c.core.clientId)).size, 3);

  const expected = [];
  for (let i = 0; i < 5; i++) {
    tabs.forEach((c, k) => {
      c.collection('todos').create({ title: `t${k}-${i}`, n: i });
      expected.push(`t${k}-${i}`);
    });
  }
  await until(settled(tabs, server, expected.length), 'all 15 creates on the server and in every tab');
  await assertExactlyOnce(server, expected, 'creates');
  // One connection for the origin: the leader's.
  assert.equal(server.connections().length, 1);

  // Edits of one entity from two tabs: the last the leader applied wins everywhere.
  const leader = tabs.find((c) => c.status.tab === 'leader');
  const follower = tabs.find((c) => c.status.tab === 'follower');
  const id = follower.collection('todos').list().find((x) => x.title === 't0-0').id;
  assert.ok(!id.startsWith('tmp-'), `the follower sees the server's id (${id})`);
  follower.collection('todos').patch(id, { n: 100 });
  await until(async () => (await server.store.get('todos', id)).data.n === 100, 'the follower edit on the server');
  leader.collection('todos').patch(id, { n: 200 });
  await until(() => tabs.every((c) => c.collection('todos').get(id)?.n === 200 && c.status.pending === 0), 'the leader edit everywhere');
  for (const c of tabs) assert.deepEqual(titles(c), await serverTitles(server), 'view equals the server');
  // Follower status mirrors the leader's connection.
  assert.equal(follower.status.connected, true);
  assert.equal(follower.status.connection, 'connected');
});

test('leader closes with forwarded writes still queued offline: the next leader sends each once', async (t) => {
  const server = await startSyncServer();
  const origin = { idb: new IDBFactory(), name: 'two' };
  const a = await openTab(server, origin);
  const b = await openTab(server, origin);
  t.after(async () => {
    await b.close();
    await server.close();
  });
  assert.equal(a.status.tab, 'leader');
  assert.equal(b.status.tab, 'follower');
  a.goOffline(); // the leader's connection goes away: forwarded writes queue in the shared outbox
  const expected = [];
  for (let i = 0; i < 4; i++) {
    a.collection('todos').create({ title: `a${i}`, n: i });
    b.collection('todos').create({ title: `b${i}`, n: i });
    expected.push(`a${i}`, `b${i}`);
  }
  // b's writes are acknowledged by the leader once durable in the shared database.
  await until(() => b.status.pending === 8 && b.core.stats().pending === 0, "b's writes durable in the leader");
  assert.equal((await server.store.list('todos')).length, 0, 'nothing reached the server yet');
  const closedAt = Date.now();
  await a.close(); // the leader tab goes away
  await until(() => b.status.tab === 'leader', 'b elected');
  t.diagnostic(`fallback election (heartbeat 40 ms, resign on close): leader after ${Date.now() - closedAt} ms`);
  await until(settled([b], server, 8), 'everything on the server');
  await assertExactlyOnce(server, expected, 'after handoff');
  assert.deepEqual(titles(b), await serverTitles(server));
});

test('a push the leader persisted but never acknowledged is not applied again by the next leader', async (t) => {
  const server = await startSyncServer();
  const origin = { idb: new IDBFactory(), name: 'three' };
  // The first leader dies right after making b's write durable, before its push_result leaves.
  const a = await openTab(server, origin, { BroadcastChannel: lossyChannel({ out: (m) => m?.type === 'push_result' }) });
  const b = await openTab(server, origin);
  t.after(async () => {
    await b.close();
    await server.close();
  });
  assert.equal(a.status.tab, 'leader');
  const { id, result } = a.collection('todos').create({ title: 'x', n: 0 });
  const { id: serverId } = await result;
  await until(() => b.collection('todos').get(serverId)?.n === 0, 'b sees x under its server id');
  assert.notEqual(serverId, id);
  a.goOffline();
  b.collection('todos').patch(serverId, { n: 1 });
  await until(() => a.collection('todos').get(serverId)?.n === 1, "the leader applied b's edit");
  a.collection('todos').patch(serverId, { n: 2 }); // a later edit, in the leader tab
  await a.flush();
  assert.equal(b.core.stats().pending, 1, 'b got no ack: it will send its edit again');
  await a.close();
  await until(() => b.status.tab === 'leader', 'b elected');
  await until(async () => (await server.store.get('todos', serverId))?.data.n === 2 && b.status.pending === 0, 'the edits on the server');
  // Applied again, b's old edit would now overwrite the later one: n would be 1.
  assert.equal(b.collection('todos').get(serverId).n, 2);
  assert.equal((await server.store.get('todos', serverId)).data.n, 2);
  await assertExactlyOnce(server, ['x'], 're-sent after handoff');
});

test('a push the leader never persisted is re-sent to the next leader and applied once', async (t) => {
  const server = await startSyncServer();
  const origin = { idb: new IDBFactory(), name: 'four' };
  // The first leader never takes b's pushes in (it dies between receiving and persisting), and
  // dies without a word (no resign, no bye): the others notice the missing heartbeats.
  const silent = (m) => m?.type === 'resign' || m?.type === 'bye';
  const a = await openTab(server, origin, { BroadcastChannel: lossyChannel({ in: (m) => m?.type === 'push', out: silent }) });
  const b = await openTab(server, origin);
  const c = await openTab(server, origin);
  t.after(async () => {
    await b.close();
    await c.close();
    await server.close();
  });
  assert.equal(a.status.tab, 'leader');
  for (let i = 0; i < 3; i++) b.collection('todos').create({ title: `b${i}`, n: i });
  await until(() => b.core.stats().pending === 3, 'b waits for its acks');
  const closedAt = Date.now();
  await a.close();
  await until(() => [b, c].some((x) => x.status.tab === 'leader'), 'a new leader');
  t.diagnostic(`fallback election after a silent leader death (heartbeat 40 ms): leader after ${Date.now() - closedAt} ms`);
  await until(settled([b, c], server, 3), 'on the server and in both tabs');
  await assertExactlyOnce(server, ['b0', 'b1', 'b2'], 'after handoff');
  assert.deepEqual(titles(c), await serverTitles(server));
});

test('a frozen leader hands off; its queued edits are not applied twice, its new ones go through the new leader', async (t) => {
  const server = await startSyncServer();
  const origin = { idb: new IDBFactory(), name: 'five' };
  const docA = new EventTarget();
  const a = await openTab(server, origin, { document: docA });
  const b = await openTab(server, origin);
  t.after(async () => {
    await a.close();
    await b.close();
    await server.close();
  });
  assert.equal(a.status.tab, 'leader');
  const { result } = a.collection('todos').create({ title: 'x', n: 0 });
  const { id } = await result;
  a.goOffline();
  a.collection('todos').create({ title: 'before-freeze', n: 1 });
  a.collection('todos').patch(id, { n: 1 });
  await a.flush();
  // Made as the tab freezes: its write to the shared database never starts, so it is not there.
  a.collection('todos').create({ title: 'at-freeze', n: 4 });
  docA.dispatchEvent(new Event('freeze'));
  assert.equal(a.status.tab, 'follower', 'stepped down at once');
  assert.equal(a.tabs.engine, null, 'no engine left in the frozen tab');
  await until(() => b.status.tab === 'leader', 'b elected');
  b.collection('todos').patch(id, { n: 2 }); // after a's queued edit: it must win
  docA.dispatchEvent(new Event('resume'));
  a.collection('todos').create({ title: 'after-resume', n: 2 });
  b.collection('todos').create({ title: 'from-b', n: 3 });
  await until(settled([a, b], server, 5), 'all on the server and in both tabs');
  await until(async () => (await server.store.get('todos', id)).data.n === 2 && a.collection('todos').get(id)?.n === 2, 'x converged');
  await assertExactlyOnce(server, ['x', 'before-freeze', 'at-freeze', 'after-resume', 'from-b'], 'freeze handoff');
  assert.deepEqual(titles(a), await serverTitles(server));
  assert.deepEqual(titles(b), await serverTitles(server));
  assert.equal(server.connections().length, 1, 'one connection: the new leader');
});

test('tabs: false, a custom storage object or no url keep the plain single client', async (t) => {
  const server = await startSyncServer();
  t.after(() => server.close());
  const idb = new IDBFactory();
  const off = await createSyncClient({ url: server.url, collections, storage: { name: 'x', indexedDB: idb }, tabs: false });
  assert.equal(off.status.tab, null);
  assert.equal(off.tabs, undefined);
  await off.close();
  const noUrl = await createSyncClient({ collections, storage: { name: 'y', indexedDB: idb }, tabs: true });
  assert.equal(noUrl.status.tab, null);
  await noUrl.close();
});

test('a leader alone in its origin posts no changes; a follower that comes later still gets everything', async (t) => {
  const server = await startSyncServer();
  const origin = { idb: new IDBFactory(), name: 'alone' };
  const posted = [];
  const counting = lossyChannel({ out: (m) => (posted.push(m?.type), false) });
  const leader = await openTab(server, origin, { BroadcastChannel: counting });
  const tabs = [leader];
  t.after(async () => {
    for (const c of tabs) await c.close();
    await server.close();
  });
  await until(() => leader.status.tab === 'leader' && leader.status.connected, 'the lone tab leads and is connected');
  for (let i = 0; i < 5; i++) leader.collection('todos').create({ title: `a${i}`, n: i });
  await until(async () => (await server.store.list('todos')).length === 5 && leader.status.pending === 0, 'the creates on the server');
  // Commits happened (local creates, their acks with renames): none became a post.
  assert.equal(posted.filter((type) => type === 'changes' || type === 'status').length, 0, `posted: ${posted}`);

  const follower = await openTab(server, origin);
  tabs.push(follower);
  await until(() => follower.status.tab === 'follower' && follower.collection('todos').count() === 5, 'the follower holds the 5 entities');
  assert.deepEqual(titles(follower), titles(leader));
  leader.collection('todos').create({ title: 'b', n: 9 });
  follower.collection('todos').create({ title: 'c', n: 10 });
  await until(settled(tabs, server, 7), 'both new creates in both tabs and on the server');
  assert.ok(posted.filter((type) => type === 'changes').length > 0, 'with a follower, changes are posted');
  for (const c of tabs) assert.deepEqual(titles(c), await serverTitles(server));
});
