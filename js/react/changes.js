// useRemoteChanges(): the log of recent remote changes (remote_log.js) as a hook.
import { useMemo, useSyncExternalStore } from 'react';
import { useSource } from './context.js';
import { REMOTE_LOG_LIMIT, remoteLogOf } from './remote_log.js';

export { REMOTE_LOG_LIMIT };
const EMPTY = Object.freeze([]);

/**
 * Recent remote changes: { updates, clear() }. updates: frozen [{ collection, id, type:
 * 'created' | 'updated' | 'deleted', at (ms), seq (a stable key) }], oldest first, at most
 * `limit` (default and most: REMOTE_LOG_LIMIT); clear() empties the log for every component.
 */
export function useRemoteChanges({ limit = REMOTE_LOG_LIMIT } = {}) {
  const log = remoteLogOf(useSource('useRemoteChanges()'));
  const store = useMemo(() => {
    let from = null;
    let out = EMPTY;
    return {
      subscribe: (fn) => log.subscribe(fn),
      getSnapshot() {
        if (from !== log.updates) {
          from = log.updates;
          out = from.length > limit ? Object.freeze(from.slice(-limit)) : from;
        }
        return out;
      },
    };
  }, [log, limit]);
  const updates = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  return useMemo(() => ({ updates, clear: () => log.clear() }), [updates, log]);
}
