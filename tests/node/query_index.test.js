// The query index (src/store/field_index.hpp, docs/entity_storage.md): the fields open live
// queries read are kept decoded per entity, visible in stats() as collections.<name>.indexedFields,
// kept current by every write and dropped when the last query reading a field closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshCore, upsert, del } from './helpers.js';

const indexed = (core) => core.stats().collections.todos.indexedFields;
const ids = (q) => q.current.map((r) => r.id);

test('a live query indexes its fields while open; local, remote and delete writes keep them current', async (t) => {
  const core = await freshCore();
  t.after(() => core.dispose());
  core.applyServer([
    upsert('todos', 'a', 1, { done: false, rank: 3, title: 'a' }),
    upsert('todos', 'b', 1, { done: false, rank: 1, title: 'b' }),
    upsert('todos', 'c', 1, { done: true, rank: 2, title: 'c' }),
  ]);
  assert.deepEqual(indexed(core), []);
  const q = core.query({ collection: 'todos', where: [['done', 'eq', false]], orderBy: [['rank', 'desc']], limit: 2 });
  const byTitle = core.query({ collection: 'todos', orderBy: ['title'] });
  assert.deepEqual(indexed(core), ['done', 'rank', 'title']);
  assert.deepEqual(ids(q), ['a', 'b']);

  core.mutate({ collection: 'todos', op: 'update', id: 'b', patch: { rank: 9 } }); // local: an overlay
  assert.deepEqual(ids(q), ['b', 'a']);
  core.applyServer([upsert('todos', 'c', 2, { done: false, rank: 5, title: 'c' })]); // remote
  assert.deepEqual(ids(q), ['b', 'c']);
  assert.equal(q.total, 3);
  core.applyServer([del('todos', 'c', 3)]);
  assert.deepEqual(ids(q), ['b', 'a']);
  assert.equal(q.total, 2);

  q.close();
  assert.deepEqual(indexed(core), ['title']); // done and rank were read by q alone
  core.applyServer([upsert('todos', 'd', 1, { title: '0' })]);
  assert.deepEqual(ids(byTitle), ['d', 'a', 'b']);
  byTitle.close();
  assert.deepEqual(indexed(core), []);
});
