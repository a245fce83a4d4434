// Whether a collection's data is loaded: 'loading' until the client's first catch-up with the
// server (or at once when storage held the collection's data, or there is no server), then
// 'ready'; 'error' while the server refuses the session (auth) before anything was loaded. One
// store per client and collection, stable by reference; the Suspense promise is one per wait.
import { SyncError } from '../errors.js';

const READY = Object.freeze({ status: 'ready', error: null });
const LOADING = Object.freeze({ status: 'loading', error: null });

function loadStore(source, collection) {
  let last = READY;
  let authError = null;
  let waiting = null; // { promise, resolve } while someone suspends
  const read = () => {
    if (source.kind !== 'client') return READY; // a bare core: nothing to wait for
    let status;
    try {
      status = source.client.collectionStatus(collection);
    } catch (err) {
      if (err?.code === 'UNKNOWN_COLLECTION') return READY; // the query itself says so
      throw err;
    }
    if (status === 'ready') return READY;
    if (source.status().connection === 'auth-required') {
      authError ??= Object.freeze({ status: 'error', error: new SyncError('AUTH_REQUIRED', `the server wants a new token before '${collection}' can load (client.setToken)`) });
      return authError;
    }
    return LOADING;
  };
  const settleWaiters = () => {
    if (waiting && last.status !== 'loading') {
      waiting.resolve();
      waiting = null;
    }
  };
  last = read();
  return {
    getSnapshot() {
      last = read();
      return last;
    },
    subscribe(fn) {
      return source.on('statusChanged', () => {
        last = read();
        settleWaiters();
        fn();
      });
    },
    /** A promise that resolves when the collection stops loading (for Suspense). */
    whenSettled() {
      if (!waiting) {
        let resolve;
        const promise = new Promise((r) => (resolve = r));
        waiting = { promise, resolve };
        // Nobody may be subscribed while suspended: the store listens for itself until settled.
        const off = source.on('statusChanged', () => {
          last = read();
          if (last.status === 'loading') return;
          off();
          settleWaiters();
        });
      }
      return waiting.promise;
    },
  };
}

const stores = new WeakMap();

/** @internal The loading store of a source's collection. */
export function loadStoreOf(source, collection) {
  let byName = stores.get(source);
  if (!byName) stores.set(source, (byName = new Map()));
  let store = byName.get(collection);
  if (!store) byName.set(collection, (store = loadStore(source, collection)));
  return store;
}

/** Suspense: throws the wait while loading, the error when failed; returns otherwise. */
export function suspendUntilLoaded(store, state) {
  if (state.status === 'loading') throw store.whenSettled();
  if (state.status === 'error') throw state.error;
}
