// Types for 'syncore/react' (hand-written; the runtime is js/react/index.js). React 18 or 19.
import type { ReactNode, ReactElement } from 'react';
import type {
  SyncClient, SyncCore, SyncStatus, SyncError, Entity, Id, Priority, Strategy, MutationHandle,
  PendingMutation, ParkedConflict, CommitResult, Json, AnyCollectionTypes, TypesOfEntity, CreateData, UpdateData,
  PatchData, TypedQuery, RowOf, RegisteredCollections, RegisteredClient, RegisteredCore,
  HistoryEntry, HistoryFilter,
} from '../index.js';
import type { Explicit, NoInference, TypesIn, CollectionName } from '../collection_types.js';

// The hooks are typed by the registered client's collections (declare module 'syncore' {
// interface Register { client: typeof client } }); without one, any name, untyped entities.
type Collections = RegisteredCollections;
type Name = CollectionName<Collections>;

// ---- the provider ----------------------------------------------------------------------------

export type SyncProviderProps = (
  | { client: SyncClient; core?: undefined; children?: ReactNode }
  | { core: SyncCore; client?: undefined; children?: ReactNode }
  | {
      /** The promise createSyncClient returns: `fallback` until it resolves, `errorFallback` if it rejects. */
      client: Promise<SyncClient>;
      core?: undefined;
      children?: ReactNode;
      /** Shown while the client starts (default: nothing). */
      fallback?: ReactNode;
      /** Shown if the start fails; by default a role="alert" message with the error. */
      errorFallback?: ReactNode | ((error: unknown) => ReactNode);
    }
) & {
  /** Where useRemoteData({ persist: true }) keeps values across reloads (default localStorage). */
  remoteCacheStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void } | null;
  /** The persisted remote cache's name (default 'syncore'): one per user on a shared device. */
  remoteCacheName?: string;
};

/** Gives the tree a SyncClient (createSyncClient), or a bare SyncCore for apps without a server. */
export declare function SyncProvider(props: SyncProviderProps): ReactElement;

/** The provider's client. Throws outside a provider, or when the provider has only a core. */
export declare function useSyncClient(): RegisteredClient;

/** The provider's core (the client's core, or the bare core). */
export declare function useSyncCore(): RegisteredCore;

// ---- entities and live queries -----------------------------------------------------------------

/** Whether a collection's data is loaded: until the client's first catch-up (or restore from storage). */
export type LoadStatus = 'loading' | 'ready' | 'error';

export interface LoadOptions {
  /** Suspend (throw a promise for <Suspense>) while loading; throw the error when it failed. */
  suspense?: boolean;
}

export interface EntityState<T extends object = Entity> {
  /** The entity's frozen snapshot (with any local overlay: optimisticUpdate, debounced edits), or undefined. */
  readonly data: T | undefined;
  /** The entity has mutations the server has not acknowledged (or a debounced edit / API call under way). */
  readonly pending: boolean;
  readonly status: LoadStatus;
  /** Set when status is 'error' (e.g. a SyncError AUTH_REQUIRED). */
  readonly error: unknown;
}

/** One entity: { data, pending, status, error }, the same object while unchanged. Re-renders only when this entity changes. */
export declare function useEntity<K extends Name>(collection: K, id: Id | null | undefined, options?: LoadOptions): EntityState<RowOf<TypesIn<Collections, K>>>;
/** Typed by the type argument instead: useEntity<Todo>('todos', id). */
export declare function useEntity<T extends object = never>(collection: Explicit<T, Name>, id: Id | null | undefined, options?: LoadOptions): EntityState<T>;

export interface CollectionResult<T extends object = Entity> {
  /** Frozen rows of the window, in order; a new array only when the result changed. */
  readonly data: readonly T[];
  /** Matches before offset / limit. */
  readonly total: number;
  readonly ids: readonly string[];
  readonly status: LoadStatus;
  readonly error: unknown;
}

/**
 * A live query's result. The spec is compared by its JSON: a new object literal each render does
 * not reopen the query. Re-renders only when the result changes.
 */
export declare function useCollection<K extends Name>(collection: K, query?: TypedQuery<RowOf<TypesIn<Collections, K>>> & LoadOptions): CollectionResult<RowOf<TypesIn<Collections, K>>>;
/** Typed by the type argument instead: useCollection<Todo>('todos', …). */
export declare function useCollection<T extends object = never>(collection: Explicit<T, Name>, query?: TypedQuery<NoInference<T>> & LoadOptions): CollectionResult<T>;

// ---- mutations ----------------------------------------------------------------------------------

export interface MutationOptions {
  priority?: Priority;
  strategy?: Strategy;
}

export interface MutationResult {
  status: 'acked' | 'overridden' | 'merged' | 'cancelled' | 'unchanged';
  id?: string;
  version?: number;
}

export interface UseMutation<T extends object = Entity, C extends AnyCollectionTypes = TypesOfEntity<T>> {
  /**
   * Optimistic: the view changes at once; the handle's result settles with the server. The entity
   * without the fields the server fills in; the id may be left out. A schema's refusal (VALIDATION)
   * sets `error` and rejects the handle's result: nothing is queued.
   */
  create(data: CreateData<C>, options?: MutationOptions & { id?: Id }): MutationHandle<T>;
  /** The whole edited entity: fields left out are removed. */
  update(id: Id, data: UpdateData<C>, options?: MutationOptions): MutationHandle<T>;
  /** A deep partial (JSON merge patch): null removes an optional field. */
  patch(id: Id, patch: PatchData<C>, options?: MutationOptions): MutationHandle<T>;
  remove(id: Id, options?: MutationOptions): MutationHandle<T>;
  /** Clears error and lastResult. */
  reset(): void;
  /** With debounceMs: sends the buffered edits now (also done on unmount and when the page is hidden). */
  flush(): void;
  /** This hook's unsettled mutations. */
  readonly pending: number;
  /** The last rejection (a SyncError: REJECTED, CONFLICT, or the core's code for a refused call), until reset() or a later success. */
  readonly error: SyncError | null;
  readonly lastResult: MutationResult | null;
}

export interface UseMutationOptions {
  /**
   * patch() edits of one entity within this many ms of each other become one mutation, shown at
   * once as a local overlay until then. Default 0 (every call is a mutation).
   */
  debounceMs?: number;
}

export declare function useMutation<K extends Name>(collection: K, options?: UseMutationOptions): UseMutation<RowOf<TypesIn<Collections, K>>, TypesIn<Collections, K>>;
/** Typed by the type argument instead: useMutation<Todo>('todos'). */
export declare function useMutation<T extends object = never>(collection: Explicit<T, Name>, options?: UseMutationOptions): UseMutation<T>;

// ---- status, outbox, conflicts ----------------------------------------------------------------

export interface SyncStatusWithMessage extends SyncStatus {
  /** client.statusMessage(): "3 changes pending sync", "Offline — changes will sync when connected", … */
  readonly message: string;
}

/** client.status plus its message; the same frozen object while the status is unchanged. */
export declare function useSyncStatus(): Readonly<SyncStatusWithMessage>;

export interface Outbox {
  readonly pending: readonly PendingMutation[];
  readonly deadLetters: readonly PendingMutation[];
  retry(seq: number): CommitResult;
  discard(seq: number): CommitResult;
  edit(seq: number, payload: Record<string, unknown> | null): CommitResult;
}

/** Pending mutations and dead letters; the arrays keep their identity while unchanged. */
export declare function useOutbox(): Outbox;
/** The same as useOutbox(). */
export declare function usePendingMutations(): Outbox;

export interface Conflicts {
  readonly conflicts: readonly ParkedConflict[];
  resolve(id: string, resolution: { choice: 'local' | 'remote' | 'merged'; value?: Record<string, unknown> | null }): CommitResult;
}

/** Parked (manual) conflicts with base, local and remote values. */
export declare function useConflicts(): Conflicts;

/**
 * client.history(filter), newest first, re-read after each 'historyChanged' event; the same array
 * while nothing in it changed. Needs a SyncProvider given a client.
 */
export declare function useSyncHistory(filter?: HistoryFilter): readonly HistoryEntry[];

// ---- remote data through the query cache --------------------------------------------------------

export type RemoteStatus = 'loading' | 'fresh' | 'stale' | 'error' | 'idle';

export interface RemoteDataOptions {
  /** Fresh for this many ms (default 60000). */
  ttl?: number;
  /** Then served stale, and refetched in the background, this many ms more (default 0). */
  staleTime?: number;
  /** Poll every this many ms while shown (default 0: no polling). */
  refreshInterval?: number;
  /** For invalidateTag(). */
  tags?: string[];
  /** false: no fetch (status 'idle' until something is cached). Default true. */
  enabled?: boolean;
  /** Keep the value across reloads (SyncProvider's remoteCacheStorage, default localStorage). */
  persist?: boolean;
}

/** The value must be JSON: it is kept in the core's cache and read back frozen. */
export type Fetcher<T> = (key: string) => T | Promise<T>;

export interface RemoteData<T> {
  /** The cached value (frozen, the same object while its JSON is the same), or undefined. */
  readonly data: T | undefined;
  readonly status: RemoteStatus;
  /** Set when status is 'error': what the fetcher threw, or the SyncError of a value that is not JSON. */
  readonly error: unknown;
  /** Fetches now (shares a fetch already under way); resolves to the data, never rejects. */
  refresh(): Promise<T | undefined>;
  /** Sets the value locally, as if fetched now (every component showing the key sees it). */
  updateData(value: T): void;
}

export declare function useRemoteData<T = Json>(key: string, fetcher: Fetcher<T>, options?: RemoteDataOptions): RemoteData<T>;

export type RemoteSource<T = unknown> = readonly [key: string, fetcher: Fetcher<T>, options?: RemoteDataOptions];
type SourceValue<S> = S extends RemoteSource<infer T> ? T : never;

export interface MultiRemoteData<S extends Record<string, RemoteSource<any>>> {
  readonly data: { readonly [K in keyof S]: SourceValue<S[K]> | undefined };
  /** 'error' if any failed, else 'loading' if any loads, else 'stale' if any is stale, else 'fresh' ('idle' if all are). */
  readonly status: RemoteStatus;
  readonly statuses: { readonly [K in keyof S]: RemoteStatus };
  readonly errors: { readonly [K in keyof S]: unknown };
  /** Refreshes every enabled source. */
  refresh(): Promise<void>;
  /** Sets one source's value locally, as if fetched now. */
  updateData<K extends keyof S>(name: K, value: SourceValue<S[K]>): void;
}

/** Several sources at once: useMultiRemoteData({ user: ['/api/user', fetchUser], … }). */
export declare function useMultiRemoteData<S extends Record<string, RemoteSource<any>>>(sources: S): MultiRemoteData<S>;

export interface Invalidate {
  /** Marks the key stale; components showing it refetch. Returns whether it was cached. */
  invalidate(key: string): boolean;
  /** Marks every key with the tag stale; shown ones refetch. Returns how many. */
  invalidateTag(tag: string): number;
}

export declare function useInvalidate(): Invalidate;

/** The tags a sync change of a collection (or one entity) invalidates: ['sync:<c>', 'sync:<c>/<id>']. */
export declare function syncTags(collection: string, id: Id): [string, string];

// ---- seed 002's hooks: remote changes, optimistic API calls ------------------------------------

export interface RemoteChange {
  readonly collection: string;
  readonly id: string;
  readonly type: 'created' | 'updated' | 'deleted';
  /** When it was applied (ms since the epoch). */
  readonly at: number;
  /** Increasing: a stable React key. */
  readonly seq: number;
}

export interface RemoteChanges {
  /** Oldest first, at most `limit` (and at most 100 kept). */
  readonly updates: readonly RemoteChange[];
  /** Empties the log (for every component). */
  clear(): void;
}

/** The log of changes the server applied since the provider mounted (seed 002's useGlobalDataSync). */
export declare function useRemoteChanges(options?: { limit?: number }): RemoteChanges;

export interface OptimisticUpdate<T extends object = Entity, C extends AnyCollectionTypes = TypesOfEntity<T>> {
  /** The entity as shown: with the optimistic data while it is on. */
  readonly data: T | undefined;
  readonly isUpdating: boolean;
  /** What the last apiCall threw, until the next call. */
  readonly error: unknown;
  /**
   * Shows `data` (a JSON merge patch) over the entity at once, as a local-only overlay (not in
   * the outbox), and calls apiCall: if it rejects the overlay goes and the promise rejects; if it
   * resolves the overlay stays until the server's change arrives through sync, at most holdMs
   * (default 5000). Resolves to what apiCall resolved to.
   */
  optimisticUpdate<R>(data: PatchData<C>, apiCall: () => Promise<R> | R, options?: { holdMs?: number }): Promise<R>;
}

/** seed 002's useOptimisticDataSync for one entity: an arbitrary API call, shown at once, rolled back if it fails. */
export declare function useOptimisticUpdate<K extends Name>(collection: K, id: Id): OptimisticUpdate<RowOf<TypesIn<Collections, K>>, TypesIn<Collections, K>>;
/** Typed by the type argument instead: useOptimisticUpdate<Todo>('todos', id). */
export declare function useOptimisticUpdate<T extends object = never>(collection: Explicit<T, Name>, id: Id): OptimisticUpdate<T>;
