// The sync client: the core plus the browser around it. It restores the core from storage, carries
// out the core's effects in order (persist, and only once that is durable, send; wake timers),
// feeds it the transport's answers and changes, and turns it all into a status, events and
// promises an app can use.
import { SyncError, ErrorCodes } from './errors.js';
import { createMemoryStorage } from './storage/memory.js';
import { restoreFromStorage } from './storage/recover.js';
import { keepSetAside } from './storage/set_aside.js';
import { watchNetwork } from './network.js';
import { watchPageLifecycle, warnBeforeUnload } from './page_lifecycle.js';
import { statusMessage } from './status_message.js';
import { settleWaiters } from './settlement.js';
import { EffectsRunner } from './effects_runner.js';
import { StorageWarnings } from './storage_warnings.js';
import { collectionHandle } from './collection_handle.js';
import { persistentStorage } from './storage/persistence.js';

const EVENTS = ['syncStarted', 'syncCompleted', 'syncFailed', 'operationQueued', 'conflictDetected',
  'storageQuotaExceeded', 'networkStatusChanged', 'authRequired', 'statusChanged', 'notification', 'error',
  'mutationSettled', 'storageEvent'];

/**
 * @param {object} core a SyncCore (from createSyncCore), collections defined, not yet configured
 * @param {object} options see createSyncClient in index.d.ts
 */
export async function startSyncClient(core, options) {
  const client = new SyncClient(core, options);
  await client._start();
  return client;
}

class SyncClient {
  constructor(core, options) {
    this.core = core;
    this._options = options;
    this._transport = options.transport ?? null;
    this._storage = options.storage ?? createMemoryStorage();
    this._token = options.token;
    this._listeners = new Map(EVENTS.map((e) => [e, new Set()]));
    this._waiting = new Map(); // mutationId -> { resolve, reject }
    this._batchTimers = new Map();
    this._batchTimeoutMs = options.batchTimeoutMs ?? 30_000;
    this._clock = options.clock ?? (() => Date.now()); // the core's clock (js/clock.js)
    // No timer waits longer than the core's longest backoff (a wake further out is re-asked then).
    this._maxWaitMs = options.client?.backoffMaxMs ?? 60_000;
    this._runner = new EffectsRunner({
      storage: () => this._storage,
      send: (effect) => this._send(effect),
      wake: (at) => this._wakeAt(at),
      writeFailed: (err, attempt) => this._writeFailed(err, attempt),
      writeSucceeded: () => this._writeSucceeded(),
      durable: (through) => this._durableThrough(through),
      setAside: (changes) => this._setAside(changes),
      error: (err) => this._emit('error', err),
      hidden: () => (options.document ?? globalThis.document)?.visibilityState === 'hidden',
    }, { retryMs: options.storageRetryMs ?? 1000, ...(options.groupCommit ?? {}) });
    this._unsaved = []; // accepted mutations not yet stored: { no: the commit's number, id }
    this._wakeTimer = null;
    this._closed = false;
    this._setAsideInMemory = []; // server changes set aside that the storage could not keep
    this._warnings = new StorageWarnings(this._storage.warning ?? null); // status.storageWarning
    this._status = { online: true, connected: false, syncing: false, resyncing: false, pending: 0, unsaved: 0, failed: 0, conflicts: 0, skipped: 0,
      lastSyncAt: null, connection: 'offline', retryInMs: null, storage: this._storage.kind ?? 'custom',
      storageWarning: this._warnings.current, storagePersisted: null, tab: null };
    this._upstream = null; // a follower tab: the leader's connection and counts (js/tabs/)
    this._unsubscribeStorage = this._storage.subscribe?.((event) => this._storageEvent(event));
  }

  async _start() {
    const { core } = this;
    core.onCommit((commit) => {
      // whoever called the core (hooks, the tab relay too): its mutation is unsaved until stored
      if (commit.mutationId && commit.effects) this._unsaved.push({ no: this._runner.nextNumber, id: commit.mutationId });
      this._refreshCounts(commit.counts);
      if (commit.effects) this._carryOut(commit.effects);
      for (const event of commit.events ?? []) this._coreEvent(event);
    });
    core.configureClient({ ...(this._options.client ?? {}), persist: true });
    const fresh = await this._restore();
    await this._reserveIds(fresh);
    this._askPersistentStorage();
    this._refreshCounts();
    if (this._transport) {
      this._transport.start(this._sink(), () => ({
        clientId: core.clientId,
        token: this._token,
        cursor: core.cursor,
        collections: Object.keys(this._options.collections ?? {}),
      }));
    }
    this._network = watchNetwork({
      window: this._options.window,
      document: this._options.document,
      onChange: (online) => {
        if (!this._forcedOffline || !online) this._setNetwork(online);
      },
      onWake: () => this.sync(),
    });
    this._lifecycle = watchPageLifecycle({
      window: this._options.window,
      document: this._options.document,
      onHide: () => this._runner.urgent(true),
      onShow: () => this._runner.urgent(false),
    });
    this._setStatus({ online: this._network.online });
    if (this._status.online && this._transport) this._transport.connect();
    this._emitStatus();
    // Found before any listener could be added: told once the app has had its turn to add them.
    const { evicted } = this._restoreReport;
    if (evicted) setTimeout(() => this._closed || this._emit('storageEvent', { type: 'storage-evicted', ...evicted }), 0);
  }

  // Never bricks the app: unreadable storage -> memory only; refused records -> quarantine.
  async _restore() {
    const result = await restoreFromStorage(this.core, this._storage, {
      report: (event) => this._storageEvent(event),
      entitiesLost: () => this._entitiesQuarantined === true,
    });
    if (result.unreadable) {
      const failed = this._storage;
      this._unsubscribeStorage?.();
      this._storage = createMemoryStorage();
      failed.close?.()?.catch?.(() => {});
      this._warnings.unreadable(result.unreadable);
      this._setStatus({ storage: 'memory', storageWarning: this._warnings.current });
      this._emit('storageEvent', { type: 'storage-unavailable', message: result.unreadable });
    }
    const evicted = this._storage.evicted ?? null;
    this._restoreReport = { ...result.report, quarantined: this._warnings.quarantined, evicted };
    return result.report.records === 0 && this._warnings.quarantined === 0;
  }

  // Ids are never issued twice, also across a crash or a close that could not store everything:
  // a restarted client takes a new block of numbers, and the block (a fresh client: its first
  // meta record) is stored before the first mutation is accepted. A storage that refuses it does
  // not stop the start: the write is retried behind the others, and status.storageWarning says so.
  async _reserveIds(fresh) {
    if (fresh) this._carryOut([{ type: 'persist', put: this.core.exportRecords(), delete: [] }]);
    else this.core.reserveIdBlock();
    let failed;
    const refused = new Promise((resolve) => (failed = resolve));
    this._onWriteFailed = failed;
    await Promise.race([this._runner.flush(), refused]);
    this._onWriteFailed = null;
  }

  // status.storagePersisted, for the origin's storage when this app keeps it in IndexedDB (also in
  // a follower tab, whose own storage is memory): asked for unless persistStorage is false.
  _askPersistentStorage() {
    const { storageManager } = this._options;
    if (!storageManager) return;
    persistentStorage(storageManager, { request: this._options.persistStorage !== false })
      .then((persisted) => this._closed || this._setStatus({ storagePersisted: persisted }));
  }

  /** What the start found in storage (events then came before any listener could be added). */
  get restoreReport() {
    return this._restoreReport ?? { records: 0, quarantined: 0, cursorReset: false, sensitiveValuesLost: [], evicted: null };
  }

  _storageEvent(event) {
    if (event?.type === 'quarantined' && event.store === 'entities') this._entitiesQuarantined = true;
    // A server change set aside is counted in status.skipped, not as an unreadable record.
    if (!(event?.type === 'quarantined' && event.store === 'changes')) this._warnings.event(event);
    if (event?.type === 'storage-recreated' && !this._closed) {
      // The database is new and empty: everything the core holds goes back in, after what is queued.
      this._carryOut([{ type: 'persist', put: this.core.exportRecords(), delete: [] }]);
    }
    this._setStatus({ storageWarning: this._warnings.current });
    this._emit('storageEvent', event);
  }

  /**
   * Records set aside as unreadable, and server changes the core could not apply (store
   * 'changes', key [collection, id]): [{ store, key, value, reason, at }] (empty if none).
   */
  async quarantined() {
    // Kept in memory: copies of the entries, the changes as they came (some cannot be cloned).
    return [...((await this._storage.readQuarantine?.()) ?? []), ...this._setAsideInMemory.map((e) => ({ ...e }))];
  }

  /** Empties the quarantine once the app has dealt with it; status.skipped goes back to 0. */
  async clearQuarantine() {
    await this._storage.clearQuarantine?.();
    this._setAsideInMemory = [];
    this._warnings.quarantineCleared();
    this._setStatus({ storageWarning: this._warnings.current });
    this._guard(() => this.core.clearSetAside());
  }

  // ---- effects: persist, then send, then wake (js/effects_runner.js) -----------------------------

  _carryOut(effects) {
    this._runner.push(effects);
  }

  // Storage refused a write: memory state is consistent, and later effects (their sends too) wait
  // behind it in order; the runner retries it (sync() retries at once).
  _writeFailed(err, attempt) {
    this._onWriteFailed?.();
    const { code, message } = this._warnings.writeFailed(err);
    this._setStatus({ storageWarning: this._warnings.current });
    if (code === 'STORAGE_QUOTA') this._emit('storageQuotaExceeded', { message, attempt });
    // The adapters report their own errors as storage events; a custom storage may not.
    if (typeof this._storage.subscribe !== 'function') this._emit('storageEvent', { type: 'storage-error', code, message });
  }

  _writeSucceeded() {
    if (this._warnings.writeSucceeded()) this._setStatus({ storageWarning: this._warnings.current });
  }

  _durableThrough(through) {
    let n = 0;
    while (n < this._unsaved.length && this._unsaved[n].no <= through) n++;
    if (n === 0) return;
    this._unsaved.splice(0, n);
    this._setStatus({ unsaved: this._unsaved.length });
  }

  // Server changes the core could not apply go to the quarantine (client.quarantined()) before
  // the cursor that passes them is stored; kept in memory for the session if the storage cannot.
  _setAside(changes) {
    return keepSetAside(this._storage, changes, { memory: this._setAsideInMemory, report: (event) => this._emit('storageEvent', event) });
  }

  _send(effect) {
    if (!this._transport || !this._transport.push(effect.batch, effect.mutations)) {
      // Not connected after all: the batch goes back to the queue under the same keys.
      this._guard(() => this.core.batchTimedOut(effect.batch));
      return;
    }
    this._setStatus({ syncing: true });
    this._emit('syncStarted', { batch: effect.batch, mutations: effect.mutations.length });
    const timer = setTimeout(() => {
      this._batchTimers.delete(effect.batch);
      this._emit('syncFailed', { batch: effect.batch, reason: 'timeout' });
      this._guard(() => this.core.batchTimedOut(effect.batch));
    }, this._batchTimeoutMs);
    this._batchTimers.set(effect.batch, timer);
  }

  _wakeAt(at) {
    if (this._wakeTimer) clearTimeout(this._wakeTimer);
    if (this._closed) return;
    const delay = Math.min(this._maxWaitMs, Math.max(0, at - this._clock()));
    this._wakeTimer = setTimeout(() => {
      this._wakeTimer = null;
      this._guard(() => this.core.tick());
    }, delay);
  }

  // Every core call from a callback goes through here: a bad server message is an error event.
  _guard(fn) {
    if (this._closed) return undefined;
    try {
      const r = fn();
      this._refreshCounts();
      return r;
    } catch (err) {
      this._emit('error', err);
      return undefined;
    }
  }

  // ---- what the transport reports ------------------------------------------------------------------

  _sink() {
    return {
      // Answers { resync: true } when the client must not trust its cursor (docs/protocol.md,
      // "Full resync"): the server's database has another epoch, or is behind our cursor, or a
      // resync was cut off (persisted by the core). The transport then catches up from 0.
      connected: (welcome) => {
        // The server's limits size every push from now on (a batch it would refuse loops forever).
        if (welcome?.limits && typeof welcome.limits === 'object') this._guard(() => this.core.setServerLimits(welcome.limits));
        this._setStatus({ connected: true, connection: 'connected', retryInMs: null });
        this._serverEpoch = typeof welcome?.epoch === 'string' ? welcome.epoch : '';
        const { epoch, resyncing } = this.core.resyncState;
        const otherEpoch = this._serverEpoch !== '' && this._serverEpoch !== epoch;
        // A server that names its epoch speaks this protocol: its cursor behind ours means it lost
        // changes we saw. (Without an epoch the cursor alone is not trusted to mean that.)
        const behind = this._serverEpoch !== '' && Number.isInteger(welcome?.cursor) && welcome.cursor < this.core.cursor;
        if (!(otherEpoch || behind || resyncing)) return { resync: false };
        // A client that never synced (no epoch, cursor 0) catches up from 0 anyway: it runs as a
        // resync only so that the epoch is stored at its end, and is not shown as one.
        this._firstSync = epoch === '' && !resyncing && this.core.cursor === 0;
        return { resync: this._guard(() => this.core.beginResync()) !== undefined };
      },
      // The server answered a catch-up with reset: true (our cursor is older than its horizon).
      resyncStarted: () => this._guard(() => this.core.beginResync()) !== undefined,
      // The last chunk of a full resync is applied: what it did not bring is gone.
      resyncFinished: (cursor) => {
        const ok = this._guard(() => this.core.finishResync({ cursor: Number.isInteger(cursor) ? cursor : 0, epoch: this._serverEpoch ?? '' })) !== undefined;
        if (ok) this._firstSync = false;
        return ok;
      },
      caughtUp: () => {
        // Push only once caught up: base versions are then current, so fewer conflicts.
        this._guard(() => this.core.setOnline(true));
        this._setStatus({ lastSyncAt: Date.now(), connection: 'connected' });
        this._maybeCompleted();
      },
      disconnected: () => {
        for (const t of this._batchTimers.values()) clearTimeout(t);
        this._batchTimers.clear();
        this._guard(() => this.core.setOnline(false));
        this._setStatus({ connected: false, syncing: false });
      },
      deliver: (changes, cursor) => {
        // Change by change: one the core refuses is set aside (kept in the quarantine, reported),
        // the rest apply, and the cursor passes only changes applied or set aside.
        const ops = changes.map((c) => {
          if (!c || typeof c !== 'object' || Array.isArray(c)) return c; // the core sets it aside
          const op = { op: c.op === 'delete' ? 'delete' : 'upsert', collection: c.collection, id: c.id, version: c.version };
          if (op.op === 'upsert') op.data = c.data;
          if (c.origin) op.origin = c.origin;
          if (c.ts !== undefined && c.ts !== null) op.ts = c.ts;
          return op;
        });
        const ok = this._guard(() => this.core.applyServerChanges(ops, Number.isInteger(cursor) ? { cursor } : {})) !== undefined;
        if (ok) this._setStatus({ lastSyncAt: Date.now() });
        return ok;
      },
      answer: (batch, results) => {
        const timer = this._batchTimers.get(batch);
        if (timer) clearTimeout(timer);
        this._batchTimers.delete(batch);
        const ops = [];
        for (const r of results) {
          if (!r || typeof r.key !== 'string') continue;
          if (r.status === 'ok') ops.push({ op: 'ack', key: r.key, version: r.version, id: r.id, data: r.data ?? null });
          else if (r.status === 'conflict') ops.push({ op: 'conflict', key: r.key, version: r.version ?? 0, data: r.data ?? null });
          // forbidden (no permission for this one mutation) is final like validation: the core
          // dead-letters it and the queue goes on; only `auth` (the token) pauses the queue.
          else ops.push({ op: 'reject', key: r.key, class: r.class ?? 'transient', message: r.message ?? '' });
        }
        this._guard(() => this.core.applyServer(ops));
        this._setStatus({ lastSyncAt: Date.now(), syncing: this._batchTimers.size > 0 });
        this._maybeCompleted();
      },
      status: (s) => {
        this._setStatus({ connection: s.state, retryInMs: s.retryInMs ?? null });
      },
      notification: (n) => this._emit('notification', n),
      authRequired: (message) => {
        this._setStatus({ connection: 'auth-required' });
        this._emit('authRequired', { message });
      },
      error: (e) => this._emit('error', new SyncError(e.code ?? 'TRANSPORT', e.message ?? '')),
      // A transport in front of another client (a follower tab's, js/tabs/): its status is ours.
      upstream: (s) => {
        this._upstream = s && typeof s === 'object' ? s : null;
        this._refreshCounts();
        this._setStatus({});
      },
    };
  }

  /** @internal Swaps transport and storage (a leader tab becoming a follower, js/tabs/). */
  _rewire({ transport, storage }) {
    const old = this._transport;
    this._transport = null;
    old?.close();
    this._sink().disconnected();
    if (storage) {
      // A frozen leader stops writing the shared database: its warnings and events go with it.
      this._unsubscribeStorage?.();
      this._storage = storage;
      this._unsubscribeStorage = storage.subscribe?.((event) => this._storageEvent(event));
      this._warnings.reset(storage.warning ?? null);
      this._setStatus({ storage: storage.kind ?? 'custom', storageWarning: this._warnings.current });
    }
    this._transport = transport;
    this._transport.start(this._sink(), () => ({
      clientId: this.core.clientId,
      token: this._token,
      cursor: this.core.cursor,
      collections: Object.keys(this._options.collections ?? {}),
    }));
    this._transport.connect();
  }

  _maybeCompleted() {
    if (this._batchTimers.size === 0 && this._status.pending === 0) this._emit('syncCompleted', { lastSyncAt: this._status.lastSyncAt });
  }

  // ---- what the core reports -----------------------------------------------------------------------

  _coreEvent(event) {
    if (event.type === 'change-set-aside') {
      const err = new SyncError(event.code, `a server change to ${event.collection ?? '?'}/${event.id ?? '?'} was set aside: ${event.message}`);
      this._emit('error', Object.assign(err, { collection: event.collection, id: event.id, setAside: true }));
    } else if (event.type === 'queued') this._emit('operationQueued', event);
    else if (event.type === 'conflict') this._emit('conflictDetected', event);
    else if (event.type === 'resolver-failed') this._emit('error', event.error);
    else if (event.type === 'auth-required') {
      this._setStatus({ connection: 'auth-required' });
      this._emit('authRequired', event);
    } else if (event.type === 'settled') {
      this._emit('mutationSettled', event);
      if (event.status === 'dead-letter') this._emit('syncFailed', event);
      settleWaiters(this._waiting, event);
    }
  }

  // ---- the API --------------------------------------------------------------------------------------

  /** A mutation: returns { value, mutationId, result } — value at once, result settled by the server. */
  mutate(request) {
    const r = this.core.mutate(request); // counts, and the value below, came with its commit
    const id = r.mutationId;
    const changed = r.changes?.[request.collection];
    const entityId = request.id !== undefined ? String(request.id) : changed?.created?.[0];
    const value = entityId !== undefined ? this.core.get(request.collection, entityId) : undefined;
    if (!id) return { value, mutationId: null, result: Promise.resolve({ status: 'unchanged' }) };
    const result = new Promise((resolve, reject) => this._waiting.set(id, { resolve, reject }));
    result.catch(() => {}); // callers may ignore it; a rejection is also an event
    return { value, mutationId: id, id: entityId, result };
  }

  collection(name) {
    if (!this._options.collections || !Object.hasOwn(this._options.collections, name))
      throw new SyncError(ErrorCodes.UNKNOWN_COLLECTION, `unknown collection '${name}'`);
    return collectionHandle(this, name);
  }

  /** Work offline on purpose (an "offline" switch): the socket closes, edits queue up. */
  goOffline() {
    this._forcedOffline = true;
    this._setNetwork(false);
  }

  /** Back from goOffline(), if the device itself is online. */
  goOnline() {
    this._forcedOffline = false;
    if (this._network?.online !== false) this._setNetwork(true);
  }

  /** "Sync now": reconnect or catch up, and flush the outbox. */
  sync() {
    if (this._closed) return;
    this._runner.retryNow();
    this._guard(() => this.core.tick());
    this._transport?.sync();
  }

  /**
   * Another user on this device: this client closes (its accepted writes finished, in this user's
   * storage) and a new one starts on the other user's own storage and client id, with their token.
   * Returns the new client; this one is closed. Made by createSyncClient only.
   */
  async switchUser(next) {
    if (typeof this._options.reopenForUser !== 'function')
      throw new SyncError(ErrorCodes.NOT_CONFIGURED, 'switchUser needs a client made by createSyncClient');
    const start = this._options.reopenForUser(next);
    await this.flush(); // every write accepted so far is in this user's storage before it closes
    await this.close();
    return start();
  }

  setToken(token) {
    this._token = token;
    this._transport?.setToken(token);
    this._guard(() => this.core.resumeQueue());
  }

  get status() {
    return this._status;
  }

  statusMessage() {
    return statusMessage(this._status);
  }

  on(event, fn) {
    const set = this._listeners.get(event);
    if (!set) throw new SyncError(ErrorCodes.INVALID_ARGUMENT, `unknown event '${event}'`);
    set.add(fn);
    return () => set.delete(fn);
  }

  getStats() {
    return { ...this.core.stats(), transport: this._transport?.stats ?? null, storage: this._storage.kind ?? 'custom', status: { ...this._status } };
  }

  /** Empties local storage (entities, outbox, everything). The in-memory core keeps running. */
  async clearLocalData() {
    await this._runner.flush();
    await this._storage.clear();
  }

  /**
   * Stops syncing and stores every change accepted so far before it resolves. A write the storage
   * keeps refusing gets one more try; if that fails too, close() rejects with UNSAVED_CHANGES
   * naming the mutations that were not stored (err.mutationIds): they are lost with this page.
   */
  async close() {
    if (this._closed) return;
    this._closed = true;
    this._network?.stop();
    this._lifecycle?.stop();
    this._transport?.close();
    for (const t of this._batchTimers.values()) clearTimeout(t);
    if (this._wakeTimer) clearTimeout(this._wakeTimer);
    const notStoredFrom = await this._runner.close();
    this._unsubscribeStorage?.();
    await this._storage.close?.();
    this.core.dispose();
    if (notStoredFrom !== null) {
      const lost = this._unsaved.filter((u) => u.no >= notStoredFrom).map((u) => u.id);
      const err = new SyncError('UNSAVED_CHANGES', `closed with ${lost.length} change${lost.length === 1 ? '' : 's'} the storage did not take: they are lost`);
      err.mutationIds = lost;
      throw err;
    }
  }

  /** Resolves when every effect so far has been carried out (tests, shutdown). */
  async flush() {
    await this._runner.flush();
  }

  /**
   * Warns before the page unloads while changes are not stored locally yet (status.unsaved > 0):
   * the browser's own "leave site?" prompt. Returns the function that removes the listener.
   */
  warnBeforeUnload(win = globalThis.window) {
    return warnBeforeUnload(win, () => this._status.unsaved > 0);
  }

  // ---- status ---------------------------------------------------------------------------------------

  _setNetwork(online) {
    this._setStatus({ online });
    this._emit('networkStatusChanged', { online });
    if (!this._transport) return;
    if (online) this._transport.connect();
    else this._transport.disconnect();
  }

  _refreshCounts(st = this.core.counts) {
    const up = this._upstream;
    this._setStatus({ pending: st.pending + (up?.pending ?? 0), unsaved: this._unsaved.length, failed: st.deadLetters + (up?.failed ?? 0), conflicts: st.conflicts + (up?.conflicts ?? 0),
      // A follower sees the same server changes as its leader: the larger count, not the sum.
      skipped: Math.max(st.setAside ?? 0, up?.skipped ?? 0),
      // A full resync under way (or cut off and to be started over): not synced, whatever else.
      resyncing: (Boolean(st.resyncing) && !this._firstSync) || Boolean(up?.resyncing) });
  }

  _setStatus(patch) {
    const up = this._upstream;
    if (up) patch = { ...patch, connected: Boolean(up.connected), connection: up.connection ?? 'offline', retryInMs: up.retryInMs ?? null, syncing: Boolean(up.syncing) };
    let changed = false;
    for (const [k, v] of Object.entries(patch)) {
      if (this._status[k] !== v) {
        changed = true;
        break;
      }
    }
    if (!changed) return;
    this._status = Object.freeze({ ...this._status, ...patch });
    this._emitStatus();
  }

  _emitStatus() {
    this._emit('statusChanged', this._status);
  }

  _emit(event, payload) {
    for (const fn of [...(this._listeners.get(event) ?? [])]) {
      try {
        fn(payload);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
