// Browser entry: the wasm sits next to the glue in dist/ and is found relative to this module.
// Bundlers move this module away from it, so bundled apps pass the file's URL as { wasmUrl }
// (`import wasmUrl from 'syncore/syncore.wasm'`; or locateFile, or wasmBinary).
import createReleaseModule from '../dist/syncore.mjs';
import { makeCreateSyncCore } from './load.js';
import { makeCreateSyncClient } from './create_client.js';

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
  // Release glue is imported statically so bundlers see it; the debug glue only on request.
  const factory = debug ? (await import(new URL(`${name}.mjs`, dist).href).catch(debugBuildMissing)).default : createReleaseModule;
  const options = {};
  if (wasmBinary) options.wasmBinary = wasmBinary;
  else if (wasmUrl) options.locateFile = () => String(wasmUrl);
  else options.locateFile = locateFile ?? ((file) => new URL(file, dist).href);
  if (wasmBinary || wasmUrl || locateFile) return factory(options);
  // The default location is next to this module, which a bundler moves: say what to do instead.
  return factory(options).catch((err) => {
    throw new Error(`${err?.message ?? err} (bundled app? import wasmUrl from 'syncore/syncore.wasm' ` +
      'with your bundler emitting the file (esbuild: --loader:.wasm=file) and pass { wasmUrl })');
  });
});

function debugBuildMissing(err) {
  throw new Error(`the debug build (syncore-debug.mjs) did not load: ${err?.message ?? err}; the npm package ships only ` +
    'the release build, build the debug one from a clone of syncore (bash scripts/build.sh wasm)');
}

/** A sync client: core + transport (url or transport) + storage (default: 'indexeddb'). */
export const createSyncClient = /* @__PURE__ */ makeCreateSyncClient(createSyncCore, {
  defaultStorage: 'indexeddb',
  multiTab: true, // js/tabs/: the tabs of one origin share one outbox
  loadWebSocket: undefined,
});
