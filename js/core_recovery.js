// SyncCore's API for what outlives a write: the outbox's queue control and dead letters, parked
// conflicts and custom resolvers, persistence (export, chunked restore) and the full resync.
// These are SyncCore's own methods, kept in a file of their own by concern: js/core.js installs
// them on SyncCore.prototype, so `this` is the SyncCore and they call its crossing helpers
// (_live, _commit, _value, _now) as every other method does.
import { SyncError, ErrorCodes } from './errors.js';
import { deepFreeze } from './snapshots.js';
import { toJson, requireName } from './args.js';
import { RestoreSession, RESTORE_CHUNK_CHARS } from './stored_restore.js';

export class CoreRecoveryApi {
  pendingMutations() {
    return deepFreeze(this._value(this._live().pendingMutations()));
  }

  deadLetters() {
    return deepFreeze(this._value(this._live().deadLetters()));
  }

  /**
   * Takes back a mutation not yet sent (docs/queue_control.md): its settled events ('cancelled')
   * name every mutation that went. Throws NOT_FOUND, or ALREADY_SENT once it may be on the server.
   */
  cancelMutation(mutationId) {
    return this._commit(this._live().cancelMutation(String(mutationId), this._now()));
  }

  /** Takes back every mutation not yet sent; its settled events name them. */
  clearQueue() {
    return this._commit(this._live().clearQueue(this._now()));
  }

  retryDeadLetter(seq) {
    return this._commit(this._live().retryDeadLetter(seq, this._now()));
  }

  editDeadLetter(seq, payload) {
    return this._commit(this._live().editDeadLetter(seq, toJson(payload, 'payload'), this._now()));
  }

  discardDeadLetter(seq) {
    return this._commit(this._live().discardDeadLetter(seq, this._now()));
  }

  /** Parked conflicts, each with base, local and remote values; resolving: an async resolver is deciding it. */
  conflicts() {
    const list = this._value(this._live().conflicts());
    for (const c of list) c.resolving = this._resolvers.isRunning(c.id);
    return deepFreeze(list);
  }

  /** resolution: { choice: 'local' | 'remote' | 'merged', value? } */
  resolveConflict(id, resolution) {
    requireName(id, 'conflict id');
    const checked = this._checkMerged(id, resolution);
    return this._commit(this._live().resolveConflict(id, toJson(checked, 'resolution'), this._now()));
  }

  // A merged value is a local write too: its collection's schema checks it (VALIDATION).
  _checkMerged(id, resolution) {
    if (!this._schemas.any() || resolution?.choice !== 'merged' || resolution.value === null || typeof resolution.value !== 'object') return resolution;
    const parked = this.conflicts().find((c) => c.id === id);
    if (!parked || !this._schemas.has(parked.collection)) return resolution;
    return { ...resolution, value: this._schemas.checkEntity(parked.collection, parked.entityId, resolution.value) };
  }

  /**
   * fn({ collection, id, base, local, remote, localPatch, localKind }) returns the merged entity
   * (a plain object; its id field is filled in when left out), null to delete, or undefined to park
   * the conflict for the app. A Promise of one of those parks the conflict until it settles, then
   * resolves it (choice 'merged'). A throwing fn, a rejected promise or any other value parks it
   * and is reported: a 'resolver-failed' event (options.onEvent; a client's 'error' event), else
   * options.onListenerError.
   */
  setCustomResolver(collection, fn) {
    requireName(collection, 'collection');
    if (fn !== null && fn !== undefined && typeof fn !== 'function')
      throw new SyncError(ErrorCodes.WRONG_TYPE, 'a resolver is a function');
    // Never throws into wasm: every failure becomes "cannot decide".
    this._value(this._live().setCustomResolver(collection, fn ? this._resolvers.wrap(collection, fn) : undefined));
    return this;
  }

  /** @internal A resolver that failed: its conflict stays parked; the app is told (js/commit_listeners.js). */
  _resolverFailed(err, where) {
    this._listeners.resolverFailed(err, where, { cursor: this._cursor, counts: () => this.counts });
  }

  /** Every durable record, as the persist effects wrote them. */
  exportRecords() {
    return this._value(this._live().exportRecords());
  }

  /**
   * Restores in chunks, record by record: restoreBegin() on a fresh core, restoreAdd(records) as
   * often as needed (each record crosses as its own JSON text, so none fails another), then
   * restoreFinish({ entitiesLost }). Records the core refuses come back in the finish's events as
   * { type: 'record-refused', index, store, key, code, message } (index: the order added); the
   * rest restore. A refused entity record (or entitiesLost) resets the cursor to 0, persisted.
   * Records that cannot be written as JSON at all are refused here, in the same events.
   */
  restoreBegin() {
    this._value(this._live().restoreBegin());
    this._restoring = new RestoreSession((text) => this._value(text)); // js/stored_restore.js
    this._counts = null;
  }

  /**
   * records: an array of { store, key, value }, sent into wasm in chunks of at most chunkChars
   * characters of JSON text (one record over it goes alone). Returns how many were added so far.
   */
  restoreAdd(records, { chunkChars = RESTORE_CHUNK_CHARS } = {}) {
    if (!Array.isArray(records)) throw new SyncError(ErrorCodes.WRONG_TYPE, 'records must be an array');
    if (!this._restoring) throw new SyncError(ErrorCodes.INVALID_ARGUMENT, 'no restore under way: call restoreBegin first');
    return this._restoring.add(this._live(), records, chunkChars);
  }

  restoreFinish({ entitiesLost = false } = {}) {
    const finishing = RestoreSession.finishing(this._restoring, entitiesLost);
    this._restoring = null;
    return this._commit(this._live().restoreFinish(finishing.entitiesLost), finishing.adjust);
  }

  /** Rebuilds this (fresh) core from persisted records. */
  restore(records) {
    if (!Array.isArray(records)) throw new SyncError(ErrorCodes.WRONG_TYPE, 'records must be an array');
    return this._commit(this._live().restore(toJson(records, 'records')));
  }

  /**
   * A restarted client's own block of numbers: mutation ids, outbox keys, temp ids and conflict
   * ids jump past everything the last run may have issued without storing it. The commit's
   * persist effect stores the block; store it before the first mutation.
   */
  reserveIdBlock() {
    return this._commit(this._live().reserveIdBlock());
  }

  // ---- full resync (docs/protocol.md, "Full resync") --------------------------------------------

  /**
   * Starts (or starts over) a full resync: until finishResync, server changes are the server's
   * word (versions taken even when lower) and the cursor stays. Persisted: after a restart
   * `resyncing` is still true and the resync must be begun again from cursor 0.
   */
  beginResync() {
    return this._commit(this._live().beginResync(this._now()));
  }

  /**
   * Ends a full resync in one commit: confirmed entities it did not bring are removed
   * (subscribers told, pending edits rebased on the removal), the cursor becomes the server's
   * (even if lower) and the epoch is stored.
   */
  finishResync({ cursor, epoch = '' } = {}) {
    if (!(Number.isInteger(cursor) && cursor >= 0)) throw new SyncError(ErrorCodes.WRONG_TYPE, 'cursor must be a non-negative integer');
    if (typeof epoch !== 'string') throw new SyncError(ErrorCodes.WRONG_TYPE, 'epoch must be a string');
    return this._commit(this._live().finishResync(cursor, epoch, this._now()));
  }

  /** The server's epoch as of the last full resync ('' before any), and whether one is under way. */
  get resyncState() {
    const s = this.stats();
    return { epoch: s.epoch ?? '', resyncing: Boolean(s.resyncing) };
  }
}
