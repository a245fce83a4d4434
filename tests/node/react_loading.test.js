// syncore/react: loading, Suspense and a failed start (issue 16, item 3). A scripted transport
// (the public Transport interface) decides when the client has caught up with the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement as h, act, Suspense } from 'react';
import { createSyncClient, createSyncCore, createMemoryStorage } from '../../js/node.js';
import { SyncProvider, useSyncClient, useCollection, useEntity } from '../../js/react/index.js';
import { mount } from './react_dom.js';

const collections = { todos: {}, notes: {} };

// The server side of a session, played by the test: sink.connected(), sink.deliver(), sink.caughtUp().
function scriptedTransport() {
  const t = {
    kind: 'scripted',
    stats: {},
    sink: null,
    connected: false,
    start(sink) {
      t.sink = sink;
    },
    connect() {},
    disconnect() {},
    push: () => false,
    sync() {},
    setToken() {},
    close() {},
  };
  return t;
}

// A storage that outlives its client (close() keeps the records): a reload's storage.
function keptStorage() {
  const memory = createMemoryStorage();
  return { ...memory, close: async () => {} };
}

const change = (id, version, data) => ({ op: 'upsert', collection: 'todos', id, version, data: { id, ...data } });

async function startClient(options = {}) {
  const transport = scriptedTransport();
  const client = await createSyncClient({ collections, transport, storage: 'memory', window: new EventTarget(), document: new EventTarget(), ...options });
  return { client, transport };
}

test('useCollection is loading until the first catch-up, then ready', async (t) => {
  const { client, transport } = await startClient();
  t.after(() => client.close());
  let list;
  function List() {
    list = useCollection('todos', { orderBy: ['id'] });
    return h('p', null, `${list.status}:${list.data.map((x) => x.id).join(',')}`);
  }
  const view = await mount(h(SyncProvider, { client }, h(List)));
  assert.equal(view.container.textContent, 'loading:');
  assert.equal(list.error, null);
  await act(async () => {
    transport.sink.connected({});
    transport.sink.deliver([change('a', 1, { title: 'milk' })], 1); // a first chunk: not caught up yet
  });
  assert.equal(view.container.textContent, 'loading:a');
  await act(async () => transport.sink.caughtUp());
  assert.equal(view.container.textContent, 'ready:a');
  assert.equal(client.collectionStatus('todos'), 'ready');
  await view.unmount();
});

test('useEntity is loading until the first catch-up, then ready', async (t) => {
  const { client, transport } = await startClient();
  t.after(() => client.close());
  let entity;
  function Item() {
    entity = useEntity('todos', 'a');
    return h('p', null, `${entity.status}:${entity.data?.title ?? '-'}`);
  }
  const view = await mount(h(SyncProvider, { client }, h(Item)));
  assert.equal(view.container.textContent, 'loading:-');
  await act(async () => {
    transport.sink.connected({});
    transport.sink.deliver([change('a', 1, { title: 'milk' })], 1);
    transport.sink.caughtUp();
  });
  assert.equal(view.container.textContent, 'ready:milk');
  await view.unmount();
});

test('a collection whose data storage held is ready at once after a reload, offline', async (t) => {
  const storage = keptStorage();
  const first = await startClient({ storage });
  await act(async () => {
    first.transport.sink.connected({});
    first.transport.sink.deliver([change('a', 1, { title: 'milk' })], 1);
    first.transport.sink.caughtUp();
  });
  await first.client.close();
  // The reload: the server is not reachable (the transport never connects).
  const { client } = await startClient({ storage });
  t.after(() => client.close());
  let list;
  function List() {
    list = useCollection('todos');
    return null;
  }
  const view = await mount(h(SyncProvider, { client }, h(List)));
  assert.equal(list.status, 'ready');
  assert.deepEqual(list.data.map((x) => x.title), ['milk']);
  await view.unmount();
});

test('without a server to wait for (no transport, or a bare core) collections are ready at once', async (t) => {
  const client = await createSyncClient({ collections, storage: 'memory', window: new EventTarget(), document: new EventTarget() });
  const core = await createSyncCore({ collections });
  t.after(async () => {
    await client.close();
    core.dispose();
  });
  const seen = [];
  function List() {
    seen.push(useCollection('todos').status);
    return null;
  }
  const a = await mount(h(SyncProvider, { client }, h(List)));
  const b = await mount(h(SyncProvider, { core }, h(List)));
  assert.deepEqual(seen, ['ready', 'ready']);
  await a.unmount();
  await b.unmount();
});

test('Suspense mode: useCollection({ suspense: true }) suspends until the catch-up', async (t) => {
  const { client, transport } = await startClient();
  t.after(() => client.close());
  let renders = 0;
  function List() {
    const { data, status } = useCollection('todos', { suspense: true });
    renders++;
    return h('p', null, `${status}:${data.map((x) => x.title).join(',')}`);
  }
  const view = await mount(h(SyncProvider, { client }, h(Suspense, { fallback: h('p', null, 'waiting') }, h(List))));
  assert.equal(view.container.textContent, 'waiting');
  assert.equal(renders, 0);
  await act(async () => {
    transport.sink.connected({});
    transport.sink.deliver([change('a', 1, { title: 'milk' })], 1);
  });
  assert.equal(view.container.textContent, 'waiting'); // a chunk is not the catch-up
  await act(async () => transport.sink.caughtUp());
  assert.equal(view.container.textContent, 'ready:milk');
  await view.unmount();
});

test('Suspense mode: useEntity(c, id, { suspense: true }) suspends until the catch-up', async (t) => {
  const { client, transport } = await startClient();
  t.after(() => client.close());
  function Item() {
    const { data } = useEntity('todos', 'a', { suspense: true });
    return h('p', null, data?.title ?? 'none');
  }
  const view = await mount(h(SyncProvider, { client }, h(Suspense, { fallback: h('p', null, 'waiting') }, h(Item))));
  assert.equal(view.container.textContent, 'waiting');
  await act(async () => {
    transport.sink.connected({});
    transport.sink.deliver([change('a', 1, { title: 'milk' })], 1);
    transport.sink.caughtUp();
  });
  assert.equal(view.container.textContent, 'milk');
  await view.unmount();
});

test('auth refused before anything loaded: status error with AUTH_REQUIRED, loading again after setToken', async (t) => {
  const { client, transport } = await startClient();
  t.after(() => client.close());
  let list;
  function List() {
    list = useCollection('todos');
    return null;
  }
  const view = await mount(h(SyncProvider, { client }, h(List)));
  await act(async () => transport.sink.authRequired('token expired'));
  assert.equal(list.status, 'error');
  assert.equal(list.error.code, 'AUTH_REQUIRED');
  await act(async () => {
    client.setToken('new');
    transport.sink.status({ state: 'connecting' });
  });
  assert.equal(list.status, 'loading');
  await view.unmount();
});

test('SyncProvider with a client promise: fallback while it starts, then the app', async (t) => {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  let seen;
  function App() {
    seen = useSyncClient();
    return h('p', null, 'app');
  }
  const view = await mount(h(SyncProvider, { client: promise, fallback: h('p', null, 'starting') }, h(App)));
  assert.equal(view.container.textContent, 'starting');
  const { client } = await startClient();
  t.after(() => client.close());
  await act(async () => resolve(client));
  assert.equal(view.container.textContent, 'app');
  assert.equal(seen, client);
  await view.unmount();
});

test('a client that fails to start is an error state, not a blank page', async () => {
  const failed = createSyncClient({ collections, storage: 'no such storage' });
  function App() {
    useSyncClient();
    return h('p', null, 'app');
  }
  const byDefault = await mount(h(SyncProvider, { client: failed }, h(App)));
  await act(async () => failed.catch(() => {}));
  const alert = byDefault.container.querySelector('[role="alert"]');
  assert.ok(alert, 'an alert is shown');
  assert.match(alert.textContent, /^Sync could not start: .*storage must be/);
  const custom = await mount(h(SyncProvider, { client: failed, errorFallback: (err) => h('p', null, `failed: ${err.code}`) }, h(App)));
  assert.equal(custom.container.textContent, 'failed: WRONG_TYPE');
  await byDefault.unmount();
  await custom.unmount();
});
