// status.storageWarning: a write problem (it clears once a write succeeds) is shown before a
// lasting one (memory only, quarantined records, a newer version elsewhere, storage evicted).

export class StorageWarnings {
  constructor(lasting = null) {
    this.write = null;
    this.lasting = lasting;
    this.quarantined = 0; // records set aside as unreadable, since the start
  }

  /** The warning to show, or null. */
  get current() {
    return this.write ?? this.lasting;
  }

  /** Another storage (a tab stepping down): its own lasting warning, no write problem. */
  reset(lasting = null) {
    this.write = null;
    this.lasting = lasting;
  }

  unreadable(reason) {
    this.lasting = { code: 'STORAGE_UNAVAILABLE', message: `local data could not be read (${reason}): changes are kept in memory only and are lost when the page closes` };
  }

  /** A storage event from the adapter. */
  event(event) {
    if (event?.type === 'quarantined') {
      this.quarantined++;
      this.lasting = { code: 'STORAGE_QUARANTINED', message: `${this.quarantined} stored record${this.quarantined === 1 ? ' was' : 's were'} unreadable and set aside (see quarantined())` };
    } else if (event?.type === 'storage-upgraded') {
      this.lasting = { code: 'STORAGE_UPGRADED', message: 'a newer version of the app upgraded the local database in another tab: reload this page' };
    } else if (event?.type === 'storage-closed') {
      this.write = { code: 'STORAGE_CLOSED', message: `the local database was closed (${event.reason}): reopening` };
    } else if (event?.type === 'storage-reopened' && this.write?.code === 'STORAGE_CLOSED') {
      this.write = null;
    }
  }

  /** The app emptied the quarantine: no record set aside any more. */
  quarantineCleared() {
    this.quarantined = 0;
    if (this.lasting?.code === 'STORAGE_QUARANTINED') this.lasting = null;
  }

  /** A write the storage refused: returns its { code, message }. */
  writeFailed(err) {
    const code = err?.code ?? 'STORAGE_FAILED';
    const message = String(err?.message ?? err);
    const text = code === 'STORAGE_QUOTA'
      ? `storage is full: changes are kept in memory and saved once space is freed (${message})`
      : `saving changes failed, retrying: ${message}`;
    if (this.write?.code !== code || this.write?.message !== text) this.write = { code, message: text };
    return { code, message };
  }

  /** A write went through: true if that cleared a warning. */
  writeSucceeded() {
    if (!this.write) return false;
    this.write = null;
    return true;
  }
}
