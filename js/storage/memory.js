// Storage without persistence: the same interface as the IndexedDB adapter, for tests, for apps
// that keep nothing on the device, and as the fallback where IndexedDB is unavailable.
import { SyncError } from '../errors.js';
import { quarantineInMemory } from './quarantine.js';
import { historyInMemory } from './history_store.js';
import { STORE_NAMES } from '../vocabulary.js';

/** The stores a persist effect writes to. */
export const STORES = STORE_NAMES;

/** Valid IndexedDB keys, so that what memory storage accepts IndexedDB would accept too. */
export function isValidKey(key) {
  if (typeof key === 'number') return !Number.isNaN(key);
  if (typeof key === 'string') return true;
  if (key instanceof Date) return !Number.isNaN(key.getTime());
  if (Array.isArray(key)) return key.every(isValidKey);
  return false;
}

function storageError(code, message, cause) {
  const err = new SyncError(code, message);
  if (cause !== undefined) err.cause = cause;
  return err;
}

/** Throws unless the effect is a persist effect whose records name known stores and valid keys. */
export function checkPersistEffect(effect) {
  if (effect === null || typeof effect !== 'object')
    throw storageError('STORAGE_FAILED', 'write() takes a persist effect { put, delete }');
  if (effect.type !== undefined && effect.type !== 'persist')
    throw storageError('STORAGE_FAILED', `write() takes persist effects, not ${JSON.stringify(effect.type)}`);
  const put = effect.put ?? [];
  const del = effect.delete ?? [];
  if (!Array.isArray(put) || !Array.isArray(del))
    throw storageError('STORAGE_FAILED', 'a persist effect has put and delete arrays');
  for (const r of [...put, ...del]) {
    if (!STORES.includes(r?.store)) throw storageError('STORAGE_FAILED', `unknown store ${JSON.stringify(r?.store)}`);
    if (!isValidKey(r.key)) throw storageError('STORAGE_FAILED', `invalid key in store ${r.store}`);
  }
  return { put, del };
}


/**
 * Records are opaque here: the core leaves sensitive fields out of every record it persists
 * (src/records/redaction.cpp), so no storage needs to know the record schema.
 * @param {object} [options] none today; `sensitiveFields` is refused (it moved to the collections)
 */
export function createMemoryStorage(options = {}) {
  refuseSensitiveFields(options);
  // store -> Map(key text -> { key, value }); array keys need a value-based identity.
  const stores = new Map(STORES.map((s) => [s, new Map()]));
  let closed = false;
  const quarantine = quarantineInMemory();
  const listeners = new Set();

  const live = () => {
    if (closed) throw storageError('STORAGE_FAILED', 'this storage was closed');
  };
  const id = (key) => JSON.stringify(key instanceof Date ? { date: key.getTime() } : key);

  return {
    kind: 'memory',

    /** Applies one persist effect wholly or not at all. */
    async write(effect) {
      live();
      const { put, del } = checkPersistEffect(effect);
      // Prepare every copy first: a value that cannot be cloned fails the write before any change.
      let prepared;
      try {
        prepared = put.map((r) => ({ store: r.store, key: r.key, value: structuredClone(r.value) }));
      } catch (err) {
        throw storageError('STORAGE_FAILED', `a record cannot be stored: ${err?.message ?? err}`, err);
      }
      for (const r of del) stores.get(r.store).delete(id(r.key));
      for (const r of prepared) stores.get(r.store).set(id(r.key), { key: structuredClone(r.key), value: r.value });
    },

    async readAll() {
      live();
      const out = [];
      for (const [store, map] of stores) {
        for (const { key, value } of map.values()) out.push({ store, key: structuredClone(key), value: structuredClone(value) });
      }
      return out;
    },

    async clear() {
      live();
      for (const map of stores.values()) map.clear();
      await quarantine.clear();
    },

    /** Moves records the core refused out of the stores, as the IndexedDB adapter does. */
    async quarantine(records, reason) {
      live();
      const at = Date.now();
      await quarantine.add(records.map((r) => ({ store: r.store, key: r.key, value: r.value, reason: String(reason), at })));
      for (const r of records) stores.get(r.store)?.delete(id(r.key));
      for (const r of records) {
        const event = { type: 'quarantined', store: r.store, key: r.key, reason: String(reason) };
        for (const fn of [...listeners]) {
          try {
            fn(event);
          } catch (err) {
            queueMicrotask(() => {
              throw err;
            });
          }
        }
      }
    },

    readQuarantine: () => quarantine.list(),
    clearQuarantine: () => quarantine.clear(),

    /** The client's history of settled mutations (js/client/history.js). */
    history: historyInMemory(),

    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },

    async close() {
      closed = true;
    },
  };
}

/**
 * `sensitiveFields` used to be a storage option; the core redacts now (a collection option). A
 * storage opened with it is refused loudly rather than silently storing the fields.
 */
export function refuseSensitiveFields(options) {
  if (options?.sensitiveFields !== undefined)
    throw new SyncError('INVALID_ARGUMENT', "sensitiveFields is a collection option (createSyncClient({ collections: { name: { sensitiveFields } } })): the core leaves them out of every record it persists");
}
