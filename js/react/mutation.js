// Optimistic mutations of one collection. The view changes at once through the core (every
// useEntity / useCollection showing the entity re-renders in the same act); this hook only keeps
// the bookkeeping of its own calls: how many are unsettled, the last rejection, the last result.
import { useMemo, useState } from 'react';
import { useSource } from './context.js';

const IDLE = Object.freeze({ pending: 0, error: null, lastResult: null });

export function useMutation(collection) {
  const source = useSource('useMutation()');
  const [state, setState] = useState(IDLE);
  const actions = useMemo(() => {
    const run = (request) => {
      let handle;
      try {
        handle = source.mutate(request);
      } catch (err) {
        // Refused at once (NOT_FOUND, ALREADY_EXISTS, …): nothing changed; the handle's result rejects.
        setState((s) => ({ ...s, error: err }));
        const result = Promise.reject(err);
        result.catch(() => {});
        return { value: undefined, mutationId: null, id: request.id === undefined ? undefined : String(request.id), result };
      }
      setState((s) => ({ ...s, pending: s.pending + 1 }));
      handle.result.then(
        (r) => setState((s) => ({ pending: s.pending - 1, error: null, lastResult: r })),
        (err) => setState((s) => ({ ...s, pending: s.pending - 1, error: err })),
      );
      return handle;
    };
    return {
      create: (data, options = {}) => run({ ...options, collection, op: 'create', data }),
      update: (id, data, options = {}) => run({ ...options, collection, op: 'update', id, data }),
      patch: (id, patch, options = {}) => run({ ...options, collection, op: 'update', id, patch }),
      remove: (id, options = {}) => run({ ...options, collection, op: 'delete', id }),
      reset: () => setState((s) => (s.error === null && s.lastResult === null ? s : { ...s, error: null, lastResult: null })),
    };
  }, [source, collection]);
  return useMemo(() => ({ ...actions, ...state }), [actions, state]);
}
