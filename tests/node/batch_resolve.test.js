// client.resolveConflicts(): seed 004's batch conflict resolution (all mine, all theirs, a rule per
// field) over parked manual conflicts, through the public API against the reference sync server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncClient } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';
import { untilClient as until } from './helpers.js';

const fast = { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 };
const collections = { grades: { strategy: 'manual' }, notes: { strategy: 'manual' } };

async function setup(t) {
  const server = await startSyncServer();
  const a = await createSyncClient({ url: server.url, collections, token: 't', websocket: fast, batchTimeoutMs: 30_000, window: new EventTarget(), document: new EventTarget() });
  t.after(async () => {
    await a.close();
    await server.close();
  });
  await until(a, () => a.status.connected && !a.status.syncing, 'connected');
  return { server, a };
}

// n grades, each edited here offline ({ grade: 'B', comment: 'mine' }) while the server took
// another edit ({ grade: 'C', title: 'theirs' }): n parked conflicts, contested on grade only.
async function conflicts(server, a, n, collection = 'grades') {
  const ids = [];
  for (let i = 0; i < n; i++) {
    const r = a.collection(collection).create({ title: `t${i}`, grade: 'A', comment: 'c' });
    ids.push((await r.result).id);
  }
  a.goOffline();
  await until(a, () => !a.status.connected, 'offline');
  const mutations = ids.map((id) => a.collection(collection).patch(id, { grade: 'B', comment: 'mine' }).mutationId);
  for (const [i, id] of ids.entries()) await server.write(collection, { id, title: 'theirs', grade: 'C', comment: 'c' }, { actor: 'job' });
  const before = a.status.conflicts;
  a.goOnline();
  await until(a, () => a.status.conflicts === before + n && !a.status.syncing, `${n} conflicts parked`);
  return { ids, mutations };
}

const drained = (a) => until(a, () => a.status.pending === 0 && !a.status.syncing, 'drained');
const serverData = async (server, collection, id) => {
  const { id: _id, ...rest } = (await server.store.get(collection, id)).data;
  return rest;
};

test('all mine: every parked conflict becomes a mutation with the local value, and the server takes it', async (t) => {
  const { server, a } = await setup(t);
  const { ids, mutations } = await conflicts(server, a, 3);
  const report = a.resolveConflicts({ strategy: 'mine' });
  assert.equal(report.resolved.length, 3);
  assert.deepEqual(report.failed, []);
  assert.deepEqual(report.resolved.map((r) => r.id).sort(), [...ids].sort());
  for (const r of report.resolved) {
    assert.equal(r.decided, 'mine');
    assert.equal(typeof r.mutationId, 'string');
  }
  assert.equal(a.status.conflicts, 0);
  await drained(a);
  for (const id of ids) assert.deepEqual(await serverData(server, 'grades', id), { title: 't' + ids.indexOf(id), grade: 'B', comment: 'mine' });
  const history = new Map(a.history().map((e) => [e.mutationId, e]));
  for (const m of mutations) {
    assert.equal(history.get(m).status, 'synced');
    assert.equal(history.get(m).resolution, 'mine');
  }
});

test('all theirs: nothing is sent, the local view takes the server value', async (t) => {
  const { server, a } = await setup(t);
  const { ids, mutations } = await conflicts(server, a, 2);
  const report = a.resolveConflicts({ strategy: 'theirs' });
  assert.deepEqual(report.resolved.map((r) => [r.decided, r.mutationId]), [['theirs', null], ['theirs', null]]);
  assert.equal(a.status.conflicts, 0);
  assert.equal(a.status.pending, 0);
  for (const id of ids) assert.deepEqual(a.collection('grades').get(id), { id, title: 'theirs', grade: 'C', comment: 'c' });
  assert.equal(a.history().find((e) => e.mutationId === mutations[0]).resolution, 'theirs');
});

test('by field: the named field takes its side, a field only one side changed keeps that change', async (t) => {
  const { server, a } = await setup(t);
  const { ids } = await conflicts(server, a, 2);
  const report = a.resolveConflicts({ byField: { grade: 'mine' } });
  assert.deepEqual(report.resolved.map((r) => r.decided), ['merged', 'merged']);
  await drained(a);
  // grade: named, mine; title: only the server changed it; comment: only we changed it.
  for (const id of ids) {
    assert.deepEqual(a.collection('grades').get(id), { id, title: 'theirs', grade: 'B', comment: 'mine' });
    assert.deepEqual(await serverData(server, 'grades', id), { title: 'theirs', grade: 'B', comment: 'mine' });
  }
  const { ids: more } = await conflicts(server, a, 1);
  a.resolveConflicts({ byField: { comment: 'theirs' } }); // grade is contested and not named: theirs
  await drained(a);
  assert.deepEqual(await serverData(server, 'grades', more[0]), { title: 'theirs', grade: 'C', comment: 'c' });
});

test('the filter picks which conflicts; a bad rule is refused before anything changes', async (t) => {
  const { server, a } = await setup(t);
  await conflicts(server, a, 2, 'grades');
  const { ids: noteIds } = await conflicts(server, a, 1, 'notes');
  assert.throws(() => a.resolveConflicts({ strategy: 'ours' }), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => a.resolveConflicts({ byField: { grade: 'both' } }), { code: 'INVALID_ARGUMENT' });
  assert.equal(a.status.conflicts, 3);
  const onlyNotes = a.resolveConflicts({ strategy: 'theirs' }, { collection: 'notes' });
  assert.deepEqual(onlyNotes.resolved.map((r) => r.id), noteIds);
  assert.equal(a.status.conflicts, 2);
  const first = a.core.conflicts()[0];
  const one = a.resolveConflicts({ strategy: 'mine' }, { ids: [first.id] });
  assert.deepEqual(one.resolved.map((r) => r.conflictId), [first.id]);
  assert.equal(a.status.conflicts, 1);
});
