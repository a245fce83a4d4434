// Item 13 of issue 12: N offline creates with server-assigned (temp) ids, then online: how long
// until the real server has acknowledged every one (each ack renames a temp id). Node, loopback,
// the reference server in process, a real `ws` client.
//
//   node bench/temp_ids.mjs [--count 10000] [--client-ids] [--batch-size n]
//
// --client-ids: the same creates with ids chosen by the client (no rename), for comparison.
// --batch-size: the client's batchSize (mutations per push; default: the client's own).
// The server is the reference server on its default database, PGlite in memory, in this process.
// Client and server share one thread, so the machine's load moves wall-clock time a lot: the
// line also gives the CPU time this process used while draining (process.cpuUsage(): user +
// system) and the event loop's utilisation (1.00: never idle, so CPU time is the figure an idle
// machine would show as wall-clock).
//
// Figures (10,000 creates, the draining phase). Earlier, on a quiet 2-core machine (load under 1):
//   before the server's push fast path (23183ba: 4 statements per temp-id create, pushes of 50):
//     temp ids 18.2 s, client ids 12.5 s
//   with it (server/write_behind.js: 7 statements per push of 200 creates): temp ids 14.8-15.2 s
//     (CPU 16.3-16.8 s), client ids 9.7 s (CPU 11.0 s); --batch-size 200 broke the parent links.
// Then (branch temp-ids), measured on a machine shared with six builds, so CPU time is the figure
// (wall-clock time there is 2-5x it; on an idle machine the two agree, utilisation 1.00); load
// average beside each:
//   the tree before (3913666):                     CPU 27.5 s (wall 124.9 s), load 11-18
//   + live changes of one socket read in one commit (js/transport/websocket.js): every echo of
//     a pushed create was a core commit, a storage write and a status change of its own:
//                                                  CPU 9.0 s (wall 25.6 s), load 11
//   + the mutation history renames by an entity index (js/client/history.js: a scan of every
//     live entry per rename):                      CPU 6.4 s (wall 11.7 s), load 12.5
//   + the core (entries naming a temp id wait for its create's ack; takeBatch answers at once
//     while the batches in flight are full, instead of scanning every entity per commit):
//       default pushes (50):  CPU 6.3-7.5 s, load 8-22       --batch-size 200: CPU 5.4-6.9 s, load 8-26
//       --batch-size 500: CPU 5.5-6.1 s, load 23              --batch-size 1000: CPU 5.7 s, load 23
//       --client-ids (no rename at all, for comparison): CPU 6.5 s, load 10
//   Every size now ends with every parent link renamed (the core holds back a create naming a
//   temp id until that id's create is acknowledged: tests/native/test_temp_id_waits.cpp).
// On the loaded machine CPU time itself is inflated (the same tree gave 16.3-16.8 s quiet and
// 23.6-27.5 s at load 14-18), so the quiet figure is for the lead's re-measurement.
// Where the rest goes (a profile at load 15, default pushes): PGlite about a third, the core's
// wasm about 30 % (per acknowledged create: the persist records, the commit text, the rename;
// per batch: takeBatch's pass over every entity), then GC, JSON and the socket.
import { drained, offlineCreates, wrongParentLinks } from './lib/offline_creates.mjs';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const count = Number(arg('--count', 10_000));
const clientIds = args.includes('--client-ids');
const batchSize = arg('--batch-size', null);

// ids: 'server' (bench/lib/offline_creates.mjs): a create without an id gets a temp id the
// server's ack renames; every other create names one made 150 before it, renamed too.
const { server, client, close } = await offlineCreates({
  count,
  clientIds,
  options: { storage: 'memory', client: batchSize ? { batchSize: Number(batchSize) } : {} },
});
if (client.status.pending !== count) throw new Error(`expected ${count} pending, got ${client.status.pending}`);

const started = performance.now();
const cpuBefore = process.cpuUsage();
const loopBefore = performance.eventLoopUtilization();
const done = drained(client);
client.goOnline();
await done;
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const loop = performance.eventLoopUtilization(loopBefore);

const stored = (await server.store.list('notes')).length;
const wrongParents = (await wrongParentLinks(server)).length;
await close();
if (stored !== count) throw new Error(`the server holds ${stored} notes, expected ${count}`);
if (wrongParents > 0) throw new Error(`${wrongParents} parent links do not name the parent's server id`);
console.log(JSON.stringify({
  count,
  ids: clientIds ? 'client' : 'server-assigned',
  acknowledgedMs: Math.round(ms),
  cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  eventLoopUtilization: Number(loop.utilization.toFixed(2)),
  ...(batchSize ? { batchSize: Number(batchSize) } : {}),
}));
