// The live change feed of one server instance: every committed change, from any instance, in
// cursor order, exactly once, to `onChange(change)`.
//
// It tails syncore_changes by cursor (SELECT … WHERE cursor > last ORDER BY cursor). What wakes
// it: this instance's own commits (pump() right after commit, before the push is answered), a
// PostgreSQL NOTIFY sent inside every write transaction (delivered at commit, to every
// instance), and a slow poll in case a notification is lost with its connection. The tail alone
// is what guarantees order and completeness: cursors are assigned under the write lock and
// committed in that order (server/store.js), so what a reader sees is always a prefix 1..head.
export class ChangeFeed {
  #store;
  #onChange;
  #onError;
  #last = 0;
  #running = null;
  #again = false;
  #timer = null;
  #closed = false;
  #pageSize;
  /** { cursor, resolve }: callers waiting for a cursor to be delivered */
  #waiters = [];
  /** this instance's committed changes not delivered yet (noteCommitted) */
  #own = [];

  constructor(store, { onChange, onError = () => {}, pollMs = 1000, pageSize = 500 } = {}) {
    this.#store = store;
    this.#onChange = onChange;
    this.#onError = onError;
    this.#pageSize = pageSize;
    this.pollMs = pollMs;
  }

  /** The last cursor delivered. */
  get cursor() {
    return this.#last;
  }

  /** Starts from the current head: changes committed before start are catch-up's business. */
  async start() {
    this.#last = await this.#store.headCursor();
    const db = this.#store.database;
    const listening = await db.listen('syncore_changes', () => this.pump(), (err) => this.#onError(err));
    // Without NOTIFY (PGlite: one process) nothing else writes; with it, the poll is a backstop.
    if (listening && this.pollMs > 0) {
      this.#timer = setInterval(() => this.pump(), this.pollMs);
      this.#timer.unref?.();
    }
  }

  /**
   * Resolves once every change up to `cursor` was delivered (or the feed closed). A push waits
   * for its own changes only: under a steady stream of writes the feed may never be idle.
   */
  deliveredUpTo(cursor) {
    if (this.#last >= cursor || this.#closed) return Promise.resolve();
    const wait = new Promise((resolve) => this.#waiters.push({ cursor, resolve }));
    this.pump();
    return wait;
  }

  /**
   * This instance's own commit, just made: its changes (ascending, consecutive cursors). The next
   * pump delivers them from memory when they follow the last delivered cursor directly: cursors
   * are assigned under the write lock and committed in that order, so nothing can lie between,
   * and they are exactly what the tail would read. Otherwise the tail reads the log, as before.
   * (Delivered when a pump runs, not here: a push's author may be cut off first, push.js.)
   */
  noteCommitted(changes) {
    if (!this.#closed && changes.length) this.#own.push(...changes);
  }

  /** The consecutive run of own changes that follows the last delivered cursor. */
  #takeOwn() {
    while (this.#own.length && this.#own[0].cursor <= this.#last) this.#own.shift();
    let n = 0;
    while (n < this.#own.length && this.#own[n].cursor === this.#last + 1 + n) n += 1;
    return this.#own.splice(0, n);
  }

  #wake() {
    if (!this.#waiters.length) return;
    const still = [];
    for (const w of this.#waiters) (this.#closed || this.#last >= w.cursor ? w.resolve() : still.push(w));
    this.#waiters = still;
  }

  /** Delivers every change committed so far that was not delivered yet. Resolves when done. */
  pump() {
    if (this.#closed) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          await this.#drain();
        } catch (err) {
          if (!this.#closed) this.#onError(err);
        }
      } while (this.#again && !this.#closed);
      this.#running = null;
    })();
    return this.#running;
  }

  async #drain() {
    for (;;) {
      const own = this.#takeOwn();
      if (own.length) {
        for (const change of own) {
          this.#last = change.cursor;
          this.#onChange(change);
        }
        this.#wake();
        continue;
      }
      const page = await this.#store.changesBetween(this.#last, Number.MAX_SAFE_INTEGER, { limit: this.#pageSize, compact: false });
      for (const change of page) {
        if (change.cursor <= this.#last) continue;
        this.#last = change.cursor;
        this.#onChange(change);
      }
      this.#wake();
      if (page.length < this.#pageSize || this.#closed) return;
    }
  }

  async close() {
    this.#closed = true;
    this.#wake();
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }
}
