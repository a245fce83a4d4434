// Where the client keeps the history of settled mutations (js/client/history.js): in IndexedDB, a
// database of its own next to the app's, "<name>-history" (as the quarantine: the app's schema
// and version numbers stay untouched), one record per mutation keyed by its mutation id; or in
// memory for memory storage. Both answer the same three calls.

import { finished, request } from './idb_request.js';

const STORE = 'settled';

/** History storage over one IDBFactory; the connection opens on first use and is kept. */
export function historyIn(factory, name) {
  let opening = null;
  const open = () => {
    opening ??= (async () => {
      const req = factory.open(`${name}-history`, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      const db = await request(req);
      // Never stand in the way of another tab deleting or upgrading it: reopened on next use.
      db.onversionchange = () => {
        db.close();
        opening = null;
      };
      db.onclose = () => {
        opening = null;
      };
      return db;
    })().catch((err) => {
      opening = null;
      throw err;
    });
    return opening;
  };
  const withStore = async (mode, body) => {
    const db = await open();
    const tx = db.transaction(STORE, mode);
    const result = body(tx.objectStore(STORE));
    await finished(tx);
    return result;
  };
  return {
    /** Every entry kept, in no particular order (the caller sorts by entry.n). */
    load: async () => {
      const req = await withStore('readonly', (os) => os.getAll());
      return req.result;
    },
    /** Puts entries (keyed by mutationId) and deletes mutation ids, in one transaction. */
    save: ({ put = [], delete: del = [] }) => withStore('readwrite', (os) => {
      for (const id of del) os.delete(id);
      for (const entry of put) os.put(entry, entry.mutationId);
    }),
    clear: () => withStore('readwrite', (os) => {
      os.clear();
    }),
    async close() {
      const pending = opening;
      opening = null;
      const db = await pending?.catch(() => null);
      db?.close();
    },
  };
}

/** The same in memory: lives as long as the storage object (tests, memory storage). */
export function historyInMemory() {
  const entries = new Map();
  return {
    load: async () => structuredClone([...entries.values()]),
    save: async ({ put = [], delete: del = [] }) => {
      for (const id of del) entries.delete(id);
      for (const entry of put) entries.set(entry.mutationId, structuredClone(entry));
    },
    clear: async () => {
      entries.clear();
    },
    close: async () => {},
  };
}
