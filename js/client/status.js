// A client's status ({ online, connected, syncing, pending, … }) and the one-line message an app
// can show for it, shared by the SyncClient and the React hooks (which also serve a bare core).

/** The status of a client that has not started syncing yet. */
export function initialStatus({ storage, storageWarning }) {
  return { online: true, connected: false, syncing: false, resyncing: false, pending: 0, unsaved: 0, failed: 0, conflicts: 0, skipped: 0,
    lastSyncAt: null, connection: 'offline', retryInMs: null, storage, storageWarning, storagePersisted: null, storageUsage: null, storageQuota: null, tab: null, caughtUp: false };
}

/**
 * The status a client shows, frozen; `onChange(status)` after each change. A follower tab's
 * client has an upstream (its leader's connection and counts), which the status shows too.
 */
export class ClientStatus {
  /**
   * @param {object} first
   * @param {(status: object) => void} onChange
   * @param {() => boolean} [watched] whether onChange has anyone to tell now: while it has not,
   *   changes are only noted and the frozen status is made when next read (the counts change on
   *   every write; a burst of 1,000 writes made 1,000 statuses nobody saw)
   */
  constructor(first, onChange, watched = () => true) {
    this._current = Object.freeze(first);
    this._unseen = null; // changes since _current was made, not told to anyone: { field: value }
    this._onChange = onChange;
    this._watched = watched;
    this._upstream = null;
  }

  /** The status now, frozen: the same object until it changes. */
  get current() {
    if (this._unseen !== null) {
      this._current = Object.freeze({ ...this._current, ...this._unseen });
      this._unseen = null;
    }
    return this._current;
  }

  /** The leader's status for a follower tab (js/tabs/), or null. */
  setUpstream(s) {
    this._upstream = s && typeof s === 'object' ? s : null;
  }

  /** Applies a patch; returns whether anything changed (then onChange ran). */
  set(patch) {
    const up = this._upstream;
    if (up) patch = { ...patch, connected: Boolean(up.connected), connection: up.connection ?? 'offline', retryInMs: up.retryInMs ?? null, syncing: Boolean(up.syncing) };
    let changed = false;
    // for-in, not Object.entries: the counts change on every write (no array per field).
    const unseen = this._unseen;
    for (const k in patch) {
      if (Object.hasOwn(patch, k) && (unseen !== null && Object.hasOwn(unseen, k) ? unseen[k] : this._current[k]) !== patch[k]) {
        changed = true;
        break;
      }
    }
    if (!changed) return false;
    if (!this._watched()) {
      this._unseen = unseen === null ? { ...patch } : Object.assign(unseen, patch);
      return true;
    }
    const next = Object.freeze({ ...this.current, ...patch });
    this._current = next;
    this._onChange(next);
    return true;
  }

  /**
   * The core's counts ({ pending, deadLetters, conflicts, setAside, resyncing }, as a commit
   * carries them) as status fields, with this client's own: unsaved, and whether its resync is
   * only a first sync (not shown as one).
   */
  setCounts(counts, { unsaved, firstSync }) {
    const up = this._upstream;
    this.set({ pending: counts.pending + (up?.pending ?? 0), unsaved, failed: counts.deadLetters + (up?.failed ?? 0), conflicts: counts.conflicts + (up?.conflicts ?? 0),
      // A follower sees the same server changes as its leader: the larger count, not the sum.
      skipped: Math.max(counts.setAside ?? 0, up?.skipped ?? 0),
      // A full resync under way (or cut off and to be started over): not synced, whatever else.
      resyncing: (Boolean(counts.resyncing) && !firstSync) || Boolean(up?.resyncing) });
  }
}

/** The one-line status an app can show as it is ("Offline — 3 changes will sync when connected"). */
export function statusMessage(s) {
  const n = s.pending;
  const changes = `${n} change${n === 1 ? '' : 's'}`;
  if (!s.online) return n > 0 ? `Offline — ${changes} will sync when connected` : 'Offline — changes will sync when connected';
  if (s.connection === 'auth-required') return 'Sign in again to sync';
  if (s.connection === 'reconnecting' && s.retryInMs !== null) return `Reconnecting in ${Math.max(1, Math.ceil(s.retryInMs / 1000))} s${n > 0 ? ` — ${changes} pending sync` : ''}`;
  // 'paused': autoSyncEnabled false between rounds (auto_sync.js): not connecting, and not a fault
  if (!s.connected && s.connection !== 'paused') return n > 0 ? `Connecting — ${changes} pending sync` : 'Connecting…';
  // A full resync replaces what this client holds: nothing is known to be synced until it ends.
  if (s.resyncing) return `Resynchronizing with the server${n > 0 ? ` — ${changes} pending sync` : '…'}`;
  // A push or a catch-up under way (seed 003's getStatusMessage: "Syncing…").
  if (s.syncing) return n > 0 ? `Syncing… — ${changes} pending sync` : 'Syncing…';
  if (s.failed > 0) return `${s.failed} change${s.failed === 1 ? '' : 's'} could not be saved`;
  // A parked conflict holds a local change back from the server: not "All changes synced".
  if (s.conflicts > 0) return `${s.conflicts} conflict${s.conflicts === 1 ? '' : 's'} to resolve`;
  // Server changes set aside (client.quarantined()): synced, but not all of them applied.
  const skipped = s.skipped > 0 ? ` — ${s.skipped} server change${s.skipped === 1 ? '' : 's'} skipped (see quarantined())` : '';
  if (n > 0) return `${changes} pending sync${skipped}`;
  return `All changes synced${skipped}`;
}

// ---- a bare core (no client, so never connected): the React hooks' status ----------------------

/** The status of a core without a client, from its counts; `prev` itself when nothing changed. */
export function coreOnlyStatus(counts, prev) {
  if (prev && prev.pending === counts.pending && prev.failed === counts.deadLetters && prev.conflicts === counts.conflicts) return prev;
  return { online: true, connected: false, syncing: false, pending: counts.pending, failed: counts.deadLetters, conflicts: counts.conflicts,
    lastSyncAt: null, connection: 'offline', retryInMs: null, storage: 'none' };
}

/** The message for a core without a client: nothing is ever synced, only saved on this device. */
export function coreOnlyStatusMessage(s) {
  const plural = (n) => `${n} change${n === 1 ? '' : 's'}`;
  if (s.failed > 0) return `${plural(s.failed)} could not be saved`;
  if (s.conflicts > 0) return `${s.conflicts} conflict${s.conflicts === 1 ? '' : 's'} to resolve`;
  if (s.pending > 0) return `${plural(s.pending)} pending sync`;
  return 'All changes saved on this device';
}
