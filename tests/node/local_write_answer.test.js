// A plain local write (one entity changed, its one "queued" event) answers a short array instead
// of the commit's nested objects (src/wire/commit_text.hpp, js/local_write_answer.js): listeners,
// the mutate's result and the snapshots must see exactly the commit the long form gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncCore } from '../../js/node.js';
import { recordingHandle } from '../support/recording_handle.js';

const NOW = () => 1_700_000_000_000;

async function recordingCore(persist) {
  const calls = [];
  const commits = [];
  const core = await createSyncCore({ collections: { todos: {}, n: { idField: 'key' } }, now: NOW, wrapHandle: recordingHandle(calls) });
  core.configureClient({ clientId: 'c1', seed: 1, persist });
  core.load('todos', [
    { version: 1, data: { id: 'a', title: 'x' } },
    { version: 1, data: { id: '__proto__', title: 'odd' } },
    { version: 1, data: { id: 'gone', title: 'g' } },
  ]);
  core.onCommit((c) => commits.push(c));
  return { core, calls, commits };
}

// Updates by patch (the short answer) against the same updates by data with the view asked for
// (JS cannot make that view, so the commit carries it: the long form), on two cores alike.
const updates = [
  [{ id: 'a', patch: { title: 'y' } }, { id: 'a', title: 'y' }],
  [{ id: '__proto__', patch: { title: 'still odd' } }, { id: '__proto__', title: 'still odd' }],
  [{ id: 'a', patch: { title: 'z', n: 1 }, priority: 'high' }, { id: 'a', title: 'z', n: 1 }],
];

// What a listener sees of a commit, without the views (the long form carries them as viewList).
const seen = (commit) => {
  const { views, viewList, ...rest } = Object.getOwnPropertyDescriptors(commit);
  return Object.fromEntries(Object.entries(rest).map(([k, d]) => [k, d.value]));
};

for (const persist of [false, true]) {
  test(`a plain local write crosses as the short answer and tells listeners the long form's commit (persist: ${persist})`, async (t) => {
    const short = await recordingCore(persist);
    const long = await recordingCore(persist);
    t.after(() => {
      short.core.dispose();
      long.core.dispose();
    });
    const subscribed = [];
    short.core.subscribeEntity('todos', 'a', (s) => subscribed.push(s));
    long.core.subscribeEntity('todos', 'a', () => {});
    for (const [{ patch, ...rest }, data] of updates) {
      short.calls.length = 0;
      long.calls.length = 0;
      const mine = short.core.mutate({ collection: 'todos', op: 'update', ...rest, patch });
      const theirs = long.core.mutate({ collection: 'todos', op: 'update', ...rest, data }, { view: true });
      assert.ok(Array.isArray(short.calls.find((c) => c.name === 'mutate').answer)); // the short answer, made from numbers (js/wasm_text.js)
      assert.equal(long.calls.find((c) => c.name === 'mutate').answer[0], '{');
      assert.deepEqual(mine, theirs);
      const a = seen(short.commits.at(-1));
      const b = seen(long.commits.at(-1));
      assert.deepEqual(a, b);
      assert.deepEqual(Object.keys(a), Object.keys(b)); // the same key order
      assert.deepEqual(Object.keys(a.changes.todos), ['created', 'deleted', 'updated']);
      assert.equal(Object.getPrototypeOf(a.changes), Object.prototype);
      assert.equal(persist, Array.isArray(a.effects) && a.effects.some((e) => e.type === 'persist'));
    }
    assert.deepEqual(short.commits[1].changes.todos.updated, ['__proto__']);
    assert.equal(short.core.get('todos', '__proto__').title, 'still odd');
    assert.deepEqual(subscribed.map((s) => s.title), ['y', 'z']);
    assert.deepEqual(short.core.counts, long.core.counts);
  });
}

test('a plain create and delete cross as the short answer; listeners get the whole commit', async (t) => {
  const { core, calls, commits } = await recordingCore(false);
  t.after(() => core.dispose());
  const commit = (kind, collection, id, mutationId, pending) => ({
    changes: { [collection]: { created: kind === 'created' ? [id] : [], deleted: kind === 'deleted' ? [id] : [], updated: [] } },
    counts: { conflicts: 0, deadLetters: 0, pending, resyncing: false, setAside: 0 },
    cursor: 0,
    events: [{ type: 'queued', collection, id, mutationId }],
    mutationId,
    notify: [],
    queries: {},
  });
  const cases = [
    [{ collection: 'n', op: 'create', data: { key: 7, v: 1 } }, commit('created', 'n', '7', 'c1#1', 1)],
    [{ collection: 'todos', op: 'delete', id: 'gone' }, commit('deleted', 'todos', 'gone', 'c1#2', 2)],
    [{ collection: 'todos', op: 'create', data: { id: 'c', title: 'new' } }, commit('created', 'todos', 'c', 'c1#3', 3)],
  ];
  for (const [request, expected] of cases) {
    calls.length = 0;
    const result = core.mutate(request);
    assert.ok(Array.isArray(calls[0].answer)); // the short answer, made from numbers (js/wasm_text.js)
    const got = seen(commits.at(-1));
    assert.deepEqual(got, expected);
    assert.deepEqual(Object.keys(got), Object.keys(expected));
    assert.deepEqual(result, { changes: expected.changes, cursor: 0, events: expected.events, mutationId: expected.mutationId });
  }
  assert.deepEqual(core.get('n', 7), { key: '7', v: 1 }); // the core keeps ids as strings
  assert.equal(core.get('todos', 'gone'), undefined);
});

test('a write that is not plain (a delete cancelling a pending create) still answers the whole envelope', async (t) => {
  const { core, calls, commits } = await recordingCore(false);
  t.after(() => core.dispose());
  core.mutate({ collection: 'todos', op: 'create', data: { id: 'p', title: 'pending' } });
  calls.length = 0;
  core.mutate({ collection: 'todos', op: 'delete', id: 'p' });
  assert.equal(calls[0].answer[0], '{');
  assert.ok(commits.at(-1).events.some((e) => e.type === 'settled' && e.status === 'cancelled'));
  assert.equal(core.get('todos', 'p'), undefined);
});
