// Types for the 'syncore' package (hand-written; the runtime is js/node.js or js/browser.js).

export type ErrorCode =
  | 'BAD_JSON' | 'WRONG_TYPE' | 'MISSING_ID' | 'ID_MISMATCH' | 'UNKNOWN_COLLECTION' | 'UNKNOWN_OP'
  | 'BAD_QUERY' | 'UNKNOWN_QUERY' | 'UNKNOWN_SUBSCRIPTION' | 'TOO_LARGE' | 'TOO_DEEP'
  | 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'NOT_CONFIGURED' | 'CORRUPT_RECORD'
  /** cancel() of a mutation already handed to the server (it may be applied): nothing changed. */
  | 'ALREADY_SENT'
  | 'DISPOSED' | 'LOAD_FAILED' | 'RESOLVER_FAILED'
  /** A local write its collection's schema refused (err.issues); nothing was queued or changed. */
  | 'VALIDATION'
  /** A collection's schema answered a local write with a Promise: local writes need a synchronous schema. */
  | 'ASYNC_SCHEMA'
  /** A mutation named (through a declared reference) an entity whose create was dead-lettered: a dead letter's code. */
  | 'REFERENCE_FAILED'
  /** A mutation named (through a declared reference) an entity the server does not have: a dead letter's code. */
  | 'REFERENCE_MISSING';

export declare const ErrorCodes: Readonly<{ [K in ErrorCode]: K }>;

export declare class SyncError extends Error {
  readonly name: 'SyncError';
  readonly code: ErrorCode;
  /** VALIDATION: what the schema found, each { message, path }. */
  readonly issues?: ReadonlyArray<ValidationIssue>;
  /** VALIDATION: the collection and the entity's id (when known). */
  readonly collection?: string;
  readonly id?: Id;
  constructor(code: ErrorCode, message: string);
}

export type {
  StandardSchemaV1, ValidationIssue, CollectionTypes, AnyCollectionTypes, UntypedCollection, CollectionMap,
  UntypedCollections, TypesOfEntity, CreateData, UpdateData, PatchData, DeepPatch, CollectionDefinition,
  CollectionsOption, TypesOfDefinition, CollectionTypesOf, RowOf, CollectionsOf, CollectionName, FieldPath,
  TypedPredicate, TypedSortKey, TypedQuery, TypesIn, Register, RegisteredCollections, RegisteredClient, RegisteredCore,
  HasCollectionTypes,
} from './collection_types.js';
import type {
  StandardSchemaV1, ValidationIssue, CollectionMap, UntypedCollections, CollectionName, RowOf, TypedQuery,
  CollectionTypesOf, CollectionsOption, CollectionDefinition, CollectionTypes, AnyCollectionTypes, TypesOfEntity,
  CreateData, UpdateData, PatchData, HasCollectionTypes, Explicit, TypesIn,
} from './collection_types.js';

export type Id = string | number;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Entity = { readonly [key: string]: Json };

export type Strategy = 'server-wins' | 'client-wins' | 'last-write-wins' | 'merge' | 'custom' | 'manual';
export type Priority = 'low' | 'normal' | 'high' | 'critical';
export type FieldRule = 'server' | 'client' | 'last-write-wins';

export interface CollectionOptions {
  /** The entity field holding its id. Default 'id'. */
  idField?: string;
  /**
   * Who names a new entity: 'client' (default: a create without an id gets a UUIDv7 at once, kept
   * by the server) or 'server' (a temp id `tmp-…`, renamed to the server's id on ack).
   */
  ids?: 'client' | 'server';
  /** Conflict strategy for this collection. Default 'server-wins'. */
  strategy?: Strategy;
  /** For 'merge': who wins a field changed on both sides (default last-write-wins), per dotted path. */
  mergeRules?: { default?: FieldRule; fields?: Record<string, FieldRule> };
  /** Default priority lane of its mutations. */
  priority?: Priority;
  /** false: never written to storage. Default true. */
  persist?: boolean;
  /**
   * A Standard Schema (zod 4, valibot 1, arktype 2, …): every local write (create, update, patch,
   * a merged conflict resolution) is validated as the entity it leaves, and refused with SyncError
   * VALIDATION (err.issues) before anything is queued; the schema's output (defaults, transforms)
   * is written. Its output type is the collection's entity type. It must be synchronous
   * (ASYNC_SCHEMA otherwise). Server data is not validated.
   */
  schema?: StandardSchemaV1 | null;
  /** Fields the server fills in (timestamps, …): not required of a local create, left out of create's and patch's types. */
  serverFields?: readonly string[];
  /**
   * Fields that name an entity of another collection (docs/references.md), e.g.
   * `{ studentId: 'students' }`: a mutation setting one is sent only after that entity's create is
   * acknowledged (with its server id), and an entity missing locally is fetched first; a
   * reference that cannot hold settles as REFERENCE_FAILED or REFERENCE_MISSING.
   */
  references?: { readonly [field: string]: string };
}

/** A typed collection's references: only fields of its entity type. */
export type ReferencesOf<T extends object> = { readonly [K in keyof T & string]?: string };

export interface ClientConfig {
  /** Persisted identity; generated when omitted. */
  clientId?: string;
  /** Seed for retry jitter; generated when omitted. */
  seed?: number;
  /** Emit persist effects. */
  persist?: boolean;
  batchSize?: number;
  maxInFlightBatches?: number;
  maxRetries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  maxClockDriftMs?: number;
}

export interface MutationRequest {
  collection: string;
  op: 'create' | 'update' | 'delete';
  id?: Id;
  /** create: the entity; update: the edited entity (diffed against the view). */
  data?: Record<string, unknown>;
  /** update: a JSON merge patch instead of data. */
  patch?: Record<string, unknown>;
  priority?: Priority;
  strategy?: Strategy;
  /** Retries of this mutation before it is a dead letter (the client's maxRetries otherwise). docs/queue_control.md */
  maxRetries?: number;
  /** Not sent once it has waited this long (ms, the core's clock): an 'expired' dead letter instead. */
  expireAfterMs?: number;
}

/** Per-mutation options of create / update / patch / delete (docs/queue_control.md). */
export interface MutationOptions {
  /** 'critical' goes out at once, past the batches in flight; never before an earlier change of its entity. */
  priority?: Priority;
  strategy?: Strategy;
  /** Retries before it is a dead letter (transient failures); the client's maxRetries otherwise. */
  maxRetries?: number;
  /** Not sent once it has waited this long (ms): an 'expired' dead letter (code EXPIRED), never dropped. */
  expireAfterMs?: number;
}

export interface HlcTimestamp { wall: number; counter: number; node: string }

export interface WireMutation {
  key: string;
  collection: string;
  id: string;
  kind: 'create' | 'update' | 'delete';
  data: Record<string, unknown> | null;
  baseVersion: number;
  ts: HlcTimestamp | null;
}

export interface StoredRecord { store: 'entities' | 'outbox' | 'deadLetters' | 'conflicts' | 'meta'; key: unknown; value: unknown }

export type Effect =
  | { type: 'persist'; put: StoredRecord[]; delete: { store: string; key: unknown }[] }
  /** critical: it carries a critical mutation, stored and sent without waiting for a group commit. */
  | { type: 'send'; batch: number; mutations: WireMutation[]; critical?: boolean }
  | { type: 'wake'; at: number }
  /** Server changes to keep (the quarantine) before the persist effect that moves the cursor past them. */
  | { type: 'set-aside'; changes: SetAsideChange[] };

export type SyncEvent =
  | { type: 'queued'; mutationId: string; collection: string; id: string }
  | { type: 'settled'; mutationIds: string[]; status: 'acked' | 'dead-letter' | 'cancelled' | 'overridden' | 'merged' | 'conflict'; [extra: string]: unknown }
  | { type: 'conflict'; collection: string; id: string; strategy: Strategy; outcome: string; paths: string[]; base: Json; local: Json; remote: Json; resolved: Json; mutationIds: string[] }
  | { type: 'auth-required'; message: string }
  /** A queued mutation names (through a declared reference) an entity missing locally: fetch it, or referenceMissing(). */
  | { type: 'reference-needed'; collection: string; id: string }
  | ({ type: 'change-set-aside' } & Omit<SetAsideChange, 'change'>)
  | RefusedRecord
  /** A custom resolver threw, rejected, or returned something that is not an entity: the conflict stays parked. */
  | { type: 'resolver-failed'; collection: string; id: string; conflictId: string | null; message: string; error: SyncError };

/** What a server announces in its welcome (docs/protocol.md, Limits). */
export interface ServerLimits {
  maxMessageBytes?: number; maxBatchMutations?: number; maxEntityBytes?: number; maxDepth?: number;
}

export interface PendingMutation {
  seq: number; key: string; mutationIds: string[]; collection: string; id: string;
  kind: 'create' | 'update' | 'delete'; data: Json; priority: Priority;
  state: 'queued' | 'in-flight' | 'dead'; attempts: number; notBefore: number;
  /** For dead letters: 'validation', 'forbidden', 'transient', 'too-large' (over the server's push limit), 'expired' (past expireAfterMs), … */
  errorClass?: string; message?: string;
}

export interface ParkedConflict {
  id: string; collection: string; entityId: string; kind: 'update' | 'delete';
  base: Json; local: Json; remote: Json; patch: Json; remoteVersion: number;
  mutationIds: string[]; paths: string[]; strategy: Strategy;
  /** An async custom resolver is still deciding it (it stays parked until the promise settles). */
  resolving: boolean;
}

export type ServerOp =
  | { op: 'upsert'; collection: string; id?: Id; version: number; data: Record<string, unknown>; origin?: string; ts?: HlcTimestamp }
  | { op: 'delete'; collection: string; id: Id; version: number; origin?: string; ts?: HlcTimestamp }
  | { op: 'load'; collection: string; entities: LoadItem[] }
  | { op: 'ack'; key: string; version?: number; id?: Id; data?: Record<string, unknown> | null }
  | { op: 'reject'; key: string; class: 'transient' | 'auth' | 'validation' | 'conflict' | 'storage' | 'forbidden'; message?: string }
  | { op: 'conflict'; key: string; version: number; data: Record<string, unknown> | null; ts?: HlcTimestamp };

export interface LoadItem {
  id?: Id;
  version: number;
  data: Record<string, unknown>;
}

export interface CollectionChanges {
  created: string[];
  updated: string[];
  deleted: string[];
}

export interface CommitResult {
  changes: Record<string, CollectionChanges>;
  cursor: number;
  /** In order: persist before send, wake last. Carry them out in that order. */
  effects?: Effect[];
  events?: SyncEvent[];
  /** Temp id -> server id, per collection. */
  renamed?: Record<string, Record<string, string>>;
  /** For mutate / resolveConflict: the new mutation's id. */
  mutationId?: string;
}

/** The counters every commit carries (generated from C++: js/generated/vocabulary.d.ts). */
export type CommitCounts = import('./generated/vocabulary.js').CommitCounts;

/** What onCommit listeners get: the commit, with its counters and the views it carried. */
export interface Commit extends CommitResult {
  counts: CommitCounts;
  /**
   * collection -> id -> the entity (frozen), for the changed entities a query, a subscription or
   * the caller (mutate with { view: true }) shows next; built from viewList when first read.
   */
  views?: Record<string, Record<string, Entity>>;
  /** The same views as they crossed: [collection, id, entity] triples. */
  viewList?: [collection: string, id: string, entity: Entity][];
}

export type PredicateOp = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'contains';
export type Predicate = [field: string, op: PredicateOp, value: unknown] | { field: string; op: PredicateOp; value: unknown };
export type SortKey = string | [field: string, dir?: 'asc' | 'desc'] | { field: string; dir?: 'asc' | 'desc' };

export interface QuerySpec {
  collection: string;
  /** All must hold. Fields are dotted paths: 'meta.owner', 'tags.0'. */
  where?: Predicate[];
  /** Ties are broken by id, so the order is total. */
  orderBy?: SortKey[];
  limit?: number;
  offset?: number;
}

export declare class LiveQuery<T extends object = Entity> {
  readonly id: number;
  readonly spec: Readonly<QuerySpec>;
  /** Ids of the current window, in order. */
  readonly ids: readonly string[];
  /** Matches before offset / limit. */
  readonly total: number;
  /** Frozen rows; a new array only when the result changed. */
  readonly current: readonly T[];
  readonly closed: boolean;
  subscribe(listener: (rows: readonly T[], query: LiveQuery<T>) => void): () => void;
  close(): void;
}

export interface CacheSetOptions {
  /** Fresh for this many ms. Default 60000. */
  ttl?: number;
  /** Then served as stale (revalidate!) this many ms more. Default 0. */
  staleTime?: number;
  tags?: string[];
  now?: number;
}

export type CacheHit<T = unknown> =
  | { status: 'fresh' | 'stale'; value: T; age: number }
  | { status: 'miss' };

export interface QueryCache {
  set(key: string, value: unknown, options?: CacheSetOptions): void;
  get<T = unknown>(key: string, options?: { now?: number }): CacheHit<T>;
  invalidate(key: string): boolean;
  invalidateTag(tag: string): number;
  remove(key: string): boolean;
  prune(options?: { now?: number }): number;
}

export interface CoreStats {
  pending: number;
  deadLetters: number;
  conflicts: number;
  collections: Record<string, { entities: number; tombstones: number; bytes: number }>;
  queries: number;
  subscriptions: number;
  cache: { entries: number; bytes: number };
  cursor: number;
  /** Server changes set aside (applyServerChanges) since clearSetAside(); persisted. */
  setAside: number;
  memoryBytes: number;
}

/** A server change the core could not apply, set aside instead of failing its chunk. */
export interface SetAsideChange {
  /** Its position in the changes given. */
  index: number;
  collection: string | null;
  id: string | null;
  code: ErrorCode;
  message: string;
  /** The change as given. */
  change: unknown;
}

/** A stored record the core refused during a restore in chunks (restoreFinish's events). */
export interface RefusedRecord {
  type: 'record-refused';
  /** Its position among the records added. */
  index: number;
  store: string;
  key: unknown;
  code: ErrorCode;
  message: string;
}

export interface CreateSyncCoreOptions<C extends CollectionsOption = CollectionsOption> {
  collections?: C;
  /** Largest JSON text accepted in one call. Default 64 MiB. */
  maxMessageBytes?: number;
  /** Levels an entity's data may nest ({} is 1; default 64), the same on every path: create, server change, ack, restore. */
  maxDepth?: number;
  /** Clock for the query cache (ms). Default Date.now. */
  now?: () => number;
  /** Where listener exceptions go. Default: rethrown asynchronously. */
  onListenerError?: (err: unknown) => void;
  /** Configure the client (identity, outbox) at once. */
  client?: ClientConfig;
  /** Called with each commit's effects. */
  onEffects?: (effects: Effect[]) => void;
  /** Called with each event. */
  onEvent?: (event: SyncEvent) => void;
  /** Load the debug build (assertions, SAFE_HEAP). */
  debug?: boolean;
  /**
   * Development checks (a query naming a field no entity of its collection has had warns once).
   * Default: `process.env.NODE_ENV !== 'production'` (bundlers replace it); off without a bundler in a page.
   */
  dev?: boolean;
  /** Test seam: wraps the wasm handle (e.g. a Proxy counting the calls that cross the boundary). */
  wrapHandle?: (handle: object) => object;
  /** Overrides for where the release wasm comes from (docs/bundlers.md); no bundler needs them. */
  wasmUrl?: string | URL;
  locateFile?: (file: string, scriptDirectory: string) => string;
  wasmBinary?: ArrayBuffer | Uint8Array;
}

// M: collection name -> its types; SyncCore without one is any core (its reads untyped).
export interface SyncCore<M extends CollectionMap = any> extends HasCollectionTypes<M> {}
export declare class SyncCore<M extends CollectionMap = any> {
  readonly cache: QueryCache;
  readonly cursor: number;
  defineCollection(name: string, options?: CollectionOptions): this;
  /** The field that holds a collection's ids. */
  idFieldOf(collection: string): string;
  /** The collection's `ids` option: who names its new entities. */
  idsOf(collection: string): 'client' | 'server';
  applyServer(batch: ServerOp[] | { ops: ServerOp[]; cursor?: number } | string): CommitResult;
  load(collection: string, entities: LoadItem[], options?: { cursor?: number }): CommitResult;
  // Each read is typed by the collection's name; a type argument (get<Todo>(…)) types it instead.
  get<K extends CollectionName<M>>(collection: K, id: Id): RowOf<TypesIn<M, K>> | undefined;
  get<T extends object = never>(collection: Explicit<T, CollectionName<M>>, id: Id): T | undefined;
  getMany<K extends CollectionName<M>>(collection: K, ids: Id[]): (RowOf<TypesIn<M, K>> | undefined)[];
  getMany<T extends object = never>(collection: Explicit<T, CollectionName<M>>, ids: Id[]): (T | undefined)[];
  list<K extends CollectionName<M>>(collection: K): RowOf<TypesIn<M, K>>[];
  list<T extends object = never>(collection: Explicit<T, CollectionName<M>>): T[];
  count(collection: CollectionName<M>): number;
  query<K extends CollectionName<M>>(spec: { collection: K } & TypedQuery<RowOf<TypesIn<M, K>>>): LiveQuery<RowOf<TypesIn<M, K>>>;
  query<T extends object = never>(spec: Explicit<T, QuerySpec>): LiveQuery<T>;
  /** The live queries open now (devtools): count is the rows in the window, total before limit / offset. */
  liveQueries(): { id: number; collection: string; spec: QuerySpec; count: number; total: number }[];
  subscribe(collection: CollectionName<M>, listener: (changes: CollectionChanges) => void): () => void;
  subscribeEntity<K extends CollectionName<M>>(collection: K, id: Id, listener: (entity: RowOf<TypesIn<M, K>> | undefined) => void): () => void;
  subscribeEntity<T extends object = never>(collection: Explicit<T, CollectionName<M>>, id: Id, listener: (entity: T | undefined) => void): () => void;
  compact(collection?: string, upToVersion?: number): number;
  stats(): CoreStats;
  /** The counters as of the last commit (no call into the core). */
  readonly counts: CommitCounts;
  /** fn(commit) after every commit, once snapshots, live queries and subscribers have it. Returns the remover. */
  onCommit(fn: (commit: Commit) => void): () => void;
  configureClient(config: ClientConfig): this;
  /** options.view: the commit also brings the written entity's view, so get() right after does not cross into wasm. */
  mutate(request: MutationRequest, options?: { view?: boolean }): CommitResult;
  /** The server's limits (its welcome): pushes are cut to them; a change over them is refused with TOO_LARGE. */
  setServerLimits(limits: ServerLimits): CommitResult;
  setOnline(online: boolean): CommitResult;
  tick(): CommitResult;
  batchTimedOut(batch: number): CommitResult;
  resumeQueue(): CommitResult;
  pendingMutations(): readonly PendingMutation[];
  deadLetters(): readonly PendingMutation[];
  retryDeadLetter(seq: number): CommitResult;
  editDeadLetter(seq: number, payload: Record<string, unknown> | null): CommitResult;
  discardDeadLetter(seq: number): CommitResult;
  /** Takes back a mutation not yet sent (its settled events, 'cancelled', name all that went). Throws NOT_FOUND / ALREADY_SENT. */
  cancelMutation(mutationId: string): CommitResult;
  /** Takes back every mutation not yet sent. */
  clearQueue(): CommitResult;
  /** The server has no collection/id (the answer to a 'reference-needed' event): what refers to it becomes a dead letter, REFERENCE_MISSING. */
  referenceMissing(collection: string, id: string): CommitResult;
  conflicts(): readonly ParkedConflict[];
  resolveConflict(id: string, resolution: { choice: 'local' | 'remote' | 'merged'; value?: Record<string, unknown> | null }): CommitResult;
  /**
   * The merged entity (a plain object; its id field is filled in when left out), null to delete,
   * undefined to park; or a Promise of one: the conflict stays parked (conflicts(): resolving)
   * until it settles, then is resolved with its value. A throw, a rejection or another value
   * parks it and is reported (a 'resolver-failed' event; a client's 'error' event, RESOLVER_FAILED).
   */
  setCustomResolver(collection: string, fn: ((c: { collection: string; id: string; base: Json; local: Json; remote: Json; localPatch: Json; localKind: 'update' | 'delete' }) => Record<string, unknown> | null | undefined | PromiseLike<Record<string, unknown> | null | undefined>) | null): this;
  exportRecords(): StoredRecord[];
  restore(records: StoredRecord[]): CommitResult;
  /**
   * Server changes one by one: a change the core refuses is set aside (a 'set-aside' effect
   * before the persist effect, 'change-set-aside' events), the others apply, and the cursor,
   * when given, passes them all.
   */
  applyServerChanges(changes: unknown[], options?: { cursor?: number }): CommitResult;
  clearSetAside(): CommitResult;
  /** Restore in chunks, record by record: begin, add (as often as needed), finish. */
  restoreBegin(): void;
  /** Sent into wasm in chunks of at most chunkChars characters of JSON (default 4 Mi). */
  restoreAdd(records: StoredRecord[], options?: { chunkChars?: number }): number;
  /** Refused records are RefusedRecord events; entitiesLost resets the cursor to 0 (persisted). */
  restoreFinish(options?: { entitiesLost?: boolean }): CommitResult;
  /** A restarted client's own block of ids (mutation ids, keys, temp ids); store the commit's meta record before mutating. */
  reserveIdBlock(): CommitResult;
  /** Full resync (docs/protocol.md): server changes until finishResync are the server's word; persisted. */
  beginResync(): CommitResult;
  /** Removes confirmed entities the resync did not bring, sets the cursor (even lower) and the epoch, in one commit. */
  finishResync(options: { cursor: number; epoch?: string }): CommitResult;
  /** The server's epoch as of the last full resync ('' before any), and whether one is under way. */
  readonly resyncState: { epoch: string; resyncing: boolean };
  dispose(): void;
}

/** A core; its collections' definitions (collection<Todo>(), a schema) type its reads. */
export declare function createSyncCore<const C extends CollectionsOption = {}>(options?: CreateSyncCoreOptions<C>): Promise<SyncCore<CollectionTypesOf<C>>>;

/**
 * A typed collection definition: `collections: { todos: collection<Todo>() }`. At run time the
 * options object it was given. With another id field: collection<Todo, 'uuid'>({ idField: 'uuid' });
 * with fields the server fills in: collection<Todo, 'id', 'updatedAt'>({ serverFields: ['updatedAt'] }).
 * Given a schema, the types come from it: collection({ schema }).
 */
export declare function collection<const O extends ClientCollectionOptions & { schema: StandardSchemaV1 }>(options: O): O;
export declare function collection<T extends object, IdField extends string = 'id', ServerFields extends string = never>(
  options?: Omit<ClientCollectionOptions, 'references'> & { idField?: IdField; serverFields?: readonly ServerFields[]; references?: ReferencesOf<T> },
): CollectionDefinition<CollectionTypes<T, T, IdField, ServerFields>>;

// ---- the sync client ------------------------------------------------------------------------

export interface ClientCollectionOptions extends CollectionOptions {
  /** Dotted fields never written to IndexedDB (kept in memory only). */
  sensitiveFields?: readonly string[];
}

/** A record set aside as unreadable (failed checksum, or refused by the core on restore). */
export interface QuarantinedRecord {
  store: string;
  key: unknown;
  value: unknown;
  reason: string;
  /** Date.now() when it was set aside. */
  at: number;
}

/** What the storage adapters report (client: the 'storageEvent' event). See docs/storage.md. */
export type StorageEvent =
  | { type: 'storage-error'; code: 'STORAGE_QUOTA' | 'STORAGE_FAILED' | string; message: string }
  | { type: 'storage-unavailable'; message: string }
  | { type: 'storage-closed'; reason: 'close' | 'versionchange'; newVersion?: number | null }
  | { type: 'storage-reopened'; version: number }
  | { type: 'storage-upgraded'; version: number }
  | { type: 'storage-recreated' }
  | { type: 'storage-blocked' }
  /** At start: the database was gone although its marker (kept outside IndexedDB) says it held unsynced records. */
  | ({ type: 'storage-evicted' } & EvictionReport)
  | { type: 'quarantined'; store: string; key: unknown; reason: string; kept?: boolean }
  /** A server change set aside (store 'changes' in quarantined()); stored: false when only kept in memory. */
  | { type: 'change-set-aside'; collection: string | null; id: string | null; code: string; message: string; change: unknown; stored: boolean }
  | { type: 'sensitive-values-lost'; collection: string; id: string; fields: string[]; dropped: boolean };

/** What an evicted database held when last written: its client id and unsynced records (lost: their sum). */
export interface EvictionReport {
  clientId: string | null;
  pending: number;
  deadLetters: number;
  conflicts: number;
  lost: number;
}

export interface StorageWarning {
  code: 'STORAGE_UNAVAILABLE' | 'STORAGE_QUOTA' | 'STORAGE_FAILED' | 'STORAGE_CLOSED' | 'STORAGE_UPGRADED' | 'STORAGE_QUARANTINED' | 'STORAGE_EVICTED' | string;
  message: string;
}

export interface Storage {
  kind: 'indexeddb' | 'memory' | string;
  write(effect: Extract<Effect, { type: 'persist' }>): Promise<void>;
  readAll(): Promise<StoredRecord[]>;
  clear(): Promise<void>;
  close(): Promise<void> | void;
  /** Optional: move records out of the way (kept, never deleted silently). */
  quarantine?(records: StoredRecord[], reason: string): Promise<void>;
  readQuarantine?(): Promise<QuarantinedRecord[]>;
  clearQuarantine?(): Promise<void>;
  subscribe?(listener: (event: StorageEvent) => void): () => void;
  /** Set on the memory storage openIndexedDbStorage falls back to, and on an evicted IndexedDB one. */
  warning?: StorageWarning;
  /** IndexedDB: set when the open found the database evicted (see EvictionReport). */
  evicted?: EvictionReport | null;
  /** Optional: where the client keeps its history of settled mutations (else in memory only). */
  history?: {
    load(): Promise<HistoryEntry[]>;
    save(change: { put: HistoryEntry[]; delete: string[] }): Promise<void>;
    clear(): Promise<void>;
    close?(): Promise<void>;
  };
}

export interface IndexedDbStorageOptions {
  name?: string;
  indexedDB?: unknown;
  version?: number;
  migrate?: (ctx: { db: unknown; transaction: unknown; oldVersion: number; newVersion: number }) => void;
  onEvent?: (event: StorageEvent) => void;
  /** An open not done by then fails: memory storage at start, a failed (retried) write later. 0: never. Default 10000. */
  openTimeoutMs?: number;
  /**
   * Where the marker of unsynced records is kept, outside IndexedDB, to detect an evicted database
   * (key `syncore:unsynced:<name>`). Default: localStorage where available; null: no marker.
   */
  evictionMarker?: { getItem(key: string): string | null; setItem(key: string, value: string): void } | null;
}

export interface TransportSink {
  connected(welcome: unknown): void;
  caughtUp(): void;
  disconnected(): void;
  deliver(changes: unknown[], cursor?: number): boolean;
  answer(batch: number, results: unknown[]): void;
  status(s: { state: string; retryInMs?: number }): void;
  /** A transport in front of another client (a follower tab's): that client's connection and counts. */
  upstream?(s: Partial<SyncStatus> | null): void;
  notification(n: unknown): void;
  authRequired(message: string): void;
  error(e: { code: string; message: string }): void;
}

export interface Transport {
  kind: string;
  stats: Record<string, number>;
  start(sink: TransportSink, session: () => { clientId: string; token?: string; cursor: number; collections: string[] }): void;
  connect(): void;
  disconnect(): void;
  push(batch: number, mutations: WireMutation[]): boolean;
  sync(): void;
  setToken(token: string): void;
  readonly connected: boolean;
  close(): void;
}

export interface WebSocketTransportOptions {
  url: string | URL;
  WebSocket?: unknown;
  /** A socket not open by then is dropped and retried (CONNECT_TIMEOUT). Default 2 × heartbeatMs. */
  connectTimeoutMs?: number;
  heartbeatMs?: number;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  catchUpLimit?: number;
  maxMessageBytes?: number;
  /** A catch-up chunk not answered within this (default 30 s) ends the connection: error event, reconnect. */
  catchUpTimeoutMs?: number;
}

export interface RestTransportOptions {
  baseUrl: string | URL;
  fetch?: typeof fetch;
  pull?: (cursor: number) => Promise<{ changes: unknown[]; cursor?: number }>;
  pollIntervalMs?: number;
  idField?: string;
  versionField?: string;
  headers?: Record<string, string>;
  /** How updates are sent: 'PUT' (merge patch, the default), 'PATCH' (merge patch), 'PUT-full' (the whole object). */
  updateMethod?: 'PUT' | 'PATCH' | 'PUT-full';
  /** Pull these collections from GET /api/<collection>/?cursor= (the reference server) when no `pull` is given. */
  pullCollections?: string[];
  /** Changes per GET page with pullCollections [500]. */
  pullLimit?: number;
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

/** A mutation's status in client.history(), in seed 004's sync_queue words (docs/history.md). */
export type HistoryStatus = 'pending' | 'syncing' | 'synced' | 'failed' | 'failed_permanently';

/** One mutation in client.history(). */
export interface HistoryEntry {
  readonly mutationId: string;
  readonly collection: string | null;
  /** The entity's id (its final id once the server acknowledged it). */
  readonly id: string | null;
  /** What the app asked for ('create', 'update', 'delete'), or the kind that was sent. */
  readonly op: string | null;
  readonly status: HistoryStatus;
  /** How the core settled it ('acked', 'dead-letter', 'conflict', 'overridden', 'merged', 'cancelled'); null while in the outbox. */
  readonly outcome: 'acked' | 'dead-letter' | 'conflict' | 'overridden' | 'merged' | 'cancelled' | null;
  /** Times sent to the server (seed 004's retry_count is attempts - 1 once sent). */
  readonly attempts: number;
  /** Wall-clock ms; createdAt is null for a mutation queued before this client started. */
  readonly createdAt: number | null;
  readonly sentAt: number | null;
  readonly settledAt: number | null;
  /** The last refusal or failure: a server error class ('validation', 'transient', …), 'timeout' or 'disconnected'. */
  readonly lastError: { code: string; message: string } | null;
  readonly version: number | null;
  /** The parked conflict a 'conflict' outcome waits in. */
  readonly conflictId: string | null;
  /** How a parked conflict was decided when resolveConflicts decided it; null otherwise. */
  readonly resolution: 'mine' | 'theirs' | 'merged' | null;
}

export interface HistoryFilter {
  status?: HistoryStatus | HistoryStatus[];
  collection?: string;
  limit?: number;
}

/** resolveConflicts' rule: one side for everything, or a side per field (others: see docs/history.md). */
export type ConflictRule =
  | { strategy: 'mine' | 'theirs' }
  | { byField: Record<string, 'mine' | 'theirs'>; otherwise?: 'mine' | 'theirs' };

export interface ConflictFilter {
  collection?: string;
  /** Conflict ids. */
  ids?: string[];
  entityIds?: Id[];
  where?: (conflict: ParkedConflict) => boolean;
}

export interface BatchResolveReport {
  resolved: { conflictId: string; collection: string; id: string; decided: 'mine' | 'theirs' | 'merged'; mutationId: string | null }[];
  failed: { conflictId: string; collection: string; id: string; error: unknown }[];
  skipped: { conflictId: string; collection: string; id: string; reason: string }[];
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

/** Options of createSyncClient's `files`. */
export interface FilesOptions {
  /** The file endpoints' base URL [the sync url's host + '/files']. */
  url?: string;
  /** Bytes per chunk [262144]; the server takes chunks up to its maxMessageBytes. */
  chunkSize?: number;
  /**
   * The space local files may take, in MB (seed 003's name; the client option of the same name
   * is used when this is absent) [no cap]. A download that would pass it evicts unpinned files
   * least recently used first, else fails with FILE_QUOTA; a put that cannot fit fails with
   * STORAGE_QUOTA. Pinned files and pending uploads are never evicted.
   */
  storageQuotaMB?: number;
  /** The same cap in bytes (wins over storageQuotaMB). */
  quotaBytes?: number;
  /** Transient upload failures (5xx, 429) before the file is failed for good [10]; a lost connection does not count. */
  maxRetries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  fetch?: typeof fetch;
}

/** What an entity field holds to point at a file. */
export interface FileRef {
  $file: string;
  name: string;
  type: string;
  size: number;
}

/**
 * A file's local metadata. state: 'pending-upload' (local only, queued), 'uploaded' (on the
 * server, bytes held here), 'remote' (meta only, no bytes here), 'failed' (refused for good: error).
 */
export interface FileMeta {
  fileId: string;
  name: string;
  type: string;
  size: number;
  state: 'pending-upload' | 'uploaded' | 'remote' | 'failed';
  pinned: boolean;
  lastUsedAt: number;
  uploadedBytes: number;
  chunkSize: number;
  chunks: number;
  collection?: string;
  entityId?: string;
  error?: { code: string; message: string; status: number | null };
}

export type FileProgress =
  | { fileId: string; direction: 'upload'; sent: number; total: number }
  /** total: null when the server did not say the size. */
  | { fileId: string; direction: 'download'; received: number; total: number | null };

/** client.files.offlineStatus(): what is kept for offline use (sizes in bytes). */
export interface OfflineStatus {
  /** The file quota (storageQuotaMB), null without one. */
  quota: number | null;
  /** Every local file byte: downloads, uploads waiting, and downloads under way. */
  usage: number;
  /** Files whose bytes are held here. */
  files: number;
  /** Pinned files (one by one or through pinCollection). */
  pinned: number;
  /** Pinned files held here. */
  downloaded: number;
  pinnedBytes: number;
  /** Pinned files not held yet. */
  missing: string[];
  /** Background downloads of pinned files that failed last time (retried when the network returns). */
  failed: { fileId: string; code: string; message: string }[];
  pendingUpload: number;
  downloading: string[];
  collections: { collection: string; field: string; files: number }[];
}

/** The 'storageQuotaExceeded' event of a download that does not fit the file quota. */
export interface FileQuotaExceeded {
  usage: number;
  quota: number;
  needed: number;
  fileId: string;
}

/** client.files (with the `files` option). */
export interface Files {
  /**
   * Stores the bytes locally (IndexedDB, never the wasm memory) and queues the upload in the
   * outbox, ahead of every mutation that references it. `result` settles as the file's metadata
   * mutation does (rejects when the server refuses the file: a dead letter).
   */
  put(blob: Blob, options?: { name?: string; type?: string; id?: string; collection?: string; entityId?: string }): Promise<{ fileId: string; ref: FileRef; meta: FileMeta; result: MutationHandle['result'] }>;
  meta(fileId: string): Promise<FileMeta | null>;
  /** The bytes, if held on this device. */
  local(fileId: string): Promise<Blob | null>;
  list(): Promise<FileMeta[]>;
  /** Bytes held locally. */
  usage(): Promise<number>;
  /**
   * The file's bytes: the local copy if held (marked used), else downloaded from the sync server
   * ('fileProgress' events, direction 'download'; a cut connection resumes by Range) and kept.
   * Rejects with NOT_FOUND (no such file, or not readable by this user), FILE_QUOTA (does not fit
   * storageQuotaMB even after eviction) or FILE_DOWNLOAD_FAILED.
   */
  get(fileId: string): Promise<Blob>;
  /** An object URL of the file (downloaded first if needed): the same URL while the page lives. */
  url(fileId: string): Promise<string>;
  /** Keeps the file for offline use (never evicted; survives a reload); resolves once its bytes are here. */
  pin(fileId: string): Promise<void>;
  /** No longer pinned: its bytes stay until space is needed. */
  unpin(fileId: string): Promise<void>;
  /**
   * Pins every file referenced ({ $file } or an id string) from `field` of the collection's
   * entities, now and as entities arrive or change; a reference that goes away unpins its file.
   * A rule of this page (call it at start-up). Returns the function that ends it.
   */
  pinCollection(collection: string, field: string): () => void;
  unpinCollection(collection: string, field: string): void;
  /** Drops a downloaded file's local bytes (false for a pinned file or a pending upload). */
  remove(fileId: string): Promise<boolean>;
  offlineStatus(): Promise<OfflineStatus>;
  /** Resolves once no pinned file waits to be fetched in the background. */
  downloadsSettled(): Promise<void>;
}

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
export declare function createWebSocketTransport(options: WebSocketTransportOptions): Transport;
export declare function createRestTransport(options: RestTransportOptions): Transport;
export declare function createMemoryStorage(): Storage;
export declare function openIndexedDbStorage(options?: IndexedDbStorageOptions): Promise<Storage>;
