// Entities and live queries as React state. Snapshots are the core's frozen objects: a component
// re-renders only when its entity, or its query's result, is a different object. Each also says
// whether its collection is loaded (js/react/loading.js), and shows local-only overlays
// (js/react/overlay.js: optimisticUpdate, debounced edits) over the synced view.
import { useMemo, useSyncExternalStore } from 'react';
import { useSource } from './context.js';
import { loadStoreOf, suspendUntilLoaded } from './loading.js';
import { overlaysOf, withOverlay } from './overlay.js';
import { pendingIndexOf } from './pending.js';

// One entity. The listener's value is kept, so an entity created under a temp id stays in view
// once the server gives it its own id (the core moves the subscription along).
function entityStore(core, collection, id) {
  let tracking = false;
  let latest;
  const read = () => (id === undefined || id === null ? undefined : core.get(collection, id));
  return {
    getSnapshot: () => (tracking ? latest : read()),
    subscribe(onChange) {
      if (id === undefined || id === null) return () => {};
      const off = core.subscribeEntity(collection, id, (entity) => {
        latest = entity;
        onChange();
      });
      latest = read();
      tracking = true;
      return () => {
        tracking = false;
        off();
      };
    },
  };
}

// Whether the entity has unacknowledged mutations (the outbox) or a pending overlay.
function pendingStore(source, collection, id) {
  const index = pendingIndexOf(source.core);
  const overlays = overlaysOf(source);
  const read = () => (id === undefined || id === null ? false : index.has(collection, id) || Boolean(overlays.get(collection, id)?.pending));
  return {
    getSnapshot: read,
    subscribe(onChange) {
      if (id === undefined || id === null) return () => {};
      const offs = [index.subscribe(collection, id, onChange), overlays.subscribe(collection, id, onChange)];
      return () => offs.forEach((off) => off());
    },
  };
}

function overlayStore(source, collection, id) {
  const overlays = overlaysOf(source);
  return {
    getSnapshot: () => (id === undefined || id === null ? null : overlays.get(collection, id)),
    subscribe: (onChange) => (id === undefined || id === null ? () => {} : overlays.subscribe(collection, id, onChange)),
  };
}

const useStore = (store) => useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);

/**
 * One entity: { data, pending, status, error }, frozen and the same object while unchanged.
 * data: the frozen snapshot (with any local overlay), or undefined; pending: it has mutations the
 * server has not acknowledged; status: 'loading' | 'ready' | 'error' for its collection.
 * options.suspense: suspends while loading and throws the error instead.
 */
export function useEntity(collection, id, options = {}) {
  const source = useSource('useEntity()');
  const { core } = source;
  const store = useMemo(() => entityStore(core, collection, id), [core, collection, id]);
  const stores = useMemo(() => ({ pending: pendingStore(source, collection, id), overlay: overlayStore(source, collection, id), load: loadStoreOf(source, collection) }), [source, collection, id]);
  const view = useStore(store);
  const overlay = useStore(stores.overlay);
  const pending = useStore(stores.pending);
  const load = useStore(stores.load);
  if (options?.suspense) suspendUntilLoaded(stores.load, load);
  const data = withOverlay(view, overlay);
  return useMemo(() => Object.freeze({ data, pending, status: load.status, error: load.error }), [data, pending, load]);
}

const sameResult = (a, b) => {
  if (a.total !== b.total || a.ids.length !== b.ids.length) return false;
  for (let i = 0; i < a.ids.length; i++) if (a.ids[i] !== b.ids[i] || a.data[i] !== b.data[i]) return false;
  return true;
};

// A live query, opened while the component is subscribed. Before that (the first render) the
// result comes from a query opened and closed at once, so a render that React throws away leaks
// nothing; the live query's first result reuses that object when equal (no second render).
function queryStore(core, spec) {
  let live = null;
  let result = null;
  let stale = true;
  const listeners = new Set();
  const adopt = (q) => {
    const next = { data: q.current, total: q.total, ids: q.ids };
    if (!result || !sameResult(result, next)) result = Object.freeze(next);
  };
  return {
    getSnapshot() {
      if (!live && stale) {
        const q = core.query(spec);
        try {
          adopt(q);
        } finally {
          q.close();
        }
        stale = false;
      }
      return result;
    },
    subscribe(onChange) {
      listeners.add(onChange);
      if (!live) {
        live = core.query(spec);
        live.subscribe(() => {
          const before = result;
          adopt(live);
          if (result !== before) for (const fn of [...listeners]) fn();
        });
        adopt(live);
      }
      return () => {
        listeners.delete(onChange);
        if (listeners.size > 0 || !live) return;
        live.close();
        live = null;
        stale = true;
      };
    },
  };
}

// Rows with a local overlay are shown with it (the query's filter and order are the synced view's).
const rowsCache = new WeakMap(); // result -> { byCollection, out }
function withOverlays(result, shown) {
  if (shown.size === 0) return result;
  const hit = rowsCache.get(result);
  if (hit && hit.shown === shown) return hit.out;
  let changed = false;
  const data = result.data.map((row, i) => {
    const overlay = shown.get(result.ids[i]);
    if (!overlay) return row;
    changed = true;
    return withOverlay(row, overlay);
  });
  const out = changed ? Object.freeze({ ...result, data: Object.freeze(data) }) : result;
  rowsCache.set(result, { shown, out });
  return out;
}

/**
 * A live query's result { data, total, ids, status, error }. The spec (where, orderBy, limit,
 * offset) is compared by its JSON, so a new object literal each render does not reopen the
 * query. status: 'loading' until the collection is loaded (js/react/loading.js), 'ready', or
 * 'error'; `suspense: true` in the spec suspends while loading instead.
 */
export function useCollection(collection, query) {
  const source = useSource('useCollection()');
  const { core } = source;
  const { suspense = false, ...spec } = query ?? {};
  const key = JSON.stringify(spec);
  const store = useMemo(() => queryStore(core, { ...JSON.parse(key), collection }), [core, collection, key]);
  const stores = useMemo(() => {
    const overlays = overlaysOf(source);
    return {
      load: loadStoreOf(source, collection),
      overlays: { getSnapshot: () => overlays.ofCollection(collection), subscribe: (fn) => overlays.subscribe(collection, undefined, fn) },
    };
  }, [source, collection]);
  const result = useStore(store);
  const shown = useStore(stores.overlays);
  const load = useStore(stores.load);
  if (suspense) suspendUntilLoaded(stores.load, load);
  const rows = withOverlays(result, shown);
  return useMemo(() => Object.freeze({ ...rows, status: load.status, error: load.error }), [rows, load]);
}
