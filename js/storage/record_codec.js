// The stored form of a record (format 1): bytes, not a structured-clone object tree. IndexedDB
// clones a Uint8Array with one copy, where an object tree costs a walk per field both ways; and
// hydrate hands the bytes on as text (js/core.js restoreAdd) without JSON.parse in JS.
//
//   offset 0  'S' 'R' 0x01 0x00   magic, format version, reserved
//   offset 4  u32 LE              CRC-32 of `${store}\0${JSON key}\0` followed by the payload
//   offset 8  payload             the record's value as UTF-8 JSON text (the core's own text)
//
// The store and key are inside the checksum, so a record that ends up under another key fails
// too. A checksum, not a defence against tampering. Records of the previous forms (objects with
// or without a `$checksum` field, js/storage/checksum.js) still open; the adapter rewrites them
// in this form once (js/storage/record_migration.js).
import { openValue } from './checksum.js';

export const FORMAT_VERSION = 1;
const HEADER = 8;
const MAGIC0 = 0x53; // 'S'
const MAGIC1 = 0x52; // 'R'

// CRC-32 (IEEE 802.3, reflected 0xEDB88320), the checksum of zip and PNG: it catches every burst
// of up to 32 flipped bits, which a torn page or a bad sector produces. Slicing by 8 (eight
// tables, eight bytes a step): the byte-at-a-time loop took ~3x as long on 1 KB records.
const CRC_TABLES = (() => {
  const t = new Int32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) for (let k = 1; k < 8; k++) t[k * 256 + n] = t[(k - 1) * 256 + n] >>> 8 ^ t[t[(k - 1) * 256 + n] & 0xff];
  return t;
})();

/** CRC-32 of bytes[from, to), continuing from `crc` (the value of an earlier call, or 0). */
export function crc32(bytes, from = 0, to = bytes.length, crc = 0) {
  const t = CRC_TABLES;
  let c = ~crc;
  let i = from;
  for (; i + 8 <= to; i += 8) {
    const lo = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    c = t[1792 + (lo & 0xff)] ^ t[1536 + ((lo >>> 8) & 0xff)] ^ t[1280 + ((lo >>> 16) & 0xff)] ^ t[1024 + (lo >>> 24)] ^
      t[768 + bytes[i + 4]] ^ t[512 + bytes[i + 5]] ^ t[256 + bytes[i + 6]] ^ t[bytes[i + 7]];
  }
  for (; i < to; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const encoder = new TextEncoder();
let scratch = new Uint8Array(64 * 1024);
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The key as text, as the checksum covers it (Dates by their time). */
export const keyText = (key) => JSON.stringify(key instanceof Date ? { date: key.getTime() } : key);

// A nonzero flag byte (3: the core's canonical text, written by wasm/persist_records.cpp) is
// covered too, so a flipped flag fails the check; flag 0 keeps format 1's checksum as it was.
function recordCrc(store, key, bytes) {
  const prefix = encoder.encode(`${store}\0${keyText(key)}\0`);
  const start = bytes[3] !== 0 ? crc32(bytes, 3, 4, crc32(prefix)) : crc32(prefix);
  return crc32(bytes, HEADER, bytes.length, start);
}

/** Whether a stored value is in this form. */
export function isEncoded(stored) {
  return stored instanceof Uint8Array && stored.length >= HEADER && stored[0] === MAGIC0 && stored[1] === MAGIC1;
}

// JSON.stringify drops a function or undefined without a word, where the structured clone the
// earlier form used refused it: a record that would not read back as written fails its write.
function checkJsonSafe(value, store, depth = 0) {
  const type = typeof value;
  if (type === 'string' || type === 'boolean' || value === null) return;
  if (type === 'number') {
    if (Number.isFinite(value)) return;
  } else if (type === 'object' && depth < 1000 && (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    if (Array.isArray(value)) for (const v of value) checkJsonSafe(v, store, depth + 1);
    else for (const k in value) checkJsonSafe(value[k], store, depth + 1);
    return;
  }
  throw new TypeError(`a ${store} record holds a value JSON cannot carry (${type === 'object' ? Object.prototype.toString.call(value) : type})`);
}

/**
 * The stored form of one record: a Uint8Array of its own (a view into a larger buffer would be
 * cloned whole by IndexedDB). Throws a TypeError for a value JSON cannot carry.
 */
export function encodeRecord(store, key, value) {
  checkJsonSafe(value, store);
  const text = JSON.stringify(value);
  // At most 3 bytes per UTF-16 unit; encodeInto fills a reused buffer in one pass, then one copy.
  const need = HEADER + text.length * 3;
  if (scratch.length < need) scratch = new Uint8Array(Math.max(need, scratch.length * 2));
  const { written } = encoder.encodeInto(text, scratch.subarray(HEADER, need));
  const bytes = scratch.slice(0, HEADER + written);
  bytes[3] = 0;
  bytes[0] = MAGIC0;
  bytes[1] = MAGIC1;
  bytes[2] = FORMAT_VERSION;
  writeCrc(bytes, recordCrc(store, key, bytes));
  return bytes;
}

const readCrc = (bytes) => (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24)) >>> 0;
function writeCrc(bytes, crc) {
  bytes[4] = crc & 0xff;
  bytes[5] = (crc >>> 8) & 0xff;
  bytes[6] = (crc >>> 16) & 0xff;
  bytes[7] = (crc >>> 24) & 0xff;
}

/** The payload (JSON text as UTF-8) of an encoded record. */
export const payloadOf = (bytes) => bytes.subarray(HEADER);

/** The value of an encoded record (its checksum not checked). */
export const decodeValue = (bytes) => JSON.parse(decoder.decode(payloadOf(bytes)));

// Read by js/core.js restoreAdd: the record's restore line, built from the stored text.
const RESTORE_LINE = Symbol.for('syncore.restoreLine');
const STORED_RECORD = Symbol.for('syncore.storedRecord');

/**
 * { store, key, value } whose value is decode()d on its first read (js/storage/sealed_records.js
 * too); decoded() says whether it was read or set since, after which the stored bytes no longer
 * speak for it; onSet runs when something sets the value.
 */
export function lazyValueRecord(store, key, decode, onSet) {
  let value;
  let decoded = false;
  const record = { store, key };
  Object.defineProperty(record, 'value', {
    enumerable: true,
    configurable: true,
    get() {
      if (!decoded) {
        value = decode();
        decoded = true;
      }
      return value;
    },
    set(v) {
      value = v;
      decoded = true;
      onSet?.();
    },
  });
  return { record, decoded: () => decoded };
}

/**
 * A record as readAll hands it out: { store, key, value } with `value` decoded on first read, so
 * a hydrate that only restores never parses it in JS; the core gets the stored text instead.
 */
export function lazyRecord(store, key, bytes) {
  const { record, decoded } = lazyValueRecord(store, key, () => decodeValue(bytes));
  // Read by js/stored_restore.js: the stored parts, which wasm copies into its memory as they are.
  Object.defineProperty(record, STORED_RECORD, {
    enumerable: false,
    value: () => (decoded() || key instanceof Date ? null : { store, key, bytes }),
  });
  Object.defineProperty(record, RESTORE_LINE, {
    enumerable: false,
    // Once the value was read (and perhaps changed) the text no longer speaks for it.
    value: () => (decoded() ? null : `{"store":${JSON.stringify(store)},"key":${JSON.stringify(key)},"value":${decoder.decode(payloadOf(bytes))}}`),
  });
  return record;
}

/**
 * A stored value checked and opened: { state: 'ok' | 'legacy' | 'bad', value?, bytes? }.
 * 'ok' with bytes: this form, checksum right (value left to the caller: lazyRecord). 'legacy': a
 * record of an earlier form (an object, sealed or not) whose checksum, if any, is right; it
 * loads, and is rewritten in this form. 'bad': the checksum does not match, or the bytes are not
 * text: torn or corrupt.
 */
export function openStored(store, key, stored) {
  if (!isEncoded(stored)) {
    const { state, value } = openValue(store, key, stored);
    return { state: state === 'bad' ? 'bad' : 'legacy', value };
  }
  if (stored[2] !== FORMAT_VERSION || readCrc(stored) !== recordCrc(store, key, stored)) return { state: 'bad', bytes: stored };
  return { state: 'ok', bytes: stored };
}

/** The value a stored record holds, whatever its form (undefined when unreadable). */
export function storedValue(stored) {
  if (!isEncoded(stored)) return openValue('', '', stored).value;
  try {
    return decodeValue(stored);
  } catch {
    return undefined;
  }
}

/**
 * For tools and tests that look at the raw database: an encoded record shown as the earlier form
 * showed it, its value with the stored checksum as `$checksum` (8 hex digits); other forms as they
 * are. undefined for bytes that are not JSON text.
 */
export function inspectStored(stored) {
  if (!isEncoded(stored)) return stored;
  const value = storedValue(stored);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return { ...value, $checksum: readCrc(stored).toString(16).padStart(8, '0') };
}

/**
 * The inverse of inspectStored, checksum untouched, as a torn write or a disk fault leaves a
 * record: an object with `$checksum` becomes this form carrying that checksum; anything else is
 * stored as given (the earlier, unsealed form).
 */
export function storedFromInspected(view) {
  if (view === null || typeof view !== 'object' || Array.isArray(view) || !Object.prototype.hasOwnProperty.call(view, '$checksum')) return view;
  const { $checksum, ...value } = view;
  const bytes = encodeRecord('', '', value);
  writeCrc(bytes, Number.parseInt($checksum, 16) >>> 0);
  return bytes;
}
