// Immutable per-entity snapshots. Reading an unchanged entity twice returns the same object, so
// React (or anyone) can compare by reference; a commit drops exactly the snapshots it changed.

export function deepFreeze(value) {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze(value[key]);
  return value;
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
    for (const collection of Object.keys(changes)) {
      const map = this.byCollection.get(collection);
      if (!map || map.size === 0) continue; // its ids stay unread (js/change_lines.js)
      const c = changes[collection];
      for (const id of c.created) map.delete(id);
      for (const id of c.updated) map.delete(id);
      for (const id of c.deleted) map.delete(id);
    }
  }

  clear() {
    this.byCollection.clear();
  }
}
