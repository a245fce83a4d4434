// status.storageUsage / status.storageQuota: navigator.storage.estimate() where it exists, read at
// start and after commits were stored, at most once per `everyMs` (an estimate is not free and
// a burst of writes needs one look, not one per write). Where there is no estimate (Node, old
// browsers) both stay null: nothing is made up.

export class StorageUsage {
  /**
   * @param {object} o
   * @param {{ estimate?: () => Promise<{ usage?: number, quota?: number }> } | undefined} o.storageManager
   * @param {(patch: { storageUsage: number | null, storageQuota: number | null }) => void} o.update
   * @param {number} [o.everyMs]
   * @param {() => boolean} o.closed
   */
  constructor({ storageManager, update, everyMs = 5000, closed }) {
    this._manager = typeof storageManager?.estimate === 'function' ? storageManager : null;
    this._update = update;
    this._everyMs = everyMs;
    this._closed = closed;
    this._lastAt = -Infinity;
    this._timer = null;
    this._reading = null;
  }

  /** { usage, quota } now (a fresh estimate), nulls where unknown. */
  async read() {
    if (!this._manager) return { usage: null, quota: null };
    this._reading ??= this._manager.estimate().then(
      (e) => ({ usage: Number.isFinite(e?.usage) ? e.usage : null, quota: Number.isFinite(e?.quota) ? e.quota : null }),
      () => ({ usage: null, quota: null }),
    ).then((e) => {
      this._reading = null;
      this._lastAt = Date.now();
      if (!this._closed()) this._update({ storageUsage: e.usage, storageQuota: e.quota });
      return e;
    });
    return this._reading;
  }

  /** Stored commits: a refresh, unless one ran lately (then one once that interval is over). */
  stored() {
    if (!this._manager || this._timer) return;
    const wait = this._lastAt + this._everyMs - Date.now();
    if (wait <= 0) {
      this.read();
      return;
    }
    this._timer = setTimeout(() => {
      this._timer = null;
      if (!this._closed()) this.read();
    }, wait);
  }

  stop() {
    clearTimeout(this._timer);
    this._timer = null;
  }
}
