// The quarantine: records that failed their checksum or that the core refused to restore, kept
// (never deleted silently) in a database of their own next to the app's, "<name>-quarantine".
// A database of its own keeps the app's schema and version numbers untouched (the app owns
// `version` and its migrate hook); moving a record is therefore two transactions: copy it here
// first, then delete it there, so a crash in between leaves a copy in both and loses nothing.

import { finished, request } from './idb_request.js';

const STORE = 'records';

async function openQuarantine(factory, name) {
  const req = factory.open(`${name}-quarantine`, 1);
  req.onupgradeneeded = () => req.result.createObjectStore(STORE, { autoIncrement: true });
  const db = await request(req);
  // Never stand in the way of another tab deleting or upgrading it.
  db.onversionchange = () => db.close();
  return db;
}

/** Quarantine storage over one IDBFactory; each call opens, works and closes. */
export function quarantineIn(factory, name) {
  const withStore = async (mode, body) => {
    const db = await openQuarantine(factory, name);
    try {
      const tx = db.transaction(STORE, mode);
      const result = body(tx.objectStore(STORE));
      await finished(tx);
      return result;
    } finally {
      db.close();
    }
  };
  return {
    /** Adds entries { store, key, value, reason, at }. */
    add: (entries) => withStore('readwrite', (os) => {
      for (const entry of entries) os.add(entry);
    }),
    list: async () => {
      const req = await withStore('readonly', (os) => os.getAll());
      return req.result;
    },
    clear: () => withStore('readwrite', (os) => {
      os.clear();
    }),
  };
}

/** The same in memory, for memory storage. */
export function quarantineInMemory() {
  let entries = [];
  return {
    add: async (more) => {
      entries.push(...structuredClone(more));
    },
    list: async () => structuredClone(entries),
    clear: async () => {
      entries = [];
    },
  };
}
