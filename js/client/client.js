// The sync client: the core plus the browser around it. It restores the core from storage, hands
// each commit's effects to the effects runner (persist, and only once that is durable, send; wake
// timers), feeds the core what the transport reports (js/client/inbound.js), and turns it all into
// a status, events and promises an app can use. Local storage upkeep: js/client/local_data.js.
// The features beside the core and its storage are wired through ports in js/client/features.js.
import { SyncError, ErrorCodes } from '../errors.js';
import { createMemoryStorage } from '../storage/memory.js';
import { warnBeforeUnload } from '../page_lifecycle.js';
import { collectionHandle } from '../collection_handle.js';
import { CLIENT_EVENTS } from '../vocabulary.js';
import { EffectsRunner } from './effects_runner.js';
import { ClientStatus, initialStatus, statusMessage } from './status.js';
import { startMutation } from './settle.js';
import { LocalData } from './local_data.js';
import { takeBack } from './queue_control.js';
import { SyncRound } from './sync_round.js';
import { resolveConflicts } from './batch_resolve.js';
import { mutationHistory, storageUsage, inbound, autoSync, ConflictDecisions, coreEventRouter, DeviceLink,
  ClientEvents } from './features.js';

/**
 * @param {object} core a SyncCore (from createSyncCore), collections defined, not yet configured
 * @param {object} options see CreateSyncClientOptions in js/types/client.d.ts
 */
export function startSyncClient(core, options) {
  return SyncClient.start(core, options);
}

class SyncClient {
  constructor(core, options) {
    this.core = core;
    this._options = options;
    this._transport = options.transport ?? null;
    this._token = options.token;
    this._events = new ClientEvents(CLIENT_EVENTS);
    this._waiting = new Map(); // mutationId -> { resolve, reject }
    this._unsaved = []; // accepted mutations not yet stored: { no: the commit's number, id }
    this._closed = false;
    this._closeAround = null; // wrapClose()
    this._cancelOf = (mutationId) => () => this.cancel(mutationId); // a mutation handle's cancel
    const storage = options.storage ?? createMemoryStorage();
    /** @type {import('./features.js').ClientPorts} what the features may ask of this client */
    const ports = { core, options, emit: (event, payload) => this._emit(event, payload), setStatus: (patch) => this._setStatus(patch),
      call: (fn) => this._guard(fn), closed: () => this._closed, transport: () => this._transport, status: () => this.status,
      nudge: () => this._nudge(), on: (event, fn) => this.on(event, fn), refreshCounts: () => this._refreshCounts(),
      watched: (event) => this._events.watched(event) };
    this._history = mutationHistory(ports, storage.history ?? null); // docs/history.md
    this._decisions = new ConflictDecisions(core, this._history);
    this._round = new SyncRound();
    this._usage = storageUsage(ports);
    this._local = new LocalData(core, storage, {
      emit: (event, payload) => this._emit(event, payload),
      setStatus: (patch) => this._setStatus(patch),
      persist: (effects) => this._runner.push(effects),
      closed: () => this._closed,
      call: (fn) => this._guard(fn),
      readUsage: () => this._usage.read(),
    });
    this._statusKeeper = new ClientStatus(initialStatus({ storage: storage.kind ?? 'custom', storageWarning: this._local.warning }), (s) => this._emit('statusChanged', s),
      () => this._events.watched('statusChanged'));
    this._runner = new EffectsRunner({
      core: { batchTimedOut: (batch) => this._guard(() => core.batchTimedOut(batch)), tick: () => this._guard(() => core.tick()) },
      storage: { current: () => this._local.storage, keepSetAside: (changes) => this._local.keepSetAside(changes) },
      transport: { push: (batch, mutations) => this._transport?.push(batch, mutations) ?? false },
      report: {
        sending: (effect) => {
          this._history.sending(effect.batch, effect.mutations);
          this._setStatus({ syncing: true });
          this._emit('syncStarted', { batch: effect.batch, mutations: effect.mutations.length });
        },
        sendTimedOut: (batch) => {
          this._history.timedOut(batch);
          this._emit('syncFailed', { batch, reason: 'timeout' });
        },
        writeFailed: (err, attempt) => this._local.writeFailed(err, attempt),
        writeSucceeded: () => {
          this._local.writeSucceeded();
          this._usage.stored();
        },
        durable: (through) => this._durableThrough(through),
        error: (err) => this._emit('error', err),
        hidden: () => (options.document ?? globalThis.document)?.visibilityState === 'hidden',
      },
    }, { retryMs: options.storageRetryMs ?? 1000, ...(options.groupCommit ?? {}), batchTimeoutMs: options.batchTimeoutMs ?? 30_000,
      // the core's clock (js/clock.js); no timer waits longer than the core's longest backoff
      clock: options.clock ?? (() => Date.now()), maxWaitMs: options.client?.backoffMaxMs ?? 60_000 });
    this._inbound = inbound(ports, { status: this._statusKeeper, runner: this._runner, history: this._history, round: this._round });
    this._autoSync = autoSync(ports);
    this._device = new DeviceLink(ports, { autoSync: this._autoSync, runner: this._runner });
    this._coreEvent = coreEventRouter(ports, { history: this._history, round: this._round, waiting: this._waiting });
  }

  static async start(core, options) {
    const client = new SyncClient(core, options);
    await client.#start();
    return client;
  }

  async #start() {
    const { core } = this;
    this._offCommit = core.onCommit((commit) => this._committed(commit), { views: false }); // reads no views
    core.configureClient({ ...(this._options.client ?? {}), persist: true });
    // IndexedDB takes each record's stored bytes straight from wasm memory (docs/storage.md).
    if (this._local.storage.kind === 'indexeddb') core.sealPersistRecords?.(true);
    const fresh = await this._local.restore();
    await this._history.load();
    if (!fresh) this._history.seed(core.pendingMutations());
    this._decisions.start(core.counts.conflicts);
    // What storage already held counts as loaded (offline-first: shown before any catch-up).
    this._restoredCollections = new Set(core.cursor > 0 ? this.collectionNames : this.collectionNames.filter((name) => core.count(name) > 0));
    await this._local.reserveIds(fresh, this._runner);
    this._local.askPersistentStorage(this._options);
    this._usage.read();
    this._refreshCounts();
    this._startTransport();
    this._setStatus({ online: this._device.start() }); // the network and the page's lifecycle
    if (this.status.online && this._transport && this._autoSync.connects) this._transport.connect();
    this._autoSync.start();
    this._emit('statusChanged', this.status);
    // Found before any listener could be added: told once the app has had its turn to add them.
    const { evicted } = this._local.restoreReport;
    if (evicted) setTimeout(() => this._closed || this._emit('storageEvent', { type: 'storage-evicted', ...evicted }), 0);
  }

  _startTransport() {
    this._transport?.start(this._inbound.sink, () => ({
      clientId: this.core.clientId,
      token: this._token,
      cursor: this.core.cursor,
      collections: this.collectionNames,
    }));
  }

  // Every commit, whoever called the core (hooks, the tab relay too): counts, effects, events.
  _committed(commit) {
    // its mutation is unsaved until stored
    if (commit.mutationId && commit.effects) this._unsaved.push({ no: this._runner.nextNumber, id: commit.mutationId });
    // Every commit carries the core's counts (pending, deadLetters, conflicts, setAside, resyncing).
    if (commit.counts) this._setCounts(commit.counts);
    if (commit.effects) this._runner.push(commit.effects);
    const events = commit.events;
    if (events) for (let i = 0; i < events.length; i++) this._coreEvent(events[i]);
    // Parked conflicts decided since: their history entries are synced (features.js).
    this._decisions.counted(commit.counts?.conflicts);
  }

  /** What the start found in storage (events then came before any listener could be added). */
  get restoreReport() {
    return this._local.restoreReport;
  }

  /**
   * Records set aside as unreadable, and server changes the core could not apply (store
   * 'changes', key [collection, id]): [{ store, key, value, reason, at }] (empty if none).
   */
  quarantined() {
    return this._local.quarantined();
  }

  /** Empties the quarantine once the app has dealt with it; status.skipped goes back to 0. */
  clearQuarantine() {
    return this._local.clearQuarantine();
  }

  _durableThrough(through) {
    let n = 0;
    while (n < this._unsaved.length && this._unsaved[n].no <= through) n++;
    if (n === 0) return;
    this._unsaved.splice(0, n);
    this._setStatus({ unsaved: this._unsaved.length });
  }

  // Every core call from a callback goes through here: a bad server message is an error event.
  // (The counts follow from the commit the call makes.)
  _guard(fn) {
    if (this._closed) return undefined;
    try {
      return fn();
    } catch (err) {
      this._emit('error', err);
      return undefined;
    }
  }

  // ---- the link: transport and storage (a tab changing roles swaps them, js/tabs/) ----------------

  /**
   * Syncs through another transport (the old one closes; what was in flight is sent again) and,
   * when given, another storage (later writes go there; the old one is left to the caller), and
   * shows the tab's role in status.tab. For a layer in front of the client (js/tabs/). Returns
   * the link it replaced: { transport, storage }.
   */
  replaceLink({ transport, storage, tab } = {}) {
    const previous = { transport: this._transport, storage: this._local.storage };
    if (transport) {
      this._transport = null;
      previous.transport?.close();
      this._inbound.sink.disconnected();
    }
    // A frozen leader stops writing the shared database: its warnings and events go with it.
    if (storage) this._local.replaceStorage(storage);
    if (tab !== undefined) this._setStatus({ tab });
    if (transport) {
      this._transport = transport;
      this._startTransport();
      if (this._autoSync.connects) this._transport.connect();
    }
    return previous;
  }

  /**
   * A layer in front of the client (js/tabs/) closes it: every close() then runs
   * around(closeClient), where closeClient() is what close() does without it.
   */
  wrapClose(around) {
    this._closeAround = around;
  }

  /** The collections this client was started with. */
  get collectionNames() {
    return Object.keys(this._options.collections ?? {});
  }

  /**
   * 'ready' once the collection's data is loaded: the client caught up with the server since it
   * started (status.caughtUp), or storage held the collection's data at start (a client that had
   * synced before), or there is no server to wait for; 'loading' until then. Changes come with
   * a 'statusChanged' event.
   */
  collectionStatus(name) {
    if (!Object.hasOwn(this._options.collections ?? {}, name)) throw new SyncError(ErrorCodes.UNKNOWN_COLLECTION, `unknown collection '${name}'`);
    return this.status.caughtUp || !this._transport || this._restoredCollections?.has(name) ? 'ready' : 'loading';
  }

  /** The token given last (options.token or setToken). */
  get token() {
    return this._token;
  }

  /** Tells the app about an error (an 'error' event): for layers in front of the client. */
  reportError(err) {
    this._emit('error', err);
  }

  /**
   * A mutation settled outside this client's core (a gone follower tab's edit that the relay
   * adopted, js/tabs/): a 'mutationSettled' event.
   */
  reportSettled(event) {
    this._emit('mutationSettled', event);
  }

  /**
   * A file's transfer progressed ('fileProgress': { fileId, direction, sent, total }) or failed
   * for good ('fileFailed': { fileId, direction, error }), or a download did not fit the file
   * quota ('storageQuotaExceeded': { usage, quota, needed, fileId }): for js/files/.
   */
  reportFileEvent(event, payload) {
    if (event === 'fileProgress' || event === 'fileFailed' || event === 'storageQuotaExceeded') this._emit(event, payload);
  }

  // ---- the API --------------------------------------------------------------------------------------

  /** A mutation: returns { value, mutationId, id, result } — value at once, result settled by the server. */
  mutate(request) {
    const handle = startMutation(this.core, request, this._waiting, this._cancelOf); // cancel: stored before it resolves
    if (handle.mutationId) this._history.noteOp(handle.mutationId, request.op);
    return handle;
  }

  /**
   * Takes back a mutation not yet sent (docs/queue_control.md): rolled back in the view at once,
   * settled 'cancelled'; resolves with every mutation id that went, once stored. Rejects with
   * NOT_FOUND, or ALREADY_SENT when it may be on the server already (then nothing changes).
   */
  cancel(mutationId) {
    return takeBack(() => this.core.cancelMutation(mutationId), () => this.flush());
  }

  /** Takes back every mutation not yet sent; resolves with their ids (each also a 'mutationSettled' event). */
  clearQueue() {
    return takeBack(() => this.core.clearQueue(), () => this.flush());
  }

  /**
   * The mutations of this client in seed 004's words, newest first: those still in the outbox
   * (pending, syncing, failed) and the last `historyLimit` settled ones (synced, failed,
   * failed_permanently), kept in storage across restarts. docs/history.md.
   * @param {{ status?: string | string[], collection?: string, limit?: number }} [filter]
   */
  history(filter = {}) {
    return this._history.list(filter ?? {});
  }

  /**
   * Decides many parked conflicts at once: { strategy: 'mine' | 'theirs' } or { byField: { field:
   * 'mine' | 'theirs' }, otherwise? }, over those `filter` picks ({ collection?, ids?, entityIds?,
   * where? }). Returns { resolved, failed, skipped }. docs/history.md.
   */
  resolveConflicts(rule, filter) {
    return resolveConflicts(this.core, rule, filter, (id, decided) => this._decisions.decided(id, decided));
  }

  collection(name) {
    if (!this._options.collections || !Object.hasOwn(this._options.collections, name))
      throw new SyncError(ErrorCodes.UNKNOWN_COLLECTION, `unknown collection '${name}'`);
    return collectionHandle(this, name);
  }

  /** Work offline on purpose (an "offline" switch): the socket closes, edits queue up. */
  goOffline() {
    this._device.goOffline();
  }

  /** Back from goOffline(), if the device itself is online. */
  goOnline() {
    this._device.goOnline();
  }

  /**
   * "Sync now": reconnect or catch up, and flush the outbox (with autoSyncEnabled false, the only
   * way anything is sent: the connection opens for this round and closes after it). Resolves
   * { completed: true } once caught up with nothing pending, else { completed: false, reason };
   * never rejects.
   */
  sync() {
    if (this._closed) return Promise.resolve({ completed: false, reason: 'closed' });
    if (!this._transport) {
      this._nudge();
      return Promise.resolve({ completed: false, reason: 'no-transport' });
    }
    return this._autoSync.sync();
  }

  _nudge() {
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
    return this._statusKeeper.current;
  }

  statusMessage() {
    return statusMessage(this.status);
  }

  on(event, fn) {
    return this._events.on(event, fn);
  }

  getStats() {
    return { ...this.core.stats(), transport: this._transport?.stats ?? null, storage: this._local.storage.kind ?? 'custom', status: { ...this.status } };
  }

  /** Empties local storage (entities, outbox, everything). The in-memory core keeps running. */
  async clearLocalData() {
    await this._runner.flush();
    await this._local.storage.clear();
    await this._history.clear();
  }

  /**
   * Stops syncing and stores every change accepted so far before it resolves. A write the storage
   * keeps refusing gets one more try; if that fails too, close() rejects with UNSAVED_CHANGES
   * naming the mutations that were not stored (err.mutationIds): they are lost with this page.
   */
  close() {
    return this._closeAround ? this._closeAround(() => this._closeClient()) : this._closeClient();
  }

  async _closeClient() {
    if (this._closed) return;
    this._closed = true;
    this._autoSync.close();
    this._device.stop();
    this._transport?.close();
    this._usage.stop();
    const notStoredFrom = await this._runner.close();
    await this._history.close();
    await this._local.close();
    this._offCommit?.();
    this.core.dispose();
    if (notStoredFrom !== null) {
      const lost = this._unsaved.filter((u) => u.no >= notStoredFrom).map((u) => u.id);
      const err = new SyncError('UNSAVED_CHANGES', `closed with ${lost.length} change${lost.length === 1 ? '' : 's'} the storage did not take: they are lost`);
      err.mutationIds = lost;
      throw err;
    }
  }

  /**
   * Resolves when every effect so far has been carried out (tests, shutdown), and the storage has
   * settled what it does beside its writes (storage.settled(), e.g. a follower tab's spool).
   */
  async flush() {
    await this._runner.flush();
    await this._local.storage.settled?.();
    await this._history.flush();
  }

  /**
   * Warns before the page unloads while changes are not stored locally yet (status.unsaved > 0):
   * the browser's own "leave site?" prompt. Returns the function that removes the listener.
   */
  warnBeforeUnload(win = globalThis.window) {
    return warnBeforeUnload(win, () => this.status.unsaved > 0);
  }

  // ---- status ---------------------------------------------------------------------------------------

  _refreshCounts() {
    this._setCounts(this.core.counts); // the last commit's counts: no crossing
  }

  _setCounts(counts) {
    this._statusKeeper.setCounts(counts, { unsaved: this._unsaved.length, firstSync: this._inbound.firstSync });
  }

  _setStatus(patch) {
    this._statusKeeper.set(patch);
  }

  _emit(event, payload) {
    this._events.emit(event, payload);
  }
}
