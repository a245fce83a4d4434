// Attachment upload throughput (docs/files.md): client.files.put of one file on fake-indexeddb,
// uploaded in chunks to a sync server on loopback (PGlite in memory), timed from put to the
// server's ack of the file's metadata mutation.
//   node bench/files_upload.mjs [MiB=8] [chunkKiB=256]
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient } from '../js/node.js';
import { startSyncServer } from '../server/sync_server.js';

const mib = Number(process.argv[2] ?? 8);
const chunkKiB = Number(process.argv[3] ?? 256);
const server = await startSyncServer({ port: 0, logger: { error: () => {} } });
const client = await createSyncClient({
  url: server.url, token: 't', storage: { indexedDB: new IDBFactory(), name: 'bench' }, collections: {},
  files: { chunkSize: chunkKiB * 1024 },
});
const bytes = new Uint8Array(mib * 1024 * 1024).map((_, i) => i % 251);
const t0 = performance.now();
const { result } = await client.files.put(new Blob([bytes]));
const stored = performance.now() - t0;
await result;
const total = performance.now() - t0;
const chunks = Math.ceil(bytes.length / (chunkKiB * 1024));
console.log(JSON.stringify({
  MiB: mib, chunkKiB, chunks,
  storeLocallyMs: Math.round(stored),
  putToAckMs: Math.round(total),
  uploadMiBPerSecond: +(mib / ((total - stored) / 1000)).toFixed(2),
  msPerChunk: +((total - stored) / chunks).toFixed(1),
}));
await client.close();
await server.close();
