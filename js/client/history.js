// The history of this client's mutations in seed 004's words (pending / syncing / synced / failed /
// failed_permanently): the ones still in the outbox, followed from what the client sees anyway
// (queued and settled events, the sends and the server's answers: no extra wasm crossing per
// mutation), and the settled ones, kept in storage (js/storage/history_store.js), at most
// `limit` of them, the oldest dropped first. docs/history.md has the mapping.
import { HistoryStatus, HISTORY_STATUS_OF_SETTLED, SettledStatus } from '../vocabulary.js';
import { IdsByKey } from './ids_by_key.js';

export const DEFAULT_HISTORY_LIMIT = 2000;

const entityKey = (collection, id) => `${collection}\u0000${id}`;

export class MutationHistory {
  /**
   * @param {object} o
   * @param {object | null} o.store { load, save, clear } or null (kept in memory only)
   * @param {number} [o.limit] settled entries kept
   * @param {() => number} o.now wall clock (ms)
   * @param {(entries: object[]) => void} o.changed after a change, once per turn, with the entries changed
   * @param {() => boolean} [o.watched] whether changed has anyone to tell (else the entries are not made)
   * @param {(err: Error) => void} o.failed a write to the history store failed
   */
  constructor({ store, limit = DEFAULT_HISTORY_LIMIT, now, changed, failed, watched = () => true }) {
    this._store = store;
    this._limit = Math.max(0, Math.floor(Number(limit)));
    if (!Number.isFinite(this._limit)) this._limit = DEFAULT_HISTORY_LIMIT;
    this._now = now;
    this._changed = changed;
    this._watched = watched;
    this._failed = failed;
    this._live = new Map(); // mutationId -> entry still in the outbox, in queue order
    this._liveOf = new IdsByKey(); // entity key -> its mutation ids in _live (a rename visits only those)
    this._settled = new Map(); // mutationId -> settled entry, oldest settled first
    this._keys = new Map(); // wire key -> Set of mutation ids sent under it
    this._keyOf = new Map(); // mutationId -> its wire key
    this._unsent = new IdsByKey(); // entity key -> its mutation ids not bound to a wire key yet
    this._batches = new Map(); // batch -> wire keys in flight
    this._n = 0; // order of settlement, kept with each entry
    this._toPut = new Map();
    this._toDelete = new Set();
    this._writing = Promise.resolve();
    this._saveTimer = null;
    this._announced = new Map();
    this._announcing = false;
  }

  /** Reads what storage kept (at start, before the first commit is seen). */
  async load() {
    if (!this._store) return;
    let entries;
    try {
      entries = await this._store.load();
    } catch (err) {
      this._failed(err);
      return;
    }
    entries.sort((a, b) => (a.n ?? 0) - (b.n ?? 0));
    for (const e of entries) {
      if (typeof e?.mutationId !== 'string') continue;
      this._settled.set(e.mutationId, Object.freeze(e));
      this._n = Math.max(this._n, e.n ?? 0);
    }
    this._trim();
  }

  /** The outbox restored from storage (core.pendingMutations()): what was sent already is known. */
  seed(pending) {
    for (const entry of pending) {
      for (const mutationId of entry.mutationIds ?? []) {
        this._setLive({
          mutationId, collection: entry.collection, id: entry.id, op: entry.kind, attempts: entry.attempts ?? 0,
          createdAt: null, sentAt: null, settledAt: null, lastError: null, inFlight: false,
        });
        this._addUnsent(entry.collection, entry.id, mutationId);
      }
    }
  }

  // ---- what the client sees ------------------------------------------------------------------

  queued(event) {
    const entry = { mutationId: event.mutationId, collection: event.collection, id: event.id, op: null, attempts: 0,
      createdAt: this._now(), sentAt: null, settledAt: null, lastError: null, inFlight: false };
    const key = entityKey(event.collection, event.id);
    this._setLive(entry, key);
    this._addUnsent(event.collection, event.id, event.mutationId, key);
    this._touch(entry);
  }

  _setLive(entry, key = entityKey(entry.collection, entry.id)) {
    if (this._live.has(entry.mutationId)) this._deleteLive(entry.mutationId);
    this._live.set(entry.mutationId, entry);
    this._liveOf.add(key, entry.mutationId);
  }

  _deleteLive(mutationId) {
    const entry = this._live.get(mutationId);
    if (!entry) return;
    this._live.delete(mutationId);
    this._liveOf.delete(entityKey(entry.collection, entry.id), mutationId);
  }

  _addUnsent(collection, id, mutationId, key = entityKey(collection, id)) {
    this._unsent.add(key, mutationId);
  }

  _dropUnsent(entry) {
    this._unsent.delete(entityKey(entry.collection, entry.id), entry.mutationId);
  }

  /** The op the app asked for (client.mutate), more telling than the wire kind it may become. */
  noteOp(mutationId, op) {
    const entry = this._live.get(mutationId);
    if (entry && typeof op === 'string') entry.op = op;
  }

  /** A send effect went to the transport: its mutations are syncing. */
  sending(batch, mutations) {
    const at = this._now();
    const keys = [];
    for (const m of mutations) {
      if (typeof m?.key !== 'string') continue;
      keys.push(m.key);
      let ids = this._keys.get(m.key);
      if (!ids) {
        ids = this._bind(m);
        this._keys.set(m.key, ids);
      }
      for (const id of ids) {
        const entry = this._live.get(id);
        if (!entry) continue;
        entry.attempts++;
        entry.sentAt = at;
        entry.inFlight = true;
        entry.op ??= m.kind ?? null;
        this._touch(entry);
      }
    }
    this._batches.set(batch, keys);
  }

  // A key first sent: the entity's mutations not yet sent under another key. The outbox sends one
  // entry per entity at a time, in order, so these are this entry's (and, rarely, a later entry's:
  // the settled event names the exact ids, and those it does not name are unbound again).
  _bind(m) {
    const ids = this._unsent.take(entityKey(m.collection, m.id));
    for (const id of ids) this._keyOf.set(id, m.key);
    return ids;
  }

  /** The server answered a batch (push results): a refusal it will retry is a failure for now. */
  answered(batch, results) {
    this._batches.delete(batch);
    for (const r of results ?? []) {
      if (r?.status !== 'error' || typeof r.key !== 'string') continue;
      this._failLive(r.key, { code: r.class ?? 'transient', message: r.message ?? '' });
    }
  }

  timedOut(batch) {
    for (const key of this._batches.get(batch) ?? []) this._failLive(key, { code: 'timeout', message: 'no answer from the server in time' });
    this._batches.delete(batch);
  }

  disconnected() {
    for (const keys of this._batches.values()) for (const key of keys) this._failLive(key, { code: 'disconnected', message: 'the connection closed before the answer' });
    this._batches.clear();
  }

  _failLive(key, lastError) {
    for (const id of this._keys.get(key) ?? []) {
      const entry = this._live.get(id);
      if (!entry) continue;
      entry.inFlight = false;
      entry.lastError = lastError;
      this._touch(entry);
    }
  }

  /** A settled event: its mutations leave the outbox (or a parked conflict) with their outcome. */
  settled(event) {
    const at = this._now();
    const status = HISTORY_STATUS_OF_SETTLED[event.status] ?? HistoryStatus.SYNCED;
    const keys = new Set();
    for (const mutationId of event.mutationIds ?? []) {
      if (this._keyOf.has(mutationId)) keys.add(this._keyOf.get(mutationId));
      const base = this._live.get(mutationId) ?? this._settled.get(mutationId) ?? { mutationId, attempts: 0, createdAt: null, sentAt: null };
      if (this._live.has(mutationId)) this._dropUnsent(base);
      this._deleteLive(mutationId);
      // The server named the entity (a create's temporary id renamed): its later mutations follow.
      if (typeof event.id === 'string' && base.id != null && event.id !== base.id) this._renamed(base.collection, base.id, event.id);
      this._unbind(mutationId);
      const lastError = event.status === SettledStatus.DEAD_LETTER ? { code: event.errorClass ?? 'rejected', message: event.message ?? '' } : base.lastError ?? null;
      const entry = {
        mutationId,
        collection: event.collection ?? base.collection ?? null,
        id: event.id ?? base.id ?? null,
        op: base.op ?? null,
        status,
        outcome: event.status,
        attempts: base.attempts ?? 0,
        createdAt: base.createdAt ?? null,
        sentAt: base.sentAt ?? null,
        settledAt: at,
        lastError,
        version: event.version ?? null,
        conflictId: event.conflictId ?? null,
        resolution: null,
        n: ++this._n,
      };
      this._settle(entry);
    }
    // Mutations bound to the same key that this settlement does not name were a later entry's.
    for (const key of keys) {
      for (const id of this._keys.get(key) ?? []) {
        this._keyOf.delete(id);
        const entry = this._live.get(id);
        if (!entry) continue;
        entry.inFlight = false;
        entry.attempts = Math.max(0, entry.attempts - 1);
        this._addUnsent(entry.collection, entry.id, id);
      }
      this._keys.delete(key);
    }
  }

  /**
   * Parked conflicts were decided (the core's conflict count went down): their entries become
   * synced, with the choice when this client made it (resolveConflicts) or null.
   * @param {Set<string>} open the conflict ids still parked
   * @param {Map<string, string>} [choices] conflict id -> 'mine' | 'theirs' | 'merged'
   */
  conflictsDecided(open, choices = new Map()) {
    const at = this._now();
    for (const entry of [...this._settled.values()]) {
      if (entry.outcome !== SettledStatus.CONFLICT || entry.status !== HistoryStatus.FAILED || open.has(entry.conflictId)) continue;
      this._settle({ ...entry, status: HistoryStatus.SYNCED, resolution: choices.get(entry.conflictId) ?? null, settledAt: at, n: ++this._n });
    }
  }

  _renamed(collection, from, to) {
    for (const mutationId of this._liveOf.take(entityKey(collection, from))) {
      const entry = this._live.get(mutationId);
      if (!entry) continue;
      entry.id = to;
      this._liveOf.add(entityKey(collection, to), mutationId);
    }
    for (const id of this._unsent.take(entityKey(collection, from))) this._addUnsent(collection, to, id);
  }

  _unbind(mutationId) {
    const key = this._keyOf.get(mutationId);
    if (key === undefined) return;
    this._keyOf.delete(mutationId);
    const ids = this._keys.get(key);
    ids?.delete(mutationId);
    if (ids && ids.size === 0) this._keys.delete(key);
  }

  _settle(entry) {
    const frozen = Object.freeze(entry);
    this._settled.delete(entry.mutationId);
    this._settled.set(entry.mutationId, frozen);
    this._toPut.set(entry.mutationId, frozen);
    this._toDelete.delete(entry.mutationId);
    this._trim();
    this._touch(frozen);
    this._saveSoon();
  }

  _trim() {
    while (this._settled.size > this._limit) {
      const oldest = this._settled.keys().next().value;
      this._settled.delete(oldest);
      this._toPut.delete(oldest);
      this._toDelete.add(oldest);
    }
  }

  // ---- reading -------------------------------------------------------------------------------

  /**
   * Newest first: the outbox's mutations (pending, syncing, failed), then the settled ones.
   * @param {{ status?: string | string[], collection?: string, limit?: number }} [filter]
   */
  list({ status, collection, limit } = {}) {
    const statuses = status === undefined ? null : new Set(Array.isArray(status) ? status : [status]);
    const max = Number.isInteger(limit) && limit >= 0 ? limit : Infinity;
    const out = [];
    const take = (entry) => {
      if (collection !== undefined && entry.collection !== collection) return true;
      if (statuses && !statuses.has(entry.status)) return true;
      out.push(entry);
      return out.length < max;
    };
    const live = [...this._live.values()];
    for (let i = live.length - 1; i >= 0; i--) if (!take(this._liveView(live[i]))) return out;
    const settled = [...this._settled.values()];
    for (let i = settled.length - 1; i >= 0; i--) if (!take(settled[i])) return out;
    return out;
  }

  _liveView(e) {
    const status = e.inFlight ? HistoryStatus.SYNCING : e.attempts > 0 || e.lastError ? HistoryStatus.FAILED : HistoryStatus.PENDING;
    return Object.freeze({ mutationId: e.mutationId, collection: e.collection, id: e.id, op: e.op, status, outcome: null, attempts: e.attempts,
      createdAt: e.createdAt, sentAt: e.sentAt, settledAt: null, lastError: e.lastError, version: null, conflictId: null, resolution: null });
  }

  // ---- telling and storing -------------------------------------------------------------------

  // One historyChanged per turn, with the entries that changed in it (as they are now).
  _touch(entry) {
    this._announced.set(entry.mutationId, entry);
    if (this._announcing) return;
    this._announcing = true;
    queueMicrotask(() => {
      this._announcing = false;
      if (!this._watched()) {
        this._announced.clear(); // nobody to tell: a burst's entries are not made
        return;
      }
      const changed = [...this._announced.values()].map((e) => (this._live.get(e.mutationId) === e ? this._liveView(e) : e));
      this._announced.clear();
      this._changed(changed);
    });
  }

  _saveSoon() {
    if (!this._store || this._saveTimer) return;
    this._saveTimer = setTimeout(() => {
      this._saveTimer = null;
      this._save();
    }, 0);
  }

  _save() {
    if (!this._store || (this._toPut.size === 0 && this._toDelete.size === 0)) return this._writing;
    const put = [...this._toPut.values()];
    const del = [...this._toDelete];
    this._toPut.clear();
    this._toDelete.clear();
    this._writing = this._writing.then(() => this._store.save({ put, delete: del })).catch((err) => this._failed(err));
    return this._writing;
  }

  /** Resolves once every settled entry so far is stored. */
  flush() {
    clearTimeout(this._saveTimer);
    this._saveTimer = null;
    return this._save();
  }

  /** Forgets everything (clearLocalData): memory and storage. */
  async clear() {
    await this.flush();
    this._settled.clear();
    this._toPut.clear();
    this._toDelete.clear();
    try {
      await this._store?.clear();
    } catch (err) {
      this._failed(err);
    }
  }

  async close() {
    await this.flush();
    await this._store?.close?.();
  }
}
