// What a write skips while nobody listens (issue 15, W4: the client's per-write cost): the status
// and the historyChanged entries are made only for someone (or when read), and a commit gets its
// lazy views only when a listener may read them. Each check also shows the listener added later
// hears everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncClient, createSyncCore } from '../../js/node.js';
import { ClientStatus } from '../../js/client/status.js';
import { CommitListeners } from '../../js/commit_listeners.js';

test('ClientStatus: changes while unwatched are in current, and the next watched change tells them all', () => {
  let watched = false;
  const told = [];
  const status = new ClientStatus({ pending: 0, unsaved: 0, online: true }, (s) => told.push(s), () => watched);
  const first = status.current;
  assert.equal(status.set({ pending: 1, unsaved: 1 }), true);
  assert.equal(status.set({ pending: 2, unsaved: 1 }), true);
  assert.equal(status.set({ pending: 2 }), false, 'the same value as the change not yet made is no change');
  assert.deepEqual(told, []);
  const now = status.current;
  assert.notEqual(now, first);
  assert.deepEqual(now, { pending: 2, unsaved: 1, online: true });
  assert.ok(Object.isFrozen(now));
  assert.equal(status.current, now, 'the same object until it changes');
  assert.equal(status.set({ pending: 2, unsaved: 1 }), false);
  status.set({ unsaved: 0 });
  watched = true;
  status.set({ online: false });
  assert.equal(told.length, 1);
  assert.deepEqual(told[0], { pending: 2, unsaved: 0, online: false });
  assert.equal(status.current, told[0]);
});

test('a client without listeners: status and history are right when read; a listener added later hears the next write', async (t) => {
  const client = await createSyncClient({ collections: { todos: {} }, storage: 'memory' });
  t.after(() => client.close());
  client.goOffline();
  for (let i = 0; i < 3; i++) client.mutate({ collection: 'todos', op: 'create', data: { id: `t${i}`, title: `${i}` } });
  assert.equal(client.status.pending, 3);
  await client.flush();
  assert.equal(client.status.unsaved, 0);
  assert.deepEqual(client.history().map((e) => [e.id, e.status]), [['t2', 'pending'], ['t1', 'pending'], ['t0', 'pending']]);
  const statuses = [];
  const histories = [];
  client.on('statusChanged', (s) => statuses.push(s));
  client.on('historyChanged', (e) => histories.push(e.entries.map((x) => x.id)));
  client.mutate({ collection: 'todos', op: 'create', data: { id: 't3', title: '3' } });
  assert.equal(statuses.at(-1).pending, 4);
  assert.equal(statuses.at(-1), client.status);
  await client.flush();
  assert.deepEqual(histories, [['t3']]);
  assert.equal(client.status.unsaved, 0);
});

test('CommitListeners: a commit gets its lazy views only while a listener may read them', () => {
  const listeners = new CommitListeners();
  const madeHere = { collection: 'todos', id: 'a', make: () => Object.freeze({ id: 'a' }) };
  const seen = [];
  const offQuiet = listeners.add((c) => seen.push(['quiet', Object.hasOwn(c, 'views')]), { views: false });
  listeners.deliver({ changes: {} }, madeHere);
  const offReader = listeners.add((c) => seen.push(['reader', c.views.todos.a.id]));
  listeners.deliver({ changes: {} }, madeHere);
  offReader();
  offReader(); // twice: counted once
  listeners.deliver({ changes: {} }, madeHere);
  offQuiet();
  listeners.deliver({ changes: {} }, madeHere);
  assert.deepEqual(seen, [['quiet', false], ['quiet', true], ['reader', 'a'], ['quiet', false]]);
});

test('a listener removed or added while a commit is told: that commit goes to those there when it started', () => {
  const listeners = new CommitListeners();
  const seen = [];
  let offB;
  listeners.add(() => {
    seen.push('a');
    offB();
    listeners.add(() => seen.push('c'));
  });
  offB = listeners.add(() => seen.push('b'));
  listeners.deliver({ changes: {} }, null);
  assert.deepEqual(seen, ['a', 'b']);
});

test('a create\'s view: keys in the core\'s order, frozen, the same object for the handle, get() and commit.views', async (t) => {
  const client = await createSyncClient({ collections: { todos: {} }, storage: 'memory' });
  t.after(() => client.close());
  let views;
  client.core.onCommit((c) => (views = c.views));
  const h = client.mutate({ collection: 'todos', op: 'create', data: { title: 'x', id: 'a', done: false, '10': 1, '9': 2 } });
  assert.ok(Object.isFrozen(h.value));
  assert.equal(views.todos.a, h.value);
  assert.equal(client.core.get('todos', 'a'), h.value);
  // As a core that read it back from wasm would hold it.
  const core = await createSyncCore({ collections: { todos: {} } });
  t.after(() => core.dispose());
  core.mutate({ collection: 'todos', op: 'create', data: { title: 'x', id: 'a', done: false, '10': 1, '9': 2 } });
  const fromWasm = JSON.parse(JSON.stringify(core.list('todos')[0]));
  assert.deepEqual(Object.keys(h.value), Object.keys(fromWasm));
  assert.deepEqual(h.value, fromWasm);
});
