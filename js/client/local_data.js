// The client's local data: restoring the core from storage at start, the id block, storage
// events and warnings (status.storageWarning), the quarantine, and swapping the storage (a tab
// stepping down). The writes themselves go through the effects runner.
import { createMemoryStorage } from '../storage/memory.js';
import { restoreFromStorage } from '../storage/recover.js';
import { keepSetAside } from '../storage/set_aside.js';
import { persistentStorage } from '../storage/persistence.js';
import { StorageWarnings } from './storage_warnings.js';
import { EffectType } from '../vocabulary.js';

export class LocalData {
  /**
   * @param {object} core
   * @param {object} storage the storage adapter to start with
   * @param {object} client what this part needs of the client: emit(event, payload),
   *   setStatus(patch), persist(effects) (through the effects runner), closed(), call(fn) (a
   *   guarded core call), readUsage() -> Promise<{ usage, quota }> (nulls where unknown)
   */
  constructor(core, storage, client) {
    this._core = core;
    this._client = client;
    this.storage = storage;
    this._setAsideInMemory = []; // server changes set aside that the storage could not keep
    this._warnings = new StorageWarnings(storage.warning ?? null);
    this._unsubscribe = storage.subscribe?.((event) => this._storageEvent(event));
    this._onWriteFailed = null;
    this._entitiesQuarantined = false;
    this._report = null;
  }

  /** status.storageWarning as it is now. */
  get warning() {
    return this._warnings.current;
  }

  // Never bricks the app: unreadable storage -> memory only; refused records -> quarantine.
  // Resolves to whether nothing was found (a fresh client).
  async restore() {
    const result = await restoreFromStorage(this._core, this.storage, {
      report: (event) => this._storageEvent(event),
      entitiesLost: () => this._entitiesQuarantined === true,
    });
    if (result.unreadable) {
      const failed = this.storage;
      this._unsubscribe?.();
      this.storage = createMemoryStorage();
      failed.close?.()?.catch?.(() => {});
      this._warnings.unreadable(result.unreadable);
      this._client.setStatus({ storage: 'memory', storageWarning: this._warnings.current });
      this._client.emit('storageEvent', { type: 'storage-unavailable', message: result.unreadable });
    }
    const evicted = this.storage.evicted ?? null;
    this._report = { ...result.report, quarantined: this._warnings.quarantined, evicted };
    return result.report.records === 0 && this._warnings.quarantined === 0;
  }

  /** What the start found in storage. */
  get restoreReport() {
    return this._report ?? { records: 0, quarantined: 0, cursorReset: false, sensitiveValuesLost: [], evicted: null };
  }

  // Ids are never issued twice, also across a crash or a close that could not store everything:
  // a restarted client takes a new block of numbers, and the block (a fresh client: its first
  // meta record) is stored before the first mutation is accepted. A storage that refuses it does
  // not stop the start: the write is retried behind the others, and status.storageWarning says so.
  async reserveIds(fresh, runner) {
    if (fresh) this._client.persist([{ type: EffectType.PERSIST, put: this._core.exportRecords(), delete: [] }]);
    else this._core.reserveIdBlock();
    let failed;
    const refused = new Promise((resolve) => (failed = resolve));
    this._onWriteFailed = failed;
    await Promise.race([runner.flush(), refused]);
    this._onWriteFailed = null;
  }

  // status.storagePersisted, for the origin's storage when this app keeps it in IndexedDB (also in
  // a follower tab, whose own storage is memory): asked for unless persistStorage is false.
  askPersistentStorage({ storageManager, persistStorage }) {
    if (!storageManager) return;
    persistentStorage(storageManager, { request: persistStorage !== false })
      .then((persisted) => this._client.closed() || this._client.setStatus({ storagePersisted: persisted }));
  }

  _storageEvent(event) {
    if (event?.type === 'quarantined' && event.store === 'entities') this._entitiesQuarantined = true;
    // A server change set aside is counted in status.skipped, not as an unreadable record.
    if (!(event?.type === 'quarantined' && event.store === 'changes')) this._warnings.event(event);
    if (event?.type === 'storage-recreated' && !this._client.closed()) {
      // The database is new and empty: everything the core holds goes back in, after what is queued.
      this._client.persist([{ type: EffectType.PERSIST, put: this._core.exportRecords(), delete: [] }]);
    }
    this._client.setStatus({ storageWarning: this._warnings.current });
    this._client.emit('storageEvent', event);
  }

  async quarantined() {
    // Kept in memory: copies of the entries, the changes as they came (some cannot be cloned).
    return [...((await this.storage.readQuarantine?.()) ?? []), ...this._setAsideInMemory.map((e) => ({ ...e }))];
  }

  async clearQuarantine() {
    await this.storage.clearQuarantine?.();
    this._setAsideInMemory = [];
    this._warnings.quarantineCleared();
    this._client.setStatus({ storageWarning: this._warnings.current });
    this._client.call(() => this._core.clearSetAside());
  }

  // Storage refused a write: memory state is consistent, and later effects (their sends too) wait
  // behind it in order; the runner retries it (sync() retries at once).
  writeFailed(err, attempt) {
    this._onWriteFailed?.();
    const { code, message } = this._warnings.writeFailed(err);
    this._client.setStatus({ storageWarning: this._warnings.current });
    // Seed 003's onStorageQuotaExceeded(usage, limit): with navigator.storage.estimate()'s figures
    // (null where there is none), read now, so the event comes a moment after the refusal.
    if (code === 'STORAGE_QUOTA') {
      Promise.resolve(this._client.readUsage?.() ?? { usage: null, quota: null }).then(({ usage, quota }) => {
        if (!this._client.closed()) this._client.emit('storageQuotaExceeded', { message, attempt, usage, quota });
      });
    }
    // The adapters report their own errors as storage events; a custom storage may not.
    if (typeof this.storage.subscribe !== 'function') this._client.emit('storageEvent', { type: 'storage-error', code, message });
  }

  writeSucceeded() {
    if (this._warnings.writeSucceeded()) this._client.setStatus({ storageWarning: this._warnings.current });
  }

  // Server changes the core could not apply go to the quarantine (client.quarantined()) before
  // the cursor that passes them is stored; kept in memory for the session if the storage cannot.
  keepSetAside(changes) {
    return keepSetAside(this.storage, changes, { memory: this._setAsideInMemory, report: (event) => this._client.emit('storageEvent', event) });
  }

  /** Another storage from now on (its warnings and events replace the old one's). */
  replaceStorage(storage) {
    this._unsubscribe?.();
    this.storage = storage;
    this._unsubscribe = storage.subscribe?.((event) => this._storageEvent(event));
    this._warnings.reset(storage.warning ?? null);
    this._client.setStatus({ storage: storage.kind ?? 'custom', storageWarning: this._warnings.current });
  }

  async close() {
    this._unsubscribe?.();
    await this.storage.close?.();
  }
}
