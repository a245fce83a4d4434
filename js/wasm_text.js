// The core's handle as js/core.js calls it: the embind CoreHandle, except that the hot calls
// (mutate, apply, applyChanges) move their text through wasm memory themselves. The request's
// UTF-8 goes straight into the core's input buffer (TextEncoder.encodeInto on HEAPU8) and the
// answer is decoded in place (TextDecoder on a HEAPU8 view): embind's std::string glue measures
// and copies every string character by character each way. Each hot call is still one crossing,
// string in and string out, so a wrapHandle test seam sees the same calls and answers as before.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const FIRST_INPUT_BYTES = 16 * 1024;
// A request or answer over this many bytes (a load, a catch-up chunk) does not keep its buffer.
const KEEP_BYTES = 1 << 20;
// Where the core's Io struct keeps its fields (wasm/core_handle.hpp), in 32-bit words.
const OUT_PTR = 0;
const IN_PTR = 2;
const IN_CAP = 3;
const NUMBERS_PTR = 4;

/** mutate flags (CoreHandle::kWithView, kViewKnown, kNumbers). */
export const WITH_VIEW = 1;
export const VIEW_KNOWN = 2;
export const NUMBERS = 4;

// A plain local write's numbers (src/wire/local_write_numbers.hpp's LocalWriteSlot), in doubles.
const VIEW_FROM_REQUEST = 0;
const HOW = 1;
const MUTATION_NUMBER = 2;
const CURSOR = 3;
const TEXT_PARTS = 9;
const NOTIFY_COUNT = 10;
const NOTIFY_FIRST = 11;
const EFFECTS_TEXT = 4; // LocalWriteText::kEffectsText

export class WasmTextHandle {
  constructor(wasmModule) {
    this._module = wasmModule;
    this._raw = new wasmModule.CoreHandle();
    this._io = this._raw.ioAddress() >>> 2;
    this._inPtr = 0;
    this._inCap = 0;
    this._inView = null;
    this._clientId = null; // the client id the last numbers answer carried
    delegateColdCalls(wasmModule.CoreHandle.prototype);
  }

  /**
   * The mutate's envelope text (flags: WITH_VIEW | VIEW_KNOWN | NUMBERS); with NUMBERS (request:
   * the request object the text was made from), a plain local write answers instead the short
   * answer as js/local_write_answer.js reads it, an array, made from numbers read in place.
   */
  mutate(text, nowMs, flags, request) {
    const bytes = this._write(text);
    const answer = this._raw.mutateIn(bytes, nowMs, flags);
    return answer >= 0 ? this._read(answer) : this._localWrite(-1 - answer, request);
  }

  /** A server batch's envelope text. */
  apply(text, nowMs) {
    const bytes = this._write(text);
    return this._read(this._raw.applyIn(bytes, nowMs));
  }

  /** Server changes one a line (cursor NaN: none). */
  applyChanges(text, cursor, nowMs) {
    const bytes = this._write(text);
    return this._read(this._raw.applyChangesIn(bytes, cursor, nowMs));
  }

  delete() {
    this._raw.delete();
  }

  /** Bytes the wasm heap's malloc holds (W7, bench/memory.mjs); the linear memory's size when the build has no mallinfo. */
  heapBytesInUse() {
    return this._module.heapBytesInUse ? this._module.heapBytesInUse() : this._module.HEAP8.buffer.byteLength;
  }

  // The numeric path (W6's one small call): no extra hop through the generic delegate.
  count(collection) {
    return this._raw.count(collection);
  }

  compact(collection, upToVersion) {
    return this._raw.compact(collection, upToVersion);
  }

  // The text's UTF-8 bytes into the input buffer; returns how many. HEAPU8 is taken again after
  // every call that may grow the memory (a grown memory detaches the old views).
  _write(text) {
    if (!text.isWellFormed()) return this._writeLoneSurrogates(text);
    if (text.length > this._inCap) this._reserve(Math.max(text.length + 64, FIRST_INPUT_BYTES));
    let { read, written } = encoder.encodeInto(text, this._input());
    while (read < text.length) {
      // Characters beyond ASCII took more bytes than the text has units: room for the rest.
      this._reserve(written + (text.length - read) * 3);
      const more = encoder.encodeInto(text.substring(read), this._module.HEAPU8.subarray(this._inPtr + written, this._inPtr + this._inCap));
      read += more.read;
      written += more.written;
    }
    return written;
  }

  // Raw text with a lone surrogate (JSON.stringify never writes one): encodeInto would make it
  // U+FFFD and the core would take it; written as its three bytes, as embind's glue wrote it, it
  // stays invalid UTF-8 and the core refuses it (BAD_JSON), in that one change only.
  _writeLoneSurrogates(text) {
    this._reserve(Math.max(text.length * 3, FIRST_INPUT_BYTES));
    const heap = this._module.HEAPU8;
    let at = this._inPtr;
    for (const ch of text) {
      const code = ch.codePointAt(0);
      if (code < 0x80) heap[at++] = code;
      else if (code < 0x800) {
        heap[at++] = 0xc0 | (code >> 6);
        heap[at++] = 0x80 | (code & 63);
      } else if (code < 0x10000) {
        heap[at++] = 0xe0 | (code >> 12);
        heap[at++] = 0x80 | ((code >> 6) & 63);
        heap[at++] = 0x80 | (code & 63);
      } else {
        heap[at++] = 0xf0 | (code >> 18);
        heap[at++] = 0x80 | ((code >> 12) & 63);
        heap[at++] = 0x80 | ((code >> 6) & 63);
        heap[at++] = 0x80 | (code & 63);
      }
    }
    return at - this._inPtr;
  }

  // The input buffer as bytes, made again only when it moved or the memory grew (a view per
  // call cost an allocation on every write).
  _input() {
    const heap = this._module.HEAPU8;
    if (this._inView === null || this._inView.buffer !== heap.buffer) this._inView = heap.subarray(this._inPtr, this._inPtr + this._inCap);
    return this._inView;
  }

  _reserve(bytes) {
    this._inView = null;
    this._raw.reserveInput(bytes);
    const words = this._module.HEAPU32;
    this._inPtr = words[this._io + IN_PTR];
    this._inCap = words[this._io + IN_CAP];
  }

  // [viewFromRequest, collection, how, id, mutationId, cursor, pending, deadLetters, conflicts,
  // setAside, resyncing, notify, effects?] from the numbers the core wrote (no text to decode or
  // parse) and the request: the collection is the request's, and so is the id unless the text
  // part names it; the mutation id is the client id last received + '#' + its number.
  _localWrite(textBytes, request) {
    const numbers = this._module.HEAPF64;
    const at = this._module.HEAPU32[this._io + NUMBERS_PTR] >>> 3;
    let id = request.id;
    let effects;
    if (textBytes > 0) {
      const parts = JSON.parse(this._read(textBytes)); // [id | null, clientId | null, effects?]
      if (parts[0] !== null) id = parts[0];
      if (parts[1] !== null) this._clientId = parts[1];
      if ((numbers[at + TEXT_PARTS] & EFFECTS_TEXT) !== 0) effects = parts[2];
    }
    const count = numbers[at + NOTIFY_COUNT];
    const notify = count === 0 ? [] : new Array(count);
    for (let i = 0; i < count; i++) notify[i] = numbers[at + NOTIFY_FIRST + i];
    const mutationId = `${this._clientId}#${numbers[at + MUTATION_NUMBER]}`;
    // One literal either way (a push after it grew the array's store to twice its size).
    return effects === undefined
      ? [numbers[at + VIEW_FROM_REQUEST], request.collection, numbers[at + HOW], id, mutationId, numbers[at + CURSOR], numbers[at + CURSOR + 1],
        numbers[at + CURSOR + 2], numbers[at + CURSOR + 3], numbers[at + CURSOR + 4], numbers[at + CURSOR + 5], notify]
      : [numbers[at + VIEW_FROM_REQUEST], request.collection, numbers[at + HOW], id, mutationId, numbers[at + CURSOR], numbers[at + CURSOR + 1],
        numbers[at + CURSOR + 2], numbers[at + CURSOR + 3], numbers[at + CURSOR + 4], numbers[at + CURSOR + 5], notify, effects];
  }

  _read(bytes) {
    const ptr = this._module.HEAPU32[this._io + OUT_PTR];
    const text = decoder.decode(this._module.HEAPU8.subarray(ptr, ptr + bytes));
    if (bytes > KEEP_BYTES || this._inCap > KEEP_BYTES) {
      this._raw.trimBuffers();
      this._inPtr = 0;
      this._inCap = 0;
      this._inView = null;
    }
    return text;
  }
}

// The stored-form restore (js/stored_restore.js): the registry goes where wasm/idb_library.js
// reads it during the one restoreAddStored call, so no caller needs the wasm module itself.
function restoreAddStored(registry) {
  this._module.idbRestore = registry;
  try {
    return this._raw.restoreAddStored();
  } finally {
    this._module.idbRestore = null;
  }
}

// Every other CoreHandle method, as it is: its arguments and answer are small or rare. (A build
// without restoreAddStored leaves it undefined here too, which js/stored_restore.js checks.)
// The sealed write (js/storage/sealed_records.js): the open IndexedDB write goes where
// wasm/idb_library.js reads it during the one persistWrite call.
function persistWrite(write, ids) {
  this._module.idbWrite = write;
  try {
    return this._raw.persistWrite(ids);
  } finally {
    this._module.idbWrite = null;
  }
}

const NEEDS_MODULE = { restoreAddStored, persistWrite };

let delegated = false;
function delegateColdCalls(prototype) {
  if (delegated) return;
  delegated = true;
  for (const name of Object.getOwnPropertyNames(prototype)) {
    if (name === 'constructor' || Object.hasOwn(WasmTextHandle.prototype, name) || typeof prototype[name] !== 'function') continue;
    Object.defineProperty(WasmTextHandle.prototype, name, {
      value: NEEDS_MODULE[name] ?? function cold(...args) {
        return this._raw[name](...args);
      },
      configurable: true,
      writable: true,
    });
  }
}

/**
 * The handle js/core.js calls: a WasmTextHandle over a new CoreHandle, or what wrapHandle(handle)
 * makes of it (a test seam, e.g. a Proxy counting boundary crossings).
 */
export function openCoreHandle(wasmModule, wrapHandle) {
  const handle = new WasmTextHandle(wasmModule);
  return typeof wrapHandle === 'function' ? wrapHandle(handle) : handle;
}
