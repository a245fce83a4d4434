import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshCore, upsert } from './helpers.js';

// The debug build runs with assertions, SAFE_HEAP and stack checks: drive the main paths,
// bad input included, through it so a memory error there fails the suite.
test('debug wasm build (assertions, SAFE_HEAP) runs the core paths cleanly', async () => {
  const core = await freshCore({ debug: true });
  const entities = Array.from({ length: 2000 }, (_, i) => ({ version: 1, data: { id: `e${i}`, n: i % 50 } }));
  core.load('todos', entities);
  const q = core.query({ collection: 'todos', where: [['n', 'lt', 3]], orderBy: [['n', 'desc']], limit: 10 });
  assert.equal(q.total, 120);
  core.applyServer([upsert('todos', 'e0', 2, { n: 99 }), { op: 'delete', collection: 'todos', id: 'e1', version: 2 }]);
  assert.equal(q.total, 118);
  assert.throws(() => core.applyServer('{"x":'), { code: 'BAD_JSON' });
  assert.throws(() => core.applyServer('['.repeat(1000)), { code: 'TOO_DEEP' });
  core.cache.set('k', { big: 'x'.repeat(10000) }, { ttl: 10, now: 0 });
  assert.equal(core.cache.get('k', { now: 5 }).status, 'fresh');
  assert.equal(core.compact(), 1);
  q.close();
  core.dispose();
});
