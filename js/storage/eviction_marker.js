// Storage evicted while no tab was open: the browser may delete an origin's IndexedDB (storage
// pressure, "best-effort" storage, Safari's seven-day rule), and a database that is simply gone
// looks exactly like a first start. So the adapter keeps a small marker outside IndexedDB
// (localStorage by default): the client id and how many unsynced records the database holds. A
// database that has to be created anew while its marker says it held unsynced records was lost,
// and that is reported (storage-evicted), never passed over in silence.
//
// Best effort by nature: a browser that clears localStorage with IndexedDB (site data cleared by
// the user) takes the marker too. See docs/storage.md.

const UNSYNCED = new Set(['outbox', 'deadLetters', 'conflicts']);

/** The marker's key for a database name. */
export function evictionMarkerKey(name) {
  return `syncore:unsynced:${name}`;
}

/** localStorage where there is one and it may be used (it throws in some private modes). */
export function defaultMarkerStore() {
  try {
    const ls = globalThis.localStorage;
    return ls && typeof ls.getItem === 'function' && typeof ls.setItem === 'function' ? ls : null;
  } catch {
    return null;
  }
}

const keyOf = (store, key) => `${store}\u0000${JSON.stringify(key)}`;

/**
 * @param {{ getItem(k: string): string | null, setItem(k: string, v: string): void, removeItem?(k: string): void } | null} store
 * @param {string} name the database's name
 */
export function evictionMarker(store, name) {
  const markerKey = evictionMarkerKey(name);
  let unsynced = null; // Set of "store\0key", known once readAll ran (counts before it mean nothing)
  let clientId = null;
  let written = null; // the text last written, to write only on change

  const counts = () => {
    const c = { outbox: 0, deadLetters: 0, conflicts: 0 };
    for (const k of unsynced) c[k.slice(0, k.indexOf('\u0000'))]++;
    return c;
  };
  const save = () => {
    if (!store || unsynced === null) return;
    const c = counts();
    const text = JSON.stringify({ clientId, pending: c.outbox, deadLetters: c.deadLetters, conflicts: c.conflicts });
    if (text === written) return;
    try {
      store.setItem(markerKey, text);
      written = text;
    } catch {
      // Full or refused: the marker is a safety net, never a reason for a write to fail.
    }
  };

  return {
    /**
     * At open, when the database had to be created: what the marker says was lost, or null.
     * @returns {{ clientId: string | null, pending: number, deadLetters: number, conflicts: number, lost: number } | null}
     */
    lostOnOpen() {
      if (!store) return null;
      let m;
      try {
        m = JSON.parse(store.getItem(markerKey) ?? 'null');
      } catch {
        return null;
      }
      if (!m || typeof m !== 'object') return null;
      const n = (v) => (Number.isInteger(v) && v > 0 ? v : 0);
      const found = { clientId: typeof m.clientId === 'string' ? m.clientId : null, pending: n(m.pending), deadLetters: n(m.deadLetters), conflicts: n(m.conflicts) };
      found.lost = found.pending + found.deadLetters + found.conflicts;
      return found.lost > 0 ? found : null;
    },

    /** What readAll found: the starting point. */
    loaded(records) {
      unsynced = new Set();
      for (const r of records) {
        if (UNSYNCED.has(r.store)) unsynced.add(keyOf(r.store, r.key));
        else if (r.store === 'meta' && typeof r.value?.clientId === 'string') clientId = r.value.clientId;
      }
      save();
    },

    /** After a write committed. */
    wrote(put, del) {
      if (unsynced === null) return;
      for (const r of del) if (UNSYNCED.has(r.store)) unsynced.delete(keyOf(r.store, r.key));
      for (const r of put) {
        if (UNSYNCED.has(r.store)) unsynced.add(keyOf(r.store, r.key));
        else if (r.store === 'meta' && typeof r.value?.clientId === 'string') clientId = r.value.clientId;
      }
      save();
    },

    /** The app cleared its local data on purpose: nothing is owed any more. */
    cleared() {
      unsynced = new Set();
      save();
    },
  };
}
