// SyncCore's chunked restore (restoreBegin / restoreAdd / restoreFinish in js/core.js): one
// RestoreSession per restore. Records read in their stored form (js/storage/record_codec.js) go
// to the wasm side through the handle's restoreAddStored(registry) (js/wasm_text.js puts the
// registry where wasm/idb_library.js copies each record straight into wasm memory, and
// wasm/stored_restore.cpp checks its CRC-32 and hands its text to the core): no JSON.parse or
// JSON.stringify of a value in JS, no per-character string glue. A wasm build without the
// library gets each record's stored text as its line instead; other records cross as JSON text,
// one a line.
import { ErrorCodes } from './errors.js';
import { toJson } from './args.js';

/** JSON text per restoreAdd crossing (UTF-16 units: at most 3x as many bytes in wasm). */
export const RESTORE_CHUNK_CHARS = 4 * 1024 * 1024;

const STORED_RECORD = Symbol.for('syncore.storedRecord');
const RESTORE_LINE = Symbol.for('syncore.restoreLine');
const encoder = new TextEncoder();
const storeNames = new Map();

/** `parts` as the registry of one restoreAddStored call; the positions whose checksum failed. */
function restoreStored(handle, parts, value) {
  const registry = new Array(parts.length * 3);
  for (let i = 0; i < parts.length; i++) {
    const { store, key, keyBytes, bytes } = parts[i];
    let name = storeNames.get(store);
    if (!name) storeNames.set(store, (name = encoder.encode(store)));
    registry[3 * i] = name;
    // A page entry (js/storage/entity_pages.js) carries its key text as stored.
    registry[3 * i + 1] = keyBytes ?? encoder.encode(JSON.stringify(key));
    registry[3 * i + 2] = bytes;
  }
  return value(handle.restoreAddStored(registry));
}

/**
 * The stored-form half of one restoreAdd call (RestoreSession.add). take(r): r went this way (counted in the
 * session); flush(): send what was taken (before a record goes the text way, and at the end);
 * lineOf(r): a stored record's line text when this build cannot take it, else null.
 * @param {{ handle: object, session: { added: number, refused: object[] },
 *   chunkChars: number, flushLines: () => void, value: (text: string) => unknown }} parts
 */
function storedRestore({ handle, session, chunkChars, flushLines, value }) {
  const enabled = typeof handle?.restoreAddStored === 'function';
  let pending = [];
  let bytes = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const first = session.added - pending.length;
    for (const i of restoreStored(handle, pending, value)) {
      session.refused.push({ type: 'record-refused', index: first + i, store: pending[i].store, key: pending[i].key,
        code: ErrorCodes.CORRUPT_RECORD, message: 'checksum mismatch: the record is torn or corrupt' });
    }
    pending = [];
    bytes = 0;
  };
  return {
    take(record) {
      const parts = enabled ? record?.[STORED_RECORD]?.() : null;
      if (!parts) return false;
      flushLines();
      if (pending.length > 0 && bytes + parts.bytes.length > chunkChars) flush();
      pending.push(parts);
      bytes += parts.bytes.length;
      session.added++;
      return true;
    },
    flush,
    lineOf: (record) => record?.[RESTORE_LINE]?.() ?? null,
  };
}

/**
 * One restore, from restoreBegin to restoreFinish. value(text): a call's answer (throws its
 * SyncError). Records the core refuses come back in the finish's events; records that cannot be
 * written as JSON at all are refused here, in the same events, and keep their index.
 */
export class RestoreSession {
  constructor(value) {
    this._value = value;
    this.added = 0;
    this.refused = [];
  }

  /** records ({ store, key, value }) into wasm in chunks of at most chunkChars; how many so far. */
  add(handle, records, chunkChars) {
    let lines = [];
    let chars = 0;
    const send = () => {
      if (lines.length > 0) this._value(handle.restoreAdd(lines.join('\n')));
      lines = [];
      chars = 0;
    };
    // Records read in their stored form go to wasm as bytes, in order with the rest.
    const stored = storedRestore({ handle, session: this, chunkChars, flushLines: send, value: this._value });
    for (const r of records) {
      if (stored.take(r)) continue;
      stored.flush();
      let text;
      try {
        text = stored.lineOf(r) ?? toJson(r, 'record');
      } catch (err) {
        // Still counted: the core's indexes and the caller's stay the same.
        this.refused.push({ type: 'record-refused', index: this.added, store: r?.store ?? '', key: r?.key ?? null,
          code: err.code ?? ErrorCodes.BAD_JSON, message: String(err.message ?? err).replace(/^[A-Z_]+: /, '') });
        text = 'null';
      }
      if (lines.length > 0 && chars + text.length > chunkChars) send();
      lines.push(text);
      chars += text.length + 1;
      this.added++;
    }
    stored.flush();
    send();
    return this.added;
  }

  /**
   * restoreFinish's argument and the adjustment of its commit, for a session (or none, when
   * restoreBegin was not called): a refused entity record counts as entities lost.
   */
  static finishing(session, entitiesLost) {
    const lostHere = session?.refused.some((r) => r.store === 'entities') ?? false;
    const adjust = (commit) => {
      if (!session || session.refused.length === 0) return;
      const mine = new Set(session.refused.map((r) => r.index));
      // The core refused the placeholder these records became; they keep their own reason.
      commit.events = [...(commit.events ?? []).filter((e) => !(e.type === 'record-refused' && mine.has(e.index))), ...session.refused];
    };
    return { entitiesLost: Boolean(entitiesLost) || lostHere, adjust };
  }
}
