// Two users on one device (one IndexedDB origin), against the reference server, which binds a
// client id to the first user that says hello with it: each user gets their own database and
// client id, never the other's rows; an offline user's pending edits wait in their database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient } from '../../js/node.js';
import { startSyncServer, tokenTable } from '../../server/sync_server.js';
import { untilClient as until } from './helpers.js';

const fast = { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 };
const collections = { notes: {}, diary: {} };
// Everyone shares `notes`; `diary` is Ann's alone.
const authorize = tokenTable({
  'tok-ann': { userId: 'ann', read: ['notes', 'diary'], write: ['notes', 'diary'] },
  'tok-bob': { userId: 'bob', read: ['notes'], write: ['notes'] },
});

const titles = (client, collection) => client.collection(collection).list().map((x) => x.title).sort();

/** Ann on this device: one synced diary entry, then offline edits left pending, then signed out. */
async function annLeavesPendingEdits(t, server, device) {
  const ann = await createSyncClient({ ...device, url: server.url, token: 'tok-ann', userId: 'ann' });
  await until(ann, () => ann.status.connected, 'ann connected');
  const { id: diaryId } = await ann.collection('diary').create({ title: 'dear diary' }).result;
  ann.goOffline();
  await until(ann, () => !ann.status.connected, 'ann offline');
  ann.collection('notes').create({ title: 'ann, offline' });
  ann.collection('diary').patch(diaryId, { title: 'dear diary, edited offline' });
  assert.equal(ann.status.pending, 2);
  return { ann, annClientId: ann.core.clientId, diaryId };
}

test('switchUser: Bob on Ann\'s device syncs with his own data and client id; Ann\'s pending edits go out when she is back', async (t) => {
  const server = await startSyncServer({ authorize });
  const device = { collections, websocket: fast, storage: { indexedDB: new IDBFactory() } };
  const open = new Set();
  t.after(async () => {
    for (const c of open) await c.close();
    await server.close();
  });
  const { ann, annClientId, diaryId } = await annLeavesPendingEdits(t, server, device);
  open.add(ann);

  const bob = await ann.switchUser({ userId: 'bob', token: 'tok-bob' });
  open.delete(ann);
  open.add(bob);
  assert.notEqual(bob.core.clientId, annClientId, 'a client id of his own');
  assert.deepEqual(titles(bob, 'diary'), [], "none of Ann's rows");
  assert.deepEqual(titles(bob, 'notes'), [], "none of Ann's pending rows");
  assert.equal(bob.status.pending, 0);
  await until(bob, () => bob.status.connected, 'bob connected (not "Sign in again")');
  await bob.collection('notes').create({ title: 'bob was here' }).result;
  assert.equal(bob.statusMessage(), 'All changes synced');
  assert.deepEqual(titles(bob, 'notes'), ['bob was here']);
  assert.equal((await server.store.get('diary', diaryId)).data.title, 'dear diary', "Ann's offline edit has not gone out yet");

  const annAgain = await bob.switchUser({ userId: 'ann', token: 'tok-ann' });
  open.delete(bob);
  open.add(annAgain);
  assert.equal(annAgain.core.clientId, annClientId, 'her own client id again');
  assert.equal(annAgain.status.pending, 2, 'her pending edits are still there');
  await until(annAgain, () => annAgain.status.connected && annAgain.status.pending === 0, "Ann's pending edits synced");
  assert.equal(annAgain.statusMessage(), 'All changes synced');
  assert.equal((await server.store.get('diary', diaryId)).data.title, 'dear diary, edited offline');
  assert.deepEqual((await server.store.list('notes')).map((e) => e.data.title).sort(), ['ann, offline', 'bob was here']);
});

test('userId option: signing out (close) and in as another user (a new client) keeps them apart too', async (t) => {
  const server = await startSyncServer({ authorize });
  const device = { collections, websocket: fast, storage: { indexedDB: new IDBFactory(), name: 'app' } };
  const open = new Set();
  t.after(async () => {
    for (const c of open) await c.close();
    await server.close();
  });
  const { ann, annClientId } = await annLeavesPendingEdits(t, server, device);
  await ann.flush(); // close() finishing queued writes by itself is issue 12 item 1
  await ann.close();

  const bob = await createSyncClient({ ...device, url: server.url, token: 'tok-bob', userId: 'bob' });
  open.add(bob);
  assert.deepEqual([titles(bob, 'diary'), titles(bob, 'notes')], [[], []]);
  assert.notEqual(bob.core.clientId, annClientId);
  await until(bob, () => bob.status.connected, 'bob connected');
  await bob.close();
  open.delete(bob);

  const annAgain = await createSyncClient({ ...device, url: server.url, token: 'tok-ann', userId: 'ann' });
  open.add(annAgain);
  assert.equal(annAgain.core.clientId, annClientId);
  await until(annAgain, () => annAgain.status.pending === 0 && annAgain.status.connected, 'ann synced');
  assert.deepEqual((await server.store.list('notes')).map((e) => e.data.title), ['ann, offline']);
  // Each database is named after its user.
  const all = (await device.storage.indexedDB.databases()).map((d) => d.name);
  const names = all.filter((n) => !n.includes('quarantine') && !n.endsWith('-history')).sort();
  assert.deepEqual(names, ['app:user:ann', 'app:user:bob']);
  // The sync history (docs/history.md) is kept per user too.
  assert.deepEqual(all.filter((n) => n.endsWith('-history')).sort(), ['app:user:ann-history', 'app:user:bob-history']);
});

test('switchUser refuses bad input before closing anything', async (t) => {
  const server = await startSyncServer({ authorize });
  const client = await createSyncClient({ collections, url: server.url, token: 'tok-ann', userId: 'ann', websocket: fast, storage: { indexedDB: new IDBFactory() } });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  await assert.rejects(client.switchUser({ token: 'tok-bob' }), { code: 'WRONG_TYPE' });
  await assert.rejects(createSyncClient({ collections, userId: 7 }), { code: 'WRONG_TYPE' });
  await until(client, () => client.status.connected, 'still running');
});

test('multi-tab: two users in two tabs of one origin each lead their own database', async (t) => {
  const server = await startSyncServer({ authorize });
  const indexedDB = new IDBFactory();
  const tab = (userId) => createSyncClient({ collections, url: server.url, token: `tok-${userId}`, userId, websocket: fast,
    storage: { indexedDB }, tabs: { locks: null, heartbeatMs: 40, helloRetryMs: 40 } });
  const ann = await tab('ann');
  const bob = await tab('bob');
  const open = new Set([ann, bob]);
  t.after(async () => {
    for (const c of open) await c.close();
    await server.close();
  });
  await until(ann, () => ann.status.connected, 'ann connected');
  await until(bob, () => bob.status.connected, 'bob connected');
  assert.deepEqual([ann.tabs.role, bob.tabs.role], ['leader', 'leader']);
  await ann.collection('diary').create({ title: 'ann only' }).result;
  await bob.collection('notes').create({ title: 'bob' }).result;
  await until(ann, () => titles(ann, 'notes').includes('bob'), 'ann sees the shared note');
  assert.deepEqual(titles(bob, 'diary'), []);
  assert.notEqual(ann.core.clientId, bob.core.clientId);

  // Ann's tab switches to Bob: it joins Bob's tabs (a follower of his leader), none of Ann's rows.
  const bobToo = await ann.switchUser({ userId: 'bob', token: 'tok-bob' });
  open.delete(ann);
  open.add(bobToo);
  await until(bobToo, () => bobToo.status.connected, 'the second bob tab connected through his leader');
  assert.equal(bobToo.tabs.role, 'follower');
  assert.deepEqual(titles(bobToo, 'diary'), []);
  await until(bobToo, () => titles(bobToo, 'notes').includes('bob'), "bob's second tab has his note");
  await bobToo.collection('notes').create({ title: 'bob, second tab' }).result;
  // A follower's result settles once the leader stored the change; the server has it a moment later.
  // The store is async (SQL): poll it instead of waiting on client events.
  for (const deadline = Date.now() + 5000; !(await server.store.list('notes')).some((e) => e.data.title === 'bob, second tab');) {
    assert.ok(Date.now() < deadline, "timed out waiting for bob's second-tab note on the server");
    await new Promise((r) => setTimeout(r, 25));
  }
});
