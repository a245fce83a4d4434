// Opening the IndexedDB database for js/storage/indexeddb.js (creating or upgrading its stores,
// with a timeout and the blocked case), and DOMExceptions as typed SyncErrors.
import { SyncError } from '../errors.js';
import { STORES } from './memory.js';

const QUOTA_NAMES = new Set(['QuotaExceededError', 'NS_ERROR_DOM_QUOTA_REACHED']);

/** A DOMException (or anything thrown) as a SyncError: STORAGE_QUOTA or STORAGE_FAILED. */
export function toStorageError(err, context) {
  if (err instanceof SyncError) return err;
  const quota = QUOTA_NAMES.has(err?.name) || err?.code === 22; // 22: legacy QUOTA_EXCEEDED_ERR
  const detail = err?.message || err?.name || String(err);
  const out = new SyncError(quota ? 'STORAGE_QUOTA' : 'STORAGE_FAILED', `${context}: ${detail}`);
  out.cause = err;
  return out;
}

// Connections that created their database (it did not exist, or was deleted meanwhile).
export const createdAnew = new WeakSet();

/**
 * Opens (creating or upgrading) the database; rejects with the underlying error. Without a version
 * it opens whatever version is there (after another tab upgraded it).
 */
export function openDatabase(factory, name, version, migrate, { timeoutMs, onBlocked } = {}) {
  return new Promise((resolveOpen, rejectOpen) => {
    // An open that never settles (blocked by a tab that keeps an older version open, or a browser
    // bug) must not hang the app: after timeoutMs it fails, and a late connection is closed.
    let settled = false;
    let blocked = false;
    const timer = timeoutMs > 0 ? setTimeout(() => {
      settled = true;
      rejectOpen(new DOMException(`IndexedDB did not open within ${timeoutMs} ms${blocked ? ' (blocked: another tab keeps an older version open)' : ''}`, 'TimeoutError'));
    }, timeoutMs) : null;
    const resolve = (db) => {
      clearTimeout(timer);
      if (settled) db.close();
      else resolveOpen(db);
      settled = true;
    };
    const reject = (err) => {
      clearTimeout(timer);
      if (!settled) rejectOpen(err);
      settled = true;
    };
    let req;
    try {
      req = version === undefined ? factory.open(name) : factory.open(name, version);
    } catch (err) {
      reject(err); // e.g. a SecurityError in some private modes
      return;
    }
    let hookError;
    req.onupgradeneeded = (event) => {
      const db = req.result;
      const transaction = req.transaction;
      if (event.oldVersion === 0) createdAnew.add(db);
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
    // Another connection has not closed yet; the request stays pending until it does.
    req.onblocked = () => {
      blocked = true;
      onBlocked?.();
    };
  });
}

