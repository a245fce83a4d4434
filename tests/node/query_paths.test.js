// Development builds warn once when a live query names a field no entity of its collection has
// had (a typo in `where` or `orderBy` otherwise silently matches nothing), and the core lists its
// open live queries for the devtools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshCore, upsert } from './helpers.js';
import { isDevelopment } from '../../js/query_paths.js';

/** Runs fn with console.warn captured; returns the warnings. */
async function warningsOf(fn) {
  const warnings = [];
  const original = console.warn;
  console.warn = (...args) => warnings.push(args.join(' '));
  try {
    await fn();
  } finally {
    console.warn = original;
  }
  return warnings;
}

const seed = (core) => core.applyServer([
  upsert('todos', 'a', 1, { title: 'Milk', rank: 2, meta: { owner: 'ann' } }),
  upsert('todos', 'b', 1, { title: 'Eggs', rank: 1, meta: { owner: 'bob' } }),
]);

test('dev: a where path no entity has warns once, with the collection and the path', async () => {
  const core = await freshCore({ dev: true });
  seed(core);
  const warnings = await warningsOf(() => {
    const q = core.query({ collection: 'todos', where: [['titel', 'eq', 'Milk']] });
    assert.deepEqual(q.ids, [], 'the typo matches nothing');
    core.query({ collection: 'todos', where: [{ field: 'titel', op: 'eq', value: 'Eggs' }] }); // the same path again
  });
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /'titel'/);
  assert.match(warnings[0], /'todos'/);
  assert.match(warnings[0], /where/);
  core.dispose();
});

test('dev: an orderBy path no entity has warns; real paths (nested, array index, id) do not', async () => {
  const core = await freshCore({ dev: true });
  core.applyServer([upsert('todos', 'a', 1, { title: 'Milk', meta: { owner: 'ann' }, tags: ['x'] })]);
  const warnings = await warningsOf(() => {
    core.query({ collection: 'todos', where: [['meta.owner', 'eq', 'ann'], ['tags.0', 'eq', 'x'], ['id', 'ne', 'z']], orderBy: ['title', ['meta.owner', 'desc']] });
    core.query({ collection: 'todos', orderBy: [['meta.ownr', 'desc']] });
    core.query({ collection: 'todos', orderBy: [{ field: 'meta.ownr', dir: 'asc' }] });
  });
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /orderBy names 'meta.ownr'/);
  core.dispose();
});

test('dev: a query opened on an empty collection is decided by the first entities that arrive', async () => {
  const core = await freshCore({ dev: true });
  const beforeData = await warningsOf(() => {
    core.query({ collection: 'todos', where: [['title', 'eq', 'Milk']] });
    core.query({ collection: 'todos', where: [['titel', 'eq', 'Milk']] });
  });
  assert.deepEqual(beforeData, [], 'nothing is known before the data arrives');
  const warnings = await warningsOf(() => seed(core));
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /'titel'/);
  core.dispose();
});

test('production (dev: false): no warning', async () => {
  const core = await freshCore({ dev: false });
  seed(core);
  const warnings = await warningsOf(() => core.query({ collection: 'todos', where: [['titel', 'eq', 'Milk']] }));
  assert.deepEqual(warnings, []);
  core.dispose();
});

test('development is process.env.NODE_ENV !== "production" unless the dev option says otherwise', () => {
  const saved = process.env.NODE_ENV;
  try {
    process.env.NODE_ENV = 'production';
    assert.equal(isDevelopment(undefined), false);
    assert.equal(isDevelopment(true), true);
    process.env.NODE_ENV = 'development';
    assert.equal(isDevelopment(undefined), true);
    assert.equal(isDevelopment(false), false);
  } finally {
    if (saved === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = saved;
  }
});

test('liveQueries(): the open live queries with their result counts; a closed one is gone', async () => {
  const core = await freshCore();
  seed(core);
  const all = core.query({ collection: 'todos', orderBy: ['rank'], limit: 1 });
  const ann = core.query({ collection: 'todos', where: [['meta.owner', 'eq', 'ann']] });
  assert.deepEqual(core.liveQueries().map(({ id, collection, count, total }) => ({ id, collection, count, total })), [
    { id: all.id, collection: 'todos', count: 1, total: 2 },
    { id: ann.id, collection: 'todos', count: 1, total: 1 },
  ]);
  assert.deepEqual(core.liveQueries()[1].spec.where, [['meta.owner', 'eq', 'ann']]);
  core.applyServer([upsert('todos', 'c', 1, { title: 'Jam', rank: 3, meta: { owner: 'ann' } })]);
  assert.equal(core.liveQueries().find((q) => q.id === ann.id).count, 2, 'counts follow the commits');
  all.close();
  assert.deepEqual(core.liveQueries().map((q) => q.id), [ann.id]);
  core.dispose();
});
