// Browser entry: the wasm sits next to the glue in dist/ and is found relative to this module.
// Bundlers move this module away from it, so bundled apps pass the file's URL as { wasmUrl }
// (`import wasmUrl from 'syncore/syncore.wasm'`; or locateFile, or wasmBinary).
import createReleaseModule from '../dist/syncore.mjs';
import { makeCreateSyncCore } from './load.js';
import { releaseWasmOptions } from './wasm_source.js';
import { makeCreateSyncClient } from './create_client.js';

export { SyncCore } from './core.js';
export { SyncError, ErrorCodes } from './errors.js';
export { LiveQuery } from './live_query.js';
export { createWebSocketTransport } from './transport/websocket.js';
export { createRestTransport } from './transport/rest.js';
export { createMemoryStorage } from './storage/memory.js';
export { openIndexedDbStorage } from './storage/indexeddb.js';

export const createSyncCore = /* @__PURE__ */ makeCreateSyncCore(async ({ debug, wasmBinary, locateFile, wasmUrl }) => {
  const factory = debug ? await loadDebugGlue() : createReleaseModule;
  if (wasmBinary) return factory({ wasmBinary });
  if (wasmUrl) return factory({ locateFile: () => String(wasmUrl) });
  if (locateFile) return factory({ locateFile });
  return factory(debug ? {} : await releaseWasmOptions(import.meta.url));
});

async function loadDebugGlue() {
  const here = import.meta.url;
  const url = new URL('../dist/syncore-debug.mjs', here).href;
  return (await import(/* webpackIgnore: true */ /* @vite-ignore */ url)).default;
}

/** A sync client: core + transport (url or transport) + storage (default: 'indexeddb'). */
export const createSyncClient = /* @__PURE__ */ makeCreateSyncClient(createSyncCore, {
  defaultStorage: 'indexeddb',
  multiTab: true, // js/tabs/: the tabs of one origin share one outbox
  loadWebSocket: undefined,
});
