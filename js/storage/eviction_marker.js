// Storage evicted while no tab was open: the browser may delete an origin's IndexedDB (storage
// pressure, "best-effort" storage, Safari's seven-day rule), and a database that is simply gone
// looks exactly like a first start. So the adapter keeps a small marker outside IndexedDB
// (localStorage by default): the client id and how many unsynced records the database holds. A
// database that has to be created anew while its marker says it held unsynced records was lost,
// and that is reported (storage-evicted), never passed over in silence.
//
// Best effort by nature: a browser that clears localStorage with IndexedDB (site data cleared by
// the user) takes the marker too. See docs/storage.md.

import { UNSYNCED_STORES } from '../vocabulary.js';
import { clientIdOf } from '../records.js';

const UNSYNCED = new Set(UNSYNCED_STORES);

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

// A number key (an outbox seq: most records of a burst) as it is, a string key prefixed, any other
// key as its JSON text ('['...): the three never meet, and a burst's writes make no string per seq.
const keyOf = (key) => (typeof key === 'number' ? key : typeof key === 'string' ? `s${key}` : JSON.stringify(key));

/**
 * @param {{ getItem(k: string): string | null, setItem(k: string, v: string): void, removeItem?(k: string): void } | null} store
 * @param {string} name the database's name
 */
export function evictionMarker(store, name) {
  const markerKey = evictionMarkerKey(name);
  // store -> Set of keys; known once readAll ran (counts before it mean nothing)
  let unsynced = null;
  let clientId = null;
  let written = null; // the text last written, to write only on change
  const fresh = () => ({ outbox: new Set(), deadLetters: new Set(), conflicts: new Set() });

  const save = () => {
    if (!store || unsynced === null) return;
    const text = JSON.stringify({ clientId, pending: unsynced.outbox.size, deadLetters: unsynced.deadLetters.size, conflicts: unsynced.conflicts.size });
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
      if (!store) return;
      unsynced = fresh();
      for (const r of records) {
        if (UNSYNCED.has(r.store)) unsynced[r.store].add(keyOf(r.key));
        else if (clientIdOf(r) !== null) clientId = clientIdOf(r);
      }
      save();
    },

    /** After a write committed. */
    wrote(put, del) {
      if (unsynced === null) return;
      for (const r of del) if (UNSYNCED.has(r.store)) unsynced[r.store].delete(keyOf(r.key));
      for (const r of put) {
        if (UNSYNCED.has(r.store)) unsynced[r.store].add(keyOf(r.key));
        else if (clientIdOf(r) !== null) clientId = clientIdOf(r);
      }
      save();
    },

    /** The app cleared its local data on purpose: nothing is owed any more. */
    cleared() {
      if (!store) return;
      unsynced = fresh();
      save();
    },
  };
}
