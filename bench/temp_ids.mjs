// Item 13 of issue 12: N offline creates with server-assigned (temp) ids, then online: how long
// until the real server has acknowledged every one (each ack renames a temp id). Node, loopback,
// the reference server in process, a real `ws` client.
//
//   node bench/temp_ids.mjs [--count 10000] [--client-ids]
//
// --client-ids: the same creates with ids chosen by the client (no rename), for comparison.
import { createSyncClient } from '../js/node.js';
import { startSyncServer } from '../server/sync_server.js';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const count = Number(arg('--count', 10_000));
const clientIds = args.includes('--client-ids');

const server = await startSyncServer({ logger: null });
const client = await createSyncClient({ url: server.url, collections: { notes: {} }, token: 't', storage: 'memory' });
client.goOffline();
const notes = client.collection('notes');
// Every other create names one made 150 before it (a parent link): references to temp ids are
// renamed too. (150: further back than the two batches in flight at once, so the parent's ack
// comes while the child is still queued.)
const ids = [];
for (let i = 0; i < count; i++) {
  const parent = i % 2 === 1 && i >= 150 ? ids[i - 150] : null;
  const { id } = notes.create(clientIds ? { id: `n${i}`, title: `note ${i}`, parent } : { title: `note ${i}`, parent });
  ids.push(id);
}
await client.flush();
if (client.status.pending !== count) throw new Error(`expected ${count} pending, got ${client.status.pending}`);

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
await drained;
const ms = performance.now() - started;

const onServer = await server.store.list('notes');
const stored = onServer.length;
const byTitle = new Map(onServer.map((e) => [e.data.title, e.data]));
const wrongParents = [...byTitle.values()].filter((d) => {
  const i = Number(d.title.slice(5));
  const want = i % 2 === 1 && i >= 150 ? byTitle.get(`note ${i - 150}`).id : null;
  return d.parent !== want;
}).length;
await client.close();
await server.close();
if (stored !== count) throw new Error(`the server holds ${stored} notes, expected ${count}`);
if (wrongParents > 0) throw new Error(`${wrongParents} parent links do not name the parent's server id`);
console.log(JSON.stringify({ count, ids: clientIds ? 'client' : 'server-assigned', acknowledgedMs: Math.round(ms) }));
