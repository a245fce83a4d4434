// Optimistic mutations of one collection. The view changes at once through the core (every
// useEntity / useCollection showing the entity re-renders in the same act); this hook only keeps
// the bookkeeping of its own calls: how many are unsettled, the last rejection, the last result.
//
// With { debounceMs }, patch(id, …) edits of one entity within debounceMs of each other become
// one mutation: until then they are shown as a local overlay (js/react/overlay.js, the entity's
// `pending` is true) and go to the outbox on the last edit + debounceMs, on flush(), before any
// other write of that entity through this hook, when the component unmounts, and when the page
// is hidden (pagehide, visibilitychange): nothing a patch() call accepted is left behind.
import { useEffect, useMemo, useState } from 'react';
import { useSource } from './context.js';
import { overlaysOf, composePatches, withOverlay } from './overlay.js';

const IDLE = Object.freeze({ pending: 0, error: null, lastResult: null });

export function useMutation(collection, options = {}) {
  const source = useSource('useMutation()');
  const debounceMs = options?.debounceMs ?? 0;
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

    // ---- debounced patches: id -> { patches, token, timer, waiters } -------------------------
    const overlays = overlaysOf(source);
    const open = new Map();
    const flushOne = (id) => {
      const b = open.get(id);
      if (!b) return;
      open.delete(id);
      clearTimeout(b.timer);
      overlays.remove(b.token); // in the same step as the mutation: the view never flashes back
      let handle;
      for (const patch of b.patches) handle = run({ ...b.options, collection, op: 'update', id, patch });
      setState((s) => ({ ...s, pending: s.pending - 1 }));
      handle.result.then((r) => b.waiters.forEach((w) => w.resolve(r)), (err) => b.waiters.forEach((w) => w.reject(err)));
    };
    const flush = () => {
      for (const id of [...open.keys()]) flushOne(id);
    };
    const debounced = (id, patch, opts) => {
      const key = String(id);
      let b = open.get(key);
      if (b && JSON.stringify(b.options) !== JSON.stringify(opts)) {
        flushOne(key); // another priority or strategy: its own mutation
        b = null;
      }
      if (!b) {
        b = { patches: [], token: overlays.add(collection, key, {}, { pending: true }), timer: null, waiters: [], options: opts };
        open.set(key, b);
        setState((s) => ({ ...s, pending: s.pending + 1 }));
      }
      const composed = b.patches.length > 0 ? composePatches(b.patches.at(-1), patch) : null;
      if (composed === null) b.patches.push(patch);
      else b.patches[b.patches.length - 1] = composed;
      overlays.update(b.token, { patches: b.patches });
      clearTimeout(b.timer);
      b.timer = setTimeout(() => flushOne(key), debounceMs);
      const result = new Promise((resolve, reject) => b.waiters.push({ resolve, reject }));
      result.catch(() => {});
      return { value: withOverlay(source.core.get(collection, key), overlays.get(collection, key)), mutationId: null, id: key, result };
    };
    // Any other write of an entity goes after its buffered edits.
    const after = (id, fn) => {
      if (id !== undefined) flushOne(String(id));
      return fn();
    };
    return {
      create: (data, opts = {}) => after(opts.id, () => run({ ...opts, collection, op: 'create', data })),
      update: (id, data, opts = {}) => after(id, () => run({ ...opts, collection, op: 'update', id, data })),
      // An entity that is not there is refused at once (NOT_FOUND), not buffered.
      patch: (id, patch, opts = {}) => (debounceMs > 0 && source.core.get(collection, id) !== undefined
        ? debounced(id, patch, opts) : after(id, () => run({ ...opts, collection, op: 'update', id, patch }))),
      remove: (id, opts = {}) => after(id, () => run({ ...opts, collection, op: 'delete', id })),
      flush,
      reset: () => setState((s) => (s.error === null && s.lastResult === null ? s : { ...s, error: null, lastResult: null })),
    };
  }, [source, collection, debounceMs]);
  // Unmount (or new settings), and a page going away: the buffered edits go to the outbox now.
  useEffect(() => {
    if (debounceMs <= 0) return undefined;
    const { flush } = actions;
    const win = globalThis.window;
    const doc = globalThis.document;
    const onHidden = () => {
      if (doc?.visibilityState === 'hidden') flush();
    };
    win?.addEventListener?.('pagehide', flush);
    doc?.addEventListener?.('visibilitychange', onHidden);
    return () => {
      win?.removeEventListener?.('pagehide', flush);
      doc?.removeEventListener?.('visibilitychange', onHidden);
      flush();
    };
  }, [actions, debounceMs]);
  return useMemo(() => ({ ...actions, ...state }), [actions, state]);
}
