// createSyncClient: a core, a transport and a storage wired together. Shared by the Node and
// browser entries, which pass their createSyncCore and their platform defaults.
import { SyncError, ErrorCodes } from './errors.js';
import { startSyncClient } from './client.js';
import { createWebSocketTransport } from './transport/websocket.js';
import { createMemoryStorage } from './storage/memory.js';
import { openIndexedDbStorage } from './storage/indexeddb.js';

export function makeCreateSyncClient(createSyncCore, platform) {
  return async function createSyncClient(options = {}) {
    if (options === null || typeof options !== 'object') throw new SyncError(ErrorCodes.WRONG_TYPE, 'options must be an object');
    const { url, transport, collections = {}, storage, token, client, websocket = {}, ...rest } = options;
    const core = await createSyncCore({ ...rest, collections });
    let t = transport ?? null;
    if (!t && url !== undefined) {
      const WebSocket = options.WebSocket ?? globalThis.WebSocket ?? (await platform.loadWebSocket?.());
      t = createWebSocketTransport({ ...websocket, url, WebSocket });
    }
    let s = storage;
    if (s === undefined) s = platform.defaultStorage;
    if (s === 'memory' || s === null || s === false) s = createMemoryStorage();
    else if (s === 'indexeddb' || (typeof s === 'object' && typeof s.write !== 'function' && typeof s.readAll !== 'function')) {
      // IndexedDbStorageOptions ({ name }, { indexedDB }, …): every field of it is optional.
      const idbOptions = s === 'indexeddb' ? {} : s;
      s = await openIndexedDbStorage({ ...idbOptions, sensitiveFields: idbOptions.sensitiveFields ?? sensitiveFieldsOf(collections) });
    }
    if (typeof s?.write !== 'function' || typeof s?.readAll !== 'function')
      throw new SyncError(ErrorCodes.WRONG_TYPE, "storage must be 'indexeddb', 'memory' or a storage object");
    return startSyncClient(core, { ...options, collections, transport: t, storage: s, token, client });
  };
}

// Per-collection option { sensitiveFields: [...] } -> the storage's map.
function sensitiveFieldsOf(collections) {
  const out = {};
  for (const [name, opts] of Object.entries(collections)) if (Array.isArray(opts?.sensitiveFields)) out[name] = opts.sensitiveFields;
  return out;
}
