// client.history(): seed 004's sync_queue (pending / syncing / synced / failed / failed_permanently,
// attempts, timestamps, last error) through the public API, against the reference sync server on
// loopback, kept in IndexedDB (fake-indexeddb) across a restart and bounded by historyLimit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';
import { SettleStatusNames } from '../../js/generated/vocabulary.js';
import { HISTORY_STATUS_OF_SETTLED, HistoryStatus } from '../../js/vocabulary.js';
import { untilClient as until } from './helpers.js';

const fast = { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 };
const collections = { todos: {}, notes: { strategy: 'manual' } };
const SEED_004_WORDS = ['pending', 'syncing', 'synced', 'failed', 'failed_permanently'];

function open(server, indexedDB, extra = {}) {
  return createSyncClient({ url: server.url, collections, token: 't', websocket: fast, batchTimeoutMs: 30_000,
    storage: { name: 'history', indexedDB }, window: new EventTarget(), document: new EventTarget(), ...extra });
}

const byId = (client) => new Map(client.history().map((e) => [e.mutationId, e]));

test('every way the core settles a mutation has a status in seed 004 words', () => {
  for (const name of SettleStatusNames) assert.ok(SEED_004_WORDS.includes(HISTORY_STATUS_OF_SETTLED[name]), `${name} -> ${HISTORY_STATUS_OF_SETTLED[name]}`);
  assert.deepEqual(Object.values(HistoryStatus).sort(), [...SEED_004_WORDS].sort());
});

test('acked, dead-lettered and parked-conflict mutations read synced / failed_permanently / failed, and survive a restart', async (t) => {
  const server = await startSyncServer({ validate: ({ mutation }) => (mutation.kind !== 'delete' && mutation.data?.title === '' ? 'title must not be empty' : undefined) });
  t.after(() => server.close());
  const indexedDB = new IDBFactory();
  const a = await open(server, indexedDB);
  const changes = [];
  a.on('historyChanged', (e) => changes.push(...e.entries.map((x) => `${x.mutationId}:${x.status}`)));
  await until(a, () => a.status.connected && !a.status.syncing, 'connected');

  const ok = a.collection('todos').create({ title: 'kept' });
  assert.equal((await ok.result).status, 'acked');
  const bad = a.collection('todos').create({ title: '' });
  await assert.rejects(bad.result, { code: 'REJECTED' });
  const note = a.collection('notes').create({ text: 'base' });
  const { id: noteId } = await note.result;

  a.goOffline();
  await until(a, () => !a.status.connected, 'offline');
  const mine = a.collection('notes').patch(noteId, { text: 'mine' });
  const queued = byId(a).get(mine.mutationId);
  assert.equal(queued.status, 'pending');
  assert.equal(queued.attempts, 0);
  assert.equal(queued.op, 'update');
  await server.write('notes', { id: noteId, text: 'theirs' }, { actor: 'job' });
  a.goOnline();
  await until(a, () => a.status.conflicts === 1, 'the conflict is parked');

  const h = byId(a);
  const kept = h.get(ok.mutationId);
  assert.equal(kept.status, 'synced');
  assert.equal(kept.outcome, 'acked');
  assert.equal(kept.collection, 'todos');
  assert.equal(kept.id, ok.id);
  assert.equal(kept.op, 'create');
  assert.equal(kept.attempts, 1);
  assert.ok(kept.createdAt <= kept.sentAt && kept.sentAt <= kept.settledAt, JSON.stringify(kept));
  assert.equal(kept.lastError, null);

  const refused = h.get(bad.mutationId);
  assert.equal(refused.status, 'failed_permanently');
  assert.equal(refused.outcome, 'dead-letter');
  assert.deepEqual(refused.lastError, { code: 'validation', message: 'title must not be empty' });
  assert.equal(refused.attempts, 1);

  const parked = h.get(mine.mutationId);
  assert.equal(parked.status, 'failed');
  assert.equal(parked.outcome, 'conflict');
  assert.equal(parked.conflictId, a.core.conflicts()[0].id);
  assert.equal(parked.collection, 'notes');
  assert.equal(parked.id, noteId);
  await new Promise((resolve) => setImmediate(resolve)); // historyChanged: once per turn
  assert.ok(changes.includes(`${mine.mutationId}:pending`) && changes.includes(`${mine.mutationId}:failed`), changes.join());

  assert.deepEqual(a.history({ status: 'failed_permanently' }).map((e) => e.mutationId), [bad.mutationId]);
  assert.deepEqual(a.history({ collection: 'notes', limit: 1 }).map((e) => e.mutationId), [mine.mutationId]);
  const before = a.history({ status: ['synced', 'failed', 'failed_permanently'] });
  await a.close();
  const again = await open(server, indexedDB);
  t.after(() => again.close());
  assert.deepEqual(again.history({ status: ['synced', 'failed', 'failed_permanently'] }), before, 'the same history after the restart');
  // Deciding the parked conflict turns its entry synced, and says how.
  const [conflict] = again.core.conflicts();
  again.core.resolveConflict(conflict.id, { choice: 'remote' });
  const decided = byId(again).get(mine.mutationId);
  assert.equal(decided.status, 'synced');
  assert.equal(decided.outcome, 'conflict');
});

test('a held push reads syncing with its attempt; historyLimit keeps the newest, also across a restart', async (t) => {
  let gate = null;
  const server = await startSyncServer({ validate: async () => { await gate; } });
  t.after(() => server.close());
  const indexedDB = new IDBFactory();
  const a = await open(server, indexedDB, { historyLimit: 3 });
  await until(a, () => a.status.connected && !a.status.syncing, 'connected');

  let release;
  gate = new Promise((resolve) => (release = resolve));
  const held = a.collection('todos').create({ title: 'held' });
  await until(a, () => byId(a).get(held.mutationId)?.status === 'syncing', 'syncing while the server holds the answer');
  assert.equal(byId(a).get(held.mutationId).attempts, 1);
  release();
  gate = null;
  await held.result;
  assert.equal(byId(a).get(held.mutationId).status, 'synced');

  const made = [held.mutationId];
  for (let i = 0; i < 4; i++) {
    const m = a.collection('todos').create({ title: `t${i}` });
    made.push(m.mutationId);
    await m.result;
  }
  const newest = made.slice(-3).reverse();
  assert.deepEqual(a.history().map((e) => e.mutationId), newest, 'the 3 newest, newest first');
  await a.close();
  const again = await open(server, indexedDB, { historyLimit: 3 });
  t.after(() => again.close());
  assert.deepEqual(again.history().map((e) => e.mutationId), newest);
  // A smaller limit at the next start drops the oldest of what was stored.
  await again.close();
  const smaller = await open(server, indexedDB, { historyLimit: 1 });
  t.after(() => smaller.close());
  assert.deepEqual(smaller.history().map((e) => e.mutationId), newest.slice(0, 1));
});
