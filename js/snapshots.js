// Immutable per-entity snapshots. Reading an unchanged entity twice returns the same object, so
// React (or anyone) can compare by reference; a commit drops exactly the snapshots it changed.

export function deepFreeze(value) {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze(value[key]);
  return value;
}

function dropAll(map, ids) {
  for (let i = 0; i < ids.length; i++) map.delete(ids[i]);
}

export class SnapshotCache {
  constructor() {
    /** @type {Map<string, Map<string, object>>} */
    this.byCollection = new Map();
  }

  get(collection, id) {
    return this.byCollection.get(collection)?.get(id);
  }

  set(collection, id, snapshot) {
    let map = this.byCollection.get(collection);
    if (!map) this.byCollection.set(collection, (map = new Map()));
    map.set(id, snapshot);
  }

  /** Drops the snapshots of every id a commit touched. */
  invalidate(changes) {
    // Indexed loops and for-in: every commit comes here, and iterators were ~200 bytes a write.
    for (const collection in changes) {
      if (!Object.hasOwn(changes, collection)) continue;
      const map = this.byCollection.get(collection);
      if (!map || map.size === 0) continue; // its ids stay unread (js/change_lines.js)
      const c = changes[collection];
      dropAll(map, c.created);
      dropAll(map, c.updated);
      dropAll(map, c.deleted);
    }
  }

  clear() {
    this.byCollection.clear();
  }
}
