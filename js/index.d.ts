// Types for the 'syncore' package (hand-written; the runtime is js/node.js or js/browser.js).

export type ErrorCode =
  | 'BAD_JSON' | 'WRONG_TYPE' | 'MISSING_ID' | 'ID_MISMATCH' | 'UNKNOWN_COLLECTION' | 'UNKNOWN_OP'
  | 'BAD_QUERY' | 'UNKNOWN_QUERY' | 'UNKNOWN_SUBSCRIPTION' | 'TOO_LARGE' | 'TOO_DEEP'
  | 'INVALID_ARGUMENT' | 'DISPOSED' | 'LOAD_FAILED';

export declare const ErrorCodes: Readonly<{ [K in ErrorCode]: K }>;

export declare class SyncError extends Error {
  readonly name: 'SyncError';
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string);
}

export type Id = string | number;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Entity = { readonly [key: string]: Json };

export interface CollectionOptions {
  /** The entity field holding its id. Default 'id'. */
  idField?: string;
}

export type ServerOp =
  | { op: 'upsert'; collection: string; id?: Id; version: number; data: Record<string, unknown> }
  | { op: 'delete'; collection: string; id: Id; version: number }
  | { op: 'load'; collection: string; entities: LoadItem[] };

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
  dispose(): void;
}

export declare function createSyncCore(options?: CreateSyncCoreOptions): Promise<SyncCore>;
