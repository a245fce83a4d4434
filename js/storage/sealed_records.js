// The write direction of IndexedDB through wasm/idb_library.js (issue 15 item 1; docs/storage.md).
// With sealing on (a client whose storage is IndexedDB), the core's wasm side seals every record a
// commit persists in wasm memory (wasm/persist_records.cpp: the stored form of
// docs/record_format.md, CRC-32 included) and the commit names it { store, key, sealed: id }
// instead of carrying its value. Here each such record becomes { store, key, value } again, with
// `value` read (from wasm) only if something reads it: storage that needs values (memory) gets
// them; IndexedDB gets the sealed bytes straight from wasm memory (writeSealed), so a write costs
// no JSON.parse, JSON.stringify, TextEncoder or CRC-32 in JS. The completion callback
// (settleSealed) tells the wasm side how each group commit's write ended: stored, the bytes go;
// failed (quota, a closed or deleted database), they stay for the retry.
import { SyncError } from '../errors.js';

const SEALED = Symbol.for('syncore.sealedRecord');
const decoder = new TextDecoder();

/** Failure codes the wasm side keeps (persistStats().lastFailure). */
export const SEAL_OK = 0;
export const SEAL_QUOTA = 1;
export const SEAL_FAILED = 2;

/**
 * Turns sealing on or off for a core's handle; the sealer attachSealed needs, or null when off or
 * when this wasm build has no sealed write direction.
 */
export function sealing(handle, on) {
  if (typeof handle?.persistSeal !== 'function' || typeof handle.persistWrite !== 'function') return null;
  handle.persistSeal(Boolean(on));
  return on ? { handle } : null;
}

/**
 * A sealed put record: { store, key, value } with `value` read from wasm (or, once the wasm side
 * let the bytes go, from the copy IndexedDB was given) only when something reads it. A class with
 * the value on the prototype: every persisted record of every commit is one, and an object given
 * an accessor of its own (defineProperty, closures) costs several times as much to make (W4).
 * JSON.stringify sees all three (toJSON).
 */
class SealedRecord {
  #ref;
  #value = undefined;
  #decoded = false;

  constructor(ref) {
    this.store = ref.store;
    this.key = ref.key;
    this.#ref = ref;
  }

  get value() {
    if (!this.#decoded) {
      const ref = this.#ref;
      const text = ref.sealer.handle.persistText(ref.release);
      // Released (its group is durable): the copy IndexedDB was given, when this one was written.
      if (text !== '') this.#value = JSON.parse(text);
      else this.#value = ref.bytes ? JSON.parse(decoder.decode(ref.bytes.subarray(8))) : undefined;
      this.#decoded = true;
    }
    return this.#value;
  }

  set value(v) {
    this.#value = v;
    this.#decoded = true;
    this.#ref.id = 0; // changed by the app: the sealed bytes no longer speak for it
  }

  toJSON() {
    return { store: this.store, key: this.key, value: this.value };
  }

  get [SEALED]() {
    return this.#ref;
  }
}

/** Replaces, in a commit's effects, each sealed put record by a record whose value is read lazily. */
export function attachSealed(effects, sealer) {
  for (let e = 0; e < effects.length; e++) {
    const effect = effects[e];
    if (effect.type !== 'persist' || !Array.isArray(effect.put)) continue;
    const put = effect.put;
    for (let i = 0; i < put.length; i++) {
      const r = put[i];
      if (typeof r?.sealed === 'number') put[i] = new SealedRecord({ sealer, store: r.store, key: r.key, id: r.sealed, release: r.sealed, bytes: null });
    }
  }
}

/** The sealed part of a record: { sealer, store, key, id, bytes }, or null. */
export const sealedOf = (record) => {
  const ref = record?.[SEALED];
  return ref && ref.id > 0 ? ref : null;
};

/**
 * Puts the sealed records in `tx` (an open readwrite transaction) from wasm memory, through the
 * library's syncore_idb_put (and syncore_idb_put_page: a burst of new outbox entries goes as one
 * page, whose seqs are added to `paged`). Throws (the caller aborts the transaction) when the wasm
 * side no longer holds one or IndexedDB refused a request.
 */
export function writeSealed(tx, records, paged = null) {
  const bySealer = new Map();
  for (const r of records) {
    const ref = sealedOf(r);
    let list = bySealer.get(ref.sealer);
    if (!list) bySealer.set(ref.sealer, (list = []));
    list.push(ref);
  }
  for (const [sealer, refs] of bySealer) {
    const write = { tx, records: refs, error: null, paged };
    const handed = sealer.handle.persistWrite(write, refs.map((ref) => ref.id).join(','));
    if (handed !== refs.length) {
      if (write.error) throw write.error;
      throw new SyncError('STORAGE_FAILED', 'a sealed record was no longer held by the core');
    }
  }
}

function idsBySealer(effect) {
  const out = new Map();
  const parts = effect?.parts ?? [effect];
  for (const part of parts) {
    for (const r of part?.put ?? []) {
      const ref = r?.[SEALED];
      if (!ref) continue;
      let ids = out.get(ref.sealer);
      if (!ids) out.set(ref.sealer, (ids = []));
      ids.push(ref.release);
    }
  }
  return out;
}

/**
 * The completion callback into wasm for one persist effect (a group commit's write, with every
 * commit it stands for): err undefined, it is durable and its sealed bytes go; else they stay.
 */
export function settleSealed(effect, err) {
  const code = err === undefined ? SEAL_OK : err?.code === 'STORAGE_QUOTA' ? SEAL_QUOTA : SEAL_FAILED;
  for (const [sealer, ids] of idsBySealer(effect)) {
    try {
      sealer.handle.persistSettled(ids.join(','), code);
    } catch {
      // the core was closed meanwhile: nothing left to release
    }
  }
}
