// What one sync round did, for syncCompleted(result) (seed 003's SyncResult): counted from the
// last syncCompleted (or the start) to this one. pushed: mutations the server acknowledged;
// pulled: entities the server's changes created, updated or deleted here (not the echo of our
// own writes); conflicts: conflicts detected (whatever decided them); failed: mutations that went
// to the dead letters.
import { SettledStatus } from '../vocabulary.js';
import { changedCount } from '../change_lines.js';

const ACKED = 'acked';

export class SyncRound {
  constructor() {
    this._reset();
  }

  _reset() {
    this.pushed = 0;
    this.pulled = 0;
    this.conflicts = 0;
    this.failed = 0;
  }

  /** A core settled event. */
  settled(event) {
    const n = event.mutationIds?.length ?? 0;
    if (event.status === ACKED) this.pushed += n;
    else if (event.status === SettledStatus.DEAD_LETTER) this.failed += n;
  }

  /** A core conflict event. */
  conflict() {
    this.conflicts++;
  }

  /** What applyServerChanges changed: { collection: { created, updated, deleted } }. */
  pulledChanges(changes) {
    this.pulled += changedCount(changes); // the counts: no ids parsed for this (js/change_lines.js)
  }

  /** The counts so far; the next round starts at 0. */
  take() {
    const out = { pushed: this.pushed, pulled: this.pulled, conflicts: this.conflicts, failed: this.failed };
    this._reset();
    return out;
  }
}
