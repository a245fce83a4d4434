// Mutation ids by entity key, as the history (js/client/history.js) keeps them: nearly every
// entity has one mutation in the outbox at a time, so a key holds its one id as it is and gets a
// Set only when a second one comes (a Set per entity, two per queued mutation, was ~120 bytes of
// each write of a burst).
export class IdsByKey {
  constructor() {
    this._held = new Map(); // key -> an id, or a Set of ids (two or more)
  }

  add(key, id) {
    const held = this._held.get(key);
    if (held === undefined) this._held.set(key, id);
    else if (held instanceof Set) held.add(id);
    else if (held !== id) this._held.set(key, new Set([held, id]));
  }

  delete(key, id) {
    const held = this._held.get(key);
    if (held === undefined) return;
    if (!(held instanceof Set)) {
      if (held === id) this._held.delete(key);
      return;
    }
    held.delete(id);
    if (held.size === 0) this._held.delete(key);
  }

  /** The key's ids, in the order they came, as a Set of the caller's own; none are held here any more. */
  take(key) {
    const held = this._held.get(key);
    if (held === undefined) return new Set();
    this._held.delete(key);
    return held instanceof Set ? held : new Set([held]);
  }
}
