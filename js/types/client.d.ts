// The sync client: createSyncClient's options, its status and events, collection handles,
// mutation handles, and the SyncClient interface.
// Part of the declarations of js/index.d.ts (which re-exports every one of them).
import type { AnyCollectionTypes, CollectionMap, CollectionName, CollectionTypesOf, CollectionsOption, CreateData, Explicit, HasCollectionTypes, PatchData, RowOf, TypedQuery, TypesIn, TypesOfEntity, UpdateData } from '../collection_types.js';
import type { CollectionChanges, SyncEvent } from './commits.js';
import type { CoreStats, CreateSyncCoreOptions, SyncCore } from './core.js';
import type { ClientConfig, CollectionOptions, Entity, Id, MutationOptions, MutationRequest } from './data.js';
import type { Files, FilesOptions } from './files.js';
import type { BatchResolveReport, ConflictFilter, ConflictRule, HistoryEntry, HistoryFilter } from './history.js';
import type { LiveQuery } from './query.js';
import type { EvictionReport, IndexedDbStorageOptions, QuarantinedRecord, Storage, StorageWarning } from './storage.js';
import type { Transport, WebSocketTransportOptions } from './transport.js';

export interface ClientCollectionOptions extends CollectionOptions {
  /** Dotted fields never written to IndexedDB (kept in memory only). */
  sensitiveFields?: readonly string[];
}

/** How a sync round ended (client.sync()). */
export interface SyncRoundResult {
  completed: boolean;
  /** Why it did not complete. */
  reason?: 'offline' | 'auth-required' | 'timeout' | 'closed' | 'no-transport';
}

export interface CreateSyncClientOptions<C extends CollectionsOption = CollectionsOption> extends Omit<CreateSyncCoreOptions, 'collections' | 'client'> {
  /** ws:// or wss:// URL of a sync server (docs/protocol.md); or pass a transport. */
  url?: string | URL;
  transport?: Transport;
  /** name -> options: {}, collection<Todo>(), or { schema } (the types of client.collection(name) and the hooks). */
  collections: C;
  /** 'indexeddb' (browser default), 'memory' (Node default), IndexedDbStorageOptions, or a Storage. */
  storage?: 'indexeddb' | 'memory' | IndexedDbStorageOptions | Storage;
  /** Sent in hello (never in the URL). */
  token?: string;
  /**
   * The signed-in user. Local data and the client id belong to one user: with a userId the
   * IndexedDB database is that user's own (`<name>:user:<userId>`, and so are its client id,
   * outbox and multi-tab election). A Storage object passed in is the app's to keep apart.
   */
  userId?: string;
  client?: ClientConfig;
  websocket?: Omit<WebSocketTransportOptions, 'url'>;
  WebSocket?: unknown;
  batchTimeoutMs?: number;
  /**
   * Seed 003's autoSyncEnabled [true]: connected whenever the device is online, every change sent
   * at once. false: the connection opens only for a round (client.sync() or a syncInterval tick)
   * and closes after it; between rounds edits wait in the outbox and nothing is pulled.
   */
  autoSyncEnabled?: boolean;
  /** Seed 003's syncInterval: a sync round (push + catch-up) every this many ms [0: none]. */
  syncInterval?: number;
  /** No syncInterval rounds while document.hidden; back in sight, an overdue round runs at once [false]. */
  pauseWhenHidden?: boolean;
  /** A round that has not completed by then resolves { completed: false, reason: 'timeout' } [30000]. */
  syncTimeoutMs?: number;
  /** First delay before a failed storage write is retried (doubling to 30 s). Default 1000. */
  storageRetryMs?: number;
  /**
   * Bounds of the group commit (docs/storage.md): with IndexedDB a group of commits goes to storage
   * once it holds `maxRecords` records [250] or its oldest commit has waited `maxDelayMs` [20],
   * even while an earlier write is under way.
   */
  groupCommit?: { maxRecords?: number; maxDelayMs?: number };
  /**
   * A monotonic clock [performance.now]. The core's time follows `now` (wall time) as it moves
   * forwards and never runs backwards: across a step back of the wall clock it moves on by the
   * time elapsed on this clock instead, so a wall clock set back does not stall a retry.
   */
  monotonicNow?: () => number;
  /**
   * Ask for persistent storage (navigator.storage.persist()) when storing in IndexedDB, so the
   * browser does not evict pending changes. Default true; false only reads persisted().
   * Firefox may show the user a prompt.
   */
  persistStorage?: boolean;
  /** Where navigator.storage is read from [globalThis.navigator]. */
  navigator?: { storage?: { persisted?(): Promise<boolean>; persist?(): Promise<boolean>; estimate?(): Promise<{ usage?: number; quota?: number }> } };
  /** Settled mutations client.history() keeps (in storage, across restarts); the oldest go first. Default 2000. */
  historyLimit?: number;
  /** status.storageUsage / storageQuota are refreshed after stored commits at most this often. Default 5000 ms. */
  storageEstimateMs?: number;
  window?: EventTarget;
  document?: EventTarget & { visibilityState?: string };
  /**
   * Attachments (docs/files.md): client.files. `true` or options; the file metadata syncs in the
   * collection `syncore_files` and the bytes upload to the sync server's file endpoints.
   */
  files?: boolean | FilesOptions;
  /** Seed 003's storageQuotaMB: the space local files may take (see FilesOptions.storageQuotaMB). */
  storageQuotaMB?: number;
  /**
   * Multi-tab (docs/multitab.md): the tabs of one origin share one outbox through one leader tab.
   * On by default in the browser when the client makes its own WebSocket (`url`), stores in
   * IndexedDB and BroadcastChannel exists; `false` turns it off; `true` or options turn it on
   * elsewhere (Node tests).
   */
  tabs?: boolean | MultiTabOptions;
}

export interface MultiTabOptions {
  /** Web Locks to elect the leader [navigator.locks]; null: use the BroadcastChannel election. */
  locks?: unknown | null;
  BroadcastChannel?: unknown;
  /** Heartbeat of the BroadcastChannel election [1000 ms]; a leader is presumed gone after 3. */
  heartbeatMs?: number;
  /** How often a follower without a leader says hello again [1000 ms]. */
  helloRetryMs?: number;
  /** How long close() in a follower tab waits for the leader to acknowledge its edits [2000 ms];
   * then it rejects with UNSAVED_CHANGES naming the rest (err.mutationIds). */
  closeTimeoutMs?: number;
  /** A leader that starts adopts the spool (unacknowledged edits kept in the shared database) of a
   * follower tab that has not said hello by then: that tab is gone [2 × helloRetryMs]. The
   * adopted edits settle in the leader's engine (`mutationSettled` with `adoptedFrom`). */
  adoptAfterMs?: number;
  /** Where `freeze` / `resume` are heard [document]; `pagehide` / `pageshow` on `window`. */
  document?: EventTarget;
  window?: EventTarget;
}

/** 'leader': this tab owns the socket and the shared outbox; 'follower': it forwards to the leader. */
export type TabRole = 'leader' | 'follower';

export interface SyncStatus {
  online: boolean;
  connected: boolean;
  syncing: boolean;
  /** A full resync is under way (the server's database changed, or this client is older than its horizon). */
  resyncing: boolean;
  pending: number;
  /** Accepted mutations not yet stored locally: a reload or crash now would lose them. */
  unsaved: number;
  failed: number;
  conflicts: number;
  /** Server changes set aside as unusable (see quarantined(), store 'changes'): not applied. */
  skipped: number;
  lastSyncAt: number | null;
  /** 'paused': autoSyncEnabled false, between two rounds. */
  connection: 'offline' | 'connecting' | 'catching-up' | 'connected' | 'reconnecting' | 'auth-required' | 'paused';
  retryInMs: number | null;
  /** 'indexeddb', 'memory' (also when IndexedDB is unavailable), or a custom storage's kind. */
  storage: string;
  /** Multi-tab role; null when multi-tab is off. A follower's connection and counts are the leader's. */
  tab: TabRole | null;
  /** A storage problem to show: a failing write first, then a lasting one. null when none. */
  storageWarning: StorageWarning | null;
  /**
   * Whether the browser keeps this origin's storage persistent (not evicted under pressure).
   * null: unknown, or not IndexedDB. Set shortly after start (the request is asynchronous).
   */
  storagePersisted: boolean | null;
  /** The client has caught up with the server at least once since it started. */
  caughtUp: boolean;
  /** navigator.storage.estimate()'s usage in bytes (IndexedDB only); null where there is no estimate. */
  storageUsage: number | null;
  /** navigator.storage.estimate()'s quota in bytes; null where there is no estimate. */
  storageQuota: number | null;
}

/** syncCompleted's payload: what the round since the last one did. */
export interface SyncCompletedResult {
  lastSyncAt: number | null;
  /** Mutations the server acknowledged. */
  pushed: number;
  /** Entities the server's changes created, updated or deleted here. */
  pulled: number;
  /** Conflicts detected (parked or decided by their strategy). */
  conflicts: number;
  /** Mutations that went to the dead letters. */
  failed: number;
}

/** storageQuotaExceeded's payload. */
export interface StorageQuotaExceededEvent {
  message: string;
  attempt: number;
  /** navigator.storage.estimate() right after the refusal; null where there is none. */
  usage: number | null;
  quota: number | null;
}

export interface MutationHandle<T extends object = Entity> {
  /** The optimistic value, at once. */
  value: T | undefined;
  mutationId: string | null;
  id?: string;
  /** Settled by the server: resolves { status, id, version }; rejects (REJECTED / CONFLICT / TOO_LARGE / EXPIRED / REFERENCE_FAILED / REFERENCE_MISSING). */
  result: Promise<{ status: 'acked' | 'overridden' | 'merged' | 'cancelled' | 'unchanged'; id?: string; version?: number }>;
  /** client.cancel(mutationId) for this mutation ([] if it changed nothing). */
  cancel(): Promise<string[]>;
}

/** One collection: T the entity as read, C its types (what writes take). */
export interface CollectionHandle<T extends object = Entity, C extends AnyCollectionTypes = TypesOfEntity<T>> {
  readonly name: string;
  get(id: Id): T | undefined;
  list(): T[];
  count(): number;
  query(spec?: TypedQuery<T>): LiveQuery<T>;
  subscribe(listener: (changes: CollectionChanges) => void): () => void;
  subscribeEntity(id: Id, listener: (entity: T | undefined) => void): () => void;
  /** The entity without the fields the server fills in; the id may be left out. A schema's refusal throws VALIDATION. */
  create(data: CreateData<C>, options?: MutationOptions & { id?: Id }): MutationHandle<T>;
  /** The whole edited entity: fields left out are removed. */
  update(id: Id, data: UpdateData<C>, options?: MutationOptions): MutationHandle<T>;
  /** A deep partial (JSON merge patch): null removes an optional field. */
  patch(id: Id, patch: PatchData<C>, options?: MutationOptions): MutationHandle<T>;
  delete(id: Id, options?: MutationOptions): MutationHandle<T>;
}

export type ClientEvent =
  | 'syncStarted' | 'syncCompleted' | 'syncFailed' | 'operationQueued' | 'conflictDetected'
  | 'storageQuotaExceeded' | 'networkStatusChanged' | 'authRequired' | 'statusChanged'
  | 'notification' | 'error' | 'mutationSettled' | 'storageEvent'
  /** Entities the server changed in this client's view: { changes: { [collection]: { created, updated, deleted } }, cursor }. */
  | 'remoteChanges'
  /** A file's transfer progressed: FileProgress. */
  | 'fileProgress'
  /** A file's transfer failed for good: { fileId, direction, error: SyncError }. */
  | 'fileFailed'
  /** client.history() changed: { entries: HistoryEntry[] } (those that changed), once per turn. */
  | 'historyChanged';

/** M: collection name -> its types (from createSyncClient's collections); SyncClient without one is any client (its reads untyped). */
export interface SyncClient<M extends CollectionMap = any> extends HasCollectionTypes<M> {
  readonly core: SyncCore<M>;
  readonly status: Readonly<SyncStatus>;
  /** Typed by the collection's definition; a type argument (collection<Todo>('todos')) types it instead. */
  collection<K extends CollectionName<M>>(name: K): CollectionHandle<RowOf<TypesIn<M, K>>, TypesIn<M, K>>;
  collection<T extends object = never>(name: Explicit<T, CollectionName<M>>): CollectionHandle<T>;
  mutate(request: MutationRequest): MutationHandle;
  /**
   * Takes back a mutation not yet sent (docs/queue_control.md): rolled back in the view at once,
   * settled 'cancelled' (with every mutation folded into it, and after a create or delete the
   * entity's later ones). Resolves with their ids once stored; rejects NOT_FOUND, or ALREADY_SENT
   * once it may be on the server (nothing changes then).
   */
  cancel(mutationId: string): Promise<string[]>;
  /** Takes back every mutation not yet sent; resolves with their ids (each a 'mutationSettled' event too). */
  clearQueue(): Promise<string[]>;
  statusMessage(): string;
  /**
   * 'ready' once the collection is loaded: caught up with the server since start, or storage held
   * its data at start, or there is no server; 'loading' until then ('statusChanged' tells).
   */
  collectionStatus(name: string): 'loading' | 'ready';
  on(event: 'syncCompleted', listener: (result: SyncCompletedResult) => void): () => void;
  on(event: 'storageQuotaExceeded', listener: (event: StorageQuotaExceededEvent) => void): () => void;
  on(event: 'historyChanged', listener: (event: { entries: HistoryEntry[] }) => void): () => void;
  on(event: ClientEvent, listener: (payload: any) => void): () => void;
  /**
   * "Sync now": one round — reconnect or catch up, and flush the outbox (with autoSyncEnabled
   * false, the only way anything is sent). Resolves once caught up with nothing pending; never rejects.
   */
  sync(): Promise<SyncRoundResult>;
  /** This client's mutations in seed 004's words, newest first: the outbox's, then the last historyLimit settled ones. */
  history(filter?: HistoryFilter): readonly HistoryEntry[];
  /** Decides every parked conflict the filter picks by one rule (docs/history.md). A bad rule throws INVALID_ARGUMENT. */
  resolveConflicts(rule: ConflictRule, filter?: ConflictFilter): BatchResolveReport;
  setToken(token: string): void;
  /**
   * Another user on this device: this client finishes its writes and closes; the returned client
   * runs on that user's own database and client id, with their token (never this user's). Not
   * with a Storage object (pass 'indexeddb', 'memory' or IndexedDbStorageOptions).
   */
  switchUser(next: { userId: string; token?: string }): Promise<SyncClient<M>>;
  goOffline(): void;
  goOnline(): void;
  getStats(): CoreStats & { transport: Record<string, number> | null; storage: string; status: SyncStatus };
  clearLocalData(): Promise<void>;
  flush(): Promise<void>;
  /**
   * Stores every accepted change, then stops. Rejects with code UNSAVED_CHANGES (and
   * `mutationIds`) when the storage refused them even after one more try.
   */
  close(): Promise<void>;
  /** The browser's "leave site?" prompt while status.unsaved > 0. Returns the remover. */
  warnBeforeUnload(target?: EventTarget): () => void;
  /**
   * For a layer in front of the client (multi-tab): sync through another transport and, when
   * given, another storage (later writes go there); `tab` shows in status.tab. Returns the link
   * it replaced.
   */
  replaceLink(link: { transport?: Transport; storage?: Storage; tab?: TabRole }): { transport: Transport | null; storage: Storage };
  /** For a layer in front of the client: close() runs around(closeClient) from now on. */
  wrapClose(around: (closeClient: () => Promise<void>) => Promise<void>): void;
  /** The collections the client was started with. */
  readonly collectionNames: string[];
  /** The token given last (options.token or setToken). */
  readonly token: string | undefined;
  /** Emits an 'error' event (for a layer in front of the client). */
  reportError(err: unknown): void;
  /** Attachments: present with the `files` option (docs/files.md). */
  readonly files?: Files;
  /** Emits 'fileProgress', 'fileFailed' or a file's 'storageQuotaExceeded' (for js/files/). */
  reportFileEvent(event: 'fileProgress' | 'fileFailed' | 'storageQuotaExceeded', payload: unknown): void;
  /** Emits a 'mutationSettled' event for a mutation settled outside this client's core (multi-tab). */
  reportSettled(event: Extract<SyncEvent, { type: 'settled' }> | Record<string, unknown>): void;
  /** Present when multi-tab is on. */
  readonly tabs?: {
    readonly tabId: string;
    readonly election: 'web-locks' | 'broadcast-channel';
    readonly role: TabRole;
    /** The client that owns the socket and the shared database in this tab, when it leads. */
    readonly engine: SyncClient<M> | null;
  };
  /**
   * Records set aside as unreadable, and server changes the core could not apply (store
   * 'changes', key [collection, id]); empty if none.
   */
  quarantined(): Promise<QuarantinedRecord[]>;
  /** Empties the quarantine once the app has dealt with it; status.skipped goes back to 0. */
  clearQuarantine(): Promise<void>;
  /** What the start found in storage (its events came before any listener could be added). */
  readonly restoreReport: {
    records: number;
    quarantined: number;
    cursorReset: boolean;
    sensitiveValuesLost: { collection: string; id: string; fields: string[]; dropped: boolean }[];
    /** The database had been evicted with unsynced records (also a 'storage-evicted' storageEvent just after start). */
    evicted: EvictionReport | null;
  };
}

/** A client; its collections' definitions (collection<Todo>(), a schema) type client.collection(name) and, registered, the hooks. */
export declare function createSyncClient<const C extends CollectionsOption>(options: CreateSyncClientOptions<C>): Promise<SyncClient<CollectionTypesOf<C>>>;
