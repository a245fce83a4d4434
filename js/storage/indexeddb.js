// IndexedDB storage for persist effects: one readwrite transaction per effect (group commit),
// resolved only on `complete`, so the caller can send after it knowing the records are durable.
import { SyncError } from '../errors.js';
import { STORES, createMemoryStorage, redactRecord, checkPersistEffect } from './memory.js';

const QUOTA_NAMES = new Set(['QuotaExceededError', 'NS_ERROR_DOM_QUOTA_REACHED']);

/** A DOMException (or anything thrown) as a SyncError: STORAGE_QUOTA or STORAGE_FAILED. */
function toStorageError(err, context) {
  if (err instanceof SyncError) return err;
  const quota = QUOTA_NAMES.has(err?.name) || err?.code === 22; // 22: legacy QUOTA_EXCEEDED_ERR
  const detail = err?.message || err?.name || String(err);
  const out = new SyncError(quota ? 'STORAGE_QUOTA' : 'STORAGE_FAILED', `${context}: ${detail}`);
  out.cause = err;
  return out;
}

// A listener's bug must not turn into a storage failure; it surfaces as an uncaught error instead.
function safeEmit(onEvent, event) {
  if (typeof onEvent !== 'function') return;
  try {
    onEvent(event);
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}

/** Opens (creating or upgrading) the database; rejects with the underlying error. */
function openDatabase(factory, name, version, migrate) {
  return new Promise((resolve, reject) => {
    let req;
    try {
      req = factory.open(name, version);
    } catch (err) {
      reject(err); // e.g. a SecurityError in some private modes
      return;
    }
    let hookError;
    req.onupgradeneeded = (event) => {
      const db = req.result;
      const transaction = req.transaction;
      for (const store of STORES) if (!db.objectStoreNames.contains(store)) db.createObjectStore(store);
      if (typeof migrate !== 'function') return;
      try {
        // Synchronous on purpose: awaiting anything but this transaction's requests would let it
        // auto-commit halfway through the migration.
        migrate({ db, transaction, oldVersion: event.oldVersion, newVersion: event.newVersion });
      } catch (err) {
        hookError = err;
        transaction.abort();
      }
    };
    req.onsuccess = () => {
      const db = req.result;
      const missing = STORES.filter((s) => !db.objectStoreNames.contains(s));
      if (missing.length > 0) {
        db.close();
        reject(new DOMException(`database "${name}" lacks stores ${missing.join(', ')}`, 'NotFoundError'));
        return;
      }
      resolve(db);
    };
    req.onerror = (event) => {
      event?.preventDefault?.();
      reject(hookError ?? req.error);
    };
    // onblocked: another connection has not closed yet; the request stays pending until it does.
  });
}

/**
 * @param {{ name?: string, indexedDB?: IDBFactory, version?: number,
 *   migrate?: (ctx: { db: IDBDatabase, transaction: IDBTransaction, oldVersion: number, newVersion: number }) => void,
 *   sensitiveFields?: Record<string, string[]>, onEvent?: (event: object) => void }} [options]
 */
export async function openIndexedDbStorage({
  name = 'syncore',
  indexedDB = globalThis.indexedDB,
  version = 1,
  migrate,
  sensitiveFields = {},
  onEvent,
} = {}) {
  const emit = (event) => safeEmit(onEvent, event);
  const fallback = (message) => {
    emit({ type: 'storage-unavailable', message });
    return createMemoryStorage({ sensitiveFields });
  };
  if (!indexedDB || typeof indexedDB.open !== 'function') return fallback('IndexedDB is not available');

  let db;
  try {
    db = await openDatabase(indexedDB, name, version, migrate);
  } catch (err) {
    return fallback(`IndexedDB could not be opened: ${err?.message || err?.name || err}`);
  }

  let closedByApp = false;
  let opening = null;

  // The browser may close the connection (storage cleared, disk trouble), or another tab may need
  // it gone to upgrade or delete the database. Let go at once and reopen on the next use.
  const adopt = (conn) => {
    const lost = () => {
      if (db !== conn) return;
      db = null;
      conn.close();
      emit({ type: 'storage-closed' });
    };
    conn.onversionchange = lost;
    conn.onclose = lost;
    db = conn;
  };
  adopt(db);

  const connection = () => {
    if (closedByApp) return Promise.reject(new SyncError('STORAGE_FAILED', 'this storage was closed'));
    if (db) return Promise.resolve(db);
    // One reopen shared by every caller waiting meanwhile, so they keep their order.
    opening ??= openDatabase(indexedDB, name, version, migrate).then(
      (conn) => {
        opening = null;
        if (closedByApp) {
          conn.close();
          throw new SyncError('STORAGE_FAILED', 'this storage was closed');
        }
        adopt(conn);
        return conn;
      },
      (err) => {
        opening = null;
        throw toStorageError(err, 'reopening IndexedDB failed');
      },
    );
    return opening;
  };

  const fail = (err, context) => {
    const typed = toStorageError(err, context);
    emit({ type: 'storage-error', code: typed.code, message: typed.message });
    return typed;
  };

  /** Runs body(tx) in one transaction; resolves on `complete`, rejects on abort or any throw. */
  const run = async (scope, mode, body) => {
    for (let attempt = 0; ; attempt++) {
      const conn = await connection();
      let tx;
      try {
        tx = conn.transaction(scope, mode, { durability: mode === 'readwrite' ? 'strict' : 'default' });
      } catch (err) {
        // The connection started closing between our check and now: reopen once and go again.
        if (err?.name === 'InvalidStateError' && attempt === 0) {
          if (db === conn) db = null;
          continue;
        }
        throw err;
      }
      return new Promise((resolve, reject) => {
        let thrown;
        tx.oncomplete = () => resolve();
        // tx.error first: when the browser aborted (quota), later calls throw a less telling error.
        tx.onabort = () => reject(tx.error ?? thrown ?? new DOMException('transaction aborted', 'AbortError'));
        try {
          body(tx);
        } catch (err) {
          thrown = err;
          try {
            tx.abort();
          } catch {
            // already aborted by the browser; onabort reports it
          }
        }
      });
    }
  };

  return {
    kind: 'indexeddb',
    name,
    version,

    /**
     * Applies one persist effect's deletes and puts in one transaction. Keeps nothing between
     * calls: after a rejection the caller still holds the effect and retries it as is.
     */
    async write(effect) {
      let put;
      let del;
      try {
        ({ put, del } = checkPersistEffect(effect));
        put = put.map((r) => ({ store: r.store, key: r.key, value: redactRecord(r, sensitiveFields) }));
      } catch (err) {
        throw fail(err, 'write failed');
      }
      if (put.length === 0 && del.length === 0) return;
      const scope = [...new Set([...del, ...put].map((r) => r.store))];
      try {
        await run(scope, 'readwrite', (tx) => {
          // The core never names one key in both lists; deletes first so a put would win anyway.
          for (const r of del) tx.objectStore(r.store).delete(r.key);
          for (const r of put) tx.objectStore(r.store).put(r.value, r.key);
        });
      } catch (err) {
        throw fail(err, 'write failed');
      }
    },

    /** Every stored record as { store, key, value }, for core.restore(). */
    async readAll() {
      const requests = [];
      try {
        await run(STORES, 'readonly', (tx) => {
          for (const store of STORES) {
            const os = tx.objectStore(store);
            requests.push([store, os.getAllKeys(), os.getAll()]);
          }
        });
      } catch (err) {
        throw fail(err, 'readAll failed');
      }
      const out = [];
      for (const [store, keys, values] of requests) {
        // Both lists come in key order from the same snapshot, so they line up.
        for (let i = 0; i < keys.result.length; i++) out.push({ store, key: keys.result[i], value: values.result[i] });
      }
      return out;
    },

    /** Empties every store (clear local data); the database itself stays. */
    async clear() {
      try {
        await run(STORES, 'readwrite', (tx) => {
          for (const store of STORES) tx.objectStore(store).clear();
        });
      } catch (err) {
        throw fail(err, 'clear failed');
      }
    },

    /** Closes the connection for good: later calls reject with STORAGE_FAILED. */
    async close() {
      closedByApp = true;
      const conn = db;
      db = null;
      conn?.close();
    },
  };
}
