// useSyncHistory(filter): client.history(filter) (docs/history.md), re-read only after a
// 'historyChanged' event, the same array while nothing it shows changed.
import { useMemo, useSyncExternalStore } from 'react';
import { useSource } from './context.js';

/**
 * The client's mutation history in seed 004's words, newest first: { status?, collection?, limit? }
 * as client.history() takes it. Needs a SyncProvider given a client (a bare core keeps no history).
 */
export function useSyncHistory(filter = {}) {
  const source = useSource('useSyncHistory()');
  if (!source.client) throw new Error('useSyncHistory(): this SyncProvider was given a bare core, not a client; a core keeps no history');
  const { client } = source;
  const key = JSON.stringify({ status: filter?.status, collection: filter?.collection, limit: filter?.limit });
  const store = useMemo(() => {
    const wanted = JSON.parse(key);
    let value = null;
    let dirty = true;
    return {
      subscribe: (fn) => client.on('historyChanged', () => {
        dirty = true;
        fn();
      }),
      getSnapshot() {
        if (!dirty && value) return value;
        const next = Object.freeze(client.history(wanted));
        dirty = false;
        // Entries are frozen and replaced when they change: same entries, same array.
        if (value && value.length === next.length && value.every((e, i) => e === next[i] || sameLive(e, next[i]))) return value;
        value = next;
        return value;
      },
    };
  }, [client, key]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

// An outbox entry is a fresh object on every read: the same if every field is.
function sameLive(a, b) {
  if (a.settledAt !== null || b.settledAt !== null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
