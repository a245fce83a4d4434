// IndexedDB storage for persist effects: one readwrite transaction per effect (group commit),
// resolved only on `complete`, so the caller can send after it knowing the records are durable.
import { SyncError } from '../errors.js';
import { toStorageError, openDatabase, createdAnew } from './idb_open.js';
import { STORES, createMemoryStorage, checkPersistEffect, refuseSensitiveFields } from './memory.js';
import { encodeRecord, openStored, lazyRecord, storedValue } from './record_codec.js';
import { migrateRecords, sameStored } from './record_migration.js';
import { quarantineIn } from './quarantine.js';
import { sealedOf, writeSealed } from './sealed_records.js';
import { tombstone, inPage, pageStored, compactPages, PAGE_ENTRIES } from './entity_pages.js';
import { StoreReading } from './idb_read.js';
import { compactOutboxPages } from './outbox_pages.js';
import { historyIn } from './history_store.js';
import { evictionMarker, defaultMarkerStore } from './eviction_marker.js';

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

function evictedMessage({ lost, pending }) {
  const what = pending === lost ? `${lost} unsynced change${lost === 1 ? '' : 's'}` : `${lost} unsynced record${lost === 1 ? '' : 's'} (${pending} pending change${pending === 1 ? '' : 's'})`;
  return `the browser deleted this site's local database while no page was open: ${what} made on this device could not be sent and are lost`;
}

/**
 * @param {{ name?: string, indexedDB?: IDBFactory, version?: number,
 *   migrate?: (ctx: { db: IDBDatabase, transaction: IDBTransaction, oldVersion: number, newVersion: number }) => void,
 *   onEvent?: (event: object) => void,
 *   openTimeoutMs?: number, evictionMarker?: object | null, entriesPerPage?: number, compactDelayMs?: number,
 *   keyRange?: typeof IDBKeyRange }} [options]
 *   entriesPerPage: entity records per page (entity_pages.js); compactDelayMs: how long after a start
 *   that found many loose entity records they are folded into pages. openTimeoutMs: an open not
 *   done by then fails (the first one falls back to memory storage; a reopen fails the write, which
 *   the client retries); 0: never. evictionMarker: where the unsynced-records marker is kept
 *   (getItem/setItem, as localStorage, the default; null: none), see eviction_marker.js.
 *   keyRange: the IDBKeyRange that goes with `indexedDB` (the global one by default; in Node,
 *   fake-indexeddb's): with it, readAll can hand entity pages out as they are read (idb_read.js)
 */
export async function openIndexedDbStorage({
  name = 'syncore',
  indexedDB = globalThis.indexedDB,
  version = 1,
  migrate,
  sensitiveFields,
  onEvent,
  openTimeoutMs = 10_000,
  evictionMarker: markerStore = defaultMarkerStore(),
  entriesPerPage = PAGE_ENTRIES,
  compactDelayMs = 1000,
  keyRange = globalThis.IDBKeyRange,
} = {}) {
  // Records are opaque here: the core leaves sensitive fields out of what it persists.
  refuseSensitiveFields({ sensitiveFields });
  const listeners = new Set();
  const emit = (event) => {
    safeEmit(onEvent, event);
    for (const fn of [...listeners]) safeEmit(fn, event);
  };
  const fallback = (message) => {
    emit({ type: 'storage-unavailable', message });
    const memory = createMemoryStorage();
    // Read by the client, which subscribes only after this: status.storageWarning from the start.
    memory.warning = { code: 'STORAGE_UNAVAILABLE', message: `${message}: changes are kept in memory only and are lost when the page closes` };
    return memory;
  };
  if (!indexedDB || typeof indexedDB.open !== 'function') return fallback('IndexedDB is not available');

  const openOptions = { timeoutMs: openTimeoutMs, onBlocked: () => emit({ type: 'storage-blocked' }) };
  let db;
  try {
    db = await openDatabase(indexedDB, name, version, migrate, openOptions);
  } catch (err) {
    return fallback(`IndexedDB could not be opened: ${err?.message || err?.name || err}`);
  }

  let closedByApp = false;
  let opening = null;
  // Outbox seqs some page holds (outbox_pages.js): read by readAll, added by each page written.
  // Their delete leaves a tombstone (a plain delete would bring the page's copy back).
  const pagedOutbox = new Set();
  const leavesTombstone = (r) => r.store === 'entities' || (r.store === 'outbox' && pagedOutbox.has(r.key));
  const quarantine = quarantineIn(indexedDB, name);
  const marker = evictionMarker(markerStore, name);
  // A database created by this open although its marker says it held unsynced records: evicted.
  const evicted = createdAnew.has(db) ? marker.lostOnOpen() : null;
  if (evicted) emit({ type: 'storage-evicted', ...evicted });

  // The browser may close the connection (storage cleared, disk trouble), or another tab may need
  // it gone to upgrade or delete the database. Let go at once and reopen on the next use.
  const drop = (conn, reason, event) => {
    if (db !== conn) return;
    db = null;
    conn.close();
    const closed = { type: 'storage-closed', reason };
    if (reason === 'versionchange') closed.newVersion = event?.newVersion ?? null; // null: deleted
    emit(closed);
  };
  const adopt = (conn) => {
    conn.onversionchange = (event) => drop(conn, 'versionchange', event);
    conn.onclose = () => drop(conn, 'close');
    db = conn;
  };
  // A forced close aborts the connection's transactions before its close event: the only sign at
  // abort time is that the connection refuses new transactions (its close-pending flag).
  const closing = (conn) => {
    try {
      conn.transaction(STORES[0], 'readonly');
      return false;
    } catch (err) {
      return err?.name === 'InvalidStateError';
    }
  };
  adopt(db);

  // Our version first (recreating the stores if the database was deleted meanwhile); if another
  // tab upgraded it past our version, the version it has now: the stores we need are checked, and
  // the app is told (storage-upgraded) that a newer version of it runs elsewhere.
  const reopen = () =>
    openDatabase(indexedDB, name, version, migrate, openOptions).catch((err) => {
      if (err?.name !== 'VersionError') throw err;
      return openDatabase(indexedDB, name, undefined, undefined, openOptions).then((conn) => {
        emit({ type: 'storage-upgraded', version: conn.version });
        return conn;
      });
    });

  const connection = () => {
    if (closedByApp) return Promise.reject(new SyncError('STORAGE_FAILED', 'this storage was closed'));
    if (db) return Promise.resolve(db);
    // One reopen shared by every caller waiting meanwhile, so they keep their order.
    opening ??= reopen().then(
      (conn) => {
        opening = null;
        if (closedByApp) {
          conn.close();
          throw new SyncError('STORAGE_FAILED', 'this storage was closed');
        }
        adopt(conn);
        emit({ type: 'storage-reopened', version: conn.version });
        // Deleted while we were away (site data cleared, another tab): what this tab still holds
        // is the only copy; the storage-recreated event asks the owner to write it all again.
        if (createdAnew.has(conn)) emit({ type: 'storage-recreated' });
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

  /**
   * Runs body(tx) in one transaction; resolves on `complete`, rejects on abort or any throw. A
   * transaction aborted because the connection was closed under it left nothing behind (they are
   * atomic), so it runs again, once, on a fresh connection.
   */
  const run = async (scope, mode, body) => {
    for (let attempt = 0; ; attempt++) {
      // An open connection is used at once: the transaction starts inside this call, so a write
      // issued in the middle of a long task (a burst of edits) is under way before the task ends.
      const conn = db && !closedByApp ? db : await connection();
      let tx;
      try {
        tx = conn.transaction(scope, mode, { durability: mode === 'readwrite' ? 'strict' : 'default' });
      } catch (err) {
        // The connection started closing between our check and now: reopen once and go again.
        if (err?.name === 'InvalidStateError' && attempt === 0) {
          drop(conn, 'close');
          continue;
        }
        throw err;
      }
      const outcome = await new Promise((resolve) => {
        let thrown;
        tx.oncomplete = () => resolve({ ok: true });
        // tx.error first: when the browser aborted (quota), later calls throw a less telling error.
        tx.onabort = () => resolve({ ok: false, txError: tx.error, error: tx.error ?? thrown ?? new DOMException('transaction aborted', 'AbortError') });
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
      if (outcome.ok) return;
      // tx.error is null when we aborted it ourselves (a value that cannot be stored).
      const connectionLost = outcome.txError?.name === 'AbortError' && (db !== conn || closing(conn));
      if (connectionLost && attempt < 2) {
        drop(conn, 'close');
        continue;
      }
      throw outcome.error;
    }
  };

  const moveToQuarantine = async (records, reason) => {
    if (records.length === 0) return;
    const at = Date.now();
    try {
      await quarantine.add(records.map((r) => ({ store: r.store, key: r.key, value: inPage(r) ? (r.value ?? pageStored(r)) : r.value, reason: String(reason), at })));
      // Records of no store here (server changes the core set aside) are only kept, not moved.
      // A page entry is shadowed by a tombstone (unless a record of its own came meanwhile); a
      // page's unreadable rest stays until the page is rewritten (compaction).
      const stored = records.filter((r) => STORES.includes(r.store) && !r.pageRest);
      if (stored.length > 0) await run([...new Set(stored.map((r) => r.store))], 'readwrite', (tx) => {
        for (const r of stored) {
          const os = tx.objectStore(r.store);
          const current = os.get(r.key);
          current.onsuccess = () => {
            if (inPage(r)) {
              if (current.result === undefined) os.put(tombstone(), r.key);
            } else if (current.result !== undefined && sameStored(current.result, r.stored ?? r.value)) {
              // An outbox record of its own may shadow a page's older copy: a tombstone keeps it shadowed.
              if (r.store === 'outbox' && pagedOutbox.has(r.key)) os.put(tombstone(), r.key);
              else os.delete(r.key);
            }
          };
        }
      });
    } catch (err) {
      throw fail(err, 'quarantine failed');
    }
    for (const r of records) emit({ type: 'quarantined', store: r.store, key: r.key, reason: String(reason) });
  };

  /**
   * Folds the entity records into pages (entity_pages.js) in one readwrite transaction; resolves
   * to the number of pages written.
   */
  const compact = async () => {
    let written = 0;
    await run(['entities', 'outbox'], 'readwrite', (tx) => {
      compactPages(tx, (n) => (written = n), entriesPerPage);
      compactOutboxPages(tx);
    });
    return written;
  };
  // After the start, not during it: reading every loose record again and building the pages is a
  // second hydrate's worth of work. Not a failure if the storage is closed first (next start).
  const compactLater = () => {
    const timer = setTimeout(() => {
      if (closedByApp) return;
      compact().catch((err) => {
        if (!closedByApp) emit({ type: 'storage-error', code: toStorageError(err, 'compacting entity pages failed').code, message: String(err?.message ?? err) });
      });
    }, compactDelayMs);
    timer?.unref?.();
  };

  return {
    kind: 'indexeddb',
    name,
    version,
    /** Set when this open found the database gone although it held unsynced records (storage-evicted). */
    evicted,
    /** Read by the client at start: status.storageWarning from the first moment. */
    warning: evicted ? { code: 'STORAGE_EVICTED', message: evictedMessage(evicted) } : undefined,

    /**
     * Applies one persist effect's deletes and puts in one transaction. Keeps nothing between
     * calls: after a rejection the caller still holds the effect and retries it as is.
     */
    async write(effect) {
      let put;
      let del;
      try {
        ({ put, del } = checkPersistEffect(effect));
      } catch (err) {
        throw fail(err, 'write failed');
      }
      if (put.length === 0 && del.length === 0) return;
      const scope = [...new Set([...del, ...put].map((r) => r.store))];
      try {
        await run(scope, 'readwrite', (tx) => {
          // The core never names one key in both lists; deletes first so a put would win anyway.
          // An entity may have a copy in a page (entity_pages.js): its delete leaves a tombstone.
          // So may an outbox entry (outbox_pages.js).
          for (const r of del) {
            if (leavesTombstone(r)) tx.objectStore(r.store).put(tombstone(), r.key);
            else tx.objectStore(r.store).delete(r.key);
          }
          // Sealed in wasm (sealed_records.js): the bytes go from wasm memory, in order with the rest.
          // Anything else is encoded here, so a record that cannot be aborts it all.
          let sealed = null;
          for (const r of put) {
            if (sealedOf(r)) (sealed ??= []).push(r);
            else tx.objectStore(r.store).put(encodeRecord(r.store, r.key, r.value), r.key);
          }
          if (sealed) writeSealed(tx, sealed, pagedOutbox);
          // Every request is made: commit now rather than when the page next runs (a page being
          // unloaded may never run again; an explicit commit reaches the database at once).
          tx.commit?.();
        });
      } catch (err) {
        throw fail(err, 'write failed');
      }
      marker.wrote(put, del);
    },

    /**
     * Every stored record as { store, key, value }, for core.restore(), checksums checked. A
     * record whose checksum does not match is moved to the quarantine (a 'quarantined' event names
     * it) and left out; one of an earlier form (an object, with or without a checksum) loads and
     * is rewritten in the encoded form (record_codec.js) once. Encoded values are decoded only when
     * read: a restore hands their stored text to the core. onEntities(records, fromStart): entity
     * records of pages may be handed to it as they are read, in chunks, instead of in the returned
     * list (idb_read.js); fromStart: a (re)started read, what it was handed before no longer counts.
     */
    async readAll({ onEntities } = {}) {
      const reading = new StoreReading({ stores: STORES, keyRange, onEntities });
      try {
        await run(STORES, 'readonly', (tx) => reading.start(tx));
      } catch (err) {
        throw fail(err, 'readAll failed');
      }
      if (reading.error) throw fail(reading.error, 'readAll failed');
      const out = [];
      const { bad, pages: paged, outboxPages } = reading;
      const legacy = [];
      const fromPages = reading.finish((store, key, stored) => {
        const { state, value, bytes } = openStored(store, key, stored);
        // Quarantined as the app can read it (the value, when the bytes still are JSON text).
        if (state === 'bad') bad.push({ store, key, value: bytes ? storedValue(bytes) ?? bytes : stored, stored });
        else if (state === 'ok') out.push(lazyRecord(store, key, bytes));
        else {
          out.push({ store, key, value });
          legacy.push({ store, key, value });
        }
      });
      if (bad.length > 0) await moveToQuarantine(bad, 'checksum mismatch: the record is torn or corrupt');
      // Many loose entity records (or a page with a torn rest): fold them into pages, in the
      // background (the next start reads pages). Also the migration from one record per entity.
      for (const seq of outboxPages.pagedSeqs) pagedOutbox.add(seq);
      if (paged.shouldCompact || outboxPages.shouldCompact) compactLater();
      // Not a reason to fail the start: the old form keeps loading until a rewrite succeeds.
      if (legacy.length > 0) await migrateRecords(run, legacy).catch((err) => emit({ type: 'storage-error', code: toStorageError(err, 'rewriting records failed').code, message: String(err?.message ?? err) }));
      // Page entries first (restore order does not matter across keys).
      const all = fromPages.length > 0 ? fromPages.concat(out) : out;
      marker.loaded(all);
      return all;
    },

    compact,

    /**
     * Moves records out of the way: copied to the quarantine database, then deleted here (only if
     * still the same value, so a newer write from another tab is not thrown away). Each gets a
     * 'quarantined' event.
     * @param {{ store: string, key: unknown, value: unknown }[]} records
     */
    quarantine: moveToQuarantine,

    /** The client's history of settled mutations, in "<name>-history" (js/client/history.js). */
    history: historyIn(indexedDB, name),

    /** What the quarantine holds: [{ store, key, value, reason, at }], oldest first. */
    async readQuarantine() {
      try {
        return await quarantine.list();
      } catch (err) {
        throw fail(err, 'reading the quarantine failed');
      }
    },

    async clearQuarantine() {
      try {
        await quarantine.clear();
      } catch (err) {
        throw fail(err, 'clearing the quarantine failed');
      }
    },

    /** Listens to this storage's events (as onEvent); returns the unsubscribe function. */
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },

    /** Empties every store and the quarantine (clear local data); the database itself stays. */
    async clear() {
      try {
        await run(STORES, 'readwrite', (tx) => {
          for (const store of STORES) tx.objectStore(store).clear();
        });
        await quarantine.clear();
      } catch (err) {
        throw fail(err, 'clear failed');
      }
      marker.cleared();
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
