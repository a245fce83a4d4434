// Restore of records read in their stored form (js/storage/record_codec.js), for
// SyncCore.restoreAdd (js/core.js). Their bytes go to the wasm side through the registry of
// wasm/idb_library.js, which copies each straight into wasm memory, where
// wasm/stored_restore.cpp checks its CRC-32 and hands its text to the core: no JSON.parse or
// JSON.stringify of a value in JS, no per-character string glue. A wasm build without the
// library gets each record's stored text as its line instead.
import { ErrorCodes } from './errors.js';

const STORED_RECORD = Symbol.for('syncore.storedRecord');
const RESTORE_LINE = Symbol.for('syncore.restoreLine');
const encoder = new TextEncoder();
const storeNames = new Map();

/** Puts `parts` in the registry for one restoreAddStored call; the positions whose checksum failed. */
function restoreStored(module, handle, parts, value) {
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
  module.idbRestore = registry;
  try {
    return value(handle.restoreAddStored());
  } finally {
    module.idbRestore = null;
  }
}

/**
 * The stored-form half of one restoreAdd call. take(r): r went this way (counted in the
 * session); flush(): send what was taken (before a record goes the text way, and at the end);
 * lineOf(r): a stored record's line text when this build cannot take it, else null.
 * @param {{ module: object, handle: object, session: { added: number, refused: object[] },
 *   chunkChars: number, flushLines: () => void, value: (text: string) => unknown }} parts
 */
export function storedRestore({ module, handle, session, chunkChars, flushLines, value }) {
  const enabled = typeof handle?.restoreAddStored === 'function';
  let pending = [];
  let bytes = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const first = session.added - pending.length;
    for (const i of restoreStored(module, handle, pending, value)) {
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
