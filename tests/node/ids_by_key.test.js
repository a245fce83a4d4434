// IdsByKey (js/client/ids_by_key.js): the history's mutation ids by entity key, one id held as it
// is and a Set only from the second on. Checked against a Map of Sets over random steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdsByKey } from '../../js/client/ids_by_key.js';
import { prng } from './prng.js';

test('add, delete and take answer as a Map of Sets would', () => {
  const next = prng(7);
  const random = (n) => next() % n;
  const ids = new IdsByKey();
  const model = new Map();
  const keys = ['a', 'b', 'c'];
  for (let step = 0; step < 5000; step++) {
    const key = keys[random(keys.length)];
    const id = `m#${random(6)}`;
    const what = random(5);
    if (what < 3) {
      ids.add(key, id);
      if (!model.has(key)) model.set(key, new Set());
      model.get(key).add(id);
    } else if (what === 3) {
      ids.delete(key, id);
      model.get(key)?.delete(id);
      if (model.get(key)?.size === 0) model.delete(key);
    } else {
      const taken = ids.take(key);
      assert.ok(taken instanceof Set);
      assert.deepEqual([...taken], [...(model.get(key) ?? [])], `step ${step}: ids of ${key}, in the order they came`);
      model.delete(key);
      // What was taken is the caller's: changing it changes nothing held.
      taken.add('other');
      assert.deepEqual([...ids.take(key)], []);
    }
  }
});

test('the same id twice is one; deleting the last id or another id', () => {
  const ids = new IdsByKey();
  ids.add('k', 'x#1');
  ids.add('k', 'x#1');
  assert.deepEqual([...ids.take('k')], ['x#1']);
  ids.add('k', 'x#1');
  ids.add('k', 'x#2');
  ids.add('k', 'x#2');
  assert.deepEqual([...ids.take('k')], ['x#1', 'x#2']);
  ids.add('k', 'x#1');
  ids.add('k', 'x#2');
  ids.delete('k', 'x#1');
  ids.delete('k', 'x#2');
  assert.deepEqual([...ids.take('k')], []);
  ids.delete('k', 'x#3'); // nothing held: nothing happens
  ids.add('k', 'x#3');
  ids.delete('k', 'x#4'); // another id: the one held stays
  assert.deepEqual([...ids.take('k')], ['x#3']);
});
