// What a transport reports, turned into core calls and client status: the sink a transport is
// started with (transport.start(sink, session)). Wire shapes are read in js/protocol.js.
import { SyncError } from '../errors.js';
import { coreOpOfChange, coreOpsOfPushResults } from '../protocol.js';
import { answerReference } from './references.js';
import { applyInSlices } from './slices.js';

/**
 * @param {object} o
 * @param {object} o.core the SyncCore (read only: cursor, resyncState)
 * @param {(fn: () => unknown) => unknown} o.call a core call whose error becomes an error event
 *   (undefined then, or when the client is closed)
 * @param {import('./status.js').ClientStatus} o.status
 * @param {(event: string, payload: unknown) => void} o.emit
 * @param {import('./effects_runner.js').EffectsRunner} o.runner its batches in flight
 * @param {() => void} o.refreshCounts the status counts, after the upstream changed
 * @param {object} [o.observe] what else wants to know: answered(batch, results), disconnected(),
 *   pulled(changes) (what server changes changed here), completed() -> the round's counts
 */
export function createInbound({ core, call, status, emit, runner, refreshCounts, observe = {} }) {
  let serverEpoch = '';
  let firstSync = false;

  const maybeCompleted = () => {
    if (runner.inFlight === 0 && status.current.pending === 0) emit('syncCompleted', { ...observe.completed?.(), lastSyncAt: status.current.lastSyncAt });
  };

  const sink = {
    // Answers { resync: true } when the client must not trust its cursor (docs/protocol.md,
    // "Full resync"): the server's database has another epoch, or is behind our cursor, or a
    // resync was cut off (persisted by the core). The transport then catches up from 0.
    connected: (welcome) => {
      // The server's limits size every push from now on (a batch it would refuse loops forever).
      if (welcome?.limits && typeof welcome.limits === 'object') call(() => core.setServerLimits(welcome.limits));
      // Every welcome starts a catch-up (the transport asks for changes next): "Syncing…" until caughtUp.
      status.set({ connected: true, connection: 'connected', retryInMs: null, syncing: true });
      serverEpoch = typeof welcome?.epoch === 'string' ? welcome.epoch : '';
      const { epoch, resyncing } = core.resyncState;
      const otherEpoch = serverEpoch !== '' && serverEpoch !== epoch;
      // A server that names its epoch speaks this protocol: its cursor behind ours means it lost
      // changes we saw. (Without an epoch the cursor alone is not trusted to mean that.)
      const behind = serverEpoch !== '' && Number.isInteger(welcome?.cursor) && welcome.cursor < core.cursor;
      if (!(otherEpoch || behind || resyncing)) return { resync: false };
      // A client that never synced (no epoch, cursor 0) catches up from 0 anyway: it runs as a
      // resync only so that the epoch is stored at its end, and is not shown as one.
      firstSync = epoch === '' && !resyncing && core.cursor === 0;
      return { resync: call(() => core.beginResync()) !== undefined };
    },
    // The server answered a catch-up with reset: true (our cursor is older than its horizon).
    resyncStarted: () => call(() => core.beginResync()) !== undefined,
    // The last chunk of a full resync is applied: what it did not bring is gone.
    resyncFinished: (cursor) => {
      const ok = call(() => core.finishResync({ cursor: Number.isInteger(cursor) ? cursor : 0, epoch: serverEpoch })) !== undefined;
      if (ok) firstSync = false;
      return ok;
    },
    caughtUp: () => {
      // Push only once caught up: base versions are then current, so fewer conflicts.
      call(() => core.setOnline(true));
      status.set({ lastSyncAt: Date.now(), connection: 'connected', caughtUp: true, syncing: runner.inFlight > 0 });
      maybeCompleted();
    },
    disconnected: () => {
      observe.disconnected?.();
      runner.forgetInFlight();
      call(() => core.setOnline(false));
      status.set({ connected: false, syncing: false });
    },
    deliver: (changes, cursor) => {
      // Change by change: one the core refuses is set aside (kept in the quarantine, reported),
      // the rest apply, and the cursor passes only changes applied or set aside.
      const applied = call(() => core.applyServerChanges(changes.map(coreOpOfChange), Number.isInteger(cursor) ? { cursor } : {}));
      const ok = applied !== undefined;
      if (ok) status.set({ lastSyncAt: Date.now() });
      // What the view changed through the server (not the echo of our own writes): React's log.
      if (ok) observe.pulled?.(applied.changes);
      if (ok && Object.keys(applied.changes ?? {}).length > 0) emit('remoteChanges', { changes: applied.changes, cursor: applied.cursor });
      return ok;
    },
    // A catch-up chunk in slices between which the page runs (js/client/slices.js): the cursor
    // goes with the last slice only. A boolean when it fits one slice, else a promise of one;
    // stop() -> true ends it between slices (its connection is gone).
    deliverInSlices: (changes, cursor, { stop } = {}) =>
      applyInSlices(changes, (slice, last) => sink.deliver(slice, last ? cursor : undefined), { stop }),
    answer: (batch, results) => {
      runner.answered(batch);
      call(() => core.applyServer(coreOpsOfPushResults(results)));
      observe.answered?.(batch, results);
      status.set({ lastSyncAt: Date.now(), syncing: runner.inFlight > 0 });
      maybeCompleted();
    },
    status: (s) => {
      status.set({ connection: s.state, retryInMs: s.retryInMs ?? null });
    },
    // The answer to a fetch of a referenced entity (js/client/references.js).
    fetched: (result) => answerReference(core, call, result),
    notification: (n) => emit('notification', n),
    authRequired: (message) => {
      status.set({ connection: 'auth-required' });
      emit('authRequired', { message });
    },
    error: (e) => emit('error', new SyncError(e.code ?? 'TRANSPORT', e.message ?? '')),
    // A transport in front of another client (a follower tab's, js/tabs/): its status is ours.
    upstream: (s) => {
      status.setUpstream(s);
      refreshCounts();
      status.set({});
    },
  };
  return {
    sink,
    /** A first sync running as a resync (only to store the epoch): not shown as one. */
    get firstSync() {
      return firstSync;
    },
  };
}
