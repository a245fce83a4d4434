// The JS side's one home for the names the core and the wire use (stores, effects, events, error
// classes, statuses) and the tables between them. The core owns these names (src/); this file
// mirrors them until it is generated from the C++ tables.

/** The stores a persist effect writes to (the core's persisted record schema). */
export const STORE_NAMES = Object.freeze(['meta', 'entities', 'outbox', 'deadLetters', 'conflicts']);

/** Stores whose records are changes the server has not confirmed yet (lost if the database goes). */
export const UNSYNCED_STORES = Object.freeze(['outbox', 'deadLetters', 'conflicts']);

/** The effects a commit carries: persist (durably first), then send and wake in order. */
export const EffectType = Object.freeze({ PERSIST: 'persist', SEND: 'send', WAKE: 'wake', SET_ASIDE: 'set-aside' });

/** Every event a SyncClient emits (client.on(name, fn)). */
export const CLIENT_EVENTS = Object.freeze(['syncStarted', 'syncCompleted', 'syncFailed', 'operationQueued', 'conflictDetected',
  'storageQuotaExceeded', 'networkStatusChanged', 'authRequired', 'statusChanged', 'notification', 'error',
  'mutationSettled', 'storageEvent']);

/** A core event's type -> the client event it becomes (where it becomes one by name alone). */
export const CLIENT_EVENT_OF_CORE_EVENT = Object.freeze({
  queued: 'operationQueued',
  conflict: 'conflictDetected',
  settled: 'mutationSettled',
  'auth-required': 'authRequired',
});

/** What a settled event says became of its mutations. */
export const SettledStatus = Object.freeze({ DEAD_LETTER: 'dead-letter', CONFLICT: 'conflict' });

/**
 * Why the server refused a mutation (a push result's `class`): only `auth` pauses the queue; the
 * final ones (validation, forbidden, too-large) dead-letter it.
 */
export const ErrorClass = Object.freeze({
  TRANSIENT: 'transient',
  AUTH: 'auth',
  VALIDATION: 'validation',
  FORBIDDEN: 'forbidden',
  CONFLICT: 'conflict',
  STORAGE: 'storage',
  TOO_LARGE: 'too-large',
});

/** A push result's status on the wire. */
export const PushStatus = Object.freeze({ OK: 'ok', CONFLICT: 'conflict', ERROR: 'error' });

/** The status fields a leader tab hands its followers (js/tabs/relay.js). */
export const SHARED_STATUS_FIELDS = Object.freeze(['online', 'connected', 'connection', 'retryInMs', 'syncing', 'resyncing', 'pending', 'failed', 'conflicts', 'skipped', 'lastSyncAt']);
