// Group commit: commits made while a storage write is under way go to storage as one write, and
// each send still follows the write that made its mutations durable.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createSyncClient, createMemoryStorage } from '../../js/node.js';
import { groupEffects } from '../../js/group_effects.js';

test('groupEffects: one write with the last word on each record, then the other effects in commit order', () => {
  const a = { type: 'persist', put: [{ store: 'entities', key: ['todos', 'a'], value: 1 }], delete: [] };
  const b = { type: 'persist', put: [{ store: 'outbox', key: 1, value: 'x' }], delete: [{ store: 'entities', key: ['todos', 'a'] }] };
  const c = { type: 'persist', put: [{ store: 'entities', key: ['todos', 'b'], value: 2 }], delete: [{ store: 'outbox', key: 1 }] };
  const grouped = groupEffects([[a, { type: 'send', batch: 1 }], [b, { type: 'wake', at: 5 }], [c, { type: 'send', batch: 2 }]]);
  assert.deepEqual(grouped.map((e) => e.type), ['persist', 'send', 'wake', 'send']);
  assert.deepEqual(grouped.slice(1).map((e) => e.batch ?? e.at), [1, 5, 2]);
  const [w] = grouped;
  assert.deepEqual(w.put, [{ store: 'entities', key: ['todos', 'b'], value: 2 }]);
  assert.deepEqual(w.delete, [{ store: 'entities', key: ['todos', 'a'] }, { store: 'outbox', key: 1 }]);
  assert.deepEqual(w.parts, [a, b, c]);
  // One persist effect is passed on as it is (storage wrappers may know it by identity).
  assert.equal(groupEffects([[a], [{ type: 'wake', at: 1 }]])[0], a);
});

test('1,000 quick mutations: a few writes, not 1,000; all durable and restored after a restart', async (t) => {
  const inner = createMemoryStorage();
  let writes = 0;
  const storage = { ...inner, write: async (effect) => {
    writes++;
    await new Promise((resolve) => setTimeout(resolve, 2)); // a write takes a while, as IndexedDB's does
    return inner.write(effect);
  }, close: async () => {} }; // the restart below reads the same memory storage
  const collections = { todos: {} };
  const client = await createSyncClient({ collections, storage, window: new EventTarget(), document: new EventTarget() });
  const todos = client.collection('todos');
  for (let i = 0; i < 1000; i++) todos.create({ id: `t${i}`, n: i });
  for (let i = 0; i < 1000; i += 2) todos.patch(`t${i}`, { n: -i });
  await client.flush();
  assert.ok(writes >= 1 && writes < 20, `${writes} writes`);
  await client.close();

  const again = await createSyncClient({ collections, storage: inner, window: new EventTarget(), document: new EventTarget() });
  t.after(() => again.close());
  assert.equal(again.collection('todos').count(), 1000);
  assert.equal(again.collection('todos').get('t10').n, -10);
  assert.equal(again.collection('todos').get('t11').n, 11);
  assert.equal(again.status.pending, 1000); // creates and their edits coalesced, none sent yet
});
