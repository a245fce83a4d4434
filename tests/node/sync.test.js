// Sync semantics through the wasm build: mutations, server answers, effects, conflicts, dead
// letters, custom resolvers and restart, all via the public JS API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncCore } from '../../js/node.js';

let now = 1_000;
const clock = () => now;

async function client(collections = { todos: {} }, extra = {}) {
  return createSyncCore({ collections, now: clock, client: { clientId: 'c1', seed: 1, persist: true }, ...extra });
}

const sends = (r) => (r.effects ?? []).filter((e) => e.type === 'send').flatMap((e) => e.mutations);
const events = (r, type) => (r.events ?? []).filter((e) => e.type === type);

test('a mutation is visible at once, persisted before it is sent, and settled by the ack', async () => {
  const core = await client();
  core.applyServer([{ op: 'upsert', collection: 'todos', id: '1', version: 1, data: { id: '1', title: 'milk', done: false } }]);
  const seen = [];
  core.subscribeEntity('todos', '1', (t) => seen.push(t?.done));
  const online = core.setOnline(true);
  assert.deepEqual(sends(online), []);
  const r = core.mutate({ collection: 'todos', op: 'update', id: '1', data: { id: '1', title: 'milk', done: true } });
  assert.ok(r.mutationId.startsWith('c1#'));
  assert.equal(core.get('todos', '1').done, true);
  assert.deepEqual(seen, [true]);
  assert.deepEqual(r.effects.map((e) => e.type), ['persist', 'send']);
  const [m] = sends(r);
  assert.deepEqual(m.data, { done: true }); // a field-level patch
  assert.equal(m.baseVersion, 1);
  const ack = core.applyServer([{ op: 'ack', key: m.key, version: 2, data: { id: '1', title: 'milk', done: true } }]);
  assert.deepEqual(events(ack, 'settled').map((e) => [e.status, e.mutationIds[0]]), [['acked', r.mutationId]]);
  assert.deepEqual(core.pendingMutations(), []);
  assert.deepEqual(ack.changes, {}); // the view already showed it: no re-render
  core.dispose();
});

test('temp ids are remapped on ack and entity subscribers follow', async () => {
  const core = await client({ todos: { ids: 'server' } }); // server-assigned ids: temp ids, renamed on ack
  core.setOnline(true);
  const r = core.mutate({ collection: 'todos', op: 'create', data: { title: 'new' } });
  const temp = r.changes.todos.created[0];
  assert.match(temp, /^tmp-c1-/);
  const seen = [];
  core.subscribeEntity('todos', temp, (t) => seen.push(t?.title));
  const [m] = sends(r);
  const ack = core.applyServer([{ op: 'ack', key: m.key, id: 's9', version: 1 }]);
  assert.deepEqual(ack.renamed, { todos: { [temp]: 's9' } });
  assert.equal(core.get('todos', temp), undefined);
  assert.equal(core.get('todos', 's9').id, 's9');
  core.applyServer([{ op: 'upsert', collection: 'todos', id: 's9', version: 2, data: { id: 's9', title: 'renamed' } }]);
  assert.equal(seen.at(-1), 'renamed');
  core.dispose();
});

test('rejections: validation goes to dead letters with retry, edit and discard', async () => {
  const core = await client();
  core.applyServer([{ op: 'upsert', collection: 'todos', id: '1', version: 1, data: { id: '1', n: 0 } }]);
  core.setOnline(true);
  const first = core.mutate({ collection: 'todos', op: 'update', id: '1', patch: { n: 1 } });
  const second = core.mutate({ collection: 'todos', op: 'update', id: '1', patch: { m: 2 } });
  const r = core.applyServer([{ op: 'reject', key: sends(first)[0].key, class: 'validation', message: 'n must be even' }]);
  assert.deepEqual(events(r, 'settled').map((e) => e.status), ['dead-letter']);
  assert.deepEqual(core.get('todos', '1'), { id: '1', n: 0, m: 2 }); // confirmed + the second edit
  const [dead] = core.deadLetters();
  assert.equal(dead.message, 'n must be even');
  assert.equal(dead.mutationIds[0], first.mutationId);
  const edited = core.editDeadLetter(dead.seq, { n: 2 });
  assert.equal(core.get('todos', '1').n, 2);
  assert.equal(core.deadLetters().length, 0);
  assert.ok(core.pendingMutations().some((p) => p.mutationIds.includes(second.mutationId)));
  assert.equal(edited.changes.todos.updated[0], '1');
  assert.throws(() => core.retryDeadLetter(12345), { code: 'NOT_FOUND' });
  assert.throws(() => core.discardDeadLetter(-1), { code: 'WRONG_TYPE' });
  core.dispose();
});

test('auth errors pause the queue until resumeQueue', async () => {
  const core = await client();
  core.setOnline(true);
  const r = core.mutate({ collection: 'todos', op: 'create', id: 'a', data: {} });
  const answer = core.applyServer([{ op: 'reject', key: sends(r)[0].key, class: 'auth', message: 'expired' }]);
  assert.equal(events(answer, 'auth-required').length, 1);
  core.mutate({ collection: 'todos', op: 'create', id: 'b', data: {} });
  now += 60_000;
  assert.deepEqual(sends(core.tick()), []);
  const resumed = core.resumeQueue();
  assert.deepEqual(sends(resumed).map((m) => m.id).sort(), ['a', 'b']);
  core.dispose();
});

test('manual conflicts are listed with base, local and remote and resolved from the API', async () => {
  const core = await client({ todos: { strategy: 'manual' } });
  core.applyServer([{ op: 'upsert', collection: 'todos', id: '1', version: 1, data: { id: '1', title: 'a' } }]);
  core.mutate({ collection: 'todos', op: 'update', id: '1', patch: { title: 'mine' } });
  const r = core.applyServer([{ op: 'upsert', collection: 'todos', id: '1', version: 2, data: { id: '1', title: 'theirs' } }]);
  assert.equal(events(r, 'conflict').length, 1);
  const [conflict] = core.conflicts();
  assert.deepEqual([conflict.base.title, conflict.local.title, conflict.remote.title], ['a', 'mine', 'theirs']);
  assert.throws(() => core.resolveConflict(conflict.id, { choice: 'coin' }), { code: 'WRONG_TYPE' });
  const resolved = core.resolveConflict(conflict.id, { choice: 'local' });
  assert.ok(resolved.mutationId);
  assert.equal(core.get('todos', '1').title, 'mine');
  assert.deepEqual(core.conflicts(), []);
  core.dispose();
});

test('custom resolvers are JS functions; one that throws parks the conflict instead', async () => {
  const errors = [];
  const core = await client({ todos: { strategy: 'custom' } }, { onListenerError: (e) => errors.push(e.message) });
  core.setCustomResolver('todos', ({ local, remote }) => ({ ...remote, tags: [...new Set([...local.tags, ...remote.tags])] }));
  core.applyServer([{ op: 'upsert', collection: 'todos', id: '1', version: 1, data: { id: '1', tags: ['a'] } }]);
  core.mutate({ collection: 'todos', op: 'update', id: '1', patch: { tags: ['a', 'local'] } });
  core.applyServer([{ op: 'upsert', collection: 'todos', id: '1', version: 2, data: { id: '1', tags: ['a', 'remote'] } }]);
  assert.deepEqual(core.get('todos', '1').tags, ['a', 'local', 'remote']);

  core.setCustomResolver('todos', () => {
    throw new Error('resolver bug');
  });
  core.mutate({ collection: 'todos', op: 'update', id: '1', patch: { tags: ['x'] } });
  core.applyServer([{ op: 'upsert', collection: 'todos', id: '1', version: 3, data: { id: '1', tags: ['y'] } }]);
  assert.deepEqual(errors, ['resolver bug']);
  assert.equal(core.conflicts().length, 1);
  assert.throws(() => core.setCustomResolver('nope', () => ({})), { code: 'UNKNOWN_COLLECTION' });
  core.dispose();
});

test('a core restored from its records resumes where it left off', async () => {
  const core = await client();
  core.applyServer({ ops: [{ op: 'upsert', collection: 'todos', id: '1', version: 1, data: { id: '1', n: 1 } }], cursor: 5 });
  core.mutate({ collection: 'todos', op: 'update', id: '1', patch: { n: 2 } });
  core.mutate({ collection: 'todos', op: 'create', id: 'x', data: { new: true } });
  const records = core.exportRecords();
  core.dispose();

  const again = await createSyncCore({ collections: { todos: {} }, now: clock, client: { clientId: 'other', persist: true } });
  const q = again.query({ collection: 'todos', orderBy: ['id'] });
  again.restore(records);
  assert.equal(again.cursor, 5);
  assert.equal(again.get('todos', '1').n, 2);
  assert.deepEqual(q.ids, ['1', 'x']);
  assert.equal(again.pendingMutations().length, 2);
  const online = again.setOnline(true);
  assert.ok(sends(online).every((m) => m.key.startsWith('c1:'))); // the persisted client id
  assert.throws(() => again.restore('nope'), { code: 'WRONG_TYPE' });
  assert.throws(() => again.restore([{ store: 'bogus', key: 1, value: {} }]), { code: 'INVALID_ARGUMENT' });
  again.dispose();
});

test('bad mutations give codes and leave the view alone', async () => {
  const core = await client();
  core.applyServer([{ op: 'upsert', collection: 'todos', id: '1', version: 1, data: { id: '1' } }]);
  const cases = [
    [null, 'WRONG_TYPE'],
    [{ collection: 'todos', op: 'explode' }, 'UNKNOWN_OP'],
    [{ collection: 'nope', op: 'create', data: {} }, 'UNKNOWN_COLLECTION'],
    [{ collection: 'todos', op: 'create', id: '1', data: {} }, 'ALREADY_EXISTS'],
    [{ collection: 'todos', op: 'update', id: '2', patch: { a: 1 } }, 'NOT_FOUND'],
    [{ collection: 'todos', op: 'update', patch: { a: 1 } }, 'MISSING_ID'],
    [{ collection: 'todos', op: 'update', id: '1', patch: { id: '9' } }, 'ID_MISMATCH'],
  ];
  for (const [request, code] of cases) assert.throws(() => core.mutate(request), { code }, JSON.stringify(request));
  assert.deepEqual(core.get('todos', '1'), { id: '1' });
  assert.deepEqual(core.pendingMutations(), []);
  core.dispose();
});
