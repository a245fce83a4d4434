// useRemoteData / useMultiRemoteData / useInvalidate over the core's query cache, with the
// cache's clock injected (createSyncCore({ now })) so freshness is deterministic.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createElement as h, act, StrictMode, useState } from 'react';
import { createSyncCore } from '../../js/node.js';
import { SyncProvider, useRemoteData, useMultiRemoteData, useInvalidate } from '../../js/react/index.js';
import { remoteStoreOf } from '../../js/react/remote.js';
import { mount } from './react_dom.js';

// A fetcher whose answers the test hands out one by one: calls[i].resolve(value) / .reject(err).
function controlled() {
  const calls = [];
  const waiters = [];
  const fetcher = (key) => new Promise((resolve, reject) => {
    calls.push({ key, resolve, reject });
    for (const w of waiters.splice(0)) w();
  });
  // Resolves once the fetcher has been called n times.
  const called = (n) => (calls.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push(() => resolve(called(n)))));
  return { fetcher, calls, called };
}

async function clockedCore() {
  const clock = { now: 1_000 };
  const core = await createSyncCore({ collections: {}, now: () => clock.now });
  return { core, clock };
}

// A component showing one key, counting its renders and recording what it saw.
function Show({ name, k, fetcher, options, log }) {
  const r = useRemoteData(k, fetcher, options);
  log[name] = log[name] ?? [];
  log[name].push(`${r.status}:${r.data ? JSON.stringify(r.data) : '-'}`);
  log[`${name}Result`] = r;
  return h('p', null, r.data ? r.data.v : r.status);
}

test('two components showing one key share one fetch; data is the cache\'s frozen value', async (t) => {
  const { core } = await clockedCore();
  t.after(() => core.dispose());
  const { fetcher, calls } = controlled();
  const log = {};
  const view = await mount(h(SyncProvider, { core },
    h(Show, { name: 'a', k: '/api/dashboard', fetcher, log }),
    h(Show, { name: 'b', k: '/api/dashboard', fetcher, log })));
  assert.equal(calls.length, 1);
  assert.equal(calls[0].key, '/api/dashboard');
  assert.deepEqual([log.a, log.b], [['loading:-'], ['loading:-']]);

  await act(async () => calls[0].resolve({ v: 1, rows: [1, 2] }));
  assert.deepEqual([log.a, log.b], [['loading:-', 'fresh:{"rows":[1,2],"v":1}'], ['loading:-', 'fresh:{"rows":[1,2],"v":1}']]);
  assert.equal(log.aResult.data, log.bResult.data); // one object for both
  assert.ok(Object.isFrozen(log.aResult.data.rows));
  assert.deepEqual(core.cache.get('/api/dashboard').value, { v: 1, rows: [1, 2] });
  assert.equal(view.container.textContent, '11');
  await view.unmount();
  assert.equal(remoteStoreOf(core).entries.size, 0);
});

test('StrictMode: double effects still make one fetch and leave nothing behind', async (t) => {
  const { core } = await clockedCore();
  t.after(() => core.dispose());
  const { fetcher, calls } = controlled();
  const log = {};
  const view = await mount(h(StrictMode, null, h(SyncProvider, { core },
    h(Show, { name: 'a', k: 'k', fetcher, options: { refreshInterval: 60_000 }, log }),
    h(Show, { name: 'b', k: 'k', fetcher, log }))));
  assert.equal(calls.length, 1);
  await act(async () => calls[0].resolve({ v: 7 }));
  assert.equal(view.container.textContent, '77');
  const entry = remoteStoreOf(core).entries.get('k');
  assert.equal(entry.listeners.size, 2);
  assert.equal(entry.polls.size, 1);
  await view.unmount();
  assert.equal(remoteStoreOf(core).entries.size, 0);
  assert.equal(entry.timer, null);
});

test('TTL and stale-while-revalidate on the injected clock', async (t) => {
  const { core, clock } = await clockedCore();
  t.after(() => core.dispose());
  const { fetcher, calls } = controlled();
  const options = { ttl: 100, staleTime: 100 };
  const log = {};
  const a = await mount(h(SyncProvider, { core }, h(Show, { name: 'a', k: 'report', fetcher, options, log })));
  await act(async () => calls[0].resolve({ v: 1 }));
  assert.deepEqual(log.a, ['loading:-', 'fresh:{"v":1}']);

  // Still fresh: a second component is served from the cache, no fetch.
  clock.now = 1_099;
  const b = await mount(h(SyncProvider, { core }, h(Show, { name: 'b', k: 'report', fetcher, options, log })));
  assert.equal(calls.length, 1);
  assert.deepEqual(log.b, ['fresh:{"v":1}']);
  await b.unmount();

  // Stale: served at once (no loading), refetched in the background, then fresh everywhere.
  clock.now = 1_150;
  const c = await mount(h(SyncProvider, { core }, h(Show, { name: 'c', k: 'report', fetcher, options, log })));
  assert.equal(calls.length, 2);
  assert.deepEqual(log.c, ['stale:{"v":1}']);
  assert.equal(log.a.at(-1), 'stale:{"v":1}');
  await act(async () => calls[1].resolve({ v: 2 }));
  assert.equal(log.c.at(-1), 'fresh:{"v":2}');
  assert.equal(log.a.at(-1), 'fresh:{"v":2}');

  // Past ttl + staleTime with nobody showing it: a miss, so loading again.
  await a.unmount();
  await c.unmount();
  clock.now = 1_400;
  const d = await mount(h(SyncProvider, { core }, h(Show, { name: 'd', k: 'report', fetcher, options, log })));
  assert.equal(calls.length, 3);
  assert.deepEqual(log.d, ['loading:-']);
  await act(async () => calls[2].resolve({ v: 3 }));
  assert.deepEqual(log.d, ['loading:-', 'fresh:{"v":3}']);

  // Past ttl + staleTime while shown: the old data stays on screen (as stale) until the refetch.
  clock.now = 1_700;
  let refreshed;
  await act(async () => {
    refreshed = log.dResult.refresh();
  });
  assert.equal(calls.length, 4);
  assert.deepEqual(log.d.slice(2), ['stale:{"v":3}']);
  await act(async () => {
    calls[3].resolve({ v: 4 });
    assert.deepEqual(await refreshed, { v: 4 });
  });
  assert.equal(log.d.at(-1), 'fresh:{"v":4}');
  await d.unmount();
});

test('refreshInterval polls; a poll bringing the same data renders nothing; unmount stops it', async (t) => {
  const { core } = await clockedCore();
  t.after(() => core.dispose());
  let n = 0;
  let waiting = null;
  const fetcher = async () => {
    n++;
    if (waiting && n >= waiting.n) waiting.resolve();
    return { v: Math.min(n, 2) };
  };
  const fetchedTimes = (count) => new Promise((resolve) => (waiting = { n: count, resolve }));
  const log = {};
  const view = await mount(h(SyncProvider, { core }, h(Show, { name: 'a', k: 'live', fetcher, options: { refreshInterval: 5 }, log })));
  await act(() => fetchedTimes(5)); // the 5th call starts only once the 4th has settled
  assert.deepEqual(log.a, ['loading:-', 'fresh:{"v":1}', 'fresh:{"v":2}']);
  const entry = remoteStoreOf(core).entries.get('live');
  assert.equal(entry.timerMs, 5);
  await view.unmount();
  assert.equal(entry.timer, null);
  assert.equal(remoteStoreOf(core).entries.size, 0);
});

test('a failing fetch is the error state; refresh() recovers; a value that is not JSON is an error', async (t) => {
  const { core } = await clockedCore();
  t.after(() => core.dispose());
  const { fetcher, calls } = controlled();
  const log = {};
  const view = await mount(h(SyncProvider, { core }, h(Show, { name: 'a', k: 'flaky', fetcher, log })));
  await act(async () => calls[0].reject(new Error('HTTP 502')));
  assert.equal(log.aResult.status, 'error');
  assert.equal(log.aResult.error.message, 'HTTP 502');
  assert.equal(log.aResult.data, undefined);

  let refreshed;
  await act(async () => {
    refreshed = log.aResult.refresh();
    calls[1].resolve({ v: 1 });
    assert.deepEqual(await refreshed, { v: 1 });
  });
  assert.deepEqual(log.a, ['loading:-', 'error:-', 'loading:-', 'fresh:{"v":1}']);
  assert.equal(log.aResult.error, null);

  // A refresh that fails keeps the data it had, with the error.
  await act(async () => {
    refreshed = log.aResult.refresh();
    calls[2].resolve({ v: 1n }); // a BigInt: not JSON
    await refreshed;
  });
  assert.equal(log.aResult.status, 'error');
  assert.match(String(log.aResult.error.message), /BigInt|serialize|JSON/i);
  assert.deepEqual(log.aResult.data, { v: 1 });
  await view.unmount();
});

test('useInvalidate: by key and by tag, shown data is refetched', async (t) => {
  const { core } = await clockedCore();
  t.after(() => core.dispose());
  const students = controlled();
  const grades = controlled();
  const log = {};
  let invalidate;
  function Admin() {
    invalidate = useInvalidate();
    return null;
  }
  const view = await mount(h(SyncProvider, { core },
    h(Admin),
    h(Show, { name: 's', k: '/api/students', fetcher: students.fetcher, options: { tags: ['students'] }, log }),
    h(Show, { name: 'g', k: '/api/grades', fetcher: grades.fetcher, options: { tags: ['grades'] }, log })));
  await act(async () => {
    students.calls[0].resolve({ v: 1 });
    grades.calls[0].resolve({ v: 1 });
  });
  await act(async () => assert.equal(invalidate.invalidateTag('students'), 1));
  assert.equal(students.calls.length, 2);
  assert.equal(grades.calls.length, 1);
  assert.equal(log.s.at(-1), 'stale:{"v":1}');
  await act(async () => students.calls[1].resolve({ v: 2 }));
  assert.equal(log.s.at(-1), 'fresh:{"v":2}');

  // Invalidated while a fetch is under way: that answer may be older than the change, so once
  // it lands the key is fetched again.
  await act(async () => invalidate.invalidate('/api/students'));
  assert.equal(students.calls.length, 3);
  await act(async () => invalidate.invalidate('/api/students'));
  assert.equal(students.calls.length, 3);
  await act(async () => students.calls[2].resolve({ v: 2 }));
  assert.equal(students.calls.length, 4);
  await act(async () => students.calls[3].resolve({ v: 3 }));
  assert.equal(log.s.at(-1), 'fresh:{"v":3}');

  const gradesRenders = log.g.length;
  const gradesData = log.gResult.data;
  await act(async () => assert.equal(invalidate.invalidate('/api/grades'), true));
  assert.equal(grades.calls.length, 2);
  await act(async () => grades.calls[1].resolve({ v: 1 })); // the same data again
  assert.deepEqual(log.g.slice(gradesRenders), ['stale:{"v":1}', 'fresh:{"v":1}']);
  assert.equal(log.gResult.data, gradesData); // the same object: only the status changed
  await view.unmount();
});

test('enabled: false fetches nothing (idle) until enabled', async (t) => {
  const { core } = await clockedCore();
  t.after(() => core.dispose());
  const { fetcher, calls } = controlled();
  const log = {};
  let enable;
  function Gate() {
    const [enabled, set] = useState(false);
    enable = () => set(true);
    return h(Show, { name: 'a', k: 'user/7', fetcher, options: { enabled }, log });
  }
  const view = await mount(h(SyncProvider, { core }, h(Gate)));
  assert.deepEqual(log.a, ['idle:-']);
  assert.equal(calls.length, 0);
  await act(async () => enable());
  assert.equal(calls.length, 1);
  assert.equal(log.a.at(-1), 'loading:-');
  await act(async () => calls[0].resolve({ v: 7 }));
  assert.equal(log.a.at(-1), 'fresh:{"v":7}');
  await view.unmount();
});

test('useMultiRemoteData: several sources, combined status, per-source errors, one refresh', async (t) => {
  const { core } = await clockedCore();
  t.after(() => core.dispose());
  const user = controlled();
  const progress = controlled();
  const seen = [];
  let result;
  let rerender;
  function Dashboard() {
    const [, set] = useState(0);
    rerender = () => set((n) => n + 1);
    // A new object and new fetchers on every render: keyed by the keys, never refetched for that.
    result = useMultiRemoteData({
      user: ['/api/user/7', user.fetcher],
      progress: ['/api/progress/7', (key) => progress.fetcher(key), { ttl: 1000 }],
    });
    seen.push(`${result.status} ${result.statuses.user}/${result.statuses.progress}`);
    return null;
  }
  const view = await mount(h(SyncProvider, { core }, h(Dashboard)));
  assert.equal(result.status, 'loading');
  assert.deepEqual([user.calls.length, progress.calls.length], [1, 1]);

  await act(async () => user.calls[0].resolve({ name: 'Ann' }));
  assert.equal(result.status, 'loading');
  assert.deepEqual(result.data, { user: { name: 'Ann' }, progress: undefined });
  await act(async () => progress.calls[0].reject(new Error('progress is down')));
  assert.equal(result.status, 'error');
  assert.equal(result.errors.progress.message, 'progress is down');
  assert.equal(result.errors.user, null);
  assert.deepEqual(result.data.user, { name: 'Ann' });

  const before = result;
  await act(async () => rerender());
  assert.equal(result, before); // same sources: the same object, no fetch
  assert.deepEqual([user.calls.length, progress.calls.length], [1, 1]);

  let refreshed;
  await act(async () => {
    refreshed = result.refresh();
  });
  assert.deepEqual([user.calls.length, progress.calls.length], [2, 2]);
  await act(async () => {
    user.calls[1].resolve({ name: 'Ann' });
    progress.calls[1].resolve({ done: 3 });
    await refreshed;
  });
  assert.equal(result.status, 'fresh');
  assert.deepEqual(result.data, { user: { name: 'Ann' }, progress: { done: 3 } });
  assert.deepEqual(seen, ['loading loading/loading', 'loading fresh/loading', 'error fresh/error', 'error fresh/error', 'loading fresh/loading', 'fresh fresh/fresh']);
  await view.unmount();
  assert.equal(remoteStoreOf(core).entries.size, 0);
});
