// Shared loading logic: one wasm instance per variant serves any number of cores.
import { SyncCore } from './core.js';
import { SyncError, ErrorCodes } from './errors.js';

/**
 * @param {(options: object) => Promise<object>} instantiate loads the Emscripten module
 * @returns {(options?: object) => Promise<SyncCore>}
 */
export function makeCreateSyncCore(instantiate) {
  const modules = new Map();
  return async function createSyncCore(options = {}) {
    if (options === null || typeof options !== 'object')
      throw new SyncError(ErrorCodes.WRONG_TYPE, 'options must be an object');
    const variant = options.debug ? 'debug' : 'release';
    // Custom wasm sources get their own instance; the default one is shared.
    const custom = options.wasmBinary || options.locateFile || options.wasmUrl;
    let promise = custom ? undefined : modules.get(variant);
    if (!promise) {
      promise = instantiate({ debug: Boolean(options.debug), wasmBinary: options.wasmBinary,
        locateFile: options.locateFile, wasmUrl: options.wasmUrl }).catch((err) => {
        if (!custom) modules.delete(variant);
        throw new SyncError(ErrorCodes.LOAD_FAILED, `could not load the syncore wasm module: ${err?.message ?? err}`);
      });
      if (!custom) modules.set(variant, promise);
    }
    return new SyncCore(await promise, options);
  };
}
