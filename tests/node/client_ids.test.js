// Ids that do not change (issue 16, item 4): a create without an id gets a UUIDv7 made on the
// client (a collection's default, `ids: 'client'`), kept by the server, so the entity — and a
// React key — never changes across the ack. `ids: 'server'` keeps the server-assigned mode: a
// temp id, renamed on ack. (More temp-id tests, opted into `ids: 'server'`: sync, temp_ids,
// tabs_temp_ids, tabs, close_restart, bad_input, rest, react_sync.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createElement as h, act } from 'react';
import { createSyncClient, createSyncCore, createRestTransport } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';
import { SyncProvider, useCollection, useMutation } from '../../js/react/index.js';
import { uuidV7Generator } from '../../js/entity_ids.js';
import { mount } from './react_dom.js';
import { untilClient } from './helpers.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const fast = { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 };
const quiet = { window: new EventTarget(), document: new EventTarget() };

/** The 48-bit Unix ms of a UUIDv7. */
const msOf = (id) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

/** Every rename any commit of this client's core announces, as [collection, from, to]. */
function renamesOf(client) {
  const seen = [];
  client.core.onCommit((commit) => {
    for (const [collection, map] of Object.entries(commit.renamed ?? {})) for (const [from, to] of Object.entries(map)) seen.push([collection, from, to]);
  });
  return seen;
}

test('a create without an id gets a UUIDv7 (version 7, variant 10) stamped with the core clock, in the collection id field', async () => {
  let now = Date.UTC(2026, 10, 30, 8, 0, 0);
  const core = await createSyncCore({ collections: { todos: {}, notes: { idField: 'key' } }, now: () => now, client: { clientId: 'c1' } });
  const a = core.mutate({ collection: 'todos', op: 'create', data: { title: 'a' } }).changes.todos.created[0];
  const b = core.mutate({ collection: 'todos', op: 'create', data: { title: 'b' } }).changes.todos.created[0];
  now += 5;
  const c = core.mutate({ collection: 'todos', op: 'create', data: { title: 'c' } }).changes.todos.created[0];
  const note = core.mutate({ collection: 'notes', op: 'create', data: { text: 'n' } }).changes.notes.created[0];
  for (const id of [a, b, c, note]) assert.match(id, UUID_V7);
  assert.equal(msOf(a), now - 5);
  assert.equal(msOf(b), now - 5);
  assert.equal(msOf(c), now);
  assert.ok(a < b && b < c, 'time-ordered, and strictly increasing within one ms');
  assert.deepEqual(core.get('todos', a), { id: a, title: 'a' });
  assert.deepEqual(core.get('notes', note), { key: note, text: 'n' });
  // The id goes out with the create: the server is asked to keep it, not to name the entity.
  const [push] = core.setOnline(true).effects.filter((e) => e.type === 'send');
  assert.deepEqual(push.mutations.map((m) => [m.id, m.data.id ?? m.data.key]), [[a, a], [b, b], [c, c], [note, note]]);
  // An id the app gives is used as it is; ids: 'x' is not an option.
  assert.deepEqual(core.mutate({ collection: 'todos', op: 'create', data: { id: 'mine', title: 'm' } }).changes.todos.created, ['mine']);
  assert.deepEqual(core.mutate({ collection: 'todos', op: 'create', id: 7, data: { title: 'n' } }).changes.todos.created, ['7']);
  assert.throws(() => core.defineCollection('bad', { ids: 'uuid' }), { code: 'WRONG_TYPE' });
  assert.equal(core.idsOf('todos'), 'client');
  core.dispose();
});

test('UUIDv7 ids: 100,000 unique, strictly increasing, even with a clock that stands still or steps back', () => {
  const next = uuidV7Generator();
  const clock = [1_000, 1_000, 999, 1_000, 1_001]; // a still clock, a step back, then on again
  const ids = [];
  for (let i = 0; i < 100_000; i++) ids.push(next(clock[Math.min(Math.floor(i / 20_000), clock.length - 1)]));
  for (const id of ids) assert.match(id, UUID_V7);
  assert.equal(new Set(ids).size, ids.length, 'unique');
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1] < ids[i], `in order at ${i}: ${ids[i - 1]} ${ids[i]}`);
  assert.equal(msOf(ids[0]), 1_000);
  assert.equal(msOf(ids[59_999]), 1_000, 'a step back keeps the last ms (the counter goes on)');
  assert.equal(msOf(ids.at(-1)), 1_001);
  // Two generators (two clients) in the same ms: unique by their random bits.
  const other = uuidV7Generator();
  const mine = new Set(Array.from({ length: 1000 }, () => next(5_000)));
  assert.ok(Array.from({ length: 1000 }, () => other(5_000)).every((id) => !mine.has(id)));
});

test('a created entity keeps its id through the ack: the same id on the server, in the view, in the result; no rename', async (t) => {
  const server = await startSyncServer({ logger: null });
  const a = await createSyncClient({ url: server.url, collections: { todos: {} }, token: 't', websocket: fast, ...quiet });
  const b = await createSyncClient({ url: server.url, collections: { todos: {} }, token: 't', websocket: fast, ...quiet });
  t.after(async () => {
    await a.close();
    await b.close();
    await server.close();
  });
  const renames = renamesOf(a);
  await untilClient(a, () => a.status.connected, 'connected');
  const made = a.collection('todos').create({ title: 'milk' });
  assert.match(made.id, UUID_V7);
  const first = a.collection('todos').get(made.id);
  const done = await made.result;
  assert.equal(done.status, 'acked');
  assert.equal(done.id, made.id);
  assert.equal((await server.store.get('todos', made.id)).data.title, 'milk');
  assert.deepEqual(a.collection('todos').list().map((x) => x.id), [made.id]);
  assert.equal(a.collection('todos').get(made.id), first, 'the same snapshot: nothing re-rendered');
  await untilClient(b, () => b.collection('todos').get(made.id)?.title === 'milk', 'the other client has it under the same id');
  // Offline, then online: the same.
  a.goOffline();
  const offline = a.collection('todos').create({ title: 'bread' });
  a.goOnline();
  assert.equal((await offline.result).id, offline.id);
  assert.deepEqual(renames, []);
});

test('a React list keeps its item (same key, same DOM node) from the first render through the ack; ids: server remounts it', async (t) => {
  const nodeAcrossAck = async (collections) => {
    const server = await startSyncServer({ logger: null });
    t.after(() => server.close());
    const client = await createSyncClient({ url: server.url, collections, token: 't', websocket: fast, ...quiet });
    t.after(() => client.close());
    await untilClient(client, () => client.status.connected, 'connected');
    let create;
    function List() {
      const { data } = useCollection('todos');
      ({ create } = useMutation('todos'));
      // A key that changes makes React drop the <li> and mount a new one.
      return h('ul', null, data.map((todo) => h('li', { key: todo.id }, todo.title)));
    }
    const view = await mount(h(SyncProvider, { client }, h(List)));
    let made;
    await act(async () => {
      made = create({ title: 'milk' });
    });
    const before = view.container.querySelector('li');
    assert.equal(before.textContent, 'milk', 'shown at once');
    const done = await act(() => made.result);
    await act(() => untilClient(client, () => client.status.pending === 0, 'acked'));
    const after = view.container.querySelector('li');
    assert.equal(view.container.querySelectorAll('li').length, 1);
    await view.unmount();
    return { kept: after === before, made, done };
  };
  const client = await nodeAcrossAck({ todos: {} });
  assert.equal(client.done.id, client.made.id);
  assert.ok(client.kept, 'the same <li>: React kept the item, its key never changed');
  // The server-assigned mode: the temp id is renamed on ack, so the key changes and React remounts.
  const named = await nodeAcrossAck({ todos: { ids: 'server' } });
  assert.match(named.made.id, /^tmp-/);
  assert.notEqual(named.done.id, named.made.id);
  assert.ok(!named.kept, 'a renamed entity is a new <li>');
});

test("ids: 'server' still gets a temp id the server's ack renames, also on a restart and per collection", async (t) => {
  const server = await startSyncServer({ logger: null });
  const indexedDB = new IDBFactory();
  const collections = { todos: { ids: 'server' }, notes: {} };
  const open = () => createSyncClient({ url: server.url, collections, token: 't', websocket: fast, storage: { name: 'ids', indexedDB }, ...quiet });
  let a = await open();
  t.after(async () => {
    await a.close();
    await server.close();
  });
  const renames = renamesOf(a);
  a.goOffline();
  const todo = a.collection('todos').create({ title: 'named by the server' });
  const note = a.collection('notes').create({ text: 'named here' });
  assert.match(todo.id, /^tmp-/);
  assert.match(note.id, UUID_V7);
  assert.equal(a.core.idsOf('todos'), 'server');
  await a.close(); // a restart before the server saw them: both are stored under these ids
  a = await open();
  const after = renamesOf(a);
  await untilClient(a, () => a.status.pending === 0 && a.status.connected, 'both acked');
  const [todoDone] = a.collection('todos').list();
  const [noteDone] = a.collection('notes').list();
  assert.equal(todoDone.title, 'named by the server');
  assert.notEqual(todoDone.id, todo.id, 'renamed to the server id');
  assert.ok(!String(todoDone.id).startsWith('tmp-'));
  assert.deepEqual(after, [['todos', todo.id, todoDone.id]]);
  assert.equal(noteDone.id, note.id, 'the client-named collection keeps its id');
  assert.ok(await server.store.get('notes', note.id));
  assert.deepEqual(renames, []);
});

test('a follower tab creates under a client id: the leader, the server and every tab keep it', async (t) => {
  const server = await startSyncServer({ logger: null });
  const origin = { name: 'client-ids', indexedDB: new IDBFactory() };
  const openTab = () =>
    createSyncClient({ url: server.url, collections: { todos: {} }, token: 't', websocket: fast, storage: origin, tabs: { locks: null, heartbeatMs: 40, helloRetryMs: 40 } });
  const leader = await openTab();
  await untilClient(leader, () => leader.status.tab === 'leader', 'a leader');
  const follower = await openTab();
  t.after(async () => {
    await follower.close();
    await leader.close();
    await server.close();
  });
  await untilClient(follower, () => follower.status.tab === 'follower' && follower.status.connected, 'the follower linked');
  const made = follower.collection('todos').create({ title: 'from the follower' });
  assert.match(made.id, UUID_V7);
  const done = await made.result; // (the leader's word: durable in the shared database)
  assert.equal(done.id, made.id);
  await untilClient(leader, () => leader.status.pending === 0 && leader.collection('todos').get(made.id)?.title === 'from the follower', 'the server acked it to the leader');
  assert.deepEqual((await server.store.list('todos')).map((e) => e.data.id), [made.id]);
  assert.deepEqual(follower.collection('todos').list().map((x) => x.id), [made.id]);
  assert.deepEqual(leader.collection('todos').list().map((x) => x.id), [made.id]);
});

test("the server's REST endpoint keeps a client's id (POST with the id in the body)", async (t) => {
  const server = await startSyncServer({ logger: null });
  const client = await createSyncClient({ transport: createRestTransport({ baseUrl: server.restUrl, pullCollections: ['todos'] }), collections: { todos: {} }, token: 't', ...quiet });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  const made = client.collection('todos').create({ title: 'over REST' });
  assert.match(made.id, UUID_V7);
  assert.equal((await made.result).id, made.id);
  assert.equal((await server.store.get('todos', made.id)).data.title, 'over REST');
  assert.deepEqual(client.collection('todos').list().map((x) => x.id), [made.id]);
});
