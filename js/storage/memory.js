// Storage without persistence: the same interface as the IndexedDB adapter, for tests, for apps
// that keep nothing on the device, and as the fallback where IndexedDB is unavailable.
import { SyncError } from '../errors.js';
import { quarantineInMemory } from './quarantine.js';
import { STORE_NAMES } from '../vocabulary.js';

/** The stores a persist effect writes to. */
export const STORES = STORE_NAMES;

/**
 * Removes the app's sensitive fields from a record's value before it is stored. The core already
 * leaves out the sensitive fields of the collections defined with them (src/records/redaction.cpp,
 * the same rules); this covers a storage opened with its own sensitiveFields. Returns the value
 * itself when nothing applies, otherwise a redacted copy: the caller keeps the effect intact so it
 * can retry it, and the core's own objects are never touched.
 * @param {{ store: string, key: unknown, value: unknown }} record
 * @param {Record<string, string[]>} sensitiveFields collection -> dotted paths
 */
export function redactRecord(record, sensitiveFields) {
  const { store, key, value } = record;
  if (value === null || typeof value !== 'object') return value;
  const collection =
    store === 'entities' ? (Array.isArray(key) ? key[0] : undefined)
    : store === 'deadLetters' ? value.entry?.collection
    : value.collection;
  const paths = sensitiveFields[collection];
  if (!Array.isArray(paths) || paths.length === 0) return value;
  const copy = structuredClone(value);
  // Every place a copy of the entity (or a patch of it) travels inside a record.
  const targets =
    store === 'entities' ? [[copy, 'data']]
    : store === 'outbox' ? [[copy, 'payload'], [copy.meta, 'base']]
    : store === 'deadLetters' ? [[copy.entry, 'payload'], [copy.entry?.meta, 'base']]
    : store === 'conflicts' ? [[copy, 'base'], [copy, 'local'], [copy, 'remote'], [copy, 'patch']]
    : [];
  for (const [holder, field] of targets) {
    const target = holder?.[field];
    if (target === null || typeof target !== 'object') continue;
    const removed = paths.filter((path) => removePath(target, String(path).split('.')));
    // A pending change that loses values here cannot be replayed whole after a reload: say which
    // fields it lost, so the restore can report it (and drop an edit that is left empty).
    if (field === 'payload' && removed.length > 0) holder.redactedFields = removed;
  }
  return copy;
}

// An array met on the way with a non-numeric segment gets the rest of the path removed from every
// element: a sensitive field inside a list of sub-objects must not survive in any of them.
// Returns whether anything was removed.
function removePath(node, segments) {
  if (node === null || typeof node !== 'object') return false;
  const [head, ...rest] = segments;
  if (Array.isArray(node) && !/^\d+$/.test(head)) {
    let removed = false;
    for (const item of node) removed = removePath(item, segments) || removed;
    return removed;
  }
  if (!Object.prototype.hasOwnProperty.call(node, head)) return false;
  if (rest.length > 0) return removePath(node[head], rest);
  delete node[head];
  return true;
}

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
 * @param {{ sensitiveFields?: Record<string, string[]> }} [options] sensitive fields are dropped
 *   here too, so an app reads back the same shape whichever storage it ended up with.
 */
export function createMemoryStorage({ sensitiveFields = {} } = {}) {
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
        prepared = put.map((r) => ({ store: r.store, key: r.key, value: structuredClone(redactRecord(r, sensitiveFields)) }));
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

    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },

    async close() {
      closed = true;
    },
  };
}
