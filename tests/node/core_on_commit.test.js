// core.onCommit(fn): the one seam through which a client, the tab relay and the React hooks hear
// of commits (no module sets another's hooks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncCore } from '../../js/node.js';

test('onCommit: every commit with its effects, events and counts; the remover stops it; a throwing listener does not stop the others', async (t) => {
  const errors = [];
  const core = await createSyncCore({ collections: { todos: {} }, client: { clientId: 'c1', seed: 1, persist: true }, onListenerError: (err) => errors.push(err) });
  t.after(() => core.dispose());
  const seen = [];
  core.onCommit(() => {
    throw new Error('a buggy listener');
  });
  const off = core.onCommit((commit) => seen.push(commit));
  const r = core.mutate({ collection: 'todos', op: 'create', id: 't1', data: { id: 't1', title: 'a' } });
  assert.equal(seen.length, 1);
  const [commit] = seen;
  assert.equal(commit.mutationId, r.mutationId);
  assert.deepEqual(commit.changes.todos.created, ['t1']);
  assert.ok(commit.effects.some((e) => e.type === 'persist'));
  assert.ok(commit.events.some((e) => e.type === 'queued'));
  assert.deepEqual(commit.counts, { pending: 1, deadLetters: 0, conflicts: 0, setAside: 0, resyncing: false });
  assert.equal(errors.length, 1, 'the throwing listener was reported');
  off();
  core.mutate({ collection: 'todos', op: 'update', id: 't1', patch: { title: 'b' } });
  assert.equal(seen.length, 1, 'no more commits after the remover ran');
  assert.throws(() => core.onCommit('not a function'), { code: 'WRONG_TYPE' });
});
