// The JS side's one home for the names the core and the wire use (stores, effects, events, error
// classes, statuses) and the tables between them. The core's names come from its C++ tables
// (src/vocabulary.hpp), generated into js/generated/vocabulary.js at build time; the client's own
// names (its events, the status fields a leader shares) live here.
import * as core from './generated/vocabulary.js';

/** The stores a persist effect writes to (the core's persisted record schema). */
export const STORE_NAMES = core.StoreNames;

/** Stores whose records are changes the server has not confirmed yet (lost if the database goes). */
export const UNSYNCED_STORES = Object.freeze([core.Store.Outbox, core.Store.DeadLetters, core.Store.Conflicts]);

/** The effects a commit carries: persist (durably first), then send and wake in order. */
export const EffectType = Object.freeze({
  PERSIST: core.EffectKind.Persist,
  SEND: core.EffectKind.Send,
  WAKE: core.EffectKind.Wake,
  SET_ASIDE: core.EffectKind.SetAside,
});

/** Every event a SyncClient emits (client.on(name, fn)). */
export const CLIENT_EVENTS = Object.freeze(['syncStarted', 'syncCompleted', 'syncFailed', 'operationQueued', 'conflictDetected',
  'storageQuotaExceeded', 'networkStatusChanged', 'authRequired', 'statusChanged', 'notification', 'error',
  'mutationSettled', 'storageEvent', 'remoteChanges', 'fileProgress', 'fileFailed']);

/** A core event's type -> the client event it becomes (where it becomes one by name alone). */
export const CLIENT_EVENT_OF_CORE_EVENT = Object.freeze({
  [core.EventType.Queued]: 'operationQueued',
  [core.EventType.Conflict]: 'conflictDetected',
  [core.EventType.Settled]: 'mutationSettled',
  [core.EventType.AuthRequired]: 'authRequired',
});

/** What a settled event says became of its mutations. */
export const SettledStatus = Object.freeze({ DEAD_LETTER: core.SettleStatus.DeadLetter, CONFLICT: core.SettleStatus.Conflict });

/**
 * Why the server refused a mutation (a push result's `class`): only `auth` pauses the queue; the
 * final ones (validation, forbidden, too-large) dead-letter it.
 */
export const ErrorClass = Object.freeze({
  TRANSIENT: core.ErrorClass.Transient,
  AUTH: core.ErrorClass.Auth,
  VALIDATION: core.ErrorClass.Validation,
  FORBIDDEN: core.ErrorClass.Forbidden,
  CONFLICT: core.ErrorClass.Conflict,
  STORAGE: core.ErrorClass.Storage,
  TOO_LARGE: core.ErrorClass.TooLarge,
});

/** A push result's status on the wire. */
export const PushStatus = Object.freeze({ OK: 'ok', CONFLICT: 'conflict', ERROR: 'error' });

/** The status fields a leader tab hands its followers (js/tabs/relay.js). */
export const SHARED_STATUS_FIELDS = Object.freeze(['online', 'connected', 'connection', 'retryInMs', 'syncing', 'resyncing', 'pending', 'failed', 'conflicts', 'skipped', 'lastSyncAt']);
