// Types for the 'syncore' package (hand-written; the runtime is js/node.js or js/browser.js).

export type ErrorCode =
  | 'BAD_JSON' | 'WRONG_TYPE' | 'MISSING_ID' | 'ID_MISMATCH' | 'UNKNOWN_COLLECTION' | 'UNKNOWN_OP'
  | 'BAD_QUERY' | 'UNKNOWN_QUERY' | 'UNKNOWN_SUBSCRIPTION' | 'TOO_LARGE' | 'TOO_DEEP'
  | 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'NOT_CONFIGURED' | 'CORRUPT_RECORD'
  | 'DISPOSED' | 'LOAD_FAILED';

export declare const ErrorCodes: Readonly<{ [K in ErrorCode]: K }>;

export declare class SyncError extends Error {
  readonly name: 'SyncError';
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string);
}

export type Id = string | number;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Entity = { readonly [key: string]: Json };

export type Strategy = 'server-wins' | 'client-wins' | 'last-write-wins' | 'merge' | 'custom' | 'manual';
export type Priority = 'low' | 'normal' | 'high' | 'critical';
export type FieldRule = 'server' | 'client' | 'last-write-wins';

export interface CollectionOptions {
  /** The entity field holding its id. Default 'id'. */
  idField?: string;
  /** Conflict strategy for this collection. Default 'server-wins'. */
  strategy?: Strategy;
  /** For 'merge': who wins a field changed on both sides (default last-write-wins), per dotted path. */
  mergeRules?: { default?: FieldRule; fields?: Record<string, FieldRule> };
  /** Default priority lane of its mutations. */
  priority?: Priority;
  /** false: never written to storage. Default true. */
  persist?: boolean;
}

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
  | { type: 'send'; batch: number; mutations: WireMutation[] }
  | { type: 'wake'; at: number };

export type SyncEvent =
  | { type: 'queued'; mutationId: string; collection: string; id: string }
  | { type: 'settled'; mutationIds: string[]; status: 'acked' | 'dead-letter' | 'cancelled' | 'overridden' | 'merged' | 'conflict'; [extra: string]: unknown }
  | { type: 'conflict'; collection: string; id: string; strategy: Strategy; outcome: string; paths: string[]; base: Json; local: Json; remote: Json; resolved: Json; mutationIds: string[] }
  | { type: 'auth-required'; message: string };

export interface PendingMutation {
  seq: number; key: string; mutationIds: string[]; collection: string; id: string;
  kind: 'create' | 'update' | 'delete'; data: Json; priority: Priority;
  state: 'queued' | 'in-flight' | 'dead'; attempts: number; notBefore: number;
  errorClass?: string; message?: string;
}

export interface ParkedConflict {
  id: string; collection: string; entityId: string; kind: 'update' | 'delete';
  base: Json; local: Json; remote: Json; patch: Json; remoteVersion: number;
  mutationIds: string[]; paths: string[]; strategy: Strategy;
}

export type ServerOp =
  | { op: 'upsert'; collection: string; id?: Id; version: number; data: Record<string, unknown>; origin?: string; ts?: HlcTimestamp }
  | { op: 'delete'; collection: string; id: Id; version: number; origin?: string; ts?: HlcTimestamp }
  | { op: 'load'; collection: string; entities: LoadItem[] }
  | { op: 'ack'; key: string; version?: number; id?: Id; data?: Record<string, unknown> | null }
  | { op: 'reject'; key: string; class: 'transient' | 'auth' | 'validation' | 'conflict' | 'storage'; message?: string }
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

export declare class LiveQuery<T extends Entity = Entity> {
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
  memoryBytes: number;
}

export interface CreateSyncCoreOptions {
  collections?: Record<string, CollectionOptions>;
  /** Largest JSON text accepted in one call. Default 64 MiB. */
  maxMessageBytes?: number;
  /** Deepest nesting accepted. Default 64. */
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
  /** Bundler hooks: where the .wasm file is, or its bytes. */
  wasmUrl?: string | URL;
  locateFile?: (file: string, scriptDirectory: string) => string;
  wasmBinary?: ArrayBuffer | Uint8Array;
}

export declare class SyncCore {
  readonly cache: QueryCache;
  readonly cursor: number;
  defineCollection(name: string, options?: CollectionOptions): this;
  applyServer(batch: ServerOp[] | { ops: ServerOp[]; cursor?: number } | string): CommitResult;
  load(collection: string, entities: LoadItem[], options?: { cursor?: number }): CommitResult;
  get<T extends Entity = Entity>(collection: string, id: Id): T | undefined;
  getMany<T extends Entity = Entity>(collection: string, ids: Id[]): (T | undefined)[];
  list<T extends Entity = Entity>(collection: string): T[];
  count(collection: string): number;
  query<T extends Entity = Entity>(spec: QuerySpec): LiveQuery<T>;
  subscribe(collection: string, listener: (changes: CollectionChanges) => void): () => void;
  subscribeEntity<T extends Entity = Entity>(collection: string, id: Id, listener: (entity: T | undefined) => void): () => void;
  compact(collection?: string, upToVersion?: number): number;
  stats(): CoreStats;
  configureClient(config: ClientConfig): this;
  mutate(request: MutationRequest): CommitResult;
  setOnline(online: boolean): CommitResult;
  tick(): CommitResult;
  batchTimedOut(batch: number): CommitResult;
  resumeQueue(): CommitResult;
  pendingMutations(): readonly PendingMutation[];
  deadLetters(): readonly PendingMutation[];
  retryDeadLetter(seq: number): CommitResult;
  editDeadLetter(seq: number, payload: Record<string, unknown> | null): CommitResult;
  discardDeadLetter(seq: number): CommitResult;
  conflicts(): readonly ParkedConflict[];
  resolveConflict(id: string, resolution: { choice: 'local' | 'remote' | 'merged'; value?: Record<string, unknown> | null }): CommitResult;
  setCustomResolver(collection: string, fn: ((c: { collection: string; id: string; base: Json; local: Json; remote: Json; localPatch: Json; localKind: 'update' | 'delete' }) => Record<string, unknown> | null | undefined) | null): this;
  exportRecords(): StoredRecord[];
  restore(records: StoredRecord[]): CommitResult;
  dispose(): void;
}

export declare function createSyncCore(options?: CreateSyncCoreOptions): Promise<SyncCore>;
