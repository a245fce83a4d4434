// The sync client: the core plus the browser around it. It restores the core from storage, carries
// out the core's effects in order (persist, and only once that is durable, send; wake timers),
// feeds it the transport's answers and changes, and turns it all into a status, events and
// promises an app can use.
import { SyncError, ErrorCodes } from './errors.js';
import { createMemoryStorage } from './storage/memory.js';
import { restoreFromStorage } from './storage/recover.js';
import { watchNetwork } from './network.js';
import { groupEffects } from './group_effects.js';

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
    this._queue = Promise.resolve(); // effects, in commit order
    this._backlog = []; // effect lists of commits waiting for the write under way
    this._drainQueued = false;
    this._wakeTimer = null;
    this._storageRetryMs = options.storageRetryMs ?? 1000;
    this._closed = false;
    // Storage trouble for status.storageWarning: a write problem (clears once a write succeeds)
    // shown before a lasting one (memory only, quarantined records, upgraded elsewhere).
    this._writeWarning = null;
    this._lastingWarning = this._storage.warning ?? null;
    this._quarantinedCount = 0;
    this._status = { online: true, connected: false, syncing: false, pending: 0, failed: 0, conflicts: 0,
      lastSyncAt: null, connection: 'offline', retryInMs: null, storage: this._storage.kind ?? 'custom',
      storageWarning: this._lastingWarning, tab: null };
    this._upstream = null; // a follower tab: the leader's connection and counts (js/tabs/)
    this._unsubscribeStorage = this._storage.subscribe?.((event) => this._storageEvent(event));
  }

  async _start() {
    const { core } = this;
    core._onEffects = (effects) => this._carryOut(effects);
    core._onEvent = (event) => this._coreEvent(event);
    core._onCommit = () => this._refreshCounts(); // whoever called the core (hooks too)
    core.configureClient({ ...(this._options.client ?? {}), persist: true });
    await this._restore();
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
    this._setStatus({ online: this._network.online });
    if (this._status.online && this._transport) this._transport.connect();
    this._emitStatus();
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
      this._lastingWarning = { code: 'STORAGE_UNAVAILABLE', message: `local data could not be read (${result.unreadable}): changes are kept in memory only and are lost when the page closes` };
      this._setStatus({ storage: 'memory', storageWarning: this._lastingWarning });
      this._emit('storageEvent', { type: 'storage-unavailable', message: result.unreadable });
    }
    this._restoreReport = { ...result.report, quarantined: this._quarantinedCount };
  }

  /** What the start found in storage (events then came before any listener could be added). */
  get restoreReport() {
    return this._restoreReport ?? { records: 0, quarantined: 0, cursorReset: false, sensitiveValuesLost: [] };
  }

  _storageEvent(event) {
    if (event?.type === 'quarantined') {
      this._quarantinedCount++;
      if (event.store === 'entities') this._entitiesQuarantined = true;
      this._lastingWarning = { code: 'STORAGE_QUARANTINED', message: `${this._quarantinedCount} stored record${this._quarantinedCount === 1 ? ' was' : 's were'} unreadable and set aside (see quarantined())` };
    } else if (event?.type === 'storage-upgraded') {
      this._lastingWarning = { code: 'STORAGE_UPGRADED', message: 'a newer version of the app upgraded the local database in another tab: reload this page' };
    } else if (event?.type === 'storage-closed') {
      this._writeWarning = { code: 'STORAGE_CLOSED', message: `the local database was closed (${event.reason}): reopening` };
    } else if (event?.type === 'storage-reopened' && this._writeWarning?.code === 'STORAGE_CLOSED') {
      this._writeWarning = null;
    } else if (event?.type === 'storage-recreated' && !this._closed) {
      // The database is new and empty: everything the core holds goes back in, after what is queued.
      this._carryOut([{ type: 'persist', put: this.core.exportRecords(), delete: [] }]);
    }
    this._setStatus({ storageWarning: this._writeWarning ?? this._lastingWarning });
    this._emit('storageEvent', event);
  }

  /** Records set aside as unreadable: [{ store, key, value, reason, at }] (empty if none). */
  async quarantined() {
    return (await this._storage.readQuarantine?.()) ?? [];
  }

  // ---- effects: persist, then send, then wake ----------------------------------------------------

  // Group commit: commits made while a write is under way wait in the backlog and go to storage
  // as one write, then their sends and wakes in commit order. Each send still follows the write
  // that made its mutations durable; a thousand quick mutations cost a few transactions, not 1,000.
  _carryOut(effects) {
    this._backlog.push(effects);
    if (this._drainQueued) return;
    this._drainQueued = true;
    this._queue = this._queue.then(() => {
      this._drainQueued = false;
      const lists = this._backlog;
      this._backlog = [];
      return this._run(lists.length === 1 ? lists[0] : groupEffects(lists));
    }).catch((err) => this._emit('error', err));
  }

  async _run(effects) {
    for (const effect of effects) {
      if (this._closed) return;
      if (effect.type === 'persist') await this._persist(effect);
      else if (effect.type === 'send') this._send(effect);
      else if (effect.type === 'wake') this._wakeAt(effect.at);
    }
  }

  // Durable before sent: retried until the storage takes it; memory state is already consistent,
  // and later effects (their sends too) wait behind this one, in order. sync() retries at once.
  async _persist(effect) {
    for (let attempt = 0; !this._closed; attempt++) {
      try {
        await this._storage.write(effect);
        if (this._writeWarning) {
          this._writeWarning = null;
          this._setStatus({ storageWarning: this._lastingWarning });
        }
        return;
      } catch (err) {
        const code = err?.code ?? 'STORAGE_FAILED';
        const message = String(err?.message ?? err);
        const text = code === 'STORAGE_QUOTA'
          ? `storage is full: changes are kept in memory and saved once space is freed (${message})`
          : `saving changes failed, retrying: ${message}`;
        if (this._writeWarning?.code !== code || this._writeWarning?.message !== text) {
          this._writeWarning = { code, message: text };
          this._setStatus({ storageWarning: this._writeWarning });
        }
        if (code === 'STORAGE_QUOTA') this._emit('storageQuotaExceeded', { message });
        // The adapters report their own errors as storage events; a custom storage may not.
        if (typeof this._storage.subscribe !== 'function') this._emit('storageEvent', { type: 'storage-error', code, message });
        const delay = Math.min(30_000, this._storageRetryMs * 2 ** Math.min(attempt, 5));
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, delay);
          this._retryStorageNow = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this._retryStorageNow = null;
      }
    }
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
    const delay = Math.max(0, at - this.core._now());
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
      connected: (welcome) => {
        // The server's limits size every push from now on (a batch it would refuse loops forever).
        if (welcome?.limits && typeof welcome.limits === 'object') this._guard(() => this.core.setServerLimits(welcome.limits));
        this._setStatus({ connected: true, connection: 'connected', retryInMs: null });
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
        const ops = [];
        for (const c of changes) {
          if (!c || typeof c !== 'object') continue;
          const op = { op: c.op === 'delete' ? 'delete' : 'upsert', collection: c.collection, id: c.id, version: c.version };
          if (op.op === 'upsert') op.data = c.data;
          if (c.origin) op.origin = c.origin;
          if (c.ts) op.ts = c.ts;
          ops.push(op);
        }
        const batch = { ops };
        if (Number.isInteger(cursor)) batch.cursor = cursor;
        const ok = this._guard(() => this.core.applyServer(batch)) !== undefined;
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
      this._writeWarning = null;
      this._lastingWarning = storage.warning ?? null;
      this._setStatus({ storage: storage.kind ?? 'custom', storageWarning: this._lastingWarning });
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
    if (event.type === 'queued') this._emit('operationQueued', event);
    else if (event.type === 'conflict') this._emit('conflictDetected', event);
    else if (event.type === 'auth-required') {
      this._setStatus({ connection: 'auth-required' });
      this._emit('authRequired', event);
    } else if (event.type === 'settled') {
      this._emit('mutationSettled', event);
      if (event.status === 'dead-letter') this._emit('syncFailed', event);
      for (const id of event.mutationIds) {
        const waiter = this._waiting.get(id);
        if (!waiter) continue;
        this._waiting.delete(id);
        if (event.status === 'dead-letter') waiter.reject(Object.assign(new SyncError(event.errorClass === 'too-large' ? 'TOO_LARGE' : 'REJECTED', `${event.errorClass ?? 'refused'}: ${event.message || 'the server refused the change'}`), { errorClass: event.errorClass }));
        else if (event.status === 'conflict') waiter.reject(Object.assign(new SyncError('CONFLICT', 'the change is in conflict and waits for a decision'), { conflictId: event.conflictId }));
        else waiter.resolve({ status: event.status, id: event.id, version: event.version });
      }
    }
  }

  // ---- the API --------------------------------------------------------------------------------------

  /** A mutation: returns { value, mutationId, result } — value at once, result settled by the server. */
  mutate(request) {
    const r = this.core.mutate(request);
    this._refreshCounts();
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
    const client = this;
    const core = this.core;
    return {
      name,
      get: (id) => core.get(name, id),
      list: () => core.list(name),
      count: () => core.count(name),
      query: (spec = {}) => core.query({ ...spec, collection: name }),
      subscribe: (fn) => core.subscribe(name, fn),
      subscribeEntity: (id, fn) => core.subscribeEntity(name, id, fn),
      create: (data, opts = {}) => client.mutate({ ...opts, collection: name, op: 'create', data }),
      update: (id, data, opts = {}) => client.mutate({ ...opts, collection: name, op: 'update', id, data }),
      patch: (id, patch, opts = {}) => client.mutate({ ...opts, collection: name, op: 'update', id, patch }),
      delete: (id, opts = {}) => client.mutate({ ...opts, collection: name, op: 'delete', id }),
    };
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
    this._retryStorageNow?.();
    this._guard(() => this.core.tick());
    this._transport?.sync();
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
    const s = this._status;
    const n = s.pending;
    const changes = `${n} change${n === 1 ? '' : 's'}`;
    if (!s.online) return n > 0 ? `Offline — ${changes} will sync when connected` : 'Offline — changes will sync when connected';
    if (s.connection === 'auth-required') return 'Sign in again to sync';
    if (s.connection === 'reconnecting' && s.retryInMs !== null) return `Reconnecting in ${Math.max(1, Math.ceil(s.retryInMs / 1000))} s${n > 0 ? ` — ${changes} pending sync` : ''}`;
    if (!s.connected) return n > 0 ? `Connecting — ${changes} pending sync` : 'Connecting…';
    if (s.failed > 0) return `${s.failed} change${s.failed === 1 ? '' : 's'} could not be saved`;
    // A parked conflict holds a local change back from the server: not "All changes synced".
    if (s.conflicts > 0) return `${s.conflicts} conflict${s.conflicts === 1 ? '' : 's'} to resolve`;
    if (n > 0) return `${changes} pending sync`;
    return 'All changes synced';
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
    await this._queue;
    await this._storage.clear();
  }

  async close() {
    if (this._closed) return;
    this._closed = true;
    this._network?.stop();
    this._transport?.close();
    for (const t of this._batchTimers.values()) clearTimeout(t);
    if (this._wakeTimer) clearTimeout(this._wakeTimer);
    this._retryStorageNow?.(); // a write waiting to retry gives up: the client is closed
    this._unsubscribeStorage?.();
    await this._queue.catch(() => {});
    await this._storage.close?.();
    this.core.dispose();
  }

  /** Resolves when every effect so far has been carried out (tests, shutdown). */
  async flush() {
    await this._queue;
  }

  // ---- status ---------------------------------------------------------------------------------------

  _setNetwork(online) {
    this._setStatus({ online });
    this._emit('networkStatusChanged', { online });
    if (!this._transport) return;
    if (online) this._transport.connect();
    else this._transport.disconnect();
  }

  _refreshCounts() {
    const st = this.core.stats();
    const up = this._upstream;
    this._setStatus({ pending: st.pending + (up?.pending ?? 0), failed: st.deadLetters + (up?.failed ?? 0), conflicts: st.conflicts + (up?.conflicts ?? 0) });
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
