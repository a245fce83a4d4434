// The friendly API over the wasm CoreHandle: plain JS values in, frozen snapshots out, SyncError
// for every failure. One crossing per call; batches travel as one JSON text each way. Every call
// answers one envelope, { ok, commit | value | error: { code, message, store?, key?, index? } }
// (src/wire/envelope.hpp); a commit carries the counters and the changed entities' views, so
// nothing needs asking again after it. Listeners hear of each commit through onCommit().
import { SyncError, ErrorCodes } from './errors.js';
import { sealing, attachSealed } from './storage/sealed_records.js';
import { CoreViews } from './core_views.js';
import { QueryCacheApi } from './query_cache.js';
import { toJson, requireName, requireId } from './args.js';
import { CustomResolvers } from './custom_resolvers.js';
import { randomId } from './random_id.js';
import { EntityIds } from './entity_ids.js';
import { EffectKind } from './generated/vocabulary.js';
import { isDevelopment, QueryPathCheck } from './query_paths.js';
import { CollectionSchemas } from './schema.js';
import { RESTORE_CHUNK_CHARS } from './stored_restore.js';
import { CoreRecoveryApi } from './core_recovery.js';
import { openCoreHandle, WITH_VIEW, VIEW_KNOWN, NUMBERS } from './wasm_text.js';
import { CommitListeners } from './commit_listeners.js';
import { parseAnswer } from './local_write_answer.js';

export { RESTORE_CHUNK_CHARS };

function randomSeed() {
  if (globalThis.crypto?.getRandomValues) return globalThis.crypto.getRandomValues(new Uint32Array(1))[0];
  return Math.floor(Math.random() * 2 ** 32);
}

// Whether JSON.stringify wrote the request's collection and id as they are (no toJSON of the
// request, a string collection, the id a string, a number or absent): the numbers answer gives
// them back from the request itself.
function asWritten(request) {
  const { id } = request;
  return typeof request.collection === 'string' && typeof request.toJSON !== 'function' &&
    (id === undefined || id === null || typeof id === 'string' || typeof id === 'number');
}

export class SyncCore {
  /** @internal use createSyncCore() */
  constructor(wasmModule, options = {}) {
    // options.wrapHandle(handle) -> handle: a test seam (e.g. a Proxy counting boundary crossings).
    this._handle = openCoreHandle(wasmModule, options.wrapHandle);
    // A local write's answer (an array js/wasm_text.js made) is seen by nobody else unless wrapped.
    this._answersOwned = typeof options.wrapHandle !== 'function';
    this._conflictsById = null; // the conflicts of one commit, read once when a resolver needs them
    this._listeners = new CommitListeners(options); // onCommit, onEffects, onEvent, onListenerError
    this._views = new CoreViews({
      call: (method, ...args) => this._value(this._live()[method](...args)),
      callQuiet: (method, ...args) => this._handle[method](...args),
      idFieldOf: (collection) => this.idFieldOf(collection),
      onListenerError: (err) => this._listeners.onListenerError(err),
      disposed: () => this._disposed,
    });
    this._now = options.now ?? (() => Date.now());
    this._disposed = false;
    this._cursor = 0;
    this._counts = null; // as of the last commit (see counts)
    this._idFields = new Map();
    this._schemas = new CollectionSchemas(); // Standard Schemas of collections (js/schema.js)
    this._entityIds = new EntityIds(); // who names new entities (js/entity_ids.js)
    const limits = {};
    if (options.maxMessageBytes !== undefined) limits.maxMessageBytes = options.maxMessageBytes;
    if (options.maxDepth !== undefined) limits.maxDepth = options.maxDepth;
    if (Object.keys(limits).length > 0) this._value(this._handle.configure(JSON.stringify(limits)));
    for (const [name, opts] of Object.entries(options.collections ?? {})) this.defineCollection(name, opts);
    this.cache = new QueryCacheApi({ call: (method, ...args) => this._value(this._live()[method](...args)), now: () => this._now() });
    this._resolvers = new CustomResolvers({
      idFieldOf: (collection) => this._idFields.get(collection) ?? 'id',
      report: (err, info) => this._resolverFailed(err, info),
      conflictExists: (id) => this.conflicts().some((c) => c.id === id),
      resolve: (id, value) => this.resolveConflict(id, { choice: 'merged', value }),
      disposed: () => this._disposed,
    });
    if (options.client) this.configureClient(options.client);
    // Development builds warn about query fields no entity has (js/query_paths.js).
    this._pathCheck = isDevelopment(options.dev) ? new QueryPathCheck(this) : null;
  }

  // ---- errors -------------------------------------------------------------------------------

  /** @internal The envelope of one call, parsed; a SyncError (with store, key, index when the core named them) if it failed. */
  _unwrap(text) {
    const envelope = parseAnswer(text, this._answersOwned);
    if (envelope.ok) return envelope;
    const { code, message, ...where } = envelope.error;
    throw Object.assign(new SyncError(code, message), where);
  }

  /** @internal The value a call answered (undefined for a call that only succeeds). */
  _value(text) {
    return this._unwrap(text).value;
  }

  /**
   * @internal A scalar read's answer (count, compact: the numeric path, no text to parse); a
   * negative number says it failed, and the error's envelope is then fetched and thrown.
   */
  _scalar(n) {
    return n >= 0 ? n : this._unwrap(this._handle.takeError()); // a failure's envelope: throws
  }

  /**
   * Calls fn(commit) after every commit, once the snapshots, live queries and subscribers have
   * it: { changes, cursor, counts: { pending, deadLetters, conflicts, setAside, resyncing },
   * effects?, events?, renamed?, mutationId?, views? } (views: { collection: { id: view } }, built
   * when read from viewList, the [collection, id, view] triples the core sent). Returns the
   * function that removes it. (@internal { views: false }: fn never reads commit.views.)
   */
  onCommit(fn, options) {
    return this._listeners.add(fn, options);
  }

  /** The counters as of the last commit: { pending, deadLetters, conflicts, setAside, resyncing }. */
  get counts() {
    if (!this._counts) {
      const s = this.stats();
      this._counts = { pending: s.pending, deadLetters: s.deadLetters, conflicts: s.conflicts, setAside: s.setAside, resyncing: s.resyncing };
    }
    return this._counts;
  }

  /** @internal */
  _live() {
    if (this._disposed) throw new SyncError(ErrorCodes.DISPOSED, 'this SyncCore was disposed');
    return this._handle;
  }

  // ---- collections and server data ------------------------------------------------------------

  defineCollection(name, options = {}) {
    requireName(name, 'collection name');
    const ids = EntityIds.check(options);
    const forCore = this._schemas.define(name, options ?? {}); // the schema stays on this side
    // The core ignores `ids`: it learns that the server names an entity from a create without one.
    this._value(this._live().defineCollection(name, toJson(forCore, 'collection options')));
    this._idFields.set(name, options?.idField ?? 'id');
    this._entityIds.define(name, ids);
    return this;
  }

  /** Who names a collection's new entities: 'client' (a UUIDv7 at create, kept) or 'server' (a temp id, renamed on ack). */
  idsOf(collection) {
    return this._entityIds.of(collection);
  }

  /** The field that holds a collection's ids ('id' unless defined otherwise). */
  idFieldOf(collection) {
    return this._idFields.get(collection) ?? 'id';
  }

  /**
   * Applies server data as one commit: an array of operations, or { ops, cursor }.
   * Returns { changes, cursor }; subscribers and live queries are told before it returns.
   */
  applyServer(batch) {
    const text = toJson(batch, 'batch');
    return this._commit(this._live().apply(text, this._now()));
  }

  /**
   * Server changes applied one by one (catch-up chunks, live changes): ops as applyServer takes
   * them. A change the core refuses (wrong shape, data too deep, text that is not JSON) is set
   * aside instead of failing the others: the commit's `set-aside` effect (before the persist
   * that moves the cursor) and its `change-set-aside` events carry { index, collection, id, code,
   * message, change }. The cursor, when given, then passes them all.
   */
  applyServerChanges(changes, { cursor } = {}) {
    if (!Array.isArray(changes)) throw new SyncError(ErrorCodes.WRONG_TYPE, 'changes must be an array');
    if (cursor !== undefined && !(Number.isInteger(cursor) && cursor >= 0))
      throw new SyncError(ErrorCodes.WRONG_TYPE, 'cursor must be a non-negative integer');
    // What cannot even be written as JSON (NaN, ±Infinity, nesting past the JS stack) crosses as
    // a placeholder the core sets aside like any refused change (counted, in order); it keeps
    // its own code and message here.
    const lines = [];
    const refusedHere = new Map(); // index -> { code, message }
    for (let i = 0; i < changes.length; i++) {
      try {
        lines.push(toJson(changes[i], 'change'));
      } catch (err) {
        refusedHere.set(i, { code: err.code ?? ErrorCodes.BAD_JSON, message: String(err.message ?? err).replace(/^[A-Z_]+: /, '') });
        lines.push('null');
      }
    }
    const text = this._live().applyChanges(lines.join('\n'), cursor ?? NaN, this._now());
    return this._commit(text, (commit) => {
      const describe = (r) => {
        const c = changes[r.index];
        return { index: r.index, collection: r.collection ?? (typeof c?.collection === 'string' ? c.collection : null),
          id: r.id ?? (typeof c?.id === 'string' || Number.isInteger(c?.id) ? String(c.id) : null),
          ...(refusedHere.get(r.index) ?? { code: r.code, message: r.message }) };
      };
      const effect = commit.effects?.find((e) => e.type === EffectKind.SetAside);
      if (!effect) return;
      // The core's copy of each text (raw) gives way to the change itself, as given.
      effect.changes = effect.changes.map((r) => ({ ...describe(r), change: changes[r.index] }));
      commit.events = (commit.events ?? []).map((e) => (e.type === 'change-set-aside' ? { type: 'change-set-aside', ...describe(e) } : e));
    });
  }

  /** Forgets the count of server changes set aside (stats().setAside), e.g. once the app dealt with them. */
  clearSetAside() {
    return this._commit(this._live().clearSetAside(this._now()));
  }

  /**
   * The server has no collection/id (answering a "reference-needed" event): the queued mutations
   * that refer to it go to the dead letters as REFERENCE_MISSING (docs/references.md).
   */
  referenceMissing(collection, id) {
    return this._commit(this._live().referenceMissing(String(collection), String(id), this._now()));
  }

  /**
   * @internal Parses a commit, routes it, hands effects and events on, and returns its summary.
   * local: a local write whose view JS can make (CoreViews.planLocalWrite), used when the core
   * confirmed it ("viewFromRequest") and left that view out.
   */
  _commit(text, adjust, local = null) {
    let commit;
    let fromRequest = false;
    try {
      const envelope = this._unwrap(text);
      commit = envelope.commit;
      fromRequest = envelope.viewFromRequest === true;
    } catch (err) {
      this._resolvers.commitFailed();
      throw err;
    }
    if (adjust) adjust(commit);
    this._conflictsById = null; // read once, and only when an async resolver started in this commit
    this._resolvers.afterCommit(commit, this._conflictOf);
    this._conflictsById = null;
    this._cursor = commit.cursor;
    this._counts = commit.counts;
    if (this._sealer && commit.effects) attachSealed(commit.effects, this._sealer);
    const madeHere = this._views.dispatch(commit, fromRequest ? local : null);
    const result = { changes: commit.changes, cursor: commit.cursor };
    if (commit.effects) result.effects = commit.effects;
    if (commit.events) result.events = commit.events;
    if (commit.renamed) result.renamed = commit.renamed;
    if (commit.mutationId) result.mutationId = commit.mutationId;
    this._listeners.deliver(commit, madeHere);
    return result;
  }

  /** @internal An entity's view for a schema check (one function for every write). */
  _viewOf = (collection, id) => this.get(collection, id);

  /** @internal A conflict by id for afterCommit (one function for every commit, not a closure each). */
  _conflictOf = (id) => (this._conflictsById ??= new Map(this._value(this._handle.conflicts()).map((c) => [c.id, c]))).get(id);

  /** Bulk load (an initial sync): entities are { id?, version, data } items. */
  load(collection, entities, { cursor } = {}) {
    requireName(collection, 'collection');
    if (!Array.isArray(entities)) throw new SyncError(ErrorCodes.WRONG_TYPE, 'entities must be an array');
    const batch = { ops: [{ op: 'load', collection, entities }] };
    if (cursor !== undefined) batch.cursor = cursor;
    return this.applyServer(batch);
  }

  /** This client's identity (persisted: a restore brings the stored one back). */
  get clientId() {
    return this._value(this._live().clientId());
  }

  /** The server cursor after the last commit. */
  get cursor() {
    return this._cursor;
  }

  // ---- reads, subscriptions and live queries (js/core_views.js) ------------------------------

  /** A frozen snapshot of the entity, or undefined. The same object until the entity changes. */
  get(collection, id) {
    return this._views.get(collection, id);
  }

  /** Snapshots for several ids in one crossing (undefined where missing). */
  getMany(collection, ids) {
    return this._views.getMany(collection, ids);
  }

  /** Every live entity of the collection, sorted by id. */
  list(collection) {
    return this._views.list(collection);
  }

  count(collection) {
    requireName(collection, 'collection');
    return this._scalar(this._live().count(collection));
  }

  /** listener({ created, updated, deleted }) after each commit that changes the collection. */
  subscribe(collection, listener) {
    return this._views.subscribe(collection, '', listener);
  }

  /** listener(snapshot | undefined) after each commit that changes this entity. */
  subscribeEntity(collection, id, listener) {
    return this._views.subscribe(collection, requireId(id), listener);
  }

  /**
   * A live query: { collection, where, orderBy, limit, offset }. where items are
   * [field, op, value] or { field, op, value }; ops eq ne lt lte gt gte in contains.
   */
  query(spec) {
    const q = this._views.query(spec);
    this._pathCheck?.opened(spec);
    return q;
  }

  /** The live queries open now: [{ id, collection, spec, count, total }] (count: rows in the window). For devtools. */
  liveQueries() {
    return this._views.liveQueries();
  }

  // ---- sync: optimistic mutations, the outbox, conflicts ---------------------------------------

  /** { clientId, seed, persist, batchSize, maxInFlightBatches, maxRetries, backoffBaseMs, backoffMaxMs, maxClockDriftMs } */
  configureClient(config) {
    if (config === null || typeof config !== 'object') throw new SyncError(ErrorCodes.WRONG_TYPE, 'client config must be an object');
    const full = { ...config };
    // Identity and jitter seed come from outside the deterministic core.
    if (full.clientId === undefined) full.clientId = randomId();
    if (full.seed === undefined) full.seed = randomSeed();
    this._value(this._live().configureClient(toJson(full, 'client config')));
    this._counts = null;
    return this;
  }

  /**
   * An optimistic mutation: { collection, op: 'create' | 'update' | 'delete', id?, data?, patch?,
   * priority?, strategy? }. The view changes at once; returns { mutationId, changes, effects, events }.
   * { view: true }: the commit also brings the written entity's view, so the get() that shows it
   * next does not cross into wasm (a caller that does not read it saves the copy and the parse).
   */
  mutate(request, { view = false } = {}) {
    if (request === null || typeof request !== 'object') throw new SyncError(ErrorCodes.WRONG_TYPE, 'a mutation is an object');
    const now = this._now();
    // A create without an id gets the client's UUIDv7 here (js/entity_ids.js), unless the server names the collection's entities.
    const filled = this._entityIds.fill(request, this._idFields.get(request.collection), now);
    // A collection's schema sees the entity the write would make first: VALIDATION changes nothing.
    const checked = this._schemas.check(filled, this._viewOf);
    const text = toJson(checked, 'mutation');
    // When JS can make the new view from the one it holds, the commit does not carry it back.
    const local = typeof checked === 'object' ? this._views.planLocalWrite(checked, text, this.idFieldOf(checked.collection)) : null;
    // A plain write answers numbers (js/wasm_text.js) when the request's collection and id are
    // the values its text carries: the core leaves out what JS holds.
    const numbers = typeof checked === 'object' && asWritten(checked) ? NUMBERS : 0;
    const flags = (view === true ? WITH_VIEW : 0) | (local !== null ? VIEW_KNOWN : 0) | numbers;
    return this._commit(this._live().mutate(text, now, flags, checked), undefined, local);
  }

  /**
   * The server's limits from its welcome: { maxMessageBytes, maxBatchMutations, maxEntityBytes,
   * maxDepth } (each optional). Pushes are cut to them; a change over them is refused (TOO_LARGE).
   */
  setServerLimits(limits) {
    if (limits === null || typeof limits !== 'object') throw new SyncError(ErrorCodes.WRONG_TYPE, 'server limits must be an object');
    return this._commit(this._live().setServerLimits(toJson(limits, 'server limits'), this._now()));
  }

  setOnline(online) {
    return this._commit(this._live().setOnline(Boolean(online), this._now()));
  }

  /** Lets timers (retry backoff) fire; call it at the time a wake effect named. */
  tick() {
    return this._commit(this._live().tick(this._now()));
  }

  batchTimedOut(batch) {
    return this._commit(this._live().batchTimedOut(batch, this._now()));
  }

  /** After an auth-required event, once a new token is in place. */
  resumeQueue() {
    return this._commit(this._live().resumeQueue(this._now()));
  }

  /** @internal Bytes the wasm heap's malloc holds now (bench/memory.mjs: W7). */
  wasmHeapBytes() {
    return this._live().heapBytesInUse();
  }

  /**
   * @internal Seals persisted records in wasm (js/storage/sealed_records.js): the client turns it
   * on when its storage is IndexedDB. Returns whether this build can.
   */
  sealPersistRecords(on) {
    this._sealer = sealing(this._live(), on);
    return this._sealer !== null;
  }

  // ---- upkeep ---------------------------------------------------------------------------------

  /** Drops tombstones (of one collection, or all) up to a version (all when omitted). */
  compact(collection = '', upToVersion = -1) {
    if (typeof collection !== 'string') throw new SyncError(ErrorCodes.WRONG_TYPE, 'collection must be a string');
    return this._scalar(this._live().compact(collection, upToVersion));
  }

  stats() {
    return this._value(this._live().stats());
  }

  /** Frees the wasm-side state. The core cannot be used afterwards. */
  dispose() {
    if (this._disposed) return;
    this._disposed = true;
    this._views.dispose();
    this._listeners.clear();
    this._handle.delete();
  }
}

// The outbox's queue control, dead letters, conflicts, persistence and the full resync
// (js/core_recovery.js) are SyncCore methods too, in a file of their own.
for (const name of Object.getOwnPropertyNames(CoreRecoveryApi.prototype)) {
  if (name !== 'constructor') Object.defineProperty(SyncCore.prototype, name, Object.getOwnPropertyDescriptor(CoreRecoveryApi.prototype, name));
}
