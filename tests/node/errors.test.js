import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshCore, upsert } from './helpers.js';
import { SyncError } from '../../js/node.js';

test('bad input gets its own SyncError code and leaves the store as it was', async () => {
  const core = await freshCore();
  core.applyServer([upsert('todos', '1', 1, { title: 'kept' })]);
  const before = core.get('todos', '1');
  const good = upsert('todos', '1', 2, { title: 'must not land' });
  const cases = [
    ['{"op": bad json', 'BAD_JSON'],
    [[good, { op: 'upsert', collection: 'nope', id: 'x', version: 1, data: {} }], 'UNKNOWN_COLLECTION'],
    [[good, { op: 'upsert', collection: 'todos', version: 1, data: { title: 'no id' } }], 'MISSING_ID'],
    [[good, { op: 'upsert', collection: 'todos', id: '1', version: '3', data: {} }], 'WRONG_TYPE'],
    [[good, { op: 'upsert', collection: 'todos', id: '1', version: 3, data: 'text' }], 'WRONG_TYPE'],
    [[good, { op: 'upsert', collection: 'todos', id: { x: 1 }, version: 3, data: {} }], 'WRONG_TYPE'],
    [[good, { op: 'upsert', collection: 'todos', id: '1', version: 3, data: { id: '2' } }], 'ID_MISMATCH'],
    [[good, { op: 'teleport', collection: 'todos' }], 'UNKNOWN_OP'],
    [42, 'WRONG_TYPE'],
    ['[' + '['.repeat(200) + ']'.repeat(200) + ']', 'TOO_DEEP'],
    ['"\ud800"', 'BAD_JSON'], // a lone surrogate becomes invalid UTF-8 on the way in
  ];
  for (const [batch, code] of cases) {
    assert.throws(() => core.applyServer(batch), (err) => {
      assert.ok(err instanceof SyncError, `not a SyncError: ${err}`);
      assert.equal(err.code, code, JSON.stringify(batch).slice(0, 80));
      assert.ok(err.message.length > code.length);
      return true;
    });
    assert.equal(core.get('todos', '1'), before);
    assert.equal(core.get('todos', '1').title, 'kept');
  }
  // JS-side argument checks use the same codes
  assert.throws(() => core.get(3, '1'), { code: 'WRONG_TYPE' });
  assert.throws(() => core.get('todos', null), { code: 'MISSING_ID' });
  assert.throws(() => core.get('nope', '1'), { code: 'UNKNOWN_COLLECTION' });
  assert.throws(() => core.list('nope'), { code: 'UNKNOWN_COLLECTION' });
  assert.throws(() => core.count('nope'), { code: 'UNKNOWN_COLLECTION' });
  assert.throws(() => core.subscribe('nope', () => {}), { code: 'UNKNOWN_COLLECTION' });
  assert.throws(() => core.subscribe('todos', 'not a function'), { code: 'WRONG_TYPE' });
  assert.throws(() => core.applyServer(undefined), { code: 'BAD_JSON' });
  const cyclic = {};
  cyclic.self = cyclic;
  assert.throws(() => core.applyServer(cyclic), { code: 'BAD_JSON' });
  assert.throws(() => core.load('todos', 'x'), { code: 'WRONG_TYPE' });
  assert.throws(() => core.defineCollection('todos', { idField: 'key' }), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => core.defineCollection('x', { idField: 5 }), { code: 'WRONG_TYPE' });
  // the core still works after all of that
  core.applyServer([upsert('todos', '1', 2, { title: 'after' })]);
  assert.equal(core.get('todos', '1').title, 'after');
  core.dispose();
});

test('message size limit is configurable and enforced', async () => {
  const core = await freshCore({ maxMessageBytes: 200 });
  assert.throws(() => core.applyServer([upsert('todos', '1', 1, { text: 'x'.repeat(500) })]), { code: 'TOO_LARGE' });
  core.applyServer([upsert('todos', '1', 1, { text: 'short' })]);
  assert.equal(core.count('todos'), 1);
  core.dispose();
  await assert.rejects(() => freshCore({ maxMessageBytes: -1 }), { code: 'WRONG_TYPE' });
});

test('__proto__ keys stay plain data in snapshots', async () => {
  const core = await freshCore();
  core.applyServer('[{"op":"upsert","collection":"todos","id":"p","version":1,"data":{"__proto__":{"polluted":true},"constructor":{"prototype":{"bad":1}}}}]');
  const snap = core.get('todos', 'p');
  assert.equal({}.polluted, undefined);
  assert.equal(Object.getPrototypeOf(snap), Object.prototype);
  assert.ok(Object.prototype.hasOwnProperty.call(snap, '__proto__'));
  core.dispose();
});
