// Browser entry. With no wasmUrl / locateFile / wasmBinary the release wasm needs no configuration
// in any bundler (docs/bundlers.md): the glue (dist/syncore.mjs) finds it with its own literal
// `new URL('syncore.wasm', import.meta.url)`, which Vite and webpack rewrite to the file they emit
// and which, unbundled, is the file next to it; in esbuild and Rollup bundles, which do neither,
// js/wasm_source.js hands it an embedded copy instead. The options stay as overrides.
// The debug glue (not in the npm package) is imported by a URL computed at run time, hidden from
// bundlers (no webpack "Critical dependency", no Vite warning): it loads unbundled, from a clone.
import createReleaseModule from '../dist/syncore.mjs';
import { makeCreateSyncCore } from './load.js';
import { releaseWasmOptions } from './wasm_source.js';
import { makeCreateSyncClient } from './create_client.js';

export { SyncCore } from './core.js';
export { SyncError, ErrorCodes } from './errors.js';
export { collection } from './schema.js';
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
  if (debug) return factory({});
  return factory(await releaseWasmOptions(import.meta.url)).catch((err) => {
    throw new Error(`${err?.message ?? err} (bundled by something other than Vite, webpack, esbuild or Rollup? ` +
      'pass { wasmUrl } with the URL where your app serves syncore.wasm: docs/bundlers.md)');
  });
});

async function loadDebugGlue() {
  const here = import.meta.url;
  const url = new URL('../dist/syncore-debug.mjs', here).href;
  try {
    return (await import(/* webpackIgnore: true */ /* @vite-ignore */ url)).default;
  } catch (err) {
    throw new Error(`the debug build (${url}) did not load: ${err?.message ?? err}; the npm package ships only ` +
      'the release build, and the debug one loads unbundled from a clone of syncore (bash scripts/build.sh wasm)');
  }
}

/** A sync client: core + transport (url or transport) + storage (default: 'indexeddb'). */
export const createSyncClient = /* @__PURE__ */ makeCreateSyncClient(createSyncCore, {
  defaultStorage: 'indexeddb',
  multiTab: true, // js/tabs/: the tabs of one origin share one outbox
  loadWebSocket: undefined,
});
