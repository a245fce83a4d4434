// syncore/react: seed 002's hooks in syncore's terms (issue 16, item 6) — the per-entity pending
// flag, the log of remote changes, optimisticUpdate(data, apiCall), updateData, debounced writes
// and a remote-data cache that survives a reload and is invalidated by sync through tags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement as h, act } from 'react';
import { createSyncClient, createSyncCore } from '../../js/node.js';
import {
  SyncProvider, useEntity, useCollection, useMutation, useRemoteChanges, useOptimisticUpdate, useRemoteData, useMultiRemoteData,
} from '../../js/react/index.js';
import { mount } from './react_dom.js';

const collections = { todos: {}, notes: {} };
const upsert = (id, version, data) => ({ op: 'upsert', collection: 'todos', id, version, data: { id, ...data } });

// A bare core whose sends the test answers itself.
async function localCore() {
  const sent = [];
  const core = await createSyncCore({
    collections,
    client: { clientId: 'c1', seed: 1 },
    onEffects: (effects) => sent.push(...effects.filter((e) => e.type === 'send').flatMap((e) => e.mutations)),
  });
  core.setOnline(true);
  return { core, sent };
}

// A client whose server is played by the test (the public Transport interface).
async function scriptedClient() {
  const transport = {
    kind: 'scripted', stats: {}, sink: null, connected: false,
    start(sink) { transport.sink = sink; },
    connect() {}, disconnect() {}, push: () => false, sync() {}, setToken() {}, close() {},
  };
  const client = await createSyncClient({ collections, transport, storage: 'memory', window: new EventTarget(), document: new EventTarget() });
  transport.sink.connected({});
  transport.sink.caughtUp();
  return { client, sink: transport.sink };
}

// A Web Storage that outlives the page (localStorage's part in a reload).
function webStorage() {
  const items = new Map();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, String(v)), removeItem: (k) => items.delete(k), items };
}

const later = () => new Promise((resolve) => setTimeout(resolve, 0));

test('useEntity -> { data, pending }: pending while the entity has an unacknowledged mutation', async (t) => {
  const { core, sent } = await localCore();
  t.after(() => core.dispose());
  core.applyServer([upsert('a', 1, { title: 'milk' }), upsert('b', 1, { title: 'oats' })]);
  const shown = {};
  function Item({ id }) {
    const { data, pending } = useEntity('todos', id);
    shown[id] = `${data.title}${pending ? '*' : ''}`;
    return null;
  }
  let m;
  function Form() {
    m = useMutation('todos');
    return null;
  }
  const view = await mount(h(SyncProvider, { core }, h(Item, { id: 'a' }), h(Item, { id: 'b' }), h(Form)));
  assert.deepEqual(shown, { a: 'milk', b: 'oats' });
  await act(async () => m.patch('a', { title: 'oat milk' }));
  assert.deepEqual(shown, { a: 'oat milk*', b: 'oats' }); // only the edited entity is pending
  await act(async () => core.applyServer([{ op: 'ack', key: sent.splice(0)[0].key, version: 2, data: { id: 'a', title: 'oat milk' } }]));
  assert.deepEqual(shown, { a: 'oat milk', b: 'oats' });
  await view.unmount();
});

test('useEntity pending follows an entity the server renamed (a later edit still unacknowledged)', async (t) => {
  const { core, sent } = await localCore();
  t.after(() => core.dispose());
  let m;
  let shown;
  let tempId;
  function Item({ id }) {
    shown = useEntity('todos', id);
    return null;
  }
  function Form() {
    m = useMutation('todos');
    return null;
  }
  const form = await mount(h(SyncProvider, { core }, h(Form)));
  await act(async () => {
    tempId = m.create({ title: 'milk' }).id;
  });
  const view = await mount(h(SyncProvider, { core }, h(Item, { id: tempId })));
  const create = sent.splice(0)[0]; // in flight
  await act(async () => m.patch(tempId, { title: 'oat milk' }));
  await act(async () => core.applyServer([{ op: 'ack', key: create.key, version: 1, id: 'srv1', data: { id: 'srv1', title: 'milk' } }]));
  assert.equal(shown.data.id, 'srv1');
  assert.equal(shown.data.title, 'oat milk');
  assert.equal(shown.pending, true); // the edit is still unacknowledged
  await act(async () => core.applyServer([{ op: 'ack', key: sent.splice(0)[0].key, version: 2, data: { id: 'srv1', title: 'oat milk' } }]));
  assert.equal(shown.pending, false);
  await view.unmount();
  await form.unmount();
});

test('useRemoteChanges lists the changes the server applied (not our own writes); clear() empties it', async (t) => {
  const { client, sink } = await scriptedClient();
  t.after(() => client.close());
  let log;
  function Monitor() {
    log = useRemoteChanges();
    return h('p', null, log.updates.map((u) => `${u.type} ${u.collection}/${u.id}`).join(';'));
  }
  const view = await mount(h(SyncProvider, { client }, h(Monitor)));
  assert.equal(view.container.textContent, '');
  await act(async () => {
    sink.deliver([upsert('a', 1, { title: 'milk' })], 1);
    client.collection('todos').create({ id: 'mine', title: 'local' }); // ours: not a remote change
    sink.deliver([upsert('a', 2, { title: 'oat milk' }), { op: 'delete', collection: 'todos', id: 'a', version: 3 }], 3);
  });
  assert.equal(view.container.textContent, 'created todos/a;deleted todos/a');
  assert.ok(log.updates.every((u) => typeof u.at === 'number' && Number.isInteger(u.seq)));
  await act(async () => log.clear());
  assert.equal(view.container.textContent, '');
  await view.unmount();
});

test('optimisticUpdate: the data shows at once; a failed API call rolls back to what sync says now', async (t) => {
  const { client, sink } = await scriptedClient();
  t.after(() => client.close());
  sink.deliver([upsert('a', 1, { title: 'milk', done: false })], 1);
  let o;
  function Item() {
    o = useOptimisticUpdate('todos', 'a');
    return h('p', null, `${o.data.title}:${o.data.done}:${o.isUpdating ? 'updating' : 'idle'}`);
  }
  const view = await mount(h(SyncProvider, { client }, h(Item)));
  let fail;
  let call;
  await act(async () => {
    call = o.optimisticUpdate({ done: true }, () => new Promise((_, reject) => (fail = reject)));
  });
  assert.equal(view.container.textContent, 'milk:true:updating');
  assert.equal(client.core.stats().pending, 0); // a local overlay: nothing in the outbox
  await act(async () => sink.deliver([upsert('a', 2, { title: 'oat milk', done: false })], 2)); // meanwhile, from the server
  assert.equal(view.container.textContent, 'oat milk:true:updating');
  await act(async () => {
    fail(new Error('HTTP 500'));
    await assert.rejects(call, /HTTP 500/);
  });
  assert.equal(view.container.textContent, 'oat milk:false:idle'); // rolled back to the synced view, the remote change kept
  assert.equal(o.error.message, 'HTTP 500');
  await view.unmount();
});

test('optimisticUpdate: after the API call succeeds the data stays until the server change arrives through sync', async (t) => {
  const { client, sink } = await scriptedClient();
  t.after(() => client.close());
  sink.deliver([upsert('a', 1, { title: 'milk', done: false })], 1);
  let o;
  function Item() {
    o = useOptimisticUpdate('todos', 'a');
    return h('p', null, `${o.data.done}`);
  }
  const view = await mount(h(SyncProvider, { client }, h(Item)));
  await act(async () => {
    assert.deepEqual(await o.optimisticUpdate({ done: true }, async () => ({ ok: true })), { ok: true });
  });
  assert.equal(view.container.textContent, 'true'); // answered, not yet synced: no flash back to false
  await act(async () => sink.deliver([upsert('a', 2, { title: 'milk', done: true, by: 'api' })], 2));
  assert.equal(view.container.textContent, 'true');
  assert.equal(o.data.by, 'api'); // the overlay is gone: this is the synced entity
  await view.unmount();
});

test('optimisticUpdate shows in every useCollection row of the entity too', async (t) => {
  const { client, sink } = await scriptedClient();
  t.after(() => client.close());
  sink.deliver([upsert('a', 1, { title: 'milk' }), upsert('b', 1, { title: 'oats' })], 1);
  let o;
  let list;
  function Item() {
    o = useOptimisticUpdate('todos', 'a');
    return null;
  }
  function List() {
    list = useCollection('todos', { orderBy: ['id'] });
    return null;
  }
  const view = await mount(h(SyncProvider, { client }, h(Item), h(List)));
  const oats = list.data[1];
  let fail;
  await act(async () => {
    o.optimisticUpdate({ title: 'oat milk' }, () => new Promise((_, reject) => (fail = reject))).catch(() => {});
  });
  assert.deepEqual(list.data.map((x) => x.title), ['oat milk', 'oats']);
  assert.equal(list.data[1], oats); // rows without an overlay keep their identity
  await act(async () => fail(new Error('no')));
  assert.deepEqual(list.data.map((x) => x.title), ['milk', 'oats']);
  await view.unmount();
});

test('useMultiRemoteData updateData(name, value) sets one source locally for every component showing it', async (t) => {
  const { core } = await localCore();
  t.after(() => core.dispose());
  let multi;
  let single;
  function Dashboard() {
    multi = useMultiRemoteData({ user: ['/api/user', async () => ({ name: 'Ada' })], stats: ['/api/stats', async () => ({ n: 1 })] });
    return null;
  }
  function Badge() {
    single = useRemoteData('/api/user', async () => ({ name: 'Ada' }));
    return null;
  }
  const view = await mount(h(SyncProvider, { core }, h(Dashboard), h(Badge)));
  await act(later);
  assert.deepEqual(multi.data.user, { name: 'Ada' });
  await act(async () => multi.updateData('user', { name: 'Ada L.' }));
  assert.deepEqual(multi.data.user, { name: 'Ada L.' });
  assert.deepEqual(single.data, { name: 'Ada L.' });
  assert.equal(multi.status, 'fresh');
  assert.throws(() => multi.updateData('nope', 1), /no source named 'nope'/);
  await view.unmount();
});

test('useMutation({ debounceMs }): rapid edits of one entity become one mutation, shown at once', async (t) => {
  const { core, sent } = await localCore();
  t.after(() => core.dispose());
  core.applyServer([upsert('a', 1, { title: 'm', n: 0 })]);
  let m;
  let entity;
  function Editor() {
    m = useMutation('todos', { debounceMs: 30 });
    entity = useEntity('todos', 'a');
    return null;
  }
  const view = await mount(h(SyncProvider, { core }, h(Editor)));
  const handles = [];
  await act(async () => {
    for (const title of ['mi', 'mil', 'milk']) handles.push(m.patch('a', { title }));
    handles.push(m.patch('a', { n: 1 }));
  });
  assert.equal(entity.data.title, 'milk'); // shown at once…
  assert.equal(entity.data.n, 1);
  assert.equal(entity.pending, true);
  assert.equal(m.pending, 1);
  assert.equal(core.stats().pending, 0); // …but not in the outbox yet
  await act(() => new Promise((resolve) => setTimeout(resolve, 60)));
  assert.equal(core.stats().pending, 1);
  assert.deepEqual(core.pendingMutations().map((p) => p.data), [{ title: 'milk', n: 1 }]);
  assert.equal(sent.length, 1); // one push, not four
  await act(async () => core.applyServer([{ op: 'ack', key: sent[0].key, version: 2, data: { id: 'a', title: 'milk', n: 1 } }]));
  for (const handle of handles) assert.equal((await handle.result).status, 'acked');
  assert.equal(entity.pending, false);
  assert.equal(m.pending, 0);
  await view.unmount();
});

test('useMutation({ debounceMs }): buffered patches keep merge-patch meaning (nested fields, a deleted field set again)', async (t) => {
  const { core } = await localCore();
  t.after(() => core.dispose());
  core.applyServer([upsert('a', 1, { title: 'milk', meta: { x: 1, y: 1 }, old: { k: 1 } })]);
  let m;
  let entity;
  function Editor() {
    m = useMutation('todos', { debounceMs: 60_000 });
    entity = useEntity('todos', 'a');
    return null;
  }
  const view = await mount(h(SyncProvider, { core }, h(Editor)));
  await act(async () => {
    m.patch('a', { meta: { x: 2 } });
    m.patch('a', { meta: { z: 3 } });
    m.patch('a', { old: null });
    m.patch('a', { old: { fresh: true } });
  });
  const expected = { id: 'a', title: 'milk', meta: { x: 2, y: 1, z: 3 }, old: { fresh: true } };
  assert.deepEqual(entity.data, expected); // the overlay…
  await act(async () => m.flush());
  assert.deepEqual(core.get('todos', 'a'), expected); // …and the core's view once sent
  assert.deepEqual(entity.data, expected);
  await view.unmount();
});

test('useMutation({ debounceMs }): a patch of an entity that is not there is refused at once, not buffered', async (t) => {
  const { core } = await localCore();
  t.after(() => core.dispose());
  let m;
  let entity;
  function Editor() {
    m = useMutation('todos', { debounceMs: 60_000 });
    entity = useEntity('todos', 'ghost');
    return null;
  }
  const view = await mount(h(SyncProvider, { core }, h(Editor)));
  let handle;
  await act(async () => {
    handle = m.patch('ghost', { title: 'boo' });
  });
  assert.equal(m.error?.code, 'NOT_FOUND'); // at once, not when a flush 60 s later fails
  assert.equal(entity.pending, false);
  assert.equal(entity.data, undefined);
  await assert.rejects(handle.result, { code: 'NOT_FOUND' });
  await view.unmount();
});

test('useMutation({ debounceMs }) with a schema: a refused edit is the error when it is flushed, and nothing is queued', async (t) => {
  const { z } = await import('zod');
  const core = await createSyncCore({ collections: { todos: { schema: z.object({ id: z.string(), title: z.string().min(1) }) } }, client: { clientId: 'c1', seed: 1 } });
  t.after(() => core.dispose());
  core.applyServer([upsert('a', 1, { title: 'milk' })]);
  let m;
  let entity;
  function Editor() {
    m = useMutation('todos', { debounceMs: 60_000 });
    entity = useEntity('todos', 'a');
    return null;
  }
  const view = await mount(h(SyncProvider, { core }, h(Editor)));
  let handle;
  await act(async () => {
    handle = m.patch('a', { title: '' });
  });
  assert.equal(entity.data.title, ''); // shown while typing…
  await act(async () => m.flush());
  await assert.rejects(handle.result, { code: 'VALIDATION' }); // …refused by the schema when sent
  assert.equal(m.error.code, 'VALIDATION');
  assert.equal(entity.data.title, 'milk');
  assert.equal(entity.pending, false);
  assert.equal(core.stats().pending, 0);
  await view.unmount();
});

async function debouncedEditor() {
  const { core } = await localCore();
  core.applyServer([upsert('a', 1, { title: 'milk' })]);
  const editor = {};
  function Editor() {
    editor.m = useMutation('todos', { debounceMs: 60_000 });
    return null;
  }
  editor.view = await mount(h(SyncProvider, { core }, h(Editor)));
  await act(async () => editor.m.patch('a', { title: 'oat milk' }));
  assert.equal(core.get('todos', 'a').title, 'milk'); // buffered: not in the core's view yet
  return { core, editor };
}

test('useMutation({ debounceMs }): pagehide sends the buffered edits to the outbox', async (t) => {
  const { core, editor } = await debouncedEditor();
  t.after(() => core.dispose());
  await act(async () => window.dispatchEvent(new window.Event('pagehide')));
  assert.deepEqual(core.pendingMutations().map((p) => [p.id, p.data]), [['a', { title: 'oat milk' }]]);
  await editor.view.unmount();
});

test('useMutation({ debounceMs }): unmount sends the buffered edits to the outbox', async (t) => {
  const { core, editor } = await debouncedEditor();
  t.after(() => core.dispose());
  await editor.view.unmount();
  assert.deepEqual(core.pendingMutations().map((p) => [p.id, p.data]), [['a', { title: 'oat milk' }]]);
  assert.equal(core.get('todos', 'a').title, 'oat milk');
});

test('useRemoteData({ persist: true }) survives a reload; a sync change invalidates it through its sync: tag', async (t) => {
  const storage = webStorage();
  const fetched = [];
  const fetcher = (key) => {
    fetched.push(key);
    return { open: fetched.length };
  };
  const options = { persist: true, ttl: 60_000, tags: ['sync:todos'] };
  // The first page fetches and keeps the value.
  const first = await localCore();
  let shown;
  function Report() {
    shown = useRemoteData('/api/report', fetcher, options);
    return null;
  }
  const a = await mount(h(SyncProvider, { core: first.core, remoteCacheStorage: storage }, h(Report)));
  await act(later);
  assert.deepEqual(shown.data, { open: 1 });
  await a.unmount();
  first.core.dispose();
  // The reload: a new core with an empty cache; the value is there at once, fresh, not fetched again.
  const { client, sink } = await scriptedClient();
  t.after(() => client.close());
  const b = await mount(h(SyncProvider, { client, remoteCacheStorage: storage }, h(Report)));
  assert.deepEqual(shown.data, { open: 1 });
  assert.equal(shown.status, 'fresh');
  assert.equal(fetched.length, 1);
  // A change of todos through sync makes it stale: refetched.
  await act(async () => sink.deliver([upsert('a', 1, { title: 'milk' })], 1));
  await act(later);
  assert.equal(fetched.length, 2);
  assert.deepEqual(shown.data, { open: 2 });
  await b.unmount();
});
