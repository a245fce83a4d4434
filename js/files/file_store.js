// The local file store: a file's bytes and its metadata, kept outside the wasm core (the core
// only ever sees a small JSON reference). Bytes are stored in fixed-size chunks keyed
// [fileId, index], so an upload (or a download) reads or writes one chunk at a time without
// holding the whole file in memory. IndexedDB in browsers (database `${name}:files`); a Map in
// memory when there is no indexedDB (Node, tests).
//
// meta: { fileId, name, type, size, state, pinned, lastUsedAt, uploadedBytes, chunkSize,
//         chunks, collection?, entityId? }
// state: 'pending-upload' (local only, queued) | 'uploaded' (on the server, bytes held here) |
//        'remote' (meta only, no bytes here)
import { SyncError } from '../errors.js';

export const CHUNK_SIZE = 256 * 1024;
const META = 'meta';
const CHUNKS = 'chunks';
// Chunks written per transaction while a file is stored: bounded memory, few commits.
const CHUNKS_PER_WRITE = 16;
const QUOTA_NAMES = new Set(['QuotaExceededError', 'NS_ERROR_DOM_QUOTA_REACHED']);

/** A storage fault as a SyncError: STORAGE_QUOTA (the browser's quota) or STORAGE_FAILED. */
export function fileStorageError(err, context) {
  if (err instanceof SyncError) return err;
  const quota = QUOTA_NAMES.has(err?.name) || err?.code === 22;
  const out = new SyncError(quota ? 'STORAGE_QUOTA' : 'STORAGE_FAILED', `${context}: ${err?.message || err?.name || String(err)}`);
  out.cause = err;
  return out;
}

/** The number of chunks a file of `size` bytes takes (an empty file: 0). */
export function chunkCount(size, chunkSize = CHUNK_SIZE) {
  return Math.ceil(size / chunkSize);
}

function checkId(fileId) {
  if (typeof fileId !== 'string' || fileId.length === 0 || fileId.length > 200)
    throw new SyncError('INVALID_ARGUMENT', 'a file id is a non-empty string of at most 200 characters');
}

// Reads one slice of a Blob as bytes (the bytes of a File are read only when stored).
async function sliceBytes(blob, start, end) {
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

export class FileStore {
  /**
   * @param {{ indexedDB?: IDBFactory, name?: string, chunkSize?: number, quotaBytes?: number }} options
   *   indexedDB undefined: in memory. quotaBytes: a put that would hold more bytes than this is
   *   refused with STORAGE_QUOTA (the browser's own quota applies regardless).
   */
  static async open({ indexedDB, name = 'syncore', chunkSize = CHUNK_SIZE, quotaBytes = Infinity } = {}) {
    const backend = indexedDB ? await IdbBackend.open(indexedDB, `${name}:files`) : new MemoryBackend();
    return new FileStore(backend, { chunkSize, quotaBytes });
  }

  constructor(backend, { chunkSize, quotaBytes }) {
    this._backend = backend;
    this.chunkSize = chunkSize;
    this.quotaBytes = quotaBytes;
    this.kind = backend.kind;
  }

  /** Stores a Blob's bytes (chunked) and its meta; the meta is written last, with the last chunks. */
  async putBlob(fileId, blob, meta = {}) {
    checkId(fileId);
    const size = blob.size;
    if (Number.isFinite(this.quotaBytes)) {
      const previous = await this.getMeta(fileId);
      const held = (await this.usage()) - (previous && previous.state !== 'remote' ? previous.size : 0);
      if (held + size > this.quotaBytes)
        throw new SyncError('STORAGE_QUOTA', `storing ${size} bytes would exceed the file quota (${held} of ${this.quotaBytes} bytes used)`);
    }
    const chunkSize = this.chunkSize;
    const chunks = chunkCount(size, chunkSize);
    const full = {
      name: '', type: blob.type || '', state: 'pending-upload', pinned: false, uploadedBytes: 0,
      ...meta, fileId, size, chunkSize, chunks, lastUsedAt: meta.lastUsedAt ?? Date.now(),
    };
    // Chunks beyond the new count (a smaller file under the same id) go first.
    const before = await this.getMeta(fileId);
    if (before) await this._backend.deleteChunks(fileId, chunks, before.chunks);
    if (chunks === 0) return this._backend.write([], full);
    for (let first = 0; first < chunks; first += CHUNKS_PER_WRITE) {
      const records = [];
      for (let i = first; i < Math.min(chunks, first + CHUNKS_PER_WRITE); i++)
        records.push([i, await sliceBytes(blob, i * chunkSize, Math.min(size, (i + 1) * chunkSize))]);
      const last = first + CHUNKS_PER_WRITE >= chunks;
      await this._backend.write(records.map(([index, bytes]) => ({ fileId, index, bytes })), last ? full : null);
    }
    return full;
  }

  /** One chunk's bytes (Uint8Array), or null when it is not held here. */
  async getChunk(fileId, index) {
    return this._backend.getChunk(fileId, index);
  }

  /** Stores one chunk (a download writes them as they come). */
  async putChunk(fileId, index, bytes) {
    await this._backend.write([{ fileId, index, bytes: bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes) }], null);
  }

  /** The file as a Blob, or null when its bytes are not here; marks it used now. */
  async getBlob(fileId) {
    const meta = await this.getMeta(fileId);
    if (!meta || meta.state === 'remote') return null;
    const parts = await this._backend.allChunks(fileId, meta.chunks);
    if (parts === null) return null;
    await this.updateMeta(fileId, { lastUsedAt: Date.now() });
    return new Blob(parts, { type: meta.type });
  }

  async getMeta(fileId) {
    return this._backend.getMeta(fileId);
  }

  /** Merges `patch` into the file's meta; returns the new meta (null: no such file). */
  async updateMeta(fileId, patch) {
    return this._backend.updateMeta(fileId, patch);
  }

  async listMeta() {
    return this._backend.listMeta();
  }

  /** Drops the bytes; the meta stays with state 'remote' (or goes too, with { deleteMeta: true }). */
  async deleteBlob(fileId, { deleteMeta = false } = {}) {
    const meta = await this.getMeta(fileId);
    await this._backend.deleteChunks(fileId, 0, meta?.chunks ?? 0);
    if (deleteMeta) await this._backend.deleteMeta(fileId);
    else await this._backend.updateMeta(fileId, { state: 'remote', uploadedBytes: 0 });
  }

  /** Bytes held locally: the sizes of every file whose bytes are here. */
  async usage() {
    let bytes = 0;
    for (const m of await this.listMeta()) if (m.state !== 'remote') bytes += m.size;
    return bytes;
  }

  close() {
    this._backend.close();
  }
}

class MemoryBackend {
  constructor() {
    this.kind = 'memory';
    this._meta = new Map();
    this._chunks = new Map(); // fileId -> Map(index -> Uint8Array)
    this._closed = false;
  }

  _open() {
    if (this._closed) throw new SyncError('STORAGE_FAILED', 'this file store was closed');
  }

  async write(records, meta) {
    this._open();
    for (const { fileId, index, bytes } of records) {
      if (!this._chunks.has(fileId)) this._chunks.set(fileId, new Map());
      this._chunks.get(fileId).set(index, bytes.slice());
    }
    if (meta) this._meta.set(meta.fileId, structuredClone(meta));
  }

  async getChunk(fileId, index) {
    this._open();
    return this._chunks.get(fileId)?.get(index)?.slice() ?? null;
  }

  async allChunks(fileId, count) {
    this._open();
    const parts = [];
    for (let i = 0; i < count; i++) {
      const c = this._chunks.get(fileId)?.get(i);
      if (!c) return null;
      parts.push(c);
    }
    return parts;
  }

  async getMeta(fileId) {
    this._open();
    const m = this._meta.get(fileId);
    return m ? structuredClone(m) : null;
  }

  async updateMeta(fileId, patch) {
    this._open();
    const m = this._meta.get(fileId);
    if (!m) return null;
    const next = { ...m, ...structuredClone(patch), fileId };
    this._meta.set(fileId, next);
    return structuredClone(next);
  }

  async listMeta() {
    this._open();
    return [...this._meta.values()].map((m) => structuredClone(m));
  }

  async deleteChunks(fileId, from, to) {
    this._open();
    const chunks = this._chunks.get(fileId);
    if (!chunks) return;
    for (const i of [...chunks.keys()]) if (i >= from && i < to) chunks.delete(i);
  }

  async deleteMeta(fileId) {
    this._open();
    this._meta.delete(fileId);
  }

  close() {
    this._closed = true;
  }
}

class IdbBackend {
  static async open(factory, dbName) {
    let db;
    try {
      db = await new Promise((resolve, reject) => {
        const req = factory.open(dbName, 1);
        req.onupgradeneeded = () => {
          const d = req.result;
          if (!d.objectStoreNames.contains(META)) d.createObjectStore(META, { keyPath: 'fileId' });
          if (!d.objectStoreNames.contains(CHUNKS)) d.createObjectStore(CHUNKS);
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = (e) => {
          e?.preventDefault?.();
          reject(req.error);
        };
        req.onblocked = () => {}; // waits for the other connection, as IndexedDB does
      });
    } catch (err) {
      throw fileStorageError(err, `opening ${dbName}`);
    }
    return new IdbBackend(db, dbName);
  }

  constructor(db, dbName) {
    this.kind = 'indexeddb';
    this._db = db;
    this._name = dbName;
    this._closed = false;
    // Another tab deleting or upgrading the database, or the browser clearing storage: this
    // connection is gone and every later call fails with STORAGE_FAILED.
    db.onversionchange = () => this.close();
    db.onclose = () => {
      this._closed = true;
    };
  }

  // Runs body(stores) in one transaction; resolves with body's value once the transaction commits.
  async _tx(mode, context, body) {
    if (this._closed) throw new SyncError('STORAGE_FAILED', `${context}: the file store is closed`);
    return new Promise((resolve, reject) => {
      let tx;
      let value;
      let thrown = null;
      try {
        tx = this._db.transaction([META, CHUNKS], mode, mode === 'readwrite' ? { durability: 'strict' } : undefined);
      } catch (err) {
        reject(fileStorageError(err, context));
        return;
      }
      tx.oncomplete = () => resolve(value);
      tx.onabort = () => reject(fileStorageError(tx.error ?? thrown ?? new DOMException('transaction aborted', 'AbortError'), context));
      try {
        // Synchronous: every request is issued while the transaction is active.
        value = body({ meta: tx.objectStore(META), chunks: tx.objectStore(CHUNKS) });
      } catch (err) {
        thrown = err;
        try {
          tx.abort();
        } catch {}
      }
    });
  }

  write(records, meta) {
    return this._tx('readwrite', `storing ${records.length} chunk(s)`, ({ meta: metaStore, chunks }) => {
      for (const { fileId, index, bytes } of records) chunks.put(bytes, [fileId, index]);
      if (meta) metaStore.put(meta);
    });
  }

  async getChunk(fileId, index) {
    let out = null;
    await this._tx('readonly', 'reading a chunk', ({ chunks }) => {
      const req = chunks.get([fileId, index]);
      req.onsuccess = () => {
        out = req.result === undefined ? null : new Uint8Array(req.result);
      };
    });
    return out;
  }

  // (Keys one by one: IDBKeyRange belongs to the factory's realm, which may not be global.)
  async allChunks(fileId, count) {
    const out = new Array(count);
    await this._tx('readonly', 'reading a file', ({ chunks }) => {
      for (let i = 0; i < count; i++) {
        const req = chunks.get([fileId, i]);
        req.onsuccess = () => {
          out[i] = req.result === undefined ? null : new Uint8Array(req.result);
        };
      }
    });
    return out.every(Boolean) ? out : null;
  }

  async getMeta(fileId) {
    let out = null;
    await this._tx('readonly', 'reading file meta', ({ meta }) => {
      const req = meta.get(fileId);
      req.onsuccess = () => {
        out = req.result ?? null;
      };
    });
    return out;
  }

  async updateMeta(fileId, patch) {
    let out = null;
    await this._tx('readwrite', 'updating file meta', ({ meta }) => {
      const req = meta.get(fileId);
      req.onsuccess = () => {
        if (!req.result) return;
        out = { ...req.result, ...patch, fileId };
        meta.put(out);
      };
    });
    return out;
  }

  async listMeta() {
    let out = [];
    await this._tx('readonly', 'listing files', ({ meta }) => {
      const req = meta.getAll();
      req.onsuccess = () => {
        out = req.result;
      };
    });
    return out;
  }

  deleteChunks(fileId, from, to) {
    return this._tx('readwrite', 'deleting chunks', ({ chunks }) => {
      for (let i = from; i < to; i++) chunks.delete([fileId, i]);
    });
  }

  deleteMeta(fileId) {
    return this._tx('readwrite', 'deleting file meta', ({ meta }) => {
      meta.delete(fileId);
    });
  }

  close() {
    this._closed = true;
    this._db.close();
  }
}
