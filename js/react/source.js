// One "source" per client (or bare core): what the hooks need from either, behind one shape —
// the core, events under the client's names, a frozen status and mutations with a result promise.
// Shared by every provider and hook of that client or core (a WeakMap), so events are wired once.
import { CLIENT_EVENT_OF_CORE_EVENT } from '../vocabulary.js';
import { startMutation, settleWaiters } from '../client/settle.js';
import { coreOnlyStatus, coreOnlyStatusMessage } from '../client/status.js';
import { changedCount } from '../change_lines.js';

const sources = new WeakMap();

/**
 * @internal Whether a commit's changes ({ collection: { created, updated, deleted } }) name any
 * entity: from the counts, no id parsed for it (js/change_lines.js).
 */
export function hasChanges(changes) {
  return changedCount(changes) > 0;
}

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
    // What the server changed (the client's 'remoteChanges'): fn(changes), changes per collection.
    onRemoteChanges: (fn) => client.on('remoteChanges', (e) => fn(e.changes)),
    // The client's counts (status.failed, status.conflicts) follow every commit of its core, the
    // outbox and conflict actions of the hooks too.
    refresh: () => {},
  };
}

// Without a client nothing turns the core's events into client events, so this does: it listens
// to the core's commits (once per core), and keeps a local status.
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
  let status = Object.freeze(coreOnlyStatus(core.counts, null));
  const refresh = () => {
    let next;
    try {
      next = coreOnlyStatus(core.counts, status);
    } catch {
      return; // disposed
    }
    if (next === status) return;
    status = Object.freeze(next);
    emit('statusChanged', status);
  };
  core.onCommit((commit) => {
    for (const event of commit.events ?? []) {
      const name = CLIENT_EVENT_OF_CORE_EVENT[event.type];
      if (name) emit(name, event);
      if (event.type === 'settled') settleWaiters(waiting, event);
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
    message: () => coreOnlyStatusMessage(status),
    // Without a client the app feeds server data itself (applyServer, load): a commit that changed
    // entities and carries no mutation nor event of the outbox is taken as such a change.
    onRemoteChanges: (fn) => core.onCommit((commit) => {
      if (commit.mutationId || commit.events?.length || !hasChanges(commit.changes)) return;
      fn(commit.changes);
    }),
    mutate(request) {
      const handle = startMutation(core, request, waiting);
      refresh();
      return handle;
    },
    refresh,
  };
}
