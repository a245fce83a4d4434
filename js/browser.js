// Browser entry: the wasm sits next to the glue in dist/ and is found relative to this module.
// Bundlers that move files can pass wasmUrl (or locateFile, or wasmBinary) to createSyncCore.
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
  const options = {};
  if (wasmBinary) options.wasmBinary = wasmBinary;
  else if (wasmUrl) options.locateFile = () => String(wasmUrl);
  else options.locateFile = locateFile ?? ((file) => new URL(file, dist).href);
  return factory(options);
});

/** A sync client: core + transport (url or transport) + storage (default: 'indexeddb'). */
export const createSyncClient = makeCreateSyncClient(createSyncCore, {
  defaultStorage: 'indexeddb',
  multiTab: true, // js/tabs/: the tabs of one origin share one outbox
  loadWebSocket: undefined,
});
