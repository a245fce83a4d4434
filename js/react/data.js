// Entities and live queries as React state. Snapshots are the core's frozen objects: a component
// re-renders only when its entity, or its query's result, is a different object.
import { useMemo, useSyncExternalStore } from 'react';
import { useSource } from './context.js';

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

/** The entity's frozen snapshot, or undefined; re-renders only when this entity changes. */
export function useEntity(collection, id) {
  const { core } = useSource('useEntity()');
  const store = useMemo(() => entityStore(core, collection, id), [core, collection, id]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
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

/**
 * A live query's result { data, total, ids }. The spec (where, orderBy, limit, offset) is compared
 * by its JSON, so a new object literal each render does not reopen the query.
 */
export function useCollection(collection, query) {
  const { core } = useSource('useCollection()');
  const key = JSON.stringify(query ?? {});
  const store = useMemo(() => queryStore(core, { ...JSON.parse(key), collection }), [core, collection, key]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
