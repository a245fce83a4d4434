// A server upsert whose data equals what the view shows is no change (issue 15): the core takes its
// version but reports nothing, so collection and entity subscribers are not called with the same
// object again; a real change calls each once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncCore } from '../../js/node.js';

const row = (version, title) => ({ op: 'upsert', collection: 'todos', id: 'a', version, data: { id: 'a', title, tags: ['x'], meta: { n: 1 } } });

test('a server upsert with identical data calls no collection or entity subscriber; its version is taken', async (t) => {
  const core = await createSyncCore({ collections: { todos: {} } });
  t.after(() => core.dispose());
  core.applyServer({ ops: [row(1, 'one')] });
  const before = core.get('todos', 'a');
  let collectionCalls = 0;
  let entityCalls = 0;
  core.subscribe('todos', () => collectionCalls++);
  core.subscribeEntity('todos', 'a', () => entityCalls++);

  core.applyServer({ ops: [row(2, 'one')] });
  assert.equal(collectionCalls, 0);
  assert.equal(entityCalls, 0);
  assert.equal(core.get('todos', 'a'), before); // the same frozen object
  // Its version is taken all the same: the older version 1 with other data is now stale.
  core.applyServer({ ops: [row(1, 'stale')] });
  assert.equal(core.get('todos', 'a'), before);
  assert.equal(collectionCalls + entityCalls, 0);

  core.applyServer({ ops: [row(3, 'ONE')] });
  assert.equal(collectionCalls, 1);
  assert.equal(entityCalls, 1);
  assert.equal(core.get('todos', 'a').title, 'ONE');
});
