// useSyncHistory(filter) with a real SyncClient whose transport answers as the sync server would
// (no database to start: the server side is covered by history.test.js): the list follows a
// mutation from pending to synced, filters by status, and keeps its identity while unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement as h, act } from 'react';
import { createSyncClient } from '../../js/node.js';
import { SyncProvider, useSyncHistory } from '../../js/react/index.js';
import { mount } from './react_dom.js';
import { untilClient } from './helpers.js';

// Connects at once; answers each push a turn later: ok, or a validation refusal for an empty title.
function answeringTransport() {
  let sink = null;
  let connected = false;
  return {
    stats: {},
    start(s) {
      sink = s;
    },
    connect() {
      connected = true;
      sink.connected({});
      sink.caughtUp();
    },
    disconnect() {
      connected = false;
      sink.disconnected();
    },
    push(batch, mutations) {
      if (!connected) return false;
      setImmediate(() => connected && sink.answer(batch, mutations.map((m) => (m.data?.title === ''
        ? { key: m.key, status: 'error', class: 'validation', message: 'title must not be empty' }
        : { key: m.key, status: 'ok', version: 1, id: m.id }))));
      return true;
    },
    sync() {},
    setToken() {},
    close() {},
  };
}
const until = (client, predicate, what, ms = 5000) => act(() => untilClient(client, predicate, what, ms));

test('useSyncHistory follows a mutation from pending to synced and filters by status', async (t) => {
  const client = await createSyncClient({ transport: answeringTransport(), collections: { todos: {} }, window: new EventTarget(), document: new EventTarget() });
  t.after(() => client.close());
  let all;
  let failed;
  const renders = { all: 0 };
  function Panel() {
    all = useSyncHistory();
    renders.all++;
    return h('ul', null, all.map((e) => h('li', { key: e.mutationId }, `${e.op} ${e.status}`)));
  }
  function Failed() {
    failed = useSyncHistory({ status: 'failed_permanently' });
    return h('p', null, failed.map((e) => e.lastError?.message).join());
  }
  const view = await mount(h(SyncProvider, { client }, h(Panel), h(Failed)));
  assert.deepEqual(all, []);

  await act(async () => client.goOffline());
  await act(async () => client.collection('todos').create({ title: 'typed offline' }));
  await act(async () => new Promise((resolve) => setImmediate(resolve))); // historyChanged: once per turn
  assert.equal(view.container.querySelector('ul').textContent, 'create pending');

  await act(async () => client.goOnline());
  await until(client, () => client.status.pending === 0 && client.status.connected, 'drained');
  await act(async () => new Promise((resolve) => setImmediate(resolve)));
  assert.equal(view.container.querySelector('ul').textContent, 'create synced');
  const shown = all;
  const rendersBefore = renders.all;

  const bad = client.collection('todos').create({ title: '' });
  await act(() => bad.result.catch(() => {}));
  await act(async () => new Promise((resolve) => setImmediate(resolve)));
  assert.equal(view.container.querySelector('p').textContent, 'title must not be empty');
  assert.deepEqual(all.map((e) => e.status), ['failed_permanently', 'synced']);
  assert.equal(all[1], shown[0], 'the settled entry is the same object');
  assert.ok(renders.all > rendersBefore);
});
