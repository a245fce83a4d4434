// Offline creates with server-assigned (temp) ids sync in linear time (issue 12, item 13): each
// ack renames one temp id and rewrites only the pending entries that mention it. Real server on
// loopback, real `ws` client. The figure itself: `npm run bench:tempids` (bench/temp_ids.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncClient } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';

test('10,000 offline temp-id creates, half naming an earlier one, are acknowledged in well under 30 s with every reference renamed', async (t) => {
  const count = 10_000;
  const server = await startSyncServer({ logger: null });
  const client = await createSyncClient({ url: server.url, collections: { notes: {} }, token: 't' });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  client.goOffline();
  const notes = client.collection('notes');
  const ids = [];
  for (let i = 0; i < count; i++) {
    const parent = i % 2 === 1 && i >= 150 ? ids[i - 150] : null;
    ids.push(notes.create({ title: `note ${i}`, parent }).id);
  }
  await client.flush();
  assert.equal(client.status.pending, count);
  const started = performance.now();
  const drained = new Promise((resolve) => {
    const off = client.on('statusChanged', (s) => {
      if (s.pending === 0) {
        off();
        resolve();
      }
    });
  });
  client.goOnline();
  // Quadratic renaming took 72-140 s here; linear takes a few seconds even on a busy machine.
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('not acknowledged within 30 s')), 30_000).unref());
  await Promise.race([drained, timeout]);
  const ms = performance.now() - started;
  t.diagnostic(`${count} temp-id creates acknowledged in ${Math.round(ms)} ms`);
  const byTitle = new Map(server.store.list('notes').map((e) => [e.data.title, e.data]));
  assert.equal(byTitle.size, count);
  for (let i = 151; i < count; i += 2) {
    assert.equal(byTitle.get(`note ${i}`).parent, byTitle.get(`note ${i - 150}`).id, `note ${i}'s parent`);
  }
  // The client's view agrees: server ids everywhere, no temp id left.
  const local = notes.list();
  assert.equal(local.length, count);
  assert.ok(local.every((n) => !String(n.id).startsWith('tmp-') && !String(n.parent ?? '').startsWith('tmp-')));
});
