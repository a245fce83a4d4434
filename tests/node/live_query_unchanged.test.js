// A live query tells its listeners only when what it shows changed (issue 15): a row rewritten
// with the same data (a server upsert with a new version and equal data) keeps its snapshot
// object and calls no listener; a real change calls it once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncCore } from '../../js/node.js';

async function coreWithRows() {
  const core = await createSyncCore({ collections: { todos: {} } });
  core.load('todos', [
    { version: 1, data: { id: 'a', title: 'one', rank: 1, tags: ['x'] } },
    { version: 1, data: { id: 'b', title: 'two', rank: 2, tags: [] } },
  ]);
  return core;
}

test('rewriting a row with identical data does not call the live query listener; a real change does', async (t) => {
  const core = await coreWithRows();
  t.after(() => core.dispose());
  const q = core.query({ collection: 'todos', orderBy: [['rank', 'asc']] });
  const before = q.current;
  let calls = 0;
  q.subscribe(() => calls++);

  core.applyServer({ ops: [{ op: 'upsert', collection: 'todos', id: 'a', version: 2, data: { id: 'a', title: 'one', rank: 1, tags: ['x'] } }] });
  assert.equal(calls, 0);
  assert.equal(q.current, before); // the same array, the same row objects
  assert.equal(core.get('todos', 'a'), before[0]);

  core.applyServer({ ops: [{ op: 'upsert', collection: 'todos', id: 'a', version: 3, data: { id: 'a', title: 'ONE', rank: 1, tags: ['x'] } }] });
  assert.equal(calls, 1);
  assert.equal(q.current[0].title, 'ONE');
  assert.notEqual(q.current, before);
  assert.equal(q.current[1], before[1]); // the unchanged row keeps its snapshot
  assert.ok(Object.isFrozen(q.current[0]));
});

test('a batch rewriting every row with identical data calls no listener; one changed row in it calls it once', async (t) => {
  const core = await coreWithRows();
  t.after(() => core.dispose());
  const q = core.query({ collection: 'todos' });
  let calls = 0;
  q.subscribe(() => calls++);
  const rows = (v, title) => [
    { op: 'upsert', collection: 'todos', id: 'a', version: v, data: { id: 'a', title: 'one', rank: 1, tags: ['x'] } },
    { op: 'upsert', collection: 'todos', id: 'b', version: v, data: { id: 'b', title, rank: 2, tags: [] } },
  ];
  for (let v = 2; v < 12; v++) core.applyServer({ ops: rows(v, 'two') });
  assert.equal(calls, 0);
  core.applyServer({ ops: rows(12, 'TWO') });
  assert.equal(calls, 1);
  assert.deepEqual(q.current.map((r) => r.title), ['one', 'TWO']);
});
