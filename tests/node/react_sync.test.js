// syncore/react with a real SyncClient against the reference sync server on loopback: status,
// mutations settled by the server, the outbox with dead letters, and manual conflicts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createElement as h, act } from 'react';
import { createSyncClient, createRestTransport } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';
import { SyncProvider, useSyncClient, useSyncStatus, useMutation, useEntity, useCollection, useOutbox, useConflicts } from '../../js/react/index.js';
import { mount } from './react_dom.js';
import { untilClient } from './helpers.js';

const fast = { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 };
const collections = { todos: {}, notes: { strategy: 'manual' } };

// ids: 'server' names todos on the server (a create's temp id is renamed on ack).
async function open(server, { ids } = {}) {
  const todos = ids ? { ...collections.todos, ids } : collections.todos;
  // The client gets a window of its own (no online/offline events): the tests switch with goOffline().
  return createSyncClient({ url: server.url, collections: { ...collections, todos }, token: 't', websocket: fast, batchTimeoutMs: 2000, window: new EventTarget(), document: new EventTarget() });
}

// Inside act: resolves once predicate() holds, re-checked on every client event; rejects after a bound.
const until = (client, predicate, what, ms = 5000) => act(() => untilClient(client, predicate, what, ms));

test('useSyncStatus follows goOffline / goOnline; useSyncClient is the client', async (t) => {
  const server = await startSyncServer();
  const client = await open(server);
  t.after(async () => {
    await client.close();
    await server.close();
  });
  let status;
  let seenClient;
  const history = [];
  function StatusBar() {
    status = useSyncStatus();
    seenClient = useSyncClient();
    if (history.at(-1) !== status.message) history.push(status.message);
    return h('p', null, status.message);
  }
  const view = await mount(h(SyncProvider, { client }, h(StatusBar)));
  // Connected and caught up: "Syncing…" while the first catch-up runs (status_words.test.js).
  await until(client, () => client.status.connected && !client.status.syncing, 'connected and caught up');
  assert.equal(seenClient, client);
  assert.equal(status.connected, true);
  assert.equal(view.container.textContent, 'All changes synced');
  assert.ok(Object.isFrozen(status));

  await act(async () => client.goOffline());
  assert.equal(status.online, false);
  assert.equal(view.container.textContent, 'Offline — changes will sync when connected');
  await act(async () => client.collection('todos').create({ title: 'typed offline' }));
  assert.equal(status.pending, 1);
  assert.equal(view.container.textContent, 'Offline — 1 change will sync when connected');

  await act(async () => client.goOnline());
  assert.equal(status.online, true);
  await until(client, () => client.status.connected && client.status.pending === 0, 'back online and drained');
  assert.equal(view.container.textContent, 'All changes synced');
  for (const [k, v] of Object.entries(client.status)) assert.equal(status[k], v, k); // client.status, plus message
  assert.ok(history.includes('Offline — 1 change will sync when connected'));
  await view.unmount();
});

test('useMutation with a client: pending until the server acks; a refused change is the error', async (t) => {
  const server = await startSyncServer({
    validate: ({ mutation }) => (mutation.kind !== 'delete' && mutation.data?.title === '' ? 'title must not be empty' : undefined),
  });
  const client = await open(server, { ids: 'server' });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  await until(client, () => client.status.connected, 'connected');
  let m;
  let shown;
  const renders = { form: 0, item: 0 };
  function Form() {
    m = useMutation('todos');
    renders.form++;
    return null;
  }
  function Item({ id }) {
    shown = useEntity('todos', id).data;
    renders.item++;
    return null;
  }
  const view = await mount(h(SyncProvider, { client }, h(Form)));
  let created;
  await act(async () => {
    created = m.create({ title: 'milk' });
  });
  assert.equal(m.pending, 1);
  assert.equal(created.value.title, 'milk');
  const item = await mount(h(SyncProvider, { client }, h(Item, { id: created.id }))); // under its temp id
  assert.equal(shown.title, 'milk');
  const done = await act(() => created.result);
  assert.equal(done.status, 'acked');
  assert.equal(m.pending, 0);
  assert.equal(m.lastResult.id, done.id);
  assert.notEqual(done.id, created.id); // the server gave it its own id…
  assert.equal(shown.title, 'milk'); // …and the component subscribed under the temp id still shows it

  let bad;
  await act(async () => {
    bad = m.patch(done.id, { title: '' });
  });
  assert.equal(shown.title, ''); // optimistic
  await act(() => bad.result.catch(() => {}));
  assert.equal(m.error.code, 'REJECTED');
  assert.match(m.error.message, /title must not be empty/);
  assert.equal(m.pending, 0);
  assert.equal(shown.title, 'milk'); // rolled back
  await item.unmount();
  await view.unmount();
});

test('useOutbox shows refused changes as dead letters with the server\'s message; edit and discard', async (t) => {
  const server = await startSyncServer({
    validate: ({ mutation }) => (mutation.data?.title?.startsWith('x') ? 'no x titles today' : undefined),
  });
  const client = await open(server);
  t.after(async () => {
    await client.close();
    await server.close();
  });
  await until(client, () => client.status.connected, 'connected');
  let outbox;
  let status;
  const renders = { outbox: 0 };
  function Outbox() {
    outbox = useOutbox();
    renders.outbox++;
    return h('ul', null, outbox.deadLetters.map((d) => h('li', { key: d.seq }, `${d.data.title}: ${d.message}`)));
  }
  function Status() {
    status = useSyncStatus();
    return null;
  }
  const view = await mount(h(SyncProvider, { client }, h(Outbox), h(Status)));
  assert.deepEqual([outbox.pending, outbox.deadLetters], [[], []]);
  const todos = client.collection('todos');

  await act(async () => {
    todos.create({ title: 'x1' });
    todos.create({ title: 'x2' });
    todos.create({ title: 'x3' });
  });
  await until(client, () => client.core.deadLetters().length === 3, 'three dead letters');
  assert.equal(outbox.deadLetters.length, 3);
  assert.equal(outbox.pending.filter((p) => p.state !== 'dead').length, 0);
  assert.equal(view.container.textContent, 'x1: no x titles todayx2: no x titles todayx3: no x titles today');
  assert.equal(status.failed, 3);
  assert.equal(status.message, '3 changes could not be saved');

  // Other traffic (another client's create arriving here) leaves the outbox alone.
  const { deadLetters, pending } = outbox;
  const before = renders.outbox;
  const other = await open(server);
  t.after(() => other.close());
  await act(() => other.collection('todos').create({ title: 'from elsewhere' }).result);
  await until(client, () => todos.list().some((x) => x.title === 'from elsewhere'), 'the other create arrived');
  assert.equal(outbox.deadLetters, deadLetters);
  assert.equal(outbox.pending, pending);
  assert.equal(renders.outbox, before);

  // A refused change is final for its idempotency key: fix it (edit) or drop it (discard).
  const [d1, d2, d3] = outbox.deadLetters;
  await act(async () => outbox.edit(d1.seq, { title: 'fixed x1' }));
  assert.equal(outbox.deadLetters.length, 2);
  await until(client, () => todos.list().some((x) => x.title === 'fixed x1' && !x.id.startsWith('tmp')), 'the edited one acked');
  await act(async () => outbox.discard(d2.seq));
  await act(async () => outbox.discard(d3.seq));
  assert.deepEqual(outbox.deadLetters, []);
  assert.equal(view.container.textContent, '');
  await until(client, () => client.status.pending === 0 && client.status.failed === 0, 'drained');
  assert.deepEqual(outbox.pending, []);
  assert.equal(status.failed, 0);
  assert.deepEqual(todos.list().map((x) => x.title).sort(), ['fixed x1', 'from elsewhere']);
  await view.unmount();
});

test('useConflicts shows a manual conflict between two clients; resolve settles it', async (t) => {
  const server = await startSyncServer();
  const a = await open(server);
  const b = await open(server);
  t.after(async () => {
    await a.close();
    await b.close();
    await server.close();
  });
  await until(a, () => a.status.connected, 'a connected');
  const { id } = await act(() => a.collection('notes').create({ text: 'base' }).result);
  await until(b, () => b.collection('notes').get(id), 'b has it');

  let conflicts;
  let note;
  const renders = { conflicts: 0 };
  function Conflicts() {
    conflicts = useConflicts();
    note = useEntity('notes', id).data;
    renders.conflicts++;
    return h('p', null, conflicts.conflicts.map((c) => `${c.local.text} vs ${c.remote.text}`).join());
  }
  const view = await mount(h(SyncProvider, { client: a }, h(Conflicts)));
  assert.deepEqual(conflicts.conflicts, []);

  await act(async () => a.goOffline());
  await act(async () => a.collection('notes').patch(id, { text: 'mine' }));
  await act(() => b.collection('notes').patch(id, { text: 'theirs' }).result);
  await act(async () => a.goOnline());
  await until(a, () => a.core.conflicts().length === 1, 'a parked the conflict');
  assert.equal(view.container.textContent, 'mine vs theirs');
  await until(a, () => a.status.pending === 0, 'nothing else pending');
  assert.equal(a.statusMessage(), '1 conflict to resolve', 'not "All changes synced" while a change waits for a decision');
  assert.equal(conflicts.conflicts[0].base.text, 'base');

  await act(async () => conflicts.resolve(conflicts.conflicts[0].id, { choice: 'local' }));
  assert.deepEqual(conflicts.conflicts, []);
  assert.equal(view.container.textContent, '');
  assert.equal(note.text, 'mine');
  await until(b, () => b.collection('notes').get(id)?.text === 'mine', 'the resolution reached b');
  await until(a, () => a.status.pending === 0 && a.status.conflicts === 0, 'a settled');
  await view.unmount();
});

// A REST back end as a fetch function: 503 while `down`, else creates rows with ids r1, r2, …;
// nothing is answered before open().
function restBackend() {
  let open;
  const backend = { down: true, rows: new Map(), calls: 0, gate: new Promise((resolve) => (open = resolve)) };
  backend.open = open; // requests wait for this: the test sees the optimistic state first
  const reply = (status, data) => new Response(JSON.stringify(data), { status, headers: { 'Content-Type': 'application/json' } });
  backend.fetch = async (url, { method, body }) => {
    backend.calls++;
    await backend.gate;
    if (backend.down) return reply(503, { message: 'down for maintenance' });
    if (method !== 'POST') return reply(405, { message: 'only creates here' });
    const row = { ...JSON.parse(body), id: `r${backend.rows.size + 1}`, version: 1 };
    backend.rows.set(row.id, row);
    return reply(201, row);
  };
  return backend;
}

test('useOutbox with a REST transport: transient failures become dead letters; retry sends them again', async (t) => {
  const backend = restBackend();
  const client = await createSyncClient({
    transport: createRestTransport({ baseUrl: 'http://rest.invalid', fetch: backend.fetch }),
    collections: { todos: {} },
    client: { maxRetries: 2, backoffBaseMs: 1, backoffMaxMs: 4 },
    window: new EventTarget(),
    document: new EventTarget(),
  });
  t.after(() => client.close());
  let outbox;
  let list;
  function Outbox() {
    outbox = useOutbox();
    list = useCollection('todos', { orderBy: ['title'] });
    // In the order they gave up (their retries are jittered): sorted here for the assertion.
    return h('p', null, outbox.deadLetters.map((d) => `${d.data.title} (${d.errorClass}: ${d.message})`).sort().join());
  }
  const view = await mount(h(SyncProvider, { client }, h(Outbox)));
  let m;
  function Form() {
    m = useMutation('todos');
    return null;
  }
  const form = await mount(h(SyncProvider, { client }, h(Form)));
  let handles;
  await act(async () => {
    handles = [m.create({ title: 'a' }), m.create({ title: 'b' })];
  });
  assert.deepEqual(list.data.map((x) => x.title), ['a', 'b']); // optimistic while the server is down
  assert.equal(outbox.pending.length, 2);
  backend.open();
  await until(client, () => client.core.deadLetters().length === 2, 'both gave up after the retries');
  assert.equal(view.container.textContent, 'a (transient: down for maintenance),b (transient: down for maintenance)');
  assert.ok(backend.calls >= 4); // the first try and a retry each
  assert.equal(m.error.code, 'REJECTED');
  await assert.rejects(handles[0].result, { code: 'REJECTED' });

  backend.down = false;
  const [a, b] = ['a', 'b'].map((title) => outbox.deadLetters.find((d) => d.data.title === title));
  await act(async () => outbox.retry(a.seq));
  assert.equal(outbox.deadLetters.length, 1);
  await until(client, () => backend.rows.size === 1 && client.core.pendingMutations().length === 0, 'the retried one acked');
  assert.deepEqual([...backend.rows.values()].map((r) => r.title), ['a']);
  await act(async () => outbox.discard(b.seq));
  assert.deepEqual([outbox.pending, outbox.deadLetters], [[], []]);
  assert.deepEqual(list.data.map((x) => [x.id, x.title]), [['r1', 'a']]);
  assert.equal(view.container.textContent, '');
  await form.unmount();
  await view.unmount();
});
