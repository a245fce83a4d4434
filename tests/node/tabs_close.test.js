// close() in a follower tab (js/tabs/): its outbox is memory, so an edit is kept only once the
// leader acknowledged it. close() must finish every accepted write or say in its promise which it
// could not (issue 12 item 1), in every tab role. Found by the JS simulation (tests/sim/, seed 13).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { openTab } from '../support/tabs.js';
import { startSyncServer } from '../../server/sync_server.js';

const collections = { todos: {} };

async function until(predicate, ms = 5000) {
  const started = Date.now();
  while (!(await predicate())) {
    if (Date.now() - started > ms) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

test('a follower tab that closes right after an edit hands it to the leader, or names it as lost', async (t) => {
  const server = await startSyncServer();
  const origin = { idb: new IDBFactory(), name: 'close-follower' };
  const leader = await openTab(server, origin, { collections });
  await until(() => leader.status.tab === 'leader');
  const follower = await openTab(server, origin, { collections });
  t.after(async () => {
    await leader.close();
    await server.close();
  });
  assert.ok(await until(() => follower.status.tab === 'follower' && follower.status.connected), 'the follower is linked to the leader');
  for (let i = 0; i < 5; i++) {
    const { mutationId } = follower.collection('todos').create({ id: `t${i}`, title: `t${i}` });
    let error = null;
    if (i === 4) {
      try {
        await follower.close();
      } catch (err) {
        error = err;
      }
      const kept = await until(() => leader.collection('todos').get('t4') !== undefined, 2000);
      assert.ok(
        kept || (error?.code === 'UNSAVED_CHANGES' && error.mutationIds.includes(mutationId)),
        `the edit made just before close() is neither with the leader nor named by close() (close ${error ? `rejected: ${error.code}` : 'resolved'})`,
      );
      // Every edit acknowledged before is with the leader and reaches the server.
      assert.ok(await until(async () => (await server.store.list('todos')).length >= 4), 'earlier edits reach the server');
    }
  }
});
