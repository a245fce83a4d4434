// Node entry: the wasm is read from the package with fs and handed to the glue (the glue's own
// fetch() of a file path does not work under Node).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import createReleaseModule from '../dist/syncore.mjs';
import { makeCreateSyncCore } from './load.js';
import { makeCreateSyncClient } from './create_client.js';

export { SyncCore } from './core.js';
export { SyncError, ErrorCodes } from './errors.js';
export { LiveQuery } from './live_query.js';
export { createWebSocketTransport } from './transport/websocket.js';
export { createRestTransport } from './transport/rest.js';
export { createMemoryStorage } from './storage/memory.js';
export { openIndexedDbStorage } from './storage/indexeddb.js';

const dist = new URL('../dist/', import.meta.url);

export const createSyncCore = makeCreateSyncCore(async ({ debug, wasmBinary, locateFile, wasmUrl }) => {
  const name = debug ? 'syncore-debug' : 'syncore';
  // Release glue is imported statically so bundlers see it; the debug glue only on request.
  const factory = debug ? (await import(new URL(`${name}.mjs`, dist).href)).default : createReleaseModule;
  let binary = wasmBinary;
  if (!binary) {
    const where = wasmUrl ?? (locateFile ? locateFile(`${name}.wasm`, dist.href) : new URL(`${name}.wasm`, dist));
    binary = await readFile(where instanceof URL || String(where).startsWith('file:') ? new URL(where) : where);
  }
  if (!debug) return factory({ wasmBinary: binary });
  return withCommonJsGlobals(() => factory({ wasmBinary: binary }));
});

// The debug glue (built for web and node so that its assertions accept Node) reads require and
// __dirname while its factory starts; lend them for that synchronous moment only.
function withCommonJsGlobals(run) {
  const saved = { require: globalThis.require, __dirname: globalThis.__dirname };
  globalThis.require = createRequire(import.meta.url);
  globalThis.__dirname = fileURLToPath(dist);
  try {
    return run();
  } finally {
    globalThis.require = saved.require;
    globalThis.__dirname = saved.__dirname;
    if (saved.require === undefined) delete globalThis.require;
    if (saved.__dirname === undefined) delete globalThis.__dirname;
  }
}

/** A sync client: core + transport (url or transport) + storage (default: 'memory'). */
export const createSyncClient = makeCreateSyncClient(createSyncCore, {
  defaultStorage: 'memory',
  loadWebSocket: async () => (await import('ws')).default,
});
