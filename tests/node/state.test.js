import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshCore, upsert, del } from './helpers.js';

test('upserts, deletes and bulk loads through the wasm build', async () => {
  const core = await freshCore();
  const r = core.applyServer([upsert('todos', '1', 1, { title: 'milk' }), upsert('todos', '2', 1, { title: 'eggs' })]);
  assert.deepEqual(r.changes.todos.created, ['1', '2']);
  assert.equal(core.count('todos'), 2);
  core.applyServer([upsert('todos', '1', 2, { title: 'oat milk' }), del('todos', '2', 2)]);
  assert.equal(core.get('todos', '1').title, 'oat milk');
  assert.equal(core.get('todos', '2'), undefined);
  assert.equal(core.stats().collections.todos.tombstones, 1);
  // a stale upsert cannot resurrect the deleted entity
  const stale = core.applyServer([upsert('todos', '2', 1, { title: 'late' })]);
  assert.deepEqual(stale.changes, {});
  assert.equal(core.get('todos', '2'), undefined);
  assert.equal(core.compact(), 1);
  assert.equal(core.stats().collections.todos.tombstones, 0);

  const loaded = core.load('notes', [{ version: 1, data: { key: 'a', text: 'x' } }, { id: 'b', version: 1, data: { text: 'y' } }], { cursor: 42 });
  assert.deepEqual(loaded.changes.notes.created, ['a', 'b']);
  assert.equal(core.cursor, 42);
  assert.equal(core.get('notes', 'b').key, 'b'); // the id is written into the entity
  assert.deepEqual(core.list('notes').map((n) => n.key), ['a', 'b']);
  core.dispose();
});

test('integer ids are accepted and read back by either form', async () => {
  const core = await freshCore();
  core.applyServer([{ op: 'upsert', collection: 'todos', version: 1, data: { id: 7, title: 'seven' } }]);
  assert.equal(core.get('todos', 7).title, 'seven');
  assert.equal(core.get('todos', '7'), core.get('todos', 7));
  core.dispose();
});

test('snapshots are frozen and keep their identity until the entity changes', async () => {
  const core = await freshCore();
  core.applyServer([upsert('todos', '1', 1, { title: 'a', tags: ['x'] }), upsert('todos', '2', 1, { title: 'b' })]);
  const one = core.get('todos', '1');
  const two = core.get('todos', '2');
  assert.ok(Object.isFrozen(one) && Object.isFrozen(one.tags));
  assert.equal(core.get('todos', '1'), one);
  assert.equal(core.list('todos')[0], one);
  assert.equal(core.getMany('todos', ['2', '1'])[1], one);
  core.applyServer([upsert('todos', '1', 2, { title: 'a2' })]);
  const oneAfter = core.get('todos', '1');
  assert.notEqual(oneAfter, one);
  assert.equal(oneAfter.title, 'a2');
  assert.equal(one.title, 'a'); // the old snapshot is untouched
  assert.equal(core.get('todos', '2'), two); // the unchanged entity kept its object
  assert.throws(() => {
    'use strict';
    one.title = 'mutated';
  }, TypeError);
  core.dispose();
});

test('subscriptions per collection and per entity, with unsubscribe', async () => {
  const core = await freshCore();
  const collectionEvents = [];
  const entityEvents = [];
  const offAll = core.subscribe('todos', (changes) => collectionEvents.push(changes));
  const offOne = core.subscribeEntity('todos', '1', (snapshot) => entityEvents.push(snapshot));
  core.applyServer([upsert('todos', '2', 1, { title: 'b' })]);
  core.applyServer([upsert('todos', '1', 1, { title: 'a' })]);
  core.applyServer([upsert('notes', 'n', 1, { key: 'n' })]);
  assert.equal(collectionEvents.length, 2);
  assert.deepEqual(collectionEvents[1].created, ['1']);
  assert.equal(entityEvents.length, 1);
  assert.equal(entityEvents[0].title, 'a');
  assert.equal(entityEvents[0], core.get('todos', '1'));
  offAll();
  core.applyServer([del('todos', '1', 2)]);
  assert.equal(collectionEvents.length, 2);
  assert.deepEqual(entityEvents.slice(1), [undefined]);
  offOne();
  assert.equal(core.stats().subscriptions, 0);
  core.dispose();
});

test('a throwing listener does not stop the others', async () => {
  const errors = [];
  const core = await freshCore({ onListenerError: (err) => errors.push(err) });
  const seen = [];
  core.subscribe('todos', () => {
    throw new Error('listener bug');
  });
  core.subscribe('todos', () => seen.push('second'));
  core.applyServer([upsert('todos', '1', 1, {})]);
  assert.deepEqual(seen, ['second']);
  assert.deepEqual(errors.map((e) => e.message), ['listener bug']);
  core.dispose();
});

test('cores are independent and a disposed core says so', async () => {
  const a = await freshCore();
  const b = await freshCore();
  a.applyServer([upsert('todos', '1', 1, {})]);
  assert.equal(b.count('todos'), 0);
  a.dispose();
  assert.throws(() => a.count('todos'), { name: 'SyncError', code: 'DISPOSED' });
  assert.equal(b.count('todos'), 0);
  b.dispose();
});
