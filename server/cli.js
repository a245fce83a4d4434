#!/usr/bin/env node
// npx syncore-server --db <pglite folder | postgres://…> [--port 8787] [--host 127.0.0.1]
//                    [--path /sync] [--write-secret-env NAME] [--import <old JSON-log folder>]
// Serves the sync protocol on ws://host:port/path over the given database (a PGlite folder is
// created when missing). The write endpoint (POST /syncore/write) is on when the environment
// variable named by --write-secret-env (default SYNCORE_WRITE_SECRET) is set: a secret never goes
// on a command line, where `ps` shows it. SIGINT / SIGTERM close cleanly.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { startSyncServer } from './sync_server.js';
import { openStore } from './store.js';
import { importJsonLog } from './import_json_log.js';
import { isPostgresUrl } from './db.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: process.env.SYNCORE_DB ?? '.syncore-data' },
    port: { type: 'string', default: process.env.PORT ?? '8787' },
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    path: { type: 'string', default: '/sync' },
    'write-secret-env': { type: 'string', default: 'SYNCORE_WRITE_SECRET' },
    import: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: syncore-server --db <pglite folder | postgres://…> [--port 8787] [--host 127.0.0.1] [--path /sync] [--import <old data folder>]');
  process.exit(0);
}
const db = isPostgresUrl(values.db) ? values.db : resolve(values.db);
const store = await openStore({ db });
if (values.import) console.log(`imported: ${JSON.stringify(await importJsonLog(resolve(values.import), store))}`);
const sync = await startSyncServer({
  store,
  port: Number(values.port),
  host: values.host,
  path: values.path,
  writeSecret: process.env[values['write-secret-env']] || undefined,
});
console.log(`syncore sync server: ${sync.url} (${store.kind}, cursor ${store.cursor}, epoch ${store.epoch})`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await sync.close();
  await store.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
