// Outbox entries kept in pages (issue 15 item 1, W4; docs/record_format.md "Pages of outbox
// entries"): a group commit holding a burst of new outbox entries puts them as one IndexedDB value
// (built in wasm, wasm/persist_records.cpp; the layout of entity_pages.js, each entry with its own
// CRC-32) under the key [seq of its first entry]. Outbox keys are seqs (numbers), which sort before
// arrays: a read meets every record of its own before any page. A page holds first puts only, so
// any later word on a seq is a record of its own (a re-put) or a tombstone (a delete), and that
// shadows the page's copy. compactOutboxPages drops pages whose every entry is shadowed and the
// tombstones no page needs any more.
import { hasMagic, PAGE_MAGIC, pageEntries, pageRecord, entryKeyText, isTombstone, buildPages } from './entity_pages.js';
import { keyText } from './record_codec.js';

const STORE = 'outbox';

/** Whether an outbox-store value under `key` is a page. */
export const isOutboxPage = (key, value) => Array.isArray(key) && hasMagic(value, PAGE_MAGIC);

/**
 * readAll's half for the outbox store, fed its records in key order (records of their own first):
 * take(key, value) is true when the value was a page or a tombstone (nothing more to do with it);
 * records(bad) hands out the page entries nothing shadows.
 */
export class OutboxPageReader {
  constructor() {
    this._shadowed = new Set(); // key texts of seqs with a record or tombstone of their own
    this._pages = [];
    this._tombstones = 0;
    /** Every seq some page holds (shadowed or not): its delete must leave a tombstone. */
    this.pagedSeqs = new Set();
    this._dead = 0;
    this._torn = false;
  }

  take(key, value) {
    if (isOutboxPage(key, value)) {
      this._pages.push([key, value]);
      return true;
    }
    if (Array.isArray(key)) return false; // not a page after all: read (and refused) as a record
    this._shadowed.add(keyText(key));
    if (!isTombstone(value)) return false;
    this._tombstones++;
    return true;
  }

  /** The page entries no record of its own shadows; a page's torn rest goes to `bad`. */
  records(bad) {
    const out = [];
    for (const [pageKey, page] of this._pages) {
      const { entries, torn, rest } = pageEntries(page, STORE);
      let live = 0;
      for (const entry of entries) {
        const text = entryKeyText(entry);
        this.pagedSeqs.add(Number(text));
        if (this._shadowed.has(text)) continue;
        live++;
        out.push(pageRecord(entry));
      }
      if (live === 0 && !torn) this._dead++;
      // The torn rest is quarantined as it is; compaction rewrites the page without it.
      if (torn) {
        this._torn = true;
        bad.push({ store: STORE, key: pageKey, value: rest, pageRest: true });
      }
    }
    return out;
  }

  /** After records(): whether to clean up (pages all shadowed, or many tombstones). */
  get shouldCompact() {
    return this._dead > 0 || this._torn || this._tombstones >= 256;
  }
}

/**
 * In `tx` (readwrite on the outbox): deletes the pages whose every entry a record of its own or a
 * tombstone shadows (a torn page keeps its readable entries only), then the tombstones no
 * remaining page holds an entry for. Reads what the store
 * holds at that moment (another tab's writes included).
 */
export function compactOutboxPages(tx) {
  const os = tx.objectStore(STORE);
  const keys = os.getAllKeys();
  const values = os.getAll();
  values.onsuccess = () => {
    const own = new Map(); // key text -> seq, of records of their own and tombstones
    const tombstones = [];
    const pages = [];
    for (let i = 0; i < keys.result.length; i++) {
      const key = keys.result[i];
      const value = values.result[i];
      if (isOutboxPage(key, value)) pages.push([key, value]);
      else if (!Array.isArray(key)) {
        own.set(keyText(key), key);
        if (isTombstone(value)) tombstones.push(key);
      }
    }
    const needed = new Set(); // key texts of tombstones a remaining page still needs
    for (const [key, page] of pages) {
      const { entries, torn } = pageEntries(page, STORE);
      const texts = entries.map(entryKeyText);
      if (texts.every((t) => own.has(t))) os.delete(key);
      else {
        for (const t of texts) needed.add(t);
        // A torn rest (readAll quarantined it) is not carried over.
        if (torn) os.put(buildPages(entries, entries.length)[0], key);
      }
    }
    for (const key of tombstones) if (!needed.has(keyText(key))) os.delete(key);
  };
}
