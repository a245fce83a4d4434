// One "source" per client (or bare core): what the hooks need from either, behind one shape —
// the core, events under the client's names, a frozen status and mutations with a result promise.
// Shared by every provider and hook of that client or core (a WeakMap), so events are wired once.
import { SyncError } from '../errors.js';

const sources = new WeakMap();

/** @internal The source for a SyncClient, or for a bare SyncCore when there is no client. */
export function sourceFor(client, core) {
  const owner = client ?? core;
  let source = sources.get(owner);
  if (!source) {
    source = client ? clientSource(client) : coreSource(core);
    sources.set(owner, source);
  }
  return source;
}

function clientSource(client) {
  return {
    kind: 'client',
    client,
    core: client.core,
    on: (event, fn) => client.on(event, fn),
    status: () => client.status,
    message: () => client.statusMessage(),
    mutate: (request) => client.mutate(request),
    // The client refreshes its counts after its own calls; outbox and conflict actions go to the
    // core directly, so the counts (status.failed, status.conflicts) are refreshed here.
    refresh: () => client._refreshCounts?.(),
  };
}

const EVENT_NAMES = { queued: 'operationQueued', conflict: 'conflictDetected', settled: 'mutationSettled', 'auth-required': 'authRequired' };

// Without a client nothing turns the core's events into client events, so this does: it chains
// itself after the core's own onEvent hook (set once per core), and keeps a local status.
function coreSource(core) {
  const listeners = new Map();
  const waiting = new Map();
  const emit = (name, payload) => {
    for (const fn of [...(listeners.get(name) ?? [])]) {
      try {
        fn(payload);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  };
  let status = Object.freeze(localStatus(core, null));
  const refresh = () => {
    let next;
    try {
      next = localStatus(core, status);
    } catch {
      return; // disposed
    }
    if (next === status) return;
    status = Object.freeze(next);
    emit('statusChanged', status);
  };
  core.onCommit((commit) => {
    for (const event of commit.events ?? []) {
      const name = EVENT_NAMES[event.type];
      if (name) emit(name, event);
      if (event.type === 'settled') settle(waiting, event);
    }
    if (commit.events?.length) refresh();
  });
  return {
    kind: 'core',
    client: null,
    core,
    on(event, fn) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(fn);
      return () => set.delete(fn);
    },
    status: () => status,
    message: () => localMessage(status),
    mutate(request) {
      const r = core.mutate(request);
      refresh();
      const entityId = request.id !== undefined ? String(request.id) : r.changes?.[request.collection]?.created?.[0];
      const value = entityId !== undefined ? core.get(request.collection, entityId) : undefined;
      if (!r.mutationId) return { value, mutationId: null, id: entityId, result: Promise.resolve({ status: 'unchanged' }) };
      const result = new Promise((resolve, reject) => waiting.set(r.mutationId, { resolve, reject }));
      result.catch(() => {});
      return { value, mutationId: r.mutationId, id: entityId, result };
    },
    refresh,
  };
}

function settle(waiting, event) {
  for (const id of event.mutationIds ?? []) {
    const waiter = waiting.get(id);
    if (!waiter) continue;
    waiting.delete(id);
    if (event.status === 'dead-letter') waiter.reject(new SyncError('REJECTED', event.message || 'the server refused the change'));
    else if (event.status === 'conflict') waiter.reject(Object.assign(new SyncError('CONFLICT', 'the change is in conflict and waits for a decision'), { conflictId: event.conflictId }));
    else waiter.resolve({ status: event.status, id: event.id, version: event.version });
  }
}

// The status of a core without a client: never connected; counts from the core. Returns `prev`
// itself when nothing changed.
function localStatus(core, prev) {
  const st = core.counts;
  if (prev && prev.pending === st.pending && prev.failed === st.deadLetters && prev.conflicts === st.conflicts) return prev;
  return { online: true, connected: false, syncing: false, pending: st.pending, failed: st.deadLetters, conflicts: st.conflicts,
    lastSyncAt: null, connection: 'offline', retryInMs: null, storage: 'none' };
}

function localMessage(s) {
  const plural = (n) => `${n} change${n === 1 ? '' : 's'}`;
  if (s.failed > 0) return `${plural(s.failed)} could not be saved`;
  if (s.conflicts > 0) return `${s.conflicts} conflict${s.conflicts === 1 ? '' : 's'} to resolve`;
  if (s.pending > 0) return `${plural(s.pending)} pending sync`;
  return 'All changes saved on this device';
}
