// How long syncore/sw's flushOutbox takes to send an outbox a closed page left: a page queues
// --count creates offline in (fake) IndexedDB and closes; flushOutbox (under a Web Lock) restores
// the client, connects to the real sync server (PGlite in memory), pushes, waits for every ack and
// stores them. Node, so no Service Worker start-up (tests/browser/background_sync.test.js prints
// that path's time as a diagnostic).
//   node bench/background_sync.mjs --count 1000
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient } from '../js/node.js';
import { flushOutbox } from '../js/sw/index.js';
import { startSyncServer } from '../server/sync_server.js';
import { memoryLocks } from '../tests/support/web_locks.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const count = arg('count', 1000);
const collections = { todos: {} };
const server = await startSyncServer();
const indexedDB = new IDBFactory();
const storage = { indexedDB, name: 'bench' };

const page = await createSyncClient({ url: server.url, collections, storage });
page.goOffline();
for (let i = 0; i < count; i++) page.collection('todos').create({ title: `t${i}`, n: i });
await page.flush();
await page.close();

const started = performance.now();
const result = await flushOutbox({ url: server.url, collections, storage, locks: memoryLocks(), createSyncClient, timeoutMs: 600_000 });
const ms = performance.now() - started;
const onServer = (await server.store.list('todos')).length;
await server.close();
if (result.outcome !== 'flushed' || onServer !== count) throw new Error(`flush incomplete: ${JSON.stringify(result)}, ${onServer} on the server`);
console.log(`flushOutbox: ${count} queued mutations sent and acknowledged in ${ms.toFixed(0)} ms (${((ms * 1000) / count).toFixed(0)} µs each)`);
