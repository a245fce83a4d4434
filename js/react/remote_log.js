// The log of recent remote changes (seed 002's useGlobalDataSync): every entity the server
// created, updated or deleted in this client's view since the provider mounted, newest last,
// bounded (the oldest go first). One log per client (or core), shared by every component.
// Apart from the hook (changes.js): the provider starts the log, and the hook needs the provider.

/** How many remote changes the log keeps. */
export const REMOTE_LOG_LIMIT = 100;
const EMPTY = Object.freeze([]);

class RemoteLog {
  constructor(source) {
    this.updates = EMPTY;
    this.seq = 0;
    this.listeners = new Set();
    source.onRemoteChanges((changes) => this.record(changes));
  }

  record(changes) {
    const at = Date.now();
    const added = [];
    for (const [collection, c] of Object.entries(changes)) {
      for (const type of ['created', 'updated', 'deleted']) {
        for (const id of c[type] ?? []) added.push({ collection, id, type });
      }
    }
    if (added.length === 0) return;
    // A catch-up of thousands keeps only the last REMOTE_LOG_LIMIT (numbered as if all were kept).
    const kept = added.slice(-REMOTE_LOG_LIMIT);
    this.seq += added.length - kept.length;
    const fresh = kept.map((u) => Object.freeze({ ...u, at, seq: ++this.seq }));
    this.updates = Object.freeze([...this.updates, ...fresh].slice(-REMOTE_LOG_LIMIT));
    for (const fn of [...this.listeners]) fn();
  }

  clear() {
    if (this.updates === EMPTY) return;
    this.updates = EMPTY;
    for (const fn of [...this.listeners]) fn();
  }

  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

const logs = new WeakMap();

/** @internal The remote log of a source (made when its provider mounts). */
export function remoteLogOf(source) {
  let log = logs.get(source);
  if (!log) logs.set(source, (log = new RemoteLog(source)));
  return log;
}
