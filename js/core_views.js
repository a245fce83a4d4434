// What JS holds of the core's views: frozen snapshots (the views each commit carries, the rest
// fetched once), entity and collection subscribers and live-query feeds, all updated from a commit
// before anyone else hears of it. The SyncCore (js/core.js) owns one and routes every commit here.
import { SyncError, ErrorCodes } from './errors.js';
import { SnapshotCache, deepFreeze } from './snapshots.js';
import { LiveQuery } from './live_query.js';
import { toJson, requireName, requireId } from './args.js';
import { localWrite, sameJson } from './local_views.js';

export class CoreViews {
  /**
   * @param {object} o
   * @param {(method: string, ...args: unknown[]) => any} o.call a CoreHandle method's value (a SyncError if it failed)
   * @param {(method: string, ...args: unknown[]) => void} o.callQuiet a CoreHandle method whose answer is not needed
   * @param {(collection: string) => string} o.idFieldOf
   * @param {(err: unknown) => void} o.onListenerError
   * @param {() => boolean} o.disposed
   */
  constructor({ call, callQuiet, idFieldOf, onListenerError, disposed }) {
    this._call = call;
    this._callQuiet = callQuiet;
    this._idFieldOf = idFieldOf;
    this._onListenerError = onListenerError;
    this._isDisposed = disposed;
    this._snapshots = new SnapshotCache();
    // The views the last commit carried ([collection, id, view] triples), parsed but not yet
    // frozen: one becomes a snapshot when read, the rest are dropped at the next commit. A view
    // nobody reads (a bulk of writes through core.mutate) costs neither a freeze nor a cache slot.
    this._fresh = null;
    this._freshIndex = null; // collection -> id -> view, built when a long list is first searched
    // The last commit's local write whose view this side makes (js/local_views.js): { collection,
    // id, make }; made (and frozen) when first read. make() undefined: the entity is gone.
    this._local = null;
    this._subscriptions = new Map(); // core subscription id -> { collection, id, listener }
    this._queries = new Map(); // core query id -> its LiveQuery's feed
    this._open = new Map(); // core query id -> the LiveQuery (liveQueries())
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** A frozen snapshot of the entity, or undefined. The same object until the entity changes. */
  get(collection, id) {
    requireName(collection, 'collection');
    return this._snapshot(collection, requireId(id));
  }

  /** get() of a collection and id (a string) already checked. */
  _snapshot(collection, key) {
    const cached = this._snapshots.get(collection, key) ?? this._fromLocal(collection, key) ?? this._fromFresh(collection, key);
    if (cached) return cached;
    if (this._local !== null && this._local.id === key && this._local.collection === collection) return undefined; // deleted here
    const value = this._call('get', collection, key);
    if (value === null) return undefined;
    const snapshot = deepFreeze(value);
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
    const rows = this._call('list', collection);
    const idField = this._idFieldOf(collection);
    return rows.map((row) => {
      const id = String(row[idField]);
      const cached = this._snapshots.get(collection, id);
      if (cached) return cached;
      const snapshot = deepFreeze(row);
      this._snapshots.set(collection, id, snapshot);
      return snapshot;
    });
  }

  /**
   * @internal What this side can make of a local write (js/local_views.js) before it crosses:
   * { collection, make } or null. Asked by SyncCore.mutate, whose flags tell the core.
   */
  planLocalWrite(request, text, idField) {
    return localWrite(request, text, idField, (collection, id) => this._snapshots.get(collection, id) ?? this._fromFresh(collection, id));
  }

  /** The view of the last commit's local write as a snapshot (now cached), or undefined. */
  _fromLocal(collection, id) {
    const local = this._local;
    if (local === null || local.id !== id || local.collection !== collection) return undefined;
    const snapshot = local.make(id);
    if (snapshot !== undefined) this._snapshots.set(collection, id, snapshot);
    return snapshot;
  }

  /** The last commit's view of the entity as a snapshot (now cached), or undefined. */
  _fromFresh(collection, id) {
    const list = this._fresh;
    if (list === null) return undefined;
    let view;
    if (list.length <= 8) {
      for (const [c, i, v] of list) if (i === id && c === collection) view = v;
    } else {
      if (this._freshIndex === null) {
        this._freshIndex = new Map();
        for (const [c, i, v] of list) {
          let ids = this._freshIndex.get(c);
          if (!ids) this._freshIndex.set(c, (ids = new Map()));
          ids.set(i, v);
        }
      }
      view = this._freshIndex.get(collection)?.get(id);
    }
    if (view === undefined) return undefined;
    const snapshot = deepFreeze(view);
    this._snapshots.set(collection, id, snapshot);
    return snapshot;
  }

  /** ids -> snapshots, fetching the missing ones in one crossing. */
  _snapshotsOf(collection, ids) {
    const out = new Array(ids.length);
    const missing = [];
    for (let i = 0; i < ids.length; i++) {
      const cached = this._snapshots.get(collection, ids[i]) ?? this._fromLocal(collection, ids[i]) ?? this._fromFresh(collection, ids[i]);
      if (cached) out[i] = cached;
      else missing.push(i);
    }
    if (missing.length > 0) {
      const rows = this._call('getMany', collection, JSON.stringify(missing.map((i) => ids[i])));
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

  /** listener(changes) for a collection (id ''), listener(snapshot | undefined) for one entity. */
  subscribe(collection, id, listener) {
    requireName(collection, 'collection');
    if (typeof listener !== 'function') throw new SyncError(ErrorCodes.WRONG_TYPE, 'listener must be a function');
    const sub = this._call('subscribe', collection, id);
    this._subscriptions.set(sub, { collection, id, listener });
    // The entity's snapshot, held from now on: a local write to it then makes its new view here
    // instead of reading it back (js/local_views.js), from the first write on.
    if (id) this.get(collection, id);
    return () => {
      if (!this._subscriptions.delete(sub) || this._isDisposed()) return;
      this._callQuiet('unsubscribe', sub);
    };
  }

  /**
   * A live query: { collection, where, orderBy, limit, offset }. where items are
   * [field, op, value] or { field, op, value }; ops eq ne lt lte gt gte in contains.
   */
  query(spec) {
    if (spec === null || typeof spec !== 'object') throw new SyncError(ErrorCodes.BAD_QUERY, 'a query spec is an object');
    const first = this._call('openQuery', toJson(spec, 'query'));
    let feed;
    const q = new LiveQuery({ snapshotsOf: (c, ids) => this._snapshotsOf(c, ids), closeQuery: (query) => this._closeQuery(query), feed: (f) => (feed = f) }, spec, first);
    this._queries.set(q.id, feed);
    this._open.set(q.id, q);
    return q;
  }

  /** The live queries open now: [{ id, collection, spec, count, total }]. */
  liveQueries() {
    return [...this._open.values()].map((q) => ({ id: q.id, collection: q.spec.collection, spec: q.spec, count: q.ids.length, total: q.total }));
  }

  _closeQuery(q) {
    this._open.delete(q.id);
    if (this._queries.delete(q.id) && !this._isDisposed()) this._callQuiet('closeQuery', q.id);
  }

  /**
   * Routes one commit: snapshots (the views it carries, or the one its local write made here:
   * local, from planLocalWrite), live queries, then subscribers. Returns the local write as
   * taken ({ collection, id, make }), or null.
   */
  dispatch(commit, local = null) {
    // A view that came back equal to the snapshot held (a row rewritten with the same data) keeps
    // that snapshot: the same object, so a live query showing it has nothing new to tell.
    const kept = this._unchanged(commit.viewList);
    this._snapshots.invalidate(commit.changes);
    if (kept !== null) for (const [collection, id, snapshot] of kept) this._snapshots.set(collection, id, snapshot);
    // The changed entities a query window, an entity subscription or the caller shows next: each
    // becomes a snapshot when first read (below, or by the caller), so none is asked for again.
    this._fresh = commit.viewList ?? null;
    this._freshIndex = null;
    this._local = local === null ? null : withChangedId(local, commit.changes);
    const madeHere = this._local;
    if (commit.renamed) {
      for (const [collection, renames] of Object.entries(commit.renamed)) {
        for (const entry of this._subscriptions.values()) {
          if (entry.collection === collection && entry.id && renames[entry.id]) entry.id = renames[entry.id];
        }
      }
    }
    // Most commits (a local write) touch no query: nothing allocated for them.
    let touched = null;
    for (const qid in commit.queries) {
      const q = this._queries.get(Number(qid));
      if (!q || !Object.hasOwn(commit.queries, qid)) continue;
      if (q.apply(commit.queries[qid])) (touched ??= []).push(q); // else: the same rows, the same objects
    }
    for (const q of touched ?? []) {
      try {
        q.notify();
      } catch (err) {
        this._onListenerError(err);
      }
    }
    const notify = commit.notify;
    for (let i = 0; i < notify.length; i++) {
      const sub = notify[i];
      const entry = this._subscriptions.get(sub);
      if (!entry) continue;
      try {
        if (entry.id) entry.listener(this._snapshot(entry.collection, entry.id)); // checked when subscribed
        else entry.listener(commit.changes[entry.collection]);
      } catch (err) {
        this._onListenerError(err);
      }
    }
    return madeHere;
  }

  /** [collection, id, snapshot] for each view carried that equals the snapshot held, or null. */
  _unchanged(viewList) {
    if (!viewList) return null;
    let kept = null;
    for (const [collection, id, view] of viewList) {
      const held = this._snapshots.get(collection, id);
      if (held !== undefined && sameJson(held, view)) (kept ??= []).push([collection, id, held]);
    }
    return kept;
  }

  /** The core is gone: live queries hear of it, every cached snapshot is dropped. */
  dispose() {
    for (const q of this._queries.values()) q.disposed();
    this._queries.clear();
    this._open.clear();
    this._subscriptions.clear();
    this._snapshots.clear();
    this._fresh = null;
    this._freshIndex = null;
    this._local = null;
  }
}

// The local write with the id the core gave it: the one entity its collection changed (the core
// confirmed "viewFromRequest" only then).
function withChangedId(local, changes) {
  const c = changes[local.collection];
  const id = c?.updated[0] ?? c?.created[0] ?? c?.deleted[0];
  return id === undefined ? null : { collection: local.collection, id, make: once(local.make) };
}

function once(make) {
  let done = false;
  let value;
  return (id) => {
    if (!done) {
      value = make(id);
      done = true;
    }
    return value;
  };
}
