import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshCore } from './helpers.js';

test('100,000-entity bulk load in one call, then a live query over it', async () => {
  const core = await freshCore();
  const N = 100_000;
  const entities = new Array(N);
  for (let i = 0; i < N; i++) {
    entities[i] = { version: 1, data: { id: `s${i}`, name: `student ${i}`, score: (i * 7919) % 1000, grade: i % 12 } };
  }
  const r = core.load('todos', entities, { cursor: N });
  assert.equal(r.changes.todos.created.length, N);
  assert.equal(core.count('todos'), N);
  assert.equal(core.cursor, N);

  const q = core.query({ collection: 'todos', where: [['grade', 'eq', 5], ['score', 'gte', 990]], orderBy: [['score', 'desc'], 'name'], limit: 5 });
  // the same answer computed in plain JS
  const expected = entities
    .map((e) => e.data)
    .filter((d) => d.grade === 5 && d.score >= 990)
    .sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  assert.equal(q.total, expected.length);
  assert.deepEqual(q.ids, expected.slice(0, 5).map((d) => d.id));
  assert.ok(core.stats().memoryBytes > N * 100);

  // an update after the load moves the query incrementally
  const top = expected[0];
  core.applyServer([{ op: 'upsert', collection: 'todos', id: top.id, version: 2, data: { ...top, score: 0 } }]);
  assert.deepEqual(q.ids, expected.slice(1, 6).map((d) => d.id));
  core.dispose();
});
