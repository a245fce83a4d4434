// A live query held by JS: the core keeps the result incrementally; this object holds the
// current rows as an immutable array and tells its listeners when the core reports a change.

function sameRows(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class LiveQuery {
  /**
   * @internal Made by SyncCore.query(), which hands in what the query needs of it and gets back
   *   the query's feed: `core` { snapshotsOf(collection, ids), closeQuery(query),
   *   feed({ apply(update) -> changed?, notify(), disposed() }) }.
   */
  constructor(core, spec, first) {
    this._core = core;
    this.id = first.id;
    this.spec = Object.freeze({ ...spec });
    this._listeners = new Set();
    this._closed = false;
    this._rows = undefined;
    this._apply(first);
    core.feed({ apply: (update) => this._apply(update), notify: () => this._notify(), disposed: () => (this._closed = true) });
  }

  /** Entity ids of the current window, in order. */
  get ids() {
    return this._ids;
  }

  /** Number of matching entities before offset / limit. */
  get total() {
    return this._total;
  }

  /** The current rows: a frozen array of frozen snapshots; a new array only when it changed. */
  get current() {
    return this._rows;
  }

  /** Calls listener(rows, query) after every change of the result. Returns an unsubscribe. */
  subscribe(listener) {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  close() {
    if (this._closed) return;
    this._closed = true;
    this._listeners.clear();
    this._core.closeQuery(this);
  }

  get closed() {
    return this._closed;
  }

  // Takes the core's update; false when the window shows exactly what it showed (the same ids,
  // total and snapshot objects: rows rewritten with the same data keep their snapshots), so the
  // listeners are not called and `current` stays the same array.
  _apply(update) {
    const rows = this._core.snapshotsOf(this.spec.collection, update.ids);
    if (this._rows !== undefined && update.total === this._total && sameRows(update.ids, this._ids) && sameRows(rows, this._rows)) return false;
    this._ids = Object.freeze(update.ids.slice());
    this._total = update.total;
    this._rows = Object.freeze(rows);
    return true;
  }

  _notify() {
    for (const listener of [...this._listeners]) listener(this._rows, this);
  }
}
