// optimisticUpdate(data, apiCall) (seed 002's useOptimisticDataSync): an arbitrary API call whose
// expected result is shown at once. The data is a local-only overlay (js/react/overlay.js) over
// the entity: not in the outbox, not persisted, not sent by syncore, gone with the page. The
// outbox (useMutation) is the durable path; this is for calls syncore does not make itself.
//
//   apiCall rejects  -> the overlay goes (rollback: the view is what sync says now, so remote
//                       changes that came meanwhile stay), error is set, the promise rejects.
//   apiCall resolves -> the overlay stays until the server's own change of the entity arrives
//                       through sync (at once if it already came during the call), at most
//                       holdMs (default 5000), so the old value does not flash back in between.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useSource } from './context.js';
import { useEntity } from './data.js';
import { overlaysOf } from './overlay.js';

const touches = (changes, collection, id) => {
  const c = changes?.[collection];
  return Boolean(c && [c.created, c.updated, c.deleted].some((ids) => ids?.includes(id)));
};

/**
 * { data, isUpdating, error, optimisticUpdate(data, apiCall, { holdMs }?) } for one entity.
 * data: the entity as shown (with the optimistic data while it is on).
 */
export function useOptimisticUpdate(collection, id) {
  const source = useSource('useOptimisticUpdate()');
  const entity = useEntity(collection, id);
  const [state, setState] = useState({ isUpdating: 0, error: null });
  const live = useRef(true);
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);
  const optimisticUpdate = useMemo(() => async (data, apiCall, { holdMs = 5000 } = {}) => {
    if (typeof apiCall !== 'function') throw new TypeError('optimisticUpdate(data, apiCall): apiCall must be a function');
    const overlays = overlaysOf(source);
    const key = String(id);
    const token = overlays.add(collection, key, data, { pending: true });
    let remoteCame = false;
    let drop = () => {};
    const off = source.onRemoteChanges((changes) => {
      if (!touches(changes, collection, key)) return;
      remoteCame = true;
      drop();
    });
    const set = (fn) => live.current && setState(fn);
    set((s) => ({ isUpdating: s.isUpdating + 1, error: null }));
    let result;
    try {
      result = await apiCall();
    } catch (err) {
      off();
      overlays.remove(token);
      set((s) => ({ isUpdating: s.isUpdating - 1, error: err }));
      throw err;
    }
    set((s) => ({ isUpdating: s.isUpdating - 1, error: null }));
    const timer = remoteCame || holdMs <= 0 ? null : setTimeout(() => drop(), holdMs);
    drop = () => {
      off();
      if (timer) clearTimeout(timer);
      overlays.remove(token);
    };
    if (remoteCame || holdMs <= 0) drop();
    else overlays.update(token, { pending: false }); // answered: no longer unacknowledged
    return result;
  }, [source, collection, id]);
  return useMemo(() => ({ data: entity.data, isUpdating: state.isUpdating > 0, error: state.error, optimisticUpdate }), [entity.data, state, optimisticUpdate]);
}
