// close() and restarts: every accepted write is stored by close() (or close() says which were
// not), and a restarted client never hands out a mutation id, key or temp id again, also after a
// crash that lost a write (the client dropped without close()).
//   node --test tests/node/close_restart.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient, createMemoryStorage, openIndexedDbStorage } from '../../js/node.js';

// Server-assigned ids: creates get numbered temp ids, the ids a restart must never issue again.
const collections = { todos: { ids: 'server' } };
const quiet = { window: new EventTarget(), document: new EventTarget() };

// Two kinds of storage a restart finds again: memory kept across clients, and fake-indexeddb.
const kinds = {
  memory: async () => {
    const inner = createMemoryStorage();
    return () => ({ ...inner, close: async () => {} }); // closing one client keeps the data
  },
  indexeddb: async () => {
    const indexedDB = new IDBFactory();
    return () => openIndexedDbStorage({ name: 'restart', indexedDB });
  },
};

for (const [kind, make] of Object.entries(kinds)) {
  test(`${kind}: close() right after a mutation stores it; the next client has both and new ids`, async () => {
    const open = await make();
    const a = await createSyncClient({ collections, storage: await open(), ...quiet });
    const todos = a.collection('todos');
    const first = todos.create({ title: 'a' });
    await a.flush();
    const second = todos.create({ title: 'b' });
    await a.close();

    const b = await createSyncClient({ collections, storage: await open(), ...quiet });
    assert.equal(b.status.pending, 2, 'both accepted mutations were stored');
    assert.deepEqual(b.collection('todos').list().map((t) => t.title).sort(), ['a', 'b']);
    const third = b.collection('todos').create({ title: 'c' });
    assert.ok(![first.mutationId, second.mutationId].includes(third.mutationId), `${third.mutationId} is new`);
    assert.ok(![first.id, second.id].includes(third.id), `temp id ${third.id} is new`);
    const keys = b.core.pendingMutations().map((m) => m.key);
    assert.equal(new Set(keys).size, 3, `keys ${keys}`);
    await b.close();
  });

  test(`${kind}: a crash with a write not yet stored: the next client never re-issues its ids`, async () => {
    const open = await make();
    const storage = await open();
    let hang = false;
    const dying = { ...storage, write: (effect) => (hang ? new Promise(() => {}) : storage.write(effect)) };
    const a = await createSyncClient({ collections, storage: dying, ...quiet });
    const todos = a.collection('todos');
    const first = todos.create({ title: 'a' });
    await a.flush();
    hang = true; // the page dies during the next write: it never reaches storage
    const lost = todos.create({ title: 'b' });
    // a is dropped without close(), as a crashed page is.

    const b = await createSyncClient({ collections, storage: await open(), ...quiet });
    assert.equal(b.status.pending, 1, 'what was stored came back');
    const issued = [];
    for (let i = 0; i < 3; i++) issued.push(b.collection('todos').create({ title: `c${i}` }));
    for (const m of issued) {
      assert.notEqual(m.mutationId, lost.mutationId, 'the lost mutation id is not handed out again');
      assert.notEqual(m.mutationId, first.mutationId);
      assert.notEqual(m.id, lost.id, 'nor its temp id');
    }
    await b.close();
  });
}

test('close() with storage that keeps refusing: it rejects and names the changes it could not store', async () => {
  const inner = createMemoryStorage();
  let refuse = false;
  const storage = { ...inner, write: async (effect) => {
    if (refuse) throw Object.assign(new Error('disk full'), { code: 'STORAGE_QUOTA' });
    return inner.write(effect);
  } };
  const a = await createSyncClient({ collections, storage, storageRetryMs: 10, ...quiet });
  a.collection('todos').create({ title: 'stored' });
  await a.flush();
  refuse = true;
  const lost = a.collection('todos').create({ title: 'not stored' });
  await assert.rejects(a.close(), (err) => {
    assert.equal(err.code, 'UNSAVED_CHANGES');
    assert.deepEqual(err.mutationIds, [lost.mutationId]);
    return true;
  });
});
