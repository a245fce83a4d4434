// The friendly API over the wasm CoreHandle: plain JS values in, frozen snapshots out, SyncError
// for every failure. One crossing per call; batches travel as one JSON text each way.
import { SyncError, ErrorCodes } from './errors.js';
import { SnapshotCache, deepFreeze } from './snapshots.js';
import { LiveQuery } from './live_query.js';

const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

function toJson(value, what) {
  if (typeof value === 'string') return value;
  let text;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new SyncError(ErrorCodes.BAD_JSON, `${what} cannot be serialised: ${err.message}`);
  }
  if (text === undefined) throw new SyncError(ErrorCodes.BAD_JSON, `${what} is not a JSON value`);
  return text;
}

function requireName(value, what) {
  if (typeof value !== 'string' || value.length === 0)
    throw new SyncError(ErrorCodes.WRONG_TYPE, `${what} must be a non-empty string`);
  return value;
}

function requireId(id) {
  if (typeof id === 'string' && id.length > 0) return id;
  if (typeof id === 'number' && Number.isInteger(id)) return String(id);
  throw new SyncError(ErrorCodes.MISSING_ID, 'id must be a non-empty string or an integer');
}

// A throwing listener must not stop the others, nor unwind into the commit that called it: its
// error goes to options.onListenerError, or is rethrown on a fresh stack as an uncaught error.
function rethrowLater(err) {
  queueMicrotask(() => {
    throw err;
  });
}

export class SyncCore {
  /** @internal use createSyncCore() */
  constructor(wasmModule, options = {}) {
    this._module = wasmModule;
    this._handle = new wasmModule.CoreHandle();
    this._snapshots = new SnapshotCache();
    this._subscriptions = new Map(); // core subscription id -> { collection, id, listener }
    this._queries = new Map(); // core query id -> LiveQuery
    this._now = options.now ?? (() => Date.now());
    this._onListenerError = options.onListenerError ?? rethrowLater;
    this._disposed = false;
    this._cursor = 0;
    this._idFields = new Map();
    const limits = {};
    if (options.maxMessageBytes !== undefined) limits.maxMessageBytes = options.maxMessageBytes;
    if (options.maxDepth !== undefined) limits.maxDepth = options.maxDepth;
    if (Object.keys(limits).length > 0) this._check(this._handle.configure(JSON.stringify(limits)));
    for (const [name, opts] of Object.entries(options.collections ?? {})) this.defineCollection(name, opts);
    this.cache = new QueryCacheApi(this);
  }

  // ---- errors -------------------------------------------------------------------------------

  /** @internal Throws the core's last error when a call signalled failure. */
  _check(result, failed = (r) => r === '' || r === false) {
    if (failed(result)) throw new SyncError(this._handle.errorCode(), this._handle.errorMessage());
    return result;
  }

  /** @internal */
  _live() {
    if (this._disposed) throw new SyncError(ErrorCodes.DISPOSED, 'this SyncCore was disposed');
    return this._handle;
  }

  // ---- collections and server data ------------------------------------------------------------

  defineCollection(name, options = {}) {
    requireName(name, 'collection name');
    this._check(this._live().defineCollection(name, toJson(options ?? {}, 'collection options')));
    this._idFields.set(name, options?.idField ?? 'id');
    return this;
  }

  /**
   * Applies server data as one commit: an array of operations, or { ops, cursor }.
   * Returns { changes, cursor }; subscribers and live queries are told before it returns.
   */
  applyServer(batch) {
    const text = toJson(batch, 'batch');
    const commit = JSON.parse(this._check(this._live().apply(text)));
    this._cursor = commit.cursor;
    this._dispatch(commit);
    return { changes: commit.changes, cursor: commit.cursor };
  }

  /** Bulk load (an initial sync): entities are { id?, version, data } items. */
  load(collection, entities, { cursor } = {}) {
    requireName(collection, 'collection');
    if (!Array.isArray(entities)) throw new SyncError(ErrorCodes.WRONG_TYPE, 'entities must be an array');
    const batch = { ops: [{ op: 'load', collection, entities }] };
    if (cursor !== undefined) batch.cursor = cursor;
    return this.applyServer(batch);
  }

  /** The server cursor after the last commit. */
  get cursor() {
    return this._cursor;
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** A frozen snapshot of the entity, or undefined. The same object until the entity changes. */
  get(collection, id) {
    requireName(collection, 'collection');
    const key = requireId(id);
    const cached = this._snapshots.get(collection, key);
    if (cached) return cached;
    const text = this._check(this._live().get(collection, key));
    if (text === 'null') return undefined;
    const snapshot = deepFreeze(JSON.parse(text));
    this._snapshots.set(collection, key, snapshot);
    return snapshot;
  }

  /** Snapshots for several ids in one crossing (undefined where missing). */
  getMany(collection, ids) {
    requireName(collection, 'collection');
    if (!Array.isArray(ids)) throw new SyncError(ErrorCodes.WRONG_TYPE, 'ids must be an array');
    return this._snapshotsOf(collection, ids.map(requireId));
  }

  /** Every live entity of the collection, sorted by id. */
  list(collection) {
    requireName(collection, 'collection');
    const rows = JSON.parse(this._check(this._live().list(collection)));
    const idField = this._idFields.get(collection) ?? 'id';
    return rows.map((row) => {
      const id = String(row[idField]);
      const cached = this._snapshots.get(collection, id);
      if (cached) return cached;
      const snapshot = deepFreeze(row);
      this._snapshots.set(collection, id, snapshot);
      return snapshot;
    });
  }

  count(collection) {
    requireName(collection, 'collection');
    return this._check(this._live().count(collection), (n) => n < 0);
  }

  /** @internal ids -> snapshots, fetching the missing ones in one crossing. */
  _snapshotsOf(collection, ids) {
    const out = new Array(ids.length);
    const missing = [];
    for (let i = 0; i < ids.length; i++) {
      const cached = this._snapshots.get(collection, ids[i]);
      if (cached) out[i] = cached;
      else missing.push(i);
    }
    if (missing.length > 0) {
      const text = this._check(this._live().getMany(collection, JSON.stringify(missing.map((i) => ids[i]))));
      const rows = JSON.parse(text);
      for (let k = 0; k < missing.length; k++) {
        const i = missing[k];
        if (rows[k] === null) continue;
        out[i] = deepFreeze(rows[k]);
        this._snapshots.set(collection, ids[i], out[i]);
      }
    }
    return out;
  }

  // ---- subscriptions and live queries -------------------------------------------------------

  /** listener({ created, updated, deleted }) after each commit that changes the collection. */
  subscribe(collection, listener) {
    return this._subscribe(collection, '', listener);
  }

  /** listener(snapshot | undefined) after each commit that changes this entity. */
  subscribeEntity(collection, id, listener) {
    return this._subscribe(collection, requireId(id), listener);
  }

  _subscribe(collection, id, listener) {
    requireName(collection, 'collection');
    if (typeof listener !== 'function') throw new SyncError(ErrorCodes.WRONG_TYPE, 'listener must be a function');
    const sub = this._check(this._live().subscribe(collection, id), (n) => n === 0);
    this._subscriptions.set(sub, { collection, id, listener });
    return () => {
      if (!this._subscriptions.delete(sub) || this._disposed) return;
      this._handle.unsubscribe(sub);
    };
  }

  /**
   * A live query: { collection, where, orderBy, limit, offset }. where items are
   * [field, op, value] or { field, op, value }; ops eq ne lt lte gt gte in contains.
   */
  query(spec) {
    if (spec === null || typeof spec !== 'object') throw new SyncError(ErrorCodes.BAD_QUERY, 'a query spec is an object');
    const first = JSON.parse(this._check(this._live().openQuery(toJson(spec, 'query'))));
    const q = new LiveQuery(this, spec, first);
    this._queries.set(q.id, q);
    return q;
  }

  /** @internal */
  _closeQuery(q) {
    if (this._queries.delete(q.id) && !this._disposed) this._handle.closeQuery(q.id);
  }

  /** @internal Routes one commit: snapshots, live queries, then subscribers. */
  _dispatch(commit) {
    this._snapshots.invalidate(commit.changes);
    const touched = [];
    for (const [qid, update] of Object.entries(commit.queries)) {
      const q = this._queries.get(Number(qid));
      if (!q) continue;
      q._apply(update);
      touched.push(q);
    }
    for (const q of touched) {
      try {
        q._notify();
      } catch (err) {
        this._onListenerError(err);
      }
    }
    for (const sub of commit.notify) {
      const entry = this._subscriptions.get(sub);
      if (!entry) continue;
      try {
        if (entry.id) entry.listener(this.get(entry.collection, entry.id));
        else entry.listener(commit.changes[entry.collection]);
      } catch (err) {
        this._onListenerError(err);
      }
    }
  }

  // ---- upkeep ---------------------------------------------------------------------------------

  /** Drops tombstones (of one collection, or all) up to a version (all when omitted). */
  compact(collection = '', upToVersion = -1) {
    if (typeof collection !== 'string') throw new SyncError(ErrorCodes.WRONG_TYPE, 'collection must be a string');
    return this._check(this._live().compact(collection, upToVersion), (n) => n < 0);
  }

  stats() {
    return JSON.parse(this._live().stats());
  }

  /** Frees the wasm-side state. The core cannot be used afterwards. */
  dispose() {
    if (this._disposed) return;
    this._disposed = true;
    for (const q of this._queries.values()) q._closed = true;
    this._queries.clear();
    this._subscriptions.clear();
    this._snapshots.clear();
    this._handle.delete();
  }
}

/** The query cache for results fetched outside the sync channel; time defaults to Date.now(). */
class QueryCacheApi {
  constructor(core) {
    this._core = core;
  }

  set(key, value, { ttl = 60000, staleTime = 0, tags = [], now } = {}) {
    requireName(key, 'cache key');
    const opts = toJson({ ttl, staleTime, tags }, 'cache options');
    const t = now ?? this._core._now();
    this._core._check(this._core._live().cacheSet(key, toJson(value, 'cache value'), opts, t));
  }

  /** { status: 'fresh' | 'stale' | 'miss', value?, age? } */
  get(key, { now } = {}) {
    requireName(key, 'cache key');
    const t = now ?? this._core._now();
    const hit = JSON.parse(this._core._check(this._core._live().cacheGet(key, t)));
    if (hasOwn(hit, 'value')) hit.value = deepFreeze(hit.value);
    return hit;
  }

  invalidate(key) {
    return this._core._live().cacheInvalidate(requireName(key, 'cache key'));
  }

  invalidateTag(tag) {
    return this._core._live().cacheInvalidateTag(requireName(tag, 'tag'));
  }

  remove(key) {
    return this._core._live().cacheRemove(requireName(key, 'cache key'));
  }

  prune({ now } = {}) {
    return this._core._check(this._core._live().cachePrune(now ?? this._core._now()), (n) => n < 0);
  }
}
