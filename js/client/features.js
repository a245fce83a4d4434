// The client's features beside the core and its storage (js/client/client.js keeps those two and
// the effects runner), each wired through the client's ports, what a feature may ask of the
// client, never its members: the mutation history and the conflict decisions it records
// (docs/history.md), the storage estimate, the sink a transport reports to (inbound.js), auto
// sync, the device (network and page lifecycle), the routing of the core's events, and the
// app's listeners.
import { SyncError, ErrorCodes } from '../errors.js';
import { watchNetwork } from '../network.js';
import { watchPageLifecycle } from '../page_lifecycle.js';
import { CLIENT_EVENT_OF_CORE_EVENT, SettledStatus } from '../vocabulary.js';
import { settleWaiters } from './settle.js';
import { createInbound } from './inbound.js';
import { askForReference } from './references.js';
import { AutoSync } from './auto_sync.js';
import { MutationHistory } from './history.js';
import { StorageUsage } from './storage_usage.js';

/**
 * What a feature may ask of the client.
 * @typedef {object} ClientPorts
 * @property {object} core the SyncCore
 * @property {object} options createSyncClient's options
 * @property {(event: string, payload?: unknown) => void} emit an event to the app
 * @property {(patch: object) => void} setStatus
 * @property {(fn: () => unknown) => unknown} call a core call whose error becomes an error event
 * @property {() => boolean} closed
 * @property {() => object | null} transport the transport now (a tab changing roles swaps it)
 * @property {() => object} status the client's status
 * @property {() => void} nudge retry now + catch up + flush the outbox
 * @property {(event: string, fn: Function) => () => void} on the client's events
 * @property {(event: string) => boolean} watched whether an event has a listener now
 * @property {() => void} refreshCounts the status counts from the core's last commit
 */

/** Seed 004's audit trail, kept where the storage keeps it (`store`, or in memory). */
export function mutationHistory({ options, emit, watched }, store) {
  return new MutationHistory({ store, limit: options.historyLimit, now: () => Date.now(),
    changed: (entries) => emit('historyChanged', { entries }), watched: () => watched('historyChanged'),
    failed: (err) => emit('error', new SyncError(err?.code ?? 'STORAGE_FAILED', `the sync history could not be stored: ${err?.message ?? err}`)) });
}

/** status.storageUsage / status.storageQuota from navigator.storage.estimate(). */
export function storageUsage({ options, setStatus, closed }) {
  return new StorageUsage({ storageManager: options.storageManager, update: setStatus, closed, everyMs: options.storageEstimateMs ?? 5000 });
}

/** The sink a transport reports to; what it answers goes to the history and the sync round too. */
export function inbound({ core, call, emit, refreshCounts }, { status, runner, history, round }) {
  return createInbound({
    core,
    call,
    status,
    emit,
    runner,
    refreshCounts,
    observe: {
      answered: (batch, results) => history.answered(batch, results),
      disconnected: () => history.disconnected(),
      pulled: (changes) => round.pulledChanges(changes),
      completed: () => round.take(),
    },
  });
}

/** autoSyncEnabled / syncInterval / pauseWhenHidden: when the connection is open (auto_sync.js). */
export function autoSync({ options, transport, nudge, on, status, setStatus }) {
  return new AutoSync({
    options,
    document: options.document ?? globalThis.document,
    connect: () => transport()?.connect(),
    disconnect: () => transport()?.disconnect(),
    nudge,
    on,
    status,
    setStatus,
  });
}

/**
 * Parked conflicts decided (by anyone: a hook, core.resolveConflict, client.resolveConflicts):
 * their history entries are synced once the core's count of parked conflicts goes down, with the
 * side resolveConflicts chose where it chose one. One read of the parked list, only then.
 */
export class ConflictDecisions {
  constructor(core, history) {
    this._core = core;
    this._history = history;
    this._sides = new Map(); // conflict id -> the side resolveConflicts chose, until the history has it
    this._count = 0;
  }

  /** The core's count of parked conflicts now (at start). */
  start(count) {
    this._count = count;
  }

  /** resolveConflicts decided `id` for `side`. */
  decided(id, side) {
    this._sides.set(id, side);
  }

  /** A commit's count of parked conflicts (undefined: the commit did not say). */
  counted(conflicts) {
    if (conflicts === undefined) return;
    if (conflicts < this._count) {
      const open = new Set(this._core.conflicts().map((c) => c.id));
      this._history.conflictsDecided(open, this._sides);
      for (const id of this._sides.keys()) if (!open.has(id)) this._sides.delete(id);
    }
    this._count = conflicts;
  }
}

/**
 * What each core event (a commit's events) does: the history, the sync round and the waiting
 * mutation promises hear of it, and the app gets its event.
 * @returns {(event: object) => void}
 */
export function coreEventRouter({ emit, setStatus, transport }, { history, round, waiting }) {
  return (event) => {
    if (event.type === 'change-set-aside') {
      const err = new SyncError(event.code, `a server change to ${event.collection ?? '?'}/${event.id ?? '?'} was set aside: ${event.message}`);
      emit('error', Object.assign(err, { collection: event.collection, id: event.id, setAside: true }));
    } else if (event.type === 'resolver-failed') emit('error', event.error);
    else if (event.type === 'auth-required') {
      setStatus({ connection: 'auth-required' });
      emit('authRequired', event);
    } else if (event.type === 'settled') {
      history.settled(event);
      round.settled(event);
      emit('mutationSettled', event);
      if (event.status === SettledStatus.DEAD_LETTER) emit('syncFailed', event);
      settleWaiters(waiting, event);
    } else if (event.type === 'reference-needed') askForReference(transport(), event);
    else if (event.type === 'queued' || event.type === 'conflict') {
      if (event.type === 'queued') history.queued(event);
      else round.conflict();
      emit(CLIENT_EVENT_OF_CORE_EVENT[event.type], event);
    }
  };
}

/**
 * The device's side of the connection: the network as the device reports it (js/network.js),
 * unless the app went offline on purpose (goOffline), and the page's lifecycle (hidden: stored
 * writes hurry, js/page_lifecycle.js). Going online connects the transport when auto sync does.
 */
export class DeviceLink {
  constructor({ options, setStatus, emit, transport, nudge }, { autoSync: sync, runner }) {
    this._io = { options, setStatus, emit, transport, nudge, autoSync: sync, runner };
    this._forcedOffline = false;
    this._network = null;
    this._lifecycle = null;
  }

  /** Starts watching; returns whether the device is online. */
  start() {
    const { options, nudge, autoSync: sync, runner } = this._io;
    this._network = watchNetwork({
      window: options.window,
      document: options.document,
      onChange: (online) => {
        if (!this._forcedOffline || !online) this._set(online);
      },
      onWake: () => sync.enabled && nudge(), // not a round: only auto sync wakes
    });
    this._lifecycle = watchPageLifecycle({
      window: options.window,
      document: options.document,
      onHide: () => runner.urgent(true),
      onShow: () => runner.urgent(false),
    });
    return this._network.online;
  }

  /** Work offline on purpose: the socket closes, edits queue up. */
  goOffline() {
    this._forcedOffline = true;
    this._set(false);
  }

  /** Back from goOffline(), if the device itself is online. */
  goOnline() {
    this._forcedOffline = false;
    if (this._network?.online !== false) this._set(true);
  }

  stop() {
    this._network?.stop();
    this._lifecycle?.stop();
  }

  _set(online) {
    const { setStatus, emit, transport, autoSync: sync } = this._io;
    setStatus({ online });
    emit('networkStatusChanged', { online });
    const link = transport();
    if (!link) return;
    if (online) {
      if (sync.connects) link.connect();
      else setStatus({ connection: 'paused' });
    } else link.disconnect();
  }
}

/** The app's listeners, by event: a listener that throws stops neither the others nor the client. */
export class ClientEvents {
  constructor(names) {
    this._listeners = new Map(names.map((e) => [e, new Set()]));
  }

  /** Adds a listener of a known event; returns the function that removes it. */
  on(event, fn) {
    const set = this._listeners.get(event);
    if (!set) throw new SyncError(ErrorCodes.INVALID_ARGUMENT, `unknown event '${event}'`);
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Whether `event` has a listener now. */
  watched(event) {
    return (this._listeners.get(event)?.size ?? 0) > 0;
  }

  /** Calls each listener of `event` (those there when it starts); a throw is rethrown on a fresh stack. */
  emit(event, payload) {
    const listeners = this._listeners.get(event);
    if (listeners === undefined || listeners.size === 0) return; // most events of a write have none
    for (const fn of [...listeners]) {
      try {
        fn(payload);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
