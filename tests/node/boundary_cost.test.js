// What crosses the wasm boundary, for speed (issue 14, "benchmarks not slower"): scalar reads
// come back as numbers, not envelopes to parse; a commit's views cross as [collection, id, view]
// triples, not an object keyed by entity ids; and a mutate carries the written entity's view only
// for a caller that asks for it. Counted through the public test seam createSyncCore({ wrapHandle }).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncCore, SyncError } from '../../js/node.js';
import { recordingHandle } from '../support/recording_handle.js';
import { parseAnswer } from '../../js/local_write_answer.js';

/** A core whose handle records every call (name) and every answer (raw, as it crossed). */
async function recordingCore() {
  const calls = [];
  const core = await createSyncCore({ collections: { todos: {} }, wrapHandle: recordingHandle(calls) });
  core.configureClient({ clientId: 'c1', seed: 1, persist: false });
  calls.length = 0;
  return { core, calls };
}

test('count and compact cross as numbers; a failure still becomes a SyncError with its code', async (t) => {
  const { core, calls } = await recordingCore();
  t.after(() => core.dispose());
  core.load('todos', [{ version: 1, data: { id: 'a' } }, { version: 1, data: { id: 'b' } }]);
  calls.length = 0;
  assert.equal(core.count('todos'), 2);
  assert.equal(core.compact('todos'), 0);
  assert.deepEqual(calls.map((c) => [c.name, typeof c.answer]), [['count', 'number'], ['compact', 'number']]);

  calls.length = 0;
  assert.throws(() => core.count('nope'), (err) => err instanceof SyncError && err.code === 'UNKNOWN_COLLECTION' && /nope/.test(err.message));
  assert.deepEqual(calls.map((c) => c.name), ['count', 'takeError']); // the error's envelope, fetched once
  assert.throws(() => core.compact('todos', 1.5), (err) => err instanceof SyncError && err.code === 'WRONG_TYPE');
  assert.equal(core.count('todos'), 2); // a failure leaves nothing behind for the next call
});

test("a commit's views cross as [collection, id, view] triples; listeners still read commit.views by id, frozen", async (t) => {
  const { core, calls } = await recordingCore();
  t.after(() => core.dispose());
  const commits = [];
  core.onCommit((commit) => commits.push(commit));
  const q = core.query({ collection: 'todos' });
  calls.length = 0;
  // A server write: a local one's view is made in JS instead (tests/node/local_write_views.test.js).
  core.applyServer({ ops: [{ op: 'upsert', collection: 'todos', id: '__proto__', version: 1, data: { id: '__proto__', title: 'odd id' } }] });
  const wire = parseAnswer(calls.find((c) => c.name === 'apply').answer); // the lines form (js/change_lines.js)
  assert.deepEqual(wire.commit.viewList, [['todos', '__proto__', { id: '__proto__', title: 'odd id' }]]);
  assert.equal(wire.commit.views, undefined);
  const { views } = commits[0];
  assert.ok(Object.hasOwn(views.todos, '__proto__'));
  assert.deepEqual(views.todos.__proto__, { id: '__proto__', title: 'odd id' }); // eslint-disable-line no-proto
  assert.ok(Object.isFrozen(views.todos.__proto__)); // eslint-disable-line no-proto
  assert.equal(q.current[0], core.get('todos', '__proto__')); // the view became the snapshot
  // A local create's view, made in JS, reads the same way.
  core.mutate({ collection: 'todos', op: 'create', data: { id: 'constructor', title: 'odd too' } });
  assert.ok(Object.hasOwn(commits[1].views.todos, 'constructor'));
  assert.deepEqual(commits[1].views.todos.constructor, { id: 'constructor', title: 'odd too' });
  assert.ok(Object.isFrozen(commits[1].views.todos.constructor));
  assert.equal(q.current[1], core.get('todos', 'constructor'));
});

test('mutate carries the written view only when asked: then get() does not cross, else it crosses once', async (t) => {
  const { core, calls } = await recordingCore();
  t.after(() => core.dispose());
  core.load('todos', [{ version: 1, data: { id: 'a', title: 'x' } }]);

  calls.length = 0;
  core.mutate({ collection: 'todos', op: 'update', id: 'a', patch: { title: 'y' } });
  assert.equal(parseAnswer(calls[0].answer).commit.viewList, undefined); // nobody asked: not built, not parsed
  assert.equal(core.get('todos', 'a').title, 'y');
  assert.deepEqual(calls.map((c) => c.name), ['mutate', 'get']);

  calls.length = 0;
  core.mutate({ collection: 'todos', op: 'update', id: 'a', patch: { title: 'z' } }, { view: true });
  const snapshot = core.get('todos', 'a');
  assert.equal(snapshot.title, 'z');
  assert.ok(Object.isFrozen(snapshot));
  assert.deepEqual(calls.map((c) => c.name), ['mutate']);
  assert.equal(core.get('todos', 'a'), snapshot); // the same object until the entity changes
});

test('a view carried by one commit is not served after a later commit changed the entity', async (t) => {
  const { core } = await recordingCore();
  t.after(() => core.dispose());
  core.load('todos', [{ version: 1, data: { id: 'a', title: 'x' } }]);
  core.mutate({ collection: 'todos', op: 'update', id: 'a', patch: { title: 'first' } }, { view: true });
  core.mutate({ collection: 'todos', op: 'update', id: 'a', patch: { title: 'second' } });
  assert.equal(core.get('todos', 'a').title, 'second');
});
