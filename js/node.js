// Node entry: the wasm is read from the package with fs and handed to the glue (the glue's own
// fetch() of a file path does not work under Node).
import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import createReleaseModule from '../dist/syncore.mjs';
import { makeCreateSyncCore } from './load.js';
import { makeCreateSyncClient } from './create_client.js';
import { SyncError, ErrorCodes } from './errors.js';

export { SyncCore } from './core.js';
export { SyncError, ErrorCodes } from './errors.js';
export { collection } from './schema.js';
export { LiveQuery } from './live_query.js';
export { createWebSocketTransport } from './transport/websocket.js';
export { createRestTransport } from './transport/rest.js';
export { createMemoryStorage } from './storage/memory.js';
export { openIndexedDbStorage } from './storage/indexeddb.js';

const dist = new URL('../dist/', import.meta.url);

export const createSyncCore = /* @__PURE__ */ makeCreateSyncCore(async ({ debug, wasmBinary, locateFile, wasmUrl }) => {
  const name = debug ? 'syncore-debug' : 'syncore';
  if (debug) await assertDebugBuildPresent();
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

// The npm package ships the release build only (the debug wasm is ~21 MB); a clone builds both.
async function assertDebugBuildPresent() {
  const missing = [];
  for (const file of ['syncore-debug.mjs', 'syncore-debug.wasm'])
    await access(new URL(file, dist)).catch(() => missing.push(file));
  if (missing.length)
    throw new Error(`the debug build is not installed (${missing.join(', ')} missing in ${fileURLToPath(dist)}): ` +
      'the npm package ships only the release build; build the debug one from a clone of syncore ' +
      '(bash scripts/build.sh wasm) and copy dist/syncore-debug.mjs and .wasm there');
}

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
export const createSyncClient = /* @__PURE__ */ makeCreateSyncClient(createSyncCore, {
  defaultStorage: 'memory',
  loadWebSocket: loadWs,
});

// Node 22 has a global WebSocket; on Node 20 the transport uses the `ws` package (an optional peer).
async function loadWs() {
  try {
    return (await import('ws')).default;
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new SyncError(ErrorCodes.NOT_CONFIGURED,
      `this Node (${process.version}) has no WebSocket: npm install ws (Node >= 22 has one built in), or pass { WebSocket } or { transport }`);
  }
}
