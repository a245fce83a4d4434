// Restore of records read in their stored form (js/storage/record_codec.js): their bytes go to
// the wasm side through the registry of wasm/idb_library.js, which copies each straight into
// wasm memory, where wasm/stored_restore.cpp checks its CRC-32 and hands its text to the core.
// No JSON.parse and no JSON.stringify of a value in JS, no per-character string glue.

const STORED_RECORD = Symbol.for('syncore.storedRecord');
const encoder = new TextEncoder();
const storeNames = new Map();

/** { store, key, bytes } of a record read in its stored form and not changed since, or null. */
export const storedPartsOf = (record) => record?.[STORED_RECORD]?.() ?? null;

/** Whether this wasm build restores stored records (wasm/idb_library.js linked in). */
export const restoresStored = (handle) => typeof handle?.restoreAddStored === 'function';

/**
 * Adds `parts` (storedPartsOf each record, in order) to the handle's restore session; returns
 * the positions (in `parts`) whose checksum failed. `value` unwraps the call's envelope.
 */
export function restoreStored(module, handle, parts, value) {
  const registry = new Array(parts.length * 3);
  for (let i = 0; i < parts.length; i++) {
    const { store, key, bytes } = parts[i];
    let name = storeNames.get(store);
    if (!name) storeNames.set(store, (name = encoder.encode(store)));
    registry[3 * i] = name;
    registry[3 * i + 1] = encoder.encode(JSON.stringify(key));
    registry[3 * i + 2] = bytes;
  }
  module.idbRestore = registry;
  try {
    return value(handle.restoreAddStored());
  } finally {
    module.idbRestore = null;
  }
}
