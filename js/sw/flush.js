// flushOutbox(): the outbox a page left in IndexedDB, sent by whoever runs this without a page —
// a Service Worker on a Background Sync `sync` or `periodicsync` event (js/sw/index.js). Same core,
// same storage, same client id and idempotency keys as the pages, so what a page sent already the
// server acknowledges as a duplicate.
//
// One sender at a time: it sends only while holding the Web Lock the leader tab holds
// (js/tabs/election.js, leaderLockName), and opens the database only once it has the lock. A page
// that opens meanwhile finds the lock taken and starts as a follower; it is elected when the lock
// is released, after this client closed (every ack stored). A page that leads keeps the lock:
// this waits `lockWaitMs` for it and then gives up ('tab-leads': that page is sending).
import { SyncError, ErrorCodes } from '../errors.js';
import { leaderLockName } from '../tabs/election.js';
import { userDatabaseName } from '../create_client.js';

const DEFAULTS = { lockWaitMs: 3000, timeoutMs: 60_000 };

/**
 * @param {(options: object) => Promise<object>} createSyncClient the platform's
 * @returns {(options: object) => Promise<object>} flushOutbox
 */
export function makeFlushOutbox(createSyncClient) {
  return async function flushOutbox(options = {}) {
    if (options === null || typeof options !== 'object') throw new SyncError(ErrorCodes.WRONG_TYPE, 'options must be an object');
    const { storage = {}, userId, token, locks = globalThis.navigator?.locks, lockWaitMs = DEFAULTS.lockWaitMs, timeoutMs = DEFAULTS.timeoutMs,
      createSyncClient: create = createSyncClient, ...clientOptions } = options;
    if (typeof clientOptions.url !== 'string' && !(clientOptions.url instanceof URL)) throw new SyncError(ErrorCodes.WRONG_TYPE, 'url (the sync server) is required');
    if (storage === null || typeof storage !== 'object') throw new SyncError(ErrorCodes.WRONG_TYPE, 'storage must be IndexedDbStorageOptions ({ name })');
    if (!locks || typeof locks.request !== 'function')
      throw new SyncError(ErrorCodes.NOT_CONFIGURED, 'flushOutbox needs Web Locks (navigator.locks) to never send beside a page that leads');
    const name = userId === undefined || userId === null ? storage.name ?? 'syncore' : userDatabaseName(storage.name ?? 'syncore', userId);
    const indexedDB = storage.indexedDB ?? globalThis.indexedDB;
    if (!(await databaseExists(indexedDB, name))) return { outcome: 'no-database', completed: true, pushed: 0, pending: 0, failed: 0 };

    const waiting = new AbortController();
    const timer = setTimeout(() => waiting.abort(), lockWaitMs);
    let granted = false;
    try {
      return await locks.request(leaderLockName(name), { signal: waiting.signal }, async () => {
        granted = true;
        clearTimeout(timer);
        return flushHoldingTheLock(create, { ...clientOptions, storage: { ...storage, name }, token: await tokenOf(token) }, timeoutMs);
      });
    } catch (err) {
      if (!granted && waiting.signal.aborted) return { outcome: 'tab-leads', completed: true, pushed: 0, pending: null, failed: null };
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };
}

// The client restores the pages' state (client id, cursor, outbox) from the database, connects
// for one round (autoSyncEnabled false: client.sync() is the round), and close() stores every ack
// before the lock goes.
async function flushHoldingTheLock(createSyncClient, options, timeoutMs) {
  const client = await createSyncClient({ ...options, tabs: false, autoSyncEnabled: false, syncInterval: 0, syncTimeoutMs: timeoutMs });
  let round = { completed: true };
  const before = client.status.pending;
  const { clientId } = client.core;
  let after;
  let failed;
  try {
    if (before > 0) round = await client.sync();
    after = client.status.pending;
    failed = client.status.failed;
  } finally {
    await client.close();
  }
  const outcome = before === 0 ? 'nothing-pending' : round.completed ? 'flushed' : round.reason;
  return { outcome, completed: round.completed, pushed: before - after, pending: after, failed, clientId };
}

async function tokenOf(token) {
  return typeof token === 'function' ? await token() : token;
}

// Opening a database that does not exist would create an empty one (and a client id no page
// ever used): where the browser can list databases, a missing one means nothing to send.
async function databaseExists(indexedDB, name) {
  if (!indexedDB || typeof indexedDB.databases !== 'function') return true;
  const list = await indexedDB.databases();
  return list.some((db) => db.name === name);
}
