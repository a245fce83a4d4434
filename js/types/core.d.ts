// The core: its options, the SyncCore class, createSyncCore, and collection() for typed definitions.
// Part of the declarations of js/index.d.ts (which re-exports every one of them).
import type { CollectionDefinition, CollectionMap, CollectionName, CollectionTypes, CollectionTypesOf, CollectionsOption, Explicit, HasCollectionTypes, RowOf, StandardSchemaV1, TypedQuery, TypesIn } from '../collection_types.js';
import type { ClientCollectionOptions } from './client.js';
import type { CollectionChanges, Commit, CommitCounts, CommitResult, Effect, LoadItem, ParkedConflict, PendingMutation, ServerLimits, ServerOp, StoredRecord, SyncEvent } from './commits.js';
import type { ClientConfig, CollectionOptions, Id, Json, MutationRequest, ReferencesOf } from './data.js';
import type { LiveQuery, QueryCache, QuerySpec } from './query.js';

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
