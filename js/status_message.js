// The one-line status an app can show as it is ("Offline — 3 changes will sync when connected").

/** @param {object} s a client's status */
export function statusMessage(s) {
  const n = s.pending;
  const changes = `${n} change${n === 1 ? '' : 's'}`;
  if (!s.online) return n > 0 ? `Offline — ${changes} will sync when connected` : 'Offline — changes will sync when connected';
  if (s.connection === 'auth-required') return 'Sign in again to sync';
  if (s.connection === 'reconnecting' && s.retryInMs !== null) return `Reconnecting in ${Math.max(1, Math.ceil(s.retryInMs / 1000))} s${n > 0 ? ` — ${changes} pending sync` : ''}`;
  if (!s.connected) return n > 0 ? `Connecting — ${changes} pending sync` : 'Connecting…';
  // A full resync replaces what this client holds: nothing is known to be synced until it ends.
  if (s.resyncing) return `Resynchronizing with the server${n > 0 ? ` — ${changes} pending sync` : '…'}`;
  if (s.failed > 0) return `${s.failed} change${s.failed === 1 ? '' : 's'} could not be saved`;
  // A parked conflict holds a local change back from the server: not "All changes synced".
  if (s.conflicts > 0) return `${s.conflicts} conflict${s.conflicts === 1 ? '' : 's'} to resolve`;
  // Server changes set aside (client.quarantined()): synced, but not all of them applied.
  const skipped = s.skipped > 0 ? ` — ${s.skipped} server change${s.skipped === 1 ? '' : 's'} skipped (see quarantined())` : '';
  if (n > 0) return `${changes} pending sync${skipped}`;
  return `All changes synced${skipped}`;
}
