// Confirmed entities kept in pages (issue 15 item 1, W5; docs/record_format.md "Pages"): many
// entity records in one IndexedDB value, so a hydrate reads a few hundred values instead of one
// per entity. Each entry keeps its own stored form (record_codec.js, CRC-32 over store, key and
// text), so a page torn in one entry loses that entry only.
//
//   page value, under a number key in the entities store (entity keys are arrays: no clash)
//   offset 0  'S' 'P' 0x01 0x00   magic, page format 1, reserved
//   offset 4  u32 LE              entry count
//   then per entry: u32 LE key length, the key as JSON text, u32 LE record length, the record's
//   stored bytes ('S' 'R' 0x01 0x00, CRC-32, JSON text)
//
// Writes stay one record per entity (a group commit puts what it changed, sealed in wasm): the
// newest word on an entity is its own record, which shadows the page's copy. An entity deleted
// while pages exist leaves a tombstone ('S' 'T' 0x01 0x00) that shadows it too. compactPages
// folds loose records and tombstones into fresh pages in one readwrite transaction that reads
// what is there at that moment (another tab's writes included): this is also the one-way
// migration from one record per entity.
import { keyText } from './record_codec.js';

const PAGE_MAGIC = [0x53, 0x50, 1, 0];
const TOMBSTONE_MAGIC = [0x53, 0x54, 1, 0];
const STORE = 'entities';
const utf8 = new TextEncoder();
const text = new TextDecoder();
const storeBytes = utf8.encode(STORE);

/**
 * readAll's half for the entities store: take(key, value) keeps pages and counts loose records
 * (true when the value was a page or a tombstone, nothing more to do with it); records(bad) then
 * hands out the page entries no loose record or tombstone shadows, and adds each page's torn rest
 * to `bad`.
 */
export class EntityPageReader {
  constructor() {
    this._pages = [];
    this._shadowed = new Set(); // key texts of entities with a record or tombstone of their own
    this._loose = 0;
    this._torn = false;
  }

  take(key, value) {
    // Page keys are numbers and sort first: the pages are known before any loose record.
    if (isPage(key, value)) {
      this._pages.push([key, value]);
      return true;
    }
    this._loose++;
    if (this._pages.length > 0) this._shadowed.add(keyText(key));
    return isTombstone(value);
  }

  /** A loose entity record's key (its own record or a tombstone), known before the pages are read. */
  shadow(key) {
    this._loose++;
    this._shadowed.add(keyText(key));
  }

  records(bad) {
    const out = [];
    for (const [pageKey, page] of this._pages) this.pageRecords(pageKey, page, bad, out);
    return out;
  }

  /** Adds to `out` the entries of one page no loose record shadows; its torn rest goes to `bad`. */
  pageRecords(pageKey, page, bad, out) {
    if (!isPage(pageKey, page)) {
      // A number key holds only pages; anything else there is unreadable as a whole.
      bad.push({ store: STORE, key: pageKey, value: page, pageRest: true });
      return;
    }
    const shadowed = this._shadowed;
    const { entries, torn, rest } = pageEntries(page);
    for (const entry of entries) if (shadowed.size === 0 || !shadowed.has(entryKeyText(entry))) out.push(pageRecord(entry));
    if (torn) {
      this._torn = true;
      bad.push({ store: STORE, key: pageKey, value: rest, pageRest: true });
    }
  }

  /** Whether to fold the store into pages again: many loose records, or a page with a torn rest. */
  get shouldCompact() {
    return this._loose >= COMPACT_AT || this._torn;
  }
}

/** Entries per page: measured with bench/durable_storage.mjs (docs/storage.md). */
export const PAGE_ENTRIES = 256;
/** Loose entity records (and tombstones) that make a start fold them into pages. */
export const COMPACT_AT = 256;

export const hasMagic = (v, magic) => v instanceof Uint8Array && v.length >= 4 && v[0] === magic[0] && v[1] === magic[1] && v[2] === magic[2];

export { PAGE_MAGIC };
/** Whether an entities-store value under `key` is a page. */
export const isPage = (key, value) => typeof key === 'number' && hasMagic(value, PAGE_MAGIC);
/** Whether a stored value is an entity's tombstone. */
export const isTombstone = (value) => hasMagic(value, TOMBSTONE_MAGIC) && value.length === 4;
/** A fresh tombstone value. */
export const tombstone = () => Uint8Array.from(TOMBSTONE_MAGIC);

const u32 = (b, at) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
function putU32(b, at, v) {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

/**
 * The entries of a page, as views into it: { store, key: undefined, keyBytes, bytes }[]; `torn` is set when the framing
 * breaks (the rest of the page cannot be told apart), with `rest`: the bytes from there on.
 */
export function pageEntries(page, store = STORE) {
  const entries = [];
  const count = u32(page, 4);
  let at = 8;
  for (let i = 0; i < count; i++) {
    if (at + 4 > page.length) return { entries, torn: true, rest: page.subarray(at) };
    const keyLength = u32(page, at);
    const keyAt = at + 4;
    if (keyAt + keyLength + 4 > page.length) return { entries, torn: true, rest: page.subarray(at) };
    const length = u32(page, keyAt + keyLength);
    const bytesAt = keyAt + keyLength + 4;
    if (bytesAt + length > page.length) return { entries, torn: true, rest: page.subarray(at) };
    // As js/stored_restore.js takes a stored record's parts (key undefined: keyBytes is its text).
    entries.push({ store, key: undefined, keyBytes: page.subarray(keyAt, keyAt + keyLength), bytes: page.subarray(bytesAt, bytesAt + length) });
    at = bytesAt + length;
  }
  return { entries, torn: false, rest: null };
}

/** Pages of `entries` ({ keyBytes, bytes }), PAGE_ENTRIES each (each page a buffer of its own). */
export function buildPages(entries, perPage = PAGE_ENTRIES) {
  const pages = [];
  for (let from = 0; from < entries.length; from += perPage) {
    const slice = entries.slice(from, from + perPage);
    let size = 8;
    for (const e of slice) size += 8 + e.keyBytes.length + e.bytes.length;
    const page = new Uint8Array(size);
    page.set(PAGE_MAGIC, 0);
    putU32(page, 4, slice.length);
    let at = 8;
    for (const e of slice) {
      putU32(page, at, e.keyBytes.length);
      page.set(e.keyBytes, at + 4);
      at += 4 + e.keyBytes.length;
      putU32(page, at, e.bytes.length);
      page.set(e.bytes, at + 4);
      at += 4 + e.bytes.length;
    }
    pages.push(page);
  }
  return pages;
}

/** The key text of a page entry (what its checksum covers). */
export const entryKeyText = (entry) => text.decode(entry.keyBytes);
export { storeBytes as entityStoreBytes };

/**
 * Folds the entities store into pages, in `tx` (readwrite on entities): what it holds now is read,
 * loose records win over page copies, tombstones drop both, and the store is rewritten as pages
 * only. Calls done(pages written) once the requests are made.
 */
export function compactPages(tx, done, perPage = PAGE_ENTRIES) {
  const os = tx.objectStore(STORE);
  const keys = os.getAllKeys();
  const values = os.getAll();
  values.onsuccess = () => {
    const loose = new Map(); // key text -> bytes | null (tombstone)
    const paged = [];
    for (let i = 0; i < keys.result.length; i++) {
      const key = keys.result[i];
      const value = values.result[i];
      if (isPage(key, value)) {
        const { entries } = pageEntries(value);
        // A torn rest (framing broken) was quarantined by readAll; it is not carried over.
        paged.push(...entries);
      } else if (isTombstone(value)) loose.set(keyText(key), null);
      else if (value instanceof Uint8Array) loose.set(keyText(key), value);
      // Anything else (an earlier form) stays where it is: readAll migrates it first.
      else continue;
      os.delete(key);
    }
    const entries = [];
    for (const e of paged) if (!loose.has(entryKeyText(e))) entries.push(e);
    for (const [k, bytes] of loose) if (bytes instanceof Uint8Array) entries.push({ keyBytes: utf8.encode(k), bytes });
    const pages = buildPages(entries, perPage);
    pages.forEach((page, i) => os.put(page, i + 1));
    done(pages.length);
  };
}

const STORED_RECORD = Symbol.for('syncore.storedRecord');
const RESTORE_LINE = Symbol.for('syncore.restoreLine');
const IN_PAGE = Symbol.for('syncore.inPage');

const lineOf = (entry) => `{"store":"${entry.store}","key":${entryKeyText(entry)},"value":${text.decode(entry.bytes.subarray(8))}}`;

/**
 * A page entry as readAll hands it out: { store, key, value }, key and value read only when
 * something asks (a restore hands the bytes to wasm, which checks the checksum). A class with its
 * key and value on the prototype: a hydrate makes one per entity, and an object given accessors
 * of its own (defineProperty, closures) cost several times as much to make (W5). JSON.stringify
 * sees all three (toJSON).
 */
class PageRecord {
  #entry;
  #key = undefined;
  #value = undefined;
  #decoded = false;

  constructor(entry) {
    this.store = entry.store;
    this.#entry = entry;
  }

  get key() {
    if (this.#key === undefined) this.#key = JSON.parse(entryKeyText(this.#entry));
    return this.#key;
  }

  get value() {
    if (!this.#decoded) {
      try {
        this.#value = JSON.parse(text.decode(this.#entry.bytes.subarray(8)));
      } catch {
        this.#value = undefined;
      }
      this.#decoded = true;
    }
    return this.#value;
  }

  set value(v) {
    this.#value = v;
    this.#decoded = true;
  }

  toJSON() {
    return { store: this.store, key: this.key, value: this.value };
  }

  get [IN_PAGE]() {
    return true;
  }

  /** What js/stored_restore.js copies into wasm: the entry ({ store, key, keyBytes, bytes }). */
  [STORED_RECORD]() {
    return this.#decoded ? null : this.#entry;
  }

  [RESTORE_LINE]() {
    return this.#decoded ? null : lineOf(this.#entry);
  }

  /** The entry's stored bytes (for the quarantine). */
  get storedBytes() {
    return this.#entry.bytes;
  }
}

/** A page entry ({ store, key, keyBytes, bytes } of pageEntries; entities or outbox) as a record. */
export const pageRecord = (entry) => new PageRecord(entry);

/** Whether a record readAll handed out came from a page; its stored bytes. */
export const inPage = (record) => record?.[IN_PAGE] === true;
export const pageStored = (record) => record.storedBytes;
