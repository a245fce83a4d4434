// syncore/sw: background sync (docs/background_sync.md).
import type { CreateSyncClientOptions, IndexedDbStorageOptions, SyncClient } from '../index.js';

export const BACKGROUND_SYNC_TAG: 'syncore-outbox';
export const PERIODIC_SYNC_TAG: 'syncore-periodic';
/** A page posts { type: FLUSH_MESSAGE } to the worker to flush now; the worker answers { type: FLUSHED_MESSAGE, result }. */
export const FLUSH_MESSAGE: 'syncore:flush';
export const FLUSHED_MESSAGE: 'syncore:flushed';

/** Web Locks as navigator.locks offers them (what flushOutbox uses of it). */
export interface WebLocks {
  request<T>(name: string, options: { signal?: AbortSignal; ifAvailable?: boolean }, callback: (lock: unknown) => T | Promise<T>): Promise<T>;
}

export interface FlushOutboxOptions
  extends Omit<CreateSyncClientOptions, 'storage' | 'token' | 'tabs' | 'autoSyncEnabled' | 'syncInterval' | 'pauseWhenHidden' | 'syncTimeoutMs' | 'transport'> {
  /** The sync server the pages use (ws:// or wss://). */
  url: string | URL;
  /** The pages' database: the same name (and userId) they use ['syncore']. */
  storage?: IndexedDbStorageOptions;
  /** The token, or a function that finds one (the worker has no page to ask). */
  token?: string | (() => string | undefined | Promise<string | undefined>);
  /** [navigator.locks] */
  locks?: WebLocks;
  /** How long to wait for the leader lock a page holds before giving up ('tab-leads') [3000]. */
  lockWaitMs?: number;
  /** How long the flush may take before it gives up ('timeout'; the outbox keeps what was not acknowledged) [60000]. */
  timeoutMs?: number;
}

export interface FlushResult {
  /**
   * flushed: everything was acknowledged and stored; nothing-pending; no-database (no page ever
   * stored anything); tab-leads: a page holds the leader lock and sends itself; timeout, offline,
   * auth-required: not everything was sent (the `sync` event then fails: the browser retries);
   * error: the flush threw (`error`).
   */
  outcome: 'flushed' | 'nothing-pending' | 'no-database' | 'tab-leads' | 'timeout' | 'offline' | 'auth-required' | 'closed' | 'error';
  completed: boolean;
  /** Mutations acknowledged by this flush. */
  pushed?: number;
  /** Still in the outbox (null when the flush did not open it). */
  pending?: number | null;
  /** Dead letters in the outbox. */
  failed?: number | null;
  clientId?: string;
  error?: unknown;
}

export interface BackgroundSyncResult extends FlushResult {
  trigger: 'sync' | 'periodicsync' | 'message' | 'call';
  /** This event came while another flush ran and shares its result. */
  shared?: boolean;
}

export interface InstallBackgroundSyncOptions extends FlushOutboxOptions {
  /** [self] */
  scope?: EventTarget;
  /** [BACKGROUND_SYNC_TAG] */
  tag?: string;
  /** [PERIODIC_SYNC_TAG] */
  periodicTag?: string;
  onResult?: (result: BackgroundSyncResult) => void;
}

/** Sends what the pages' outbox holds, under the leader tab's Web Lock; never beside a page that leads. */
export function flushOutbox(options: FlushOutboxOptions): Promise<FlushResult>;

/** In a (module) Service Worker's top-level code: flush on `sync`, `periodicsync` and the flush message. */
export function installBackgroundSync(options: InstallBackgroundSyncOptions): { flush(): Promise<BackgroundSyncResult> };

export interface RequestBackgroundSyncOptions {
  tag?: string;
  serviceWorker?: ServiceWorkerContainer;
  window?: EventTarget | null;
  document?: (EventTarget & { visibilityState?: string }) | null;
}

/**
 * In a page: register the worker's sync tag when a change is queued while not connected, and when
 * the page hides or goes away with changes pending. stop() removes the listeners.
 */
export function requestBackgroundSync(
  client: SyncClient<any>,
  options?: RequestBackgroundSyncOptions,
): { readonly supported: boolean; readonly registrations: number; stop(): void };

/** Periodic Background Sync where the browser allows it (Chromium: an installed app with engagement). */
export function requestPeriodicSync(options?: { tag?: string; minInterval?: number; serviceWorker?: ServiceWorkerContainer }): Promise<'registered' | 'denied' | 'unsupported'>;
