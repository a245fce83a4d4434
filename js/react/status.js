// Sync status, the outbox (pending mutations and dead letters) and parked conflicts. Each is one
// store per client (or core), shared by every component, re-read only after an event that can
// change it, and stable by reference while its content is the same.
import { useMemo, useSyncExternalStore } from 'react';
import { useSource } from './context.js';

// A value read from the core on demand. While someone listens, it is re-read only after one of
// `events` (or after an action of ours); with no listener, every read is fresh.
function eventStore(source, events, read) {
  let value;
  let dirty = true;
  let offs = [];
  const listeners = new Set();
  const changed = () => {
    dirty = true;
    for (const fn of [...listeners]) fn();
  };
  return {
    changed,
    getSnapshot() {
      if (dirty || listeners.size === 0) {
        try {
          value = read(value);
        } catch (err) {
          if (value === undefined || err?.code !== 'DISPOSED') throw err; // a closed client: keep the last value
        }
        dirty = listeners.size === 0;
      }
      return value;
    },
    subscribe(fn) {
      if (listeners.size === 0) {
        offs = events.map((e) => source.on(e, changed));
        dirty = true;
      }
      listeners.add(fn);
      return () => {
        listeners.delete(fn);
        if (listeners.size > 0) return;
        for (const off of offs) off();
        offs = [];
      };
    },
  };
}

// Arrays from the core are new on every read; keep the previous one while its JSON is the same.
const texts = new WeakMap();
const jsonOf = (v) => {
  let t = texts.get(v);
  if (t === undefined) texts.set(v, (t = JSON.stringify(v)));
  return t;
};
const keep = (prev, next) => (prev !== undefined && jsonOf(prev) === jsonOf(next) ? prev : next);

const stores = new WeakMap();
function storesOf(source) {
  let s = stores.get(source);
  if (s) return s;
  const { core } = source;
  // Our actions go to the core: a client's counts follow every commit of its core; a bare core's
  // local status is refreshed here. Either way the store is re-read afterwards.
  const act = (store, fn) => {
    const r = fn();
    source.refresh();
    store.changed();
    return r;
  };
  const outboxActions = {
    retry: (seq) => act(outbox, () => core.retryDeadLetter(seq)),
    discard: (seq) => act(outbox, () => core.discardDeadLetter(seq)),
    edit: (seq, payload) => act(outbox, () => core.editDeadLetter(seq, payload)),
  };
  const resolve = (id, resolution) => act(conflicts, () => core.resolveConflict(id, resolution));
  const outbox = eventStore(source, ['mutationSettled', 'operationQueued', 'statusChanged', 'syncStarted', 'syncFailed'], (prev) => {
    const pending = keep(prev?.pending, core.pendingMutations());
    const deadLetters = keep(prev?.deadLetters, core.deadLetters());
    if (prev && prev.pending === pending && prev.deadLetters === deadLetters) return prev;
    return Object.freeze({ pending, deadLetters, ...outboxActions });
  });
  const conflicts = eventStore(source, ['conflictDetected', 'mutationSettled', 'statusChanged'], (prev) => {
    const list = keep(prev?.conflicts, core.conflicts());
    if (prev && prev.conflicts === list) return prev;
    return Object.freeze({ conflicts: list, resolve });
  });
  s = { outbox, conflicts };
  stores.set(source, s);
  return s;
}

/**
 * The outbox: { pending, deadLetters, retry(seq), discard(seq), edit(seq, payload) }. The arrays
 * are the same objects until their content changes.
 */
export function useOutbox() {
  const store = storesOf(useSource('useOutbox()')).outbox;
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** The same as useOutbox(). */
export const usePendingMutations = useOutbox;

/** Parked (manual) conflicts: { conflicts, resolve(id, { choice, value? }) }. */
export function useConflicts() {
  const store = storesOf(useSource('useConflicts()')).conflicts;
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

// status object -> the same status with its message, made once per status object.
const withMessage = new WeakMap();

/** The client's status ({ online, connected, syncing, pending, … }) plus `message`. */
export function useSyncStatus() {
  const source = useSource('useSyncStatus()');
  const store = useMemo(() => ({
    subscribe: (fn) => source.on('statusChanged', fn),
    getSnapshot() {
      const status = source.status();
      let out = withMessage.get(status);
      if (!out) {
        out = Object.freeze({ ...status, message: source.message() });
        withMessage.set(status, out);
      }
      return out;
    },
  }), [source]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
