// syncore/react on a real core, rendered with react-dom into a happy-dom document: which
// components re-render for which change, optimistic mutations, and no leaked subscriptions.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createElement as h, act, StrictMode, useState, Component } from 'react';
import { createSyncCore } from '../../js/node.js';
import {
  SyncProvider, useSyncClient, useSyncCore, useEntity, useCollection, useMutation, useOutbox,
  useConflicts, useSyncStatus,
} from '../../js/react/index.js';
import { mount } from './react_dom.js';

// Shows the code (or message) of an error thrown while rendering its children.
class Boundary extends Component {
  constructor(props) {
    super(props);
    this.state = { error: null };
  }
  static getDerivedStateFromError(error) {
    return { error };
  }
  render() {
    return this.state.error ? h('p', null, `caught ${this.state.error.code ?? this.state.error.message}`) : this.props.children;
  }
}

const upsert = (collection, id, version, data) => ({ op: 'upsert', collection, id, version, data: { id, ...data } });
const sendsOf = (effects) => effects.filter((e) => e.type === 'send').flatMap((e) => e.mutations);

async function localCore(extra = {}) {
  const sent = [];
  const core = await createSyncCore({
    collections: { todos: {}, notes: {} },
    client: { clientId: 'c1', seed: 1 },
    onEffects: (effects) => sent.push(...sendsOf(effects)),
    ...extra,
  });
  return { core, sent };
}

test('SyncProvider: useSyncClient outside a provider, or with a bare core, is a clear error', async (t) => {
  const { core } = await localCore();
  t.after(() => core.dispose());
  function Client() {
    useSyncClient();
    return null;
  }
  let seenCore;
  function Core() {
    seenCore = useSyncCore();
    return null;
  }
  const quiet = { onCaughtError: () => {} };
  const a = await mount(h(Boundary, null, h(Client)), quiet);
  const b = await mount(h(SyncProvider, { core }, h(Boundary, null, h(Client))), quiet);
  const c = await mount(h(SyncProvider, { core }, h(Core)));
  assert.match(a.container.textContent, /^caught useSyncClient\(\) must be used inside <SyncProvider/);
  assert.match(b.container.textContent, /given a bare core, not a client/);
  assert.equal(seenCore, core);
  for (const view of [a, b, c]) await view.unmount();
});

test('useEntity re-renders for its own entity only', async (t) => {
  const { core } = await localCore();
  t.after(() => core.dispose());
  core.applyServer([upsert('todos', 't1', 1, { title: 'milk' }), upsert('todos', 't2', 1, { title: 'eggs' }), upsert('notes', 't1', 1, { text: 'n' })]);
  const renders = { t1: 0, t2: 0 };
  const seen = {};
  function Todo({ id }) {
    const { data: todo } = useEntity('todos', id);
    renders[id]++;
    seen[id] = todo;
    return h('li', null, todo ? todo.title : '(gone)');
  }
  const view = await mount(h(SyncProvider, { core }, h(Todo, { id: 't1' }), h(Todo, { id: 't2' })));
  assert.deepEqual(renders, { t1: 1, t2: 1 });
  assert.equal(seen.t1, core.get('todos', 't1')); // the core's frozen snapshot itself
  assert.equal(view.container.textContent, 'milkeggs');

  await act(async () => core.applyServer([upsert('todos', 't1', 2, { title: 'oat milk' })]));
  assert.deepEqual(renders, { t1: 2, t2: 1 });
  assert.equal(view.container.textContent, 'oat milkeggs');

  await act(async () => core.applyServer([upsert('todos', 't2', 2, { title: 'brown eggs' })]));
  assert.deepEqual(renders, { t1: 2, t2: 2 });

  // Another collection with the same id, a new entity, and a batch touching neither: nothing.
  await act(async () => core.applyServer([upsert('notes', 't1', 2, { text: 'changed' }), upsert('todos', 't3', 1, { title: 'new' })]));
  assert.deepEqual(renders, { t1: 2, t2: 2 });

  await act(async () => core.applyServer([{ op: 'delete', collection: 'todos', id: 't1', version: 3 }]));
  assert.deepEqual(renders, { t1: 3, t2: 2 });
  assert.equal(seen.t1, undefined);
  assert.equal(view.container.textContent, '(gone)brown eggs');
  await view.unmount();
  assert.equal(core.stats().subscriptions, 0);
});

test('useCollection re-renders when its window changes, not for changes outside it', async (t) => {
  const { core } = await localCore();
  t.after(() => core.dispose());
  core.load('todos', [1, 2, 3, 4, 5].map((n) => ({ version: 1, data: { id: `t${n}`, n, done: false } })));
  let opened = 0;
  const query = core.query.bind(core);
  core.query = (spec) => {
    opened++;
    return query(spec);
  };
  const renders = { list: 0, parent: 0 };
  let result;
  let setLimit;
  let bumpParent;
  function List({ limit }) {
    // A new object literal on every render: compared by its JSON, never reopened for that.
    result = useCollection('todos', { where: [['done', 'eq', false]], orderBy: [['n', 'asc']], limit });
    renders.list++;
    return h('ul', null, result.data.map((todo) => h('li', { key: todo.id }, todo.id)));
  }
  function Parent() {
    const [limit, set] = useState(2);
    const [, bump] = useState(0);
    setLimit = set;
    bumpParent = () => bump((n) => n + 1);
    renders.parent++;
    return h(List, { limit });
  }
  const view = await mount(h(SyncProvider, { core }, h(Parent)));
  assert.equal(renders.list, 1);
  assert.deepEqual(result.ids, ['t1', 't2']);
  assert.equal(result.total, 5);
  assert.equal(result.data[0], core.get('todos', 't1'));
  assert.ok(Object.isFrozen(result));
  assert.equal(core.stats().queries, 1);
  const opensAtMount = opened;

  const first = result;
  for (let i = 0; i < 3; i++) await act(async () => bumpParent());
  assert.equal(renders.parent, 4);
  assert.equal(renders.list, 4); // its parent re-rendered it…
  assert.equal(result, first); // …with the same result object,
  assert.equal(opened, opensAtMount); // and the query was not reopened

  const listBefore = renders.list;
  // Outside the window: an entity past the limit, a non-matching create, another collection.
  await act(async () => core.applyServer([upsert('todos', 't5', 2, { n: 50, done: false })]));
  await act(async () => core.applyServer([upsert('todos', 'x', 1, { n: 0, done: true })]));
  await act(async () => core.applyServer([upsert('notes', 'z', 1, { text: 'hi' })]));
  assert.equal(renders.list, listBefore);
  assert.equal(result, first);

  // Inside: an entity of the window changes, then a new one enters it.
  await act(async () => core.applyServer([upsert('todos', 't2', 2, { n: 2, done: false, title: 'x' })]));
  assert.equal(renders.list, listBefore + 1);
  assert.equal(result.data[1].title, 'x');
  await act(async () => core.applyServer([upsert('todos', 't0', 1, { n: 0, done: false })]));
  assert.equal(renders.list, listBefore + 2);
  assert.deepEqual(result.ids, ['t0', 't1']);
  assert.equal(result.total, 6);
  assert.equal(view.container.textContent, 't0t1');

  // A new spec opens a new query and closes the old one.
  await act(async () => setLimit(3));
  assert.deepEqual(result.ids, ['t0', 't1', 't2']);
  assert.equal(core.stats().queries, 1);
  await view.unmount();
  assert.equal(core.stats().queries, 0);
});

test('useMutation: optimistic at once, pending until settled, rejections as error', async (t) => {
  const { core, sent } = await localCore();
  t.after(() => core.dispose());
  core.applyServer([upsert('todos', 't1', 1, { title: 'milk', done: false })]);
  core.setOnline(true);
  const renders = { item: 0, list: 0, form: 0 };
  let m;
  let itemState;
  function Item() {
    itemState = useEntity('todos', 't1');
    const todo = itemState.data;
    renders.item++;
    return h('p', null, `${todo.title}:${todo.done}`);
  }
  function List() {
    const { data } = useCollection('todos', { orderBy: ['title'] });
    renders.list++;
    return h('p', null, data.map((x) => x.title).join(','));
  }
  function Form() {
    m = useMutation('todos');
    renders.form++;
    return h('p', null, `pending ${m.pending} ${m.error ? m.error.code : 'ok'}`);
  }
  const view = await mount(h(SyncProvider, { core }, h(Item), h(List), h(Form)));
  assert.equal(view.container.textContent, 'milk:falsemilkpending 0 ok');

  let handle;
  await act(async () => {
    handle = m.patch('t1', { done: true });
  });
  assert.equal(handle.value.done, true); // the handle's optimistic value…
  assert.equal(view.container.textContent, 'milk:truemilkpending 1 ok'); // …and the view, in the same act
  assert.deepEqual(renders, { item: 2, list: 2, form: 2 });
  assert.equal(m.pending, 1);
  assert.equal(itemState.pending, true);
  const shownBeforeAck = itemState.data;

  const [wire] = sent.splice(0);
  await act(async () => {
    core.applyServer([{ op: 'ack', key: wire.key, version: 2, data: { id: 't1', title: 'milk', done: true } }]);
    assert.equal((await handle.result).status, 'acked');
  });
  assert.equal(m.pending, 0);
  assert.equal(m.lastResult.status, 'acked');
  // The ack changed nothing the view showed (the same data object); useEntity's pending flag went
  // false, which is the one re-render.
  assert.equal(renders.item, 3);
  assert.equal(itemState.pending, false);
  assert.equal(itemState.data, shownBeforeAck);

  // A create the server refuses: visible at once, then rolled back, with the error.
  let bad;
  await act(async () => {
    bad = m.create({ title: 'bread' });
  });
  assert.equal(view.container.textContent, 'milk:truebread,milkpending 1 ok');
  await act(async () => {
    core.applyServer([{ op: 'reject', key: sent.splice(0)[0].key, class: 'validation', message: 'no bread' }]);
    await assert.rejects(bad.result, { code: 'REJECTED', message: /no bread/ });
  });
  assert.equal(view.container.textContent, 'milk:truemilkpending 0 REJECTED');
  assert.equal(m.error.code, 'REJECTED');

  // Refused at once by the core: no change, the error and a rejected result, no throw.
  let missing;
  await act(async () => {
    missing = m.patch('nope', { done: true });
  });
  await assert.rejects(missing.result, { code: 'NOT_FOUND' });
  assert.equal(m.error.code, 'NOT_FOUND');
  assert.equal(m.pending, 0);
  await act(async () => m.reset());
  assert.equal(m.error, null);
  await view.unmount();
});

test('a bare core: status, outbox and conflicts without a client', async (t) => {
  const { core, sent } = await localCore({ collections: { todos: {}, notes: { strategy: 'manual' } } });
  t.after(() => core.dispose());
  core.applyServer([upsert('notes', 'n1', 1, { text: 'base' })]);
  core.setOnline(true);
  let status;
  let outbox;
  let conflicts;
  let m;
  const renders = { status: 0, outbox: 0, conflicts: 0 };
  function Status() {
    status = useSyncStatus();
    renders.status++;
    return null;
  }
  function Outbox() {
    outbox = useOutbox();
    renders.outbox++;
    return null;
  }
  function Conflicts() {
    conflicts = useConflicts();
    m = useMutation('notes');
    renders.conflicts++;
    return null;
  }
  const view = await mount(h(SyncProvider, { core }, h(Status), h(Outbox), h(Conflicts)));
  assert.equal(status.message, 'All changes saved on this device');
  assert.deepEqual([outbox.pending, outbox.deadLetters, conflicts.conflicts], [[], [], []]);

  await act(async () => m.patch('n1', { text: 'mine' }));
  assert.equal(status.pending, 1);
  assert.equal(status.message, '1 change pending sync');
  assert.equal(outbox.pending.length, 1);
  const key = sent.splice(0)[0].key;
  // The server had a newer version: the edit is parked as a manual conflict.
  await act(async () => core.applyServer([{ op: 'conflict', key, version: 2, data: { id: 'n1', text: 'theirs' } }]));
  assert.equal(conflicts.conflicts.length, 1);
  assert.equal(conflicts.conflicts[0].local.text, 'mine');
  assert.equal(conflicts.conflicts[0].remote.text, 'theirs');
  assert.equal(status.conflicts, 1);
  assert.equal(m.error.code, 'CONFLICT');
  const list = conflicts.conflicts;
  await act(async () => core.applyServer([upsert('todos', 'unrelated', 1, {})]));
  assert.equal(conflicts.conflicts, list); // the same array while unchanged

  await act(async () => conflicts.resolve(list[0].id, { choice: 'merged', value: { id: 'n1', text: 'both' } }));
  assert.deepEqual(conflicts.conflicts, []);
  assert.equal(core.get('notes', 'n1').text, 'both');
  assert.equal(status.conflicts, 0);
  assert.equal(outbox.pending.length, 1); // the resolution goes out as a new mutation
  await view.unmount();
});

test('StrictMode: double effects leak no subscription, query or listener', async (t) => {
  const { core } = await localCore();
  t.after(() => core.dispose());
  core.applyServer([upsert('todos', 't1', 1, { title: 'milk' })]);
  let shown;
  function All() {
    const { data: todo } = useEntity('todos', 't1');
    const { data } = useCollection('todos', { limit: 5 });
    useOutbox();
    useConflicts();
    const s = useSyncStatus();
    shown = `${todo.title} ${data.length} ${s.pending}`;
    return null;
  }
  const view = await mount(h(StrictMode, null, h(SyncProvider, { core }, h(All), h(All))));
  assert.equal(shown, 'milk 1 0');
  assert.equal(core.stats().subscriptions, 2);
  assert.equal(core.stats().queries, 2);
  await act(async () => core.applyServer([upsert('todos', 't1', 2, { title: 'oat milk' })]));
  assert.equal(shown, 'oat milk 1 0');
  await view.unmount();
  assert.equal(core.stats().subscriptions, 0);
  assert.equal(core.stats().queries, 0);
});

test('a render error in a child leaves the provider and core usable', async (t) => {
  const { core } = await localCore();
  t.after(() => core.dispose());
  function Bad() {
    useCollection('todos', { where: [['n', 'between', 1]] });
    return null;
  }
  const view = await mount(h(SyncProvider, { core }, h(Boundary, null, h(Bad))), { onCaughtError: () => {} });
  assert.equal(view.container.textContent, 'caught BAD_QUERY');
  assert.equal(core.stats().queries, 0);
  await view.unmount();
});
