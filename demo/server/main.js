// The demo on one port: the gradebook page (bundled at startup by demo/build.js), the static files
// of demo/serve.js and the sync server on /sync, over a store seeded with a class on first start.
//
//   node demo/server/main.js           -> http://127.0.0.1:5173/   (ws://127.0.0.1:5173/sync)
//   PORT=8080 HOST=0.0.0.0 node demo/server/main.js
//   SYNCORE_DATA_DIR=/tmp/x node demo/server/main.js    (default: demo/.data)
//
//   import { startDemo } from './demo/server/main.js';          // tests
//   const demo = await startDemo({ port: 0, dataDir });          // { url, syncUrl, sync, store, close }
//
// No token: the teacher (reads and writes); token "viewer": read-only (see authorizeGradebook).
// The data survives restarts in the data folder.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDemo } from '../build.js';
import { startDemoServer } from '../serve.js';
import { authorizeGradebook, seedGradebook, validateGradebook } from './gradebook.js';
import { SyncStore } from '../../server/store.js';
import { startSyncServer } from '../../server/sync_server.js';
import { runningDirectly, portFromEnv } from '../cli.js';

export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../.data', import.meta.url));

/**
 * Builds the page, opens the store (seeding it when empty) and serves pages + sync on one port.
 * Resolves to { url, syncUrl, port, sync, store, seeded, build, close() }: `sync` is the
 * startSyncServer handle, `store` its SyncStore (read it in tests), `seeded` the number of
 * entities the seed created (0 when the store had data). close() closes sockets, snapshots the
 * store and stops listening.
 *
 * Options: port [0], host ['127.0.0.1'], dataDir (the store's folder; in memory when omitted),
 * build [true] (false: serve demo/dist as it is), minify [true], seed [true], and any
 * startSyncServer option in `syncOptions`.
 */
export async function startDemo({ port = 0, host = '127.0.0.1', dataDir, build = true, minify = true, seed = true, syncOptions = {} } = {}) {
  const built = build ? await buildDemo({ minify }) : null;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const store = new SyncStore({ dataDir });
  let demo;
  let sync;
  try {
    const seeded = seed ? seedGradebook(store) : 0;
    demo = await startDemoServer({ port, host });
    sync = await startSyncServer({ validate: validateGradebook, authorize: authorizeGradebook, ...syncOptions, server: demo.server, store });
    let closing = null;
    return {
      url: demo.url,
      get syncUrl() {
        return sync.url;
      },
      port: sync.port,
      sync,
      store,
      seeded,
      build: built,
      close({ snapshot = true } = {}) {
        closing ??= (async () => {
          try {
            await sync.close();
            await demo.close();
          } finally {
            store.close({ snapshot });
          }
        })();
        return closing;
      },
    };
  } catch (err) {
    await sync?.close().catch(() => {});
    await demo?.close().catch(() => {});
    store.close();
    throw err;
  }
}

if (runningDirectly(import.meta.url)) {
  const port = portFromEnv();
  const host = process.env.HOST || '127.0.0.1';
  const dataDir = resolve(process.env.SYNCORE_DATA_DIR || DEFAULT_DATA_DIR);
  const demo = await startDemo({ port, host, dataDir });
  console.log(`built page:   ${demo.build.outfile} (${Math.round(demo.build.bytes / 1024)} KiB, ${demo.build.ms} ms)`);
  if (demo.seeded) console.log(`seeded:       ${demo.seeded} entities (a new store)`);
  console.log(`syncore demo: ${demo.url}`);
  console.log(`sync server:  ${demo.syncUrl}  (data in ${dataDir}, cursor ${demo.store.cursor})`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await demo.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
