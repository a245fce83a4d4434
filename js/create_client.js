// createSyncClient: a core, a transport and a storage wired together. Shared by the Node and
// browser entries, which pass their createSyncCore and their platform defaults.
import { SyncError, ErrorCodes } from './errors.js';
import { startSyncClient } from './client/client.js';
import { createWebSocketTransport } from './transport/websocket.js';
import { createMemoryStorage } from './storage/memory.js';
import { openIndexedDbStorage } from './storage/indexeddb.js';
import { monotonicClock } from './clock.js';
import { FILES_COLLECTION } from './files/file_refs.js';

// Attachments (js/files/) and multi-tab (js/tabs/) load with import() when an app's options turn
// them on: they stay out of the entry's static graph (what W8 counts, bench/bundle.mjs), and a
// bundler puts them in chunks of their own.
const prepareFiles = async (options) => (await import('./files/index.js')).prepareFiles(options);
const startTabbedClient = async (options) => (await import('./tabs/index.js')).startTabbedClient(options);

export function makeCreateSyncClient(createSyncCore, platform) {
  return async function createSyncClient(givenOptions = {}) {
    if (givenOptions === null || typeof givenOptions !== 'object') throw new SyncError(ErrorCodes.WRONG_TYPE, 'options must be an object');
    const options = forUser(givenOptions, platform);
    // client.switchUser(): checked before the old client closes; returns the start of the new one.
    options.reopenForUser = (next) => {
      const switched = switchedOptions(givenOptions, next);
      forUser(switched, platform);
      return () => createSyncClient(switched);
    };
    const { url, transport, collections: appCollections = {}, storage, token, client, websocket = {}, tabs, userId: _userId, reopenForUser: _reopen, files, ...rest } = options;
    // Attachments (js/files/, docs/files.md): file metadata syncs in a collection of its own.
    const collections = files ? { ...appCollections, [FILES_COLLECTION]: {} } : appCollections;
    const tabsOptions = multiTabOptions(options, storage ?? platform.defaultStorage, platform);
    if (tabsOptions) return startMultiTab(createSyncCore, platform, options, tabsOptions);
    const clock = monotonicClock(rest.now, rest.monotonicNow);
    const core = await createSyncCore({ ...rest, now: clock, collections });
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
      // The core leaves sensitive fields out of every record it persists (src/records/redaction.cpp).
      s = await openIndexedDbStorage(idbOptions);
    }
    if (typeof s?.write !== 'function' || typeof s?.readAll !== 'function')
      throw new SyncError(ErrorCodes.WRONG_TYPE, "storage must be 'indexeddb', 'memory' or a storage object");
    const storageManager = s.kind === 'indexeddb' ? storageManagerOf(options) : undefined;
    const fileSetup = files ? await prepareFiles({ files, url, token, storageQuotaMB: options.storageQuotaMB, ...fileStoreLocation(s, storage ?? platform.defaultStorage) }) : null;
    if (fileSetup) t = fileSetup.wrap(t);
    const started = await startSyncClient(core, { ...options, clock, collections, transport: t, storage: s, token, client, storageManager });
    if (fileSetup) started.files = fileSetup.attach(started);
    return started;
  };
}

// Multi-tab (js/tabs/) where it is needed: the shared database is IndexedDB, the connection is
// the WebSocket made here from `url`, and tabs can talk (BroadcastChannel). On by default in the
// browser; `tabs: false` turns it off, `tabs: true` or an object turns it on elsewhere (Node tests).
function multiTabOptions(options, storage, platform) {
  const { tabs } = options;
  if (tabs === false || tabs === null) return null;
  if (tabs === undefined && !platform.multiTab) return null;
  const o = typeof tabs === 'object' ? tabs : {};
  if (typeof (o.BroadcastChannel ?? globalThis.BroadcastChannel) !== 'function') return null;
  if (options.url === undefined || options.transport) return null;
  const idb = storage === 'indexeddb' || (storage !== null && typeof storage === 'object' && typeof storage.write !== 'function' && typeof storage.readAll !== 'function');
  if (!idb) return null;
  const idbOptions = storage === 'indexeddb' ? {} : storage;
  const factory = idbOptions.indexedDB ?? globalThis.indexedDB;
  if (!factory || typeof factory.open !== 'function') return null; // memory-only anyway: nothing to share
  return { ...o, idbOptions };
}

async function startMultiTab(createSyncCore, platform, options, tabs) {
  const { url, collections: appCollections = {}, token, client, websocket = {}, tabs: _tabs, storage: _storage, transport: _transport, userId: _userId, reopenForUser: _reopen, files, ...rest } = options;
  const { idbOptions } = tabs;
  // Every tab's files are in the origin's shared file store; the engine's gate uploads them.
  const collections = files ? { ...appCollections, [FILES_COLLECTION]: {} } : appCollections;
  const fileSetup = files ? await prepareFiles({ files, url, token, storageQuotaMB: options.storageQuotaMB, indexedDB: idbOptions.indexedDB ?? globalThis.indexedDB, name: idbOptions.name ?? 'syncore' }) : null;
  const gated = (transport) => (fileSetup ? fileSetup.wrap(transport) : transport);
  const WebSocket = options.WebSocket ?? globalThis.WebSocket ?? (await platform.loadWebSocket?.());
  const start = async (transport, storage, clientOptions, tokenNow = token) => {
    const clock = monotonicClock(rest.now, rest.monotonicNow);
    const core = await createSyncCore({ ...rest, now: clock, collections });
    // The origin's storage is IndexedDB in every tab role (a follower's own storage is memory).
    return startSyncClient(core, { ...options, clock, collections, transport, storage, token: tokenNow, client: clientOptions, storageManager: storageManagerOf(options) });
  };
  const app = await startTabbedClient({
    name: idbOptions.name ?? 'syncore',
    tabs,
    openSharedStorage: () => openIndexedDbStorage(idbOptions),
    startEngine: ({ storage, token: latest }) => start(gated(createWebSocketTransport({ ...websocket, url, WebSocket })), storage, client, latest ?? token),
    startFollower: ({ transport, clientId, storage }) => start(transport, storage ?? createMemoryStorage(), { ...(client ?? {}), clientId }),
  });
  // (The tab layer holds the app client's close: the files stay open with the page.)
  if (fileSetup) app.files = fileSetup.attach(app, { closeWithClient: false });
  return app;
}

// Where the file store lives: beside the client's IndexedDB database, or in memory.
function fileStoreLocation(storageObject, given) {
  if (storageObject?.kind !== 'indexeddb') return { indexedDB: undefined };
  const idbOptions = given === 'indexeddb' || given === undefined ? {} : given;
  return { indexedDB: idbOptions.indexedDB ?? globalThis.indexedDB, name: idbOptions.name ?? 'syncore' };
}

// Local data and the client id belong to one user: with `userId`, the IndexedDB database (and so
// the stored client id, the outbox and the multi-tab election) is that user's own. A Storage
// object passed in is the app's to keep apart per user.
function forUser(options, platform) {
  const { userId } = options;
  if (userId === undefined || userId === null) return { ...options };
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > 200)
    throw new SyncError(ErrorCodes.WRONG_TYPE, 'userId must be a non-empty string (at most 200 characters)');
  const storage = options.storage ?? platform.defaultStorage;
  const idb = storage === 'indexeddb' || (storage !== null && typeof storage === 'object' && typeof storage.write !== 'function' && typeof storage.readAll !== 'function');
  if (!idb) return { ...options };
  const idbOptions = storage === 'indexeddb' ? {} : storage;
  return { ...options, storage: { ...idbOptions, name: userDatabaseName(idbOptions.name ?? 'syncore', userId) } };
}

/** The IndexedDB database of one user: `<name>:user:<userId>`. */
export function userDatabaseName(name, userId) {
  return `${name}:user:${userId}`;
}

// switchUser: the same options for another user, with that user's token (never the last one's)
// and without a fixed client id (an id belongs to one user; the stored one comes back on restore).
function switchedOptions(options, next) {
  if (next === null || typeof next !== 'object' || typeof next.userId !== 'string' || next.userId.length === 0)
    throw new SyncError(ErrorCodes.WRONG_TYPE, 'switchUser takes { userId, token }: userId a non-empty string');
  const storage = options.storage;
  if (storage !== null && typeof storage === 'object' && (typeof storage.write === 'function' || typeof storage.readAll === 'function'))
    throw new SyncError(ErrorCodes.INVALID_ARGUMENT, "switchUser opens the other user's own database: pass storage as 'indexeddb', 'memory' or IndexedDbStorageOptions, not a Storage object");
  const client = options.client ? { ...options.client } : undefined;
  if (client) delete client.clientId;
  return { ...options, userId: next.userId, token: next.token, client };
}

// navigator.storage (or the `navigator` option's), for status.storagePersisted.
function storageManagerOf(options) {
  return (options.navigator ?? globalThis.navigator)?.storage ?? undefined;
}

