// readAll's reading half (js/storage/indexeddb.js): every store in one readonly transaction. With
// key ranges at hand (a browser's IDBKeyRange, or the one given with the factory), the entity
// pages (entity_pages.js) are read in chunks of PAGES_PER_READ, and each chunk's entries go to
// onEntities(records) as soon as it is read: the caller restores them into the core while
// IndexedDB reads the next chunk, so a hydrate costs about the larger of reading and restoring
// rather than their sum (W5). An entity's own record or tombstone shadows its page copy: the
// loose keys are read before any page. Without key ranges (or without onEntities) the pages'
// entries are handed out in the returned list, as before. onEntities(records, fromStart): fromStart
// is true once at the start of each attempt (records empty then).
import { EntityPageReader, isTombstone } from './entity_pages.js';
import { OutboxPageReader } from './outbox_pages.js';

/** Pages per getAll while streaming (8 x 256 entities of ~1 KB: ~2 MB a request). */
export const PAGES_PER_READ = 8;

export class StoreReading {
  /**
   * @param {{ stores: string[], keyRange?: typeof IDBKeyRange | null, onEntities?: (records: object[]) => void,
   *   perRead?: number }} options
   */
  constructor({ stores, keyRange = null, onEntities, perRead = PAGES_PER_READ }) {
    this._stores = stores;
    this._keyRange = typeof keyRange?.bound === 'function' && typeof keyRange.lowerBound === 'function' ? keyRange : null;
    this._onEntities = typeof onEntities === 'function' ? onEntities : null;
    this._perRead = Math.max(1, perRead);
    this._requests = []; // [store, keys request, values request]
    this._chunked = false;
    this._fromPages = []; // page records not streamed (no onEntities)
    this.pages = new EntityPageReader();
    this.outboxPages = new OutboxPageReader(); // outbox_pages.js
    this.bad = []; // torn page rests and records failing their checksum
    /** Thrown by onEntities (the read is then a failure). */
    this.error = null;
  }

  /**
   * Issues the requests in tx (the body of a readonly transaction over the stores). A read tried
   * again (the connection was lost under it) starts over: onEntities([], true) first, so what
   * earlier chunks handed out no longer counts.
   */
  start(tx) {
    this._requests = [];
    this._fromPages = [];
    this.pages = new EntityPageReader();
    this.outboxPages = new OutboxPageReader();
    this.bad = [];
    this.error = null;
    this._chunked = false;
    if (this._keyRange && this._onEntities) this._hand([], true);
    for (const store of this._stores) {
      const os = tx.objectStore(store);
      if (store === 'entities' && this._keyRange) this._startEntities(os);
      else this._requests.push([store, os.getAllKeys(), os.getAll()]);
    }
  }

  _startEntities(os) {
    this._chunked = true;
    const range = this._keyRange;
    // Entity keys are arrays ([] is the least array key); page keys are numbers, which sort first.
    const loose = range.lowerBound([]);
    const looseKeys = os.getAllKeys(loose);
    this._requests.push(['entities', looseKeys, os.getAll(loose)]);
    const pageKeys = os.getAllKeys(range.bound(-Infinity, Infinity));
    // Requests complete in the order made: the loose keys are known when the page keys are.
    pageKeys.onsuccess = () => {
      for (const key of looseKeys.result) this.pages.shadow(key);
      const keys = pageKeys.result;
      for (let from = 0; from < keys.length; from += this._perRead) {
        const chunk = keys.slice(from, from + this._perRead);
        const values = os.getAll(range.bound(chunk[0], chunk[chunk.length - 1]));
        values.onsuccess = () => this._takePages(chunk, values.result);
      }
    };
  }

  _takePages(keys, values) {
    if (this.error) return;
    // One snapshot: the range holds exactly these page keys.
    if (values.length !== keys.length) {
      this.error = new DOMException(`read ${values.length} entity pages of ${keys.length}`, 'DataError');
      return;
    }
    const records = [];
    for (let i = 0; i < keys.length; i++) this.pages.pageRecords(keys[i], values[i], this.bad, records);
    if (!this._onEntities) {
      for (const r of records) this._fromPages.push(r);
      return;
    }
    this._hand(records, false);
  }

  _hand(records, fromStart) {
    try {
      this._onEntities(records, fromStart);
    } catch (err) {
      this.error ??= err; // thrown here it would abort the transaction with a less telling error
    }
  }

  /**
   * After the transaction: calls each(store, key, stored) for every record of the stores but page
   * entries and tombstones; returns the page records not streamed (restore them first), outbox
   * page entries included.
   */
  finish(each) {
    for (const [store, keys, values] of this._requests) {
      const entities = store === 'entities';
      const outbox = store === 'outbox';
      // Both lists come in key order from the same snapshot, so they line up.
      for (let i = 0; i < keys.result.length; i++) {
        const key = keys.result[i];
        const stored = values.result[i];
        if (entities && (this._chunked ? isTombstone(stored) : this.pages.take(key, stored))) continue;
        if (outbox && this.outboxPages.take(key, stored)) continue;
        each(store, key, stored);
      }
    }
    const fromPages = this._chunked ? this._fromPages : this.pages.records(this.bad);
    const outboxPaged = this.outboxPages.records(this.bad);
    return outboxPaged.length > 0 ? fromPages.concat(outboxPaged) : fromPages;
  }
}
