import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshCore, upsert, del } from './helpers.js';

test('live queries: predicates on nested paths, sort, limit and offset', async () => {
  const core = await freshCore();
  core.applyServer([
    upsert('todos', 'a', 1, { done: false, rank: 3, meta: { owner: 'ann' }, tags: ['home'] }),
    upsert('todos', 'b', 1, { done: true, rank: 1, meta: { owner: 'bob' }, tags: ['work'] }),
    upsert('todos', 'c', 1, { done: false, rank: 2, meta: { owner: 'ann' }, tags: ['work', 'home'] }),
    upsert('todos', 'd', 1, { done: false, rank: 5, meta: { owner: 'cy' }, tags: [] }),
  ]);
  const ids = (spec) => core.query({ collection: 'todos', ...spec }).ids;
  assert.deepEqual(ids({ where: [['meta.owner', 'eq', 'ann']], orderBy: ['rank'] }), ['c', 'a']);
  assert.deepEqual(ids({ where: [{ field: 'done', op: 'ne', value: true }], orderBy: [['rank', 'desc']] }), ['d', 'a', 'c']);
  assert.deepEqual(ids({ where: [['rank', 'lt', 3]], orderBy: ['rank'] }), ['b', 'c']);
  assert.deepEqual(ids({ where: [['rank', 'lte', 3]], orderBy: ['rank'] }), ['b', 'c', 'a']);
  assert.deepEqual(ids({ where: [['rank', 'gt', 3]] }), ['d']);
  assert.deepEqual(ids({ where: [['rank', 'gte', 3]], orderBy: ['rank'] }), ['a', 'd']);
  assert.deepEqual(ids({ where: [['meta.owner', 'in', ['bob', 'cy']]], orderBy: ['rank'] }), ['b', 'd']);
  assert.deepEqual(ids({ where: [['tags', 'contains', 'home']], orderBy: ['rank'] }), ['c', 'a']);
  assert.deepEqual(ids({ where: [['tags.0', 'eq', 'work']], orderBy: ['rank'] }), ['b', 'c']);
  assert.deepEqual(ids({ orderBy: ['rank'], limit: 2, offset: 1 }), ['c', 'a']);
  const q = core.query({ collection: 'todos', orderBy: ['rank'], limit: 2 });
  assert.equal(q.total, 4);
  assert.deepEqual(q.current.map((r) => r.id), ['b', 'c']);
  assert.equal(q.current[0], core.get('todos', 'b'));
  core.dispose();
});

test('live queries update from commits and notify only when their result moves', async () => {
  const core = await freshCore();
  core.applyServer([upsert('todos', 'a', 1, { done: false, rank: 3 }), upsert('todos', 'b', 1, { done: false, rank: 1 })]);
  const q = core.query({ collection: 'todos', where: [['done', 'eq', false]], orderBy: ['rank'], limit: 1 });
  const results = [];
  q.subscribe((rows) => results.push(rows.map((r) => r.id)));
  const before = q.current;
  core.applyServer([upsert('todos', 'a', 2, { done: false, rank: 4 })]); // outside the window
  assert.equal(results.length, 0);
  assert.equal(q.current, before);
  core.applyServer([upsert('todos', 'c', 1, { done: false, rank: 0 })]); // enters at the top
  assert.deepEqual(results, [['c']]);
  core.applyServer([upsert('todos', 'c', 2, { done: true, rank: 0 })]); // leaves
  assert.deepEqual(results.at(-1), ['b']);
  core.applyServer([del('todos', 'b', 2)]);
  assert.deepEqual(results.at(-1), ['a']);
  assert.equal(q.total, 1);
  q.close();
  assert.equal(core.stats().queries, 0);
  core.applyServer([upsert('todos', 'z', 1, { done: false, rank: -1 })]);
  assert.equal(results.length, 3);
  core.dispose();
});

test('bad query specs give BAD_QUERY or UNKNOWN_COLLECTION', async () => {
  const core = await freshCore();
  const bad = [
    [{ collection: 'todos', where: [['x', 'near', 1]] }, 'BAD_QUERY'],
    [{ collection: 'todos', where: [['x', 'in', 3]] }, 'BAD_QUERY'],
    [{ collection: 'todos', orderBy: [['x', 'sideways']] }, 'BAD_QUERY'],
    [{ collection: 'todos', limit: -1 }, 'BAD_QUERY'],
    [{ where: [] }, 'BAD_QUERY'],
    [{ collection: 'nope' }, 'UNKNOWN_COLLECTION'],
    [null, 'BAD_QUERY'],
  ];
  for (const [spec, code] of bad) assert.throws(() => core.query(spec), { name: 'SyncError', code }, JSON.stringify(spec));
  assert.equal(core.stats().queries, 0);
  core.dispose();
});
