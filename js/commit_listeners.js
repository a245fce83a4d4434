// Who hears of a commit once js/core.js has routed it: onCommit listeners (with the commit's
// views made when first read), then options.onEffects and options.onEvent. A throwing listener
// must not stop the others, nor unwind into the commit that called it: its error goes to
// options.onListenerError, or is rethrown on a fresh stack as an uncaught error.
import { SyncError, ErrorCodes } from './errors.js';
import { deepFreeze } from './snapshots.js';

export function rethrowLater(err) {
  queueMicrotask(() => {
    throw err;
  });
}

// commit.views for onCommit listeners, { collection: { id: view } } (frozen), made from the wire's
// viewList ([collection, id, view] triples) only when a listener reads it: an object keyed by
// entity ids would cost JSON.parse (and V8) a new hidden class per id on every commit.
const ownValue = (value) => ({ value, enumerable: true, writable: true, configurable: true }); // even for '__proto__'
// local: the commit's local write whose view JS made (CoreViews.localView), also listed there.
const lazyViews = (local) => ({
  get() {
    const views = {};
    const add = (collection, id, view) => {
      if (!Object.hasOwn(views, collection)) Object.defineProperty(views, collection, ownValue({}));
      Object.defineProperty(views[collection], id, ownValue(view));
    };
    for (const [collection, id, view] of this.viewList ?? []) add(collection, id, deepFreeze(view));
    if (local !== null) {
      const view = local.make(local.id);
      if (view !== undefined) add(local.collection, local.id, view);
    }
    Object.defineProperty(this, 'views', { value: views, enumerable: true, configurable: true });
    return views;
  },
  enumerable: true,
  configurable: true,
});

export class CommitListeners {
  constructor({ onEffects = null, onEvent = null, onListenerError = rethrowLater } = {}) {
    this._listeners = new Set();
    // The listeners as an array, made again when one is added or removed (not on every commit):
    // a commit is told to those there when it started.
    this._told = [];
    this._viewReaders = 0; // listeners that may read commit.views
    this._onEffects = onEffects;
    this._onEvent = onEvent;
    this.onListenerError = onListenerError;
  }

  /**
   * fn(commit) after every commit; returns the function that removes it. views false: fn never
   * reads commit.views (the client's own listener), so a commit only it hears is not given the
   * lazy accessor (defining one on each commit was ~3 % of W4's 1,000 creates in Chromium).
   */
  add(fn, { views = true } = {}) {
    if (typeof fn !== 'function') throw new SyncError(ErrorCodes.WRONG_TYPE, 'a commit listener is a function');
    const entry = { fn, views: views !== false };
    this._listeners.add(entry);
    this._told = [...this._listeners];
    if (entry.views) this._viewReaders++;
    return () => {
      if (!this._listeners.delete(entry)) return;
      this._told = [...this._listeners];
      if (entry.views) this._viewReaders--;
    };
  }

  clear() {
    this._listeners.clear();
    this._told = [];
    this._viewReaders = 0;
  }

  /** A routed commit to everyone who listens; madeHere: the local write's view JS made, or null. */
  deliver(commit, madeHere) {
    if (this._listeners.size > 0) {
      if (this._viewReaders > 0 && (commit.viewList || madeHere)) Object.defineProperty(commit, 'views', lazyViews(madeHere));
      this._tell(commit);
    }
    if (commit.effects && this._onEffects) this._guard(() => this._onEffects(commit.effects));
    if (commit.events && this._onEvent) for (const event of commit.events) this._guard(() => this._onEvent(event));
  }

  /**
   * A custom resolver that failed: its conflict stays parked; the app is told like a commit that
   * changed nothing and carries the one event, to onCommit listeners (a client's 'error' event)
   * and options.onEvent. at: { cursor, counts } for that commit.
   */
  resolverFailed(err, { collection, id, conflictId }, at) {
    if (!this._onEvent && this._listeners.size === 0) {
      this.onListenerError(err);
      return;
    }
    const message = `the custom resolver of '${collection}' failed for '${id}' (the conflict stays parked): ${err?.message ?? err}`;
    const error = Object.assign(new SyncError(ErrorCodes.RESOLVER_FAILED, message), { cause: err, collection, id, conflictId });
    const event = { type: 'resolver-failed', collection, id, conflictId: conflictId ?? null, message, error };
    this._tell({ changes: {}, cursor: at.cursor, counts: at.counts(), events: [event] });
    if (this._onEvent) this._guard(() => this._onEvent(event));
  }

  _tell(commit) {
    const told = this._told;
    for (let i = 0; i < told.length; i++) {
      try {
        told[i].fn(commit);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  _guard(call) {
    try {
      call();
    } catch (err) {
      this.onListenerError(err);
    }
  }
}
