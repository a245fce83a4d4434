import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshCore } from './helpers.js';

test('query cache: ttl, stale-while-revalidate, invalidation by key and tag', async () => {
  let now = 1_000;
  const core = await freshCore({ now: () => now });
  core.cache.set('/api/students?page=1', { rows: [1, 2] }, { ttl: 100, staleTime: 50, tags: ['students'] });
  core.cache.set('/api/grades', [3], { ttl: 100, tags: ['grades'] });
  let hit = core.cache.get('/api/students?page=1');
  assert.equal(hit.status, 'fresh');
  assert.deepEqual(hit.value, { rows: [1, 2] });
  assert.ok(Object.isFrozen(hit.value));
  now = 1_120;
  assert.equal(core.cache.get('/api/students?page=1').status, 'stale');
  now = 1_150;
  assert.equal(core.cache.get('/api/students?page=1').status, 'miss');
  assert.equal(core.cache.get('/api/grades').status, 'miss');

  now = 2_000;
  core.cache.set('a', 1, { ttl: 1000, staleTime: 1000, tags: ['students'] });
  core.cache.set('b', 2, { ttl: 1000, staleTime: 1000, tags: ['grades'] });
  assert.equal(core.cache.invalidateTag('students'), 1);
  assert.equal(core.cache.get('a').status, 'stale');
  assert.equal(core.cache.get('b').status, 'fresh');
  assert.equal(core.cache.invalidate('b'), true);
  assert.equal(core.cache.get('b').status, 'stale');
  assert.equal(core.cache.remove('b'), true);
  assert.equal(core.cache.get('b', { now: 2_001 }).status, 'miss');
  assert.equal(core.stats().cache.entries, 1);
  assert.equal(core.cache.prune({ now: 10_000 }), 1);
  assert.throws(() => core.cache.set('k', 1, { ttl: -5 }), { code: 'WRONG_TYPE' });
  assert.throws(() => core.cache.get('k', { now: 1.5 }), { code: 'WRONG_TYPE' });
  assert.throws(() => core.cache.set('', 1), { code: 'WRONG_TYPE' });
  core.dispose();
});
