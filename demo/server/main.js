// The demo on one port: the gradebook page (bundled at startup by demo/build.js), the static files
// of demo/serve.js and the sync server on /sync, over a store seeded with a class on first start.
//
//   node demo/server/main.js           -> http://127.0.0.1:5173/   (ws://127.0.0.1:5173/sync)
//   PORT=8080 HOST=0.0.0.0 node demo/server/main.js
//   SYNCORE_DATA_DIR=/tmp/x node demo/server/main.js    (a PGlite folder; default: demo/.data)
//   SYNCORE_DB=postgres://… node demo/server/main.js      (PostgreSQL instead)
//
//   import { startDemo } from './demo/server/main.js';          // tests
//   const demo = await startDemo({ port: 0, dataDir });          // { url, syncUrl, sync, store, close }
//
// No token: the teacher (reads and writes); token "viewer": read-only (see authorizeGradebook).
// The data survives restarts in the data folder.
import { existsSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDemo } from '../build.js';
import { startDemoServer } from '../serve.js';
import { authorizeGradebook, seedGradebook, validateGradebook } from './gradebook.js';
import { openStore } from '../../server/store.js';
import { importJsonLog } from '../../server/import_json_log.js';
import { startSyncServer } from '../../server/sync_server.js';
import { runningDirectly, portFromEnv } from '../cli.js';

export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../.data', import.meta.url));

/** A demo folder the retired JSON-log store wrote is moved aside and imported into PGlite. */
function migrateJsonLogFolder(dataDir) {
  const old = ['snapshot.json', 'log.jsonl'].some((f) => existsSync(join(dataDir, f)));
  if (!old || existsSync(join(dataDir, 'PG_VERSION'))) return null;
  const aside = `${dataDir}.json-log-${Date.now()}`;
  renameSync(dataDir, aside);
  return aside;
}

/**
 * Builds the page, opens the store (seeding it when empty) and serves pages + sync on one port.
 * Resolves to { url, syncUrl, port, sync, store, seeded, build, close() }: `sync` is the
 * startSyncServer handle, `store` its SyncStore (read it in tests), `seeded` the number of
 * entities the seed created (0 when the store had data). close() closes sockets, closes the
 * store and stops listening.
 *
 * Options: port [0], host ['127.0.0.1'], dataDir (a PGlite folder; in memory when omitted) or db
 * (a PostgreSQL URL),
 * build [true] (false: serve demo/dist as it is), minify [true], seed [true], and any
 * startSyncServer option in `syncOptions`.
 */
export async function startDemo({ port = 0, host = '127.0.0.1', dataDir, db, build = true, minify = true, seed = true, syncOptions = {} } = {}) {
  const built = build ? await buildDemo({ minify }) : null;
  const migrated = dataDir && !db ? migrateJsonLogFolder(dataDir) : null;
  const store = await openStore({ db: db ?? dataDir });
  let demo;
  let sync;
  try {
    if (migrated) console.log(`imported the JSON-log store from ${migrated}: ${JSON.stringify(await importJsonLog(migrated, store))}`);
    const seeded = seed ? await seedGradebook(store) : 0;
    // Attachments' bytes: the sync server's file endpoints on the same port (docs/files.md).
    demo = await startDemoServer({ port, host, before: (req, res) => (sync ? sync.handleFiles(req, res) : false) });
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
      close() {
        closing ??= (async () => {
          try {
            await sync.close();
            await demo.close();
          } finally {
            await store.close();
          }
        })();
        return closing;
      },
    };
  } catch (err) {
    await sync?.close().catch(() => {});
    await demo?.close().catch(() => {});
    await store.close();
    throw err;
  }
}

if (runningDirectly(import.meta.url)) {
  const port = portFromEnv();
  const host = process.env.HOST || '127.0.0.1';
  const dataDir = resolve(process.env.SYNCORE_DATA_DIR || DEFAULT_DATA_DIR);
  const db = process.env.SYNCORE_DB || undefined;
  const demo = await startDemo({ port, host, dataDir, db });
  console.log(`built page:   ${demo.build.outfile} (${Math.round(demo.build.bytes / 1024)} KiB, ${demo.build.ms} ms)`);
  if (demo.seeded) console.log(`seeded:       ${demo.seeded} entities (a new store)`);
  console.log(`syncore demo: ${demo.url}`);
  console.log(`sync server:  ${demo.syncUrl}  (data in ${db ? 'PostgreSQL' : dataDir}, cursor ${demo.store.cursor})`);

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
