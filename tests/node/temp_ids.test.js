// Offline creates with server-assigned (temp) ids sync in linear time (issue 12, item 13): each
// ack renames one temp id and rewrites only the pending entries that mention it. Real server on
// loopback, real `ws` client. The figure itself: `npm run bench:tempids` (bench/temp_ids.mjs).
//
// Timing on a shared machine moves with its load, so the test compares two runs made under the
// same load: temp ids against ids chosen by the client (no rename at all). Renaming every pending
// payload per ack (the quadratic way) made 6,000 temp-id creates 10-30 times slower than that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncClient } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';
import { drained, offlineCreates, wrongParentLinks } from '../../bench/lib/offline_creates.mjs';

const count = 6_000;

/** count offline creates (every other naming the one made 150 before it), then online: ms to drain. */
async function offlineCreatesDrained(t, { clientIds }) {
  const { server, client, notes, close } = await offlineCreates({ count, clientIds });
  t.after(close);
  assert.equal(client.status.pending, count);
  const started = performance.now();
  const done = drained(client);
  client.goOnline();
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('not acknowledged within 120 s')), 120_000).unref());
  await Promise.race([done, timeout]);
  const ms = performance.now() - started;
  return { ms, server, notes };
}

test('6,000 offline temp-id creates, half naming an earlier one, sync about as fast as with client ids, every reference renamed', async (t) => {
  const baseline = await offlineCreatesDrained(t, { clientIds: true });
  const { ms, server, notes } = await offlineCreatesDrained(t, { clientIds: false });
  t.diagnostic(`${count} creates acknowledged: temp ids ${Math.round(ms)} ms, client ids ${Math.round(baseline.ms)} ms`);
  assert.ok(ms < 3 * baseline.ms + 2000, `temp ids ${Math.round(ms)} ms against client ids ${Math.round(baseline.ms)} ms`);

  assert.equal((await server.store.list('notes')).length, count);
  // Every link names its parent's server id (and the notes without a parent name none).
  assert.deepEqual(await wrongParentLinks(server), []);
  // The client's view agrees: server ids everywhere, no temp id left.
  const local = notes.list();
  assert.equal(local.length, count);
  assert.ok(local.every((n) => !String(n.id).startsWith('tmp-') && !String(n.parent ?? '').startsWith('tmp-')));
});

test('a push large enough to carry a create and the creates naming its temp id sends those only after its ack, with the server id', async (t) => {
  const server = await startSyncServer({ logger: null });
  // 1,000 mutations per push: every create below fits one push, parents and children alike.
  const client = await createSyncClient({ url: server.url, collections: { notes: { ids: 'server' } }, token: 't', client: { batchSize: 1000 } });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  client.goOffline();
  const notes = client.collection('notes');
  const first = notes.create({ title: 'note 0', parent: null }).id;
  notes.create({ title: 'note 1', parent: first });
  // And a chain: each names the one made just before it.
  let previous = first;
  for (let i = 2; i < 40; i++) previous = notes.create({ title: `note ${i}`, parent: previous }).id;
  await client.flush();
  const done = drained(client);
  client.goOnline();
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('not acknowledged within 15 s')), 15_000).unref());
  await Promise.race([done, timeout]);

  const byTitle = new Map((await server.store.list('notes')).map((e) => [e.data.title, e.data]));
  assert.equal(byTitle.size, 40);
  assert.equal(byTitle.get('note 1').parent, byTitle.get('note 0').id);
  assert.ok(!byTitle.get('note 0').id.startsWith('tmp-'));
  for (let i = 2; i < 40; i++) {
    const want = i === 2 ? byTitle.get('note 0').id : byTitle.get(`note ${i - 1}`).id;
    assert.equal(byTitle.get(`note ${i}`).parent, want, `note ${i}'s parent`);
  }
});
