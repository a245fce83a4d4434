// The core's one seam, through the public API: onCommit listeners get every commit with its
// counters and views; every failure is a SyncError, and a restore's names the record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncCore, SyncError } from '../../js/node.js';

async function core(extra = {}) {
  const c = await createSyncCore({ collections: { todos: {} }, ...extra });
  c.configureClient({ clientId: 'c1', seed: 1, persist: true });
  return c;
}

test('onCommit: each commit with counts and the views a reader shows next; the remover stops it', async (t) => {
  const c = await core();
  t.after(() => c.dispose());
  const commits = [];
  const off = c.onCommit((commit) => commits.push(commit));
  const q = c.query({ collection: 'todos' });
  c.mutate({ collection: 'todos', op: 'create', data: { id: 'a', title: 'x' } });
  assert.equal(commits.length, 1);
  assert.deepEqual(commits[0].counts, { pending: 1, deadLetters: 0, conflicts: 0, setAside: 0, resyncing: false });
  assert.deepEqual(commits[0].views, { todos: { a: { id: 'a', title: 'x' } } });
  assert.equal(commits[0].mutationId, 'c1#1');
  assert.deepEqual(c.counts, commits[0].counts);
  assert.equal(q.current[0], c.get('todos', 'a')); // the view became the snapshot
  off();
  c.mutate({ collection: 'todos', op: 'create', data: { id: 'b' } });
  assert.equal(commits.length, 1);
  assert.equal(c.counts.pending, 2);
});

test('a throwing onCommit listener does not stop the others', async (t) => {
  const errors = [];
  const c = await core({ onListenerError: (err) => errors.push(err) });
  t.after(() => c.dispose());
  let heard = 0;
  c.onCommit(() => {
    throw new Error('boom');
  });
  c.onCommit(() => heard++);
  c.mutate({ collection: 'todos', op: 'create', data: { id: 'a' } });
  assert.equal(heard, 1);
  assert.equal(errors[0].message, 'boom');
});

test('failures cross as one envelope: a SyncError with the code and message', async (t) => {
  const c = await core();
  t.after(() => c.dispose());
  assert.throws(() => c.mutate({ collection: 'nope', op: 'create', data: {} }), (err) => err instanceof SyncError && err.code === 'UNKNOWN_COLLECTION');
  assert.throws(() => c.count('nope'), (err) => err.code === 'UNKNOWN_COLLECTION');
  assert.throws(() => c.query({ collection: 'todos', where: [['x', 'bogus', 1]] }), (err) => err.code === 'BAD_QUERY');
  assert.equal(c.count('todos'), 0);
});

test('a restore that fails names the record: store, key and index', async (t) => {
  const donor = await core();
  donor.mutate({ collection: 'todos', op: 'create', data: { id: 'a' } });
  const records = donor.exportRecords();
  donor.dispose();
  records.push({ store: 'outbox', key: 99, value: { seq: 'not a number' } });
  const c = await core();
  t.after(() => c.dispose());
  assert.throws(() => c.restore(records), (err) => {
    assert.ok(err instanceof SyncError);
    assert.equal(err.store, 'outbox');
    assert.equal(err.key, 99);
    assert.equal(err.index, records.length - 1);
    return true;
  });
});

test('a mutation that changes nothing keeps the cursor and the counts as they were', async (t) => {
  const c = await core();
  t.after(() => c.dispose());
  c.applyServer({ ops: [{ op: 'upsert', collection: 'todos', id: 'a', version: 1, data: { id: 'a', title: 'x' } }], cursor: 7 });
  c.mutate({ collection: 'todos', op: 'update', id: 'a', patch: { title: 'y' } });
  assert.equal(c.cursor, 7);
  assert.equal(c.counts.pending, 1);
  const heard = [];
  c.onCommit((commit) => heard.push(commit));
  const r = c.mutate({ collection: 'todos', op: 'update', id: 'a', patch: { title: 'y' } }); // already 'y'
  assert.equal(r.mutationId, undefined);
  assert.equal(c.cursor, 7);
  assert.equal(c.counts.pending, 1);
  for (const commit of heard) assert.equal(commit.counts.pending, 1);
});
