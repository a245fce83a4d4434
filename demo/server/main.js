// The demo on one port: the static pages of demo/serve.js and the sync server on /sync.
//
//   node demo/server/main.js           -> http://127.0.0.1:5173/   (ws://127.0.0.1:5173/sync)
//   PORT=8080 HOST=0.0.0.0 node demo/server/main.js
//   SYNCORE_DATA_DIR=/tmp/x node demo/server/main.js    (default: demo/.data)
//
// Every token is accepted (the demo has no users); the data survives restarts in the data folder.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoServer } from '../serve.js';
import { startSyncServer } from './sync_server.js';

const port = Number(process.env.PORT || 5173);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, not '${process.env.PORT}'`);
  process.exit(1);
}
const host = process.env.HOST || '127.0.0.1';
const dataDir = resolve(process.env.SYNCORE_DATA_DIR || fileURLToPath(new URL('../.data', import.meta.url)));
mkdirSync(dataDir, { recursive: true });

const demo = await startDemoServer({ port, host });
const sync = await startSyncServer({ server: demo.server, dataDir });
console.log(`syncore demo: ${demo.url}`);
console.log(`sync server:  ${sync.url}  (data in ${dataDir}, cursor ${sync.store.cursor})`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await sync.close();
    await demo.close();
  } finally {
    process.exit(0);
  }
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
