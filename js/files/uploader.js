// Uploads a stored file's chunks to the sync server's file endpoints (server/files.js), one chunk
// at a time, read from the FileStore (never the whole file in memory). Resumable: it first
// declares the file (PUT /files/<id>, idempotent), whose answer says which chunks the server
// already holds, and sends only the missing ones; every chunk PUT is
// idempotent, so a chunk re-sent after a cut is harmless.
//
// Failures, in the outbox's classes: a network error (offline, connection cut) is retried after a
// backoff without counting, as a disconnect is; 5xx / 429 are transient and count towards
// maxRetries; 401 waits for a new token (setToken wakes it); 400 / 403 / 409 / 413 are refused
// for good. A file refused for good (or out of retries) is marked state 'failed' with its error;
// its metadata mutation then goes out and the server refuses it, so it dead-letters like any
// refused mutation (docs/files.md).
import { SyncError } from '../errors.js';
import { fileStorageError } from './file_store.js';

const PERMANENT = { 400: 'VALIDATION', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'FILE_MISMATCH', 413: 'TOO_LARGE', 422: 'VALIDATION' };

class HttpFailure extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code;
  }
}

/** The http(s) base of the file endpoints from the sync WebSocket url (ws://host/sync -> http://host/files). */
export function filesUrlFromSyncUrl(url) {
  if (typeof url !== 'string') return null;
  const u = new URL(url, globalThis.location?.href);
  u.protocol = u.protocol === 'wss:' ? 'https:' : u.protocol === 'ws:' ? 'http:' : u.protocol;
  u.pathname = '/files';
  u.search = '';
  return u.href.replace(/\/$/, '');
}

export class Uploader {
  /**
   * @param {{ store: import('./file_store.js').FileStore, url: string, token: () => string | undefined,
   *   fetch?: typeof fetch, onProgress?: (p: object) => void, onFailed?: (f: object) => void,
   *   onUploaded?: (fileId: string) => void, maxRetries?: number, backoffBaseMs?: number, backoffMaxMs?: number }} o
   */
  constructor({ store, url, token, fetch: fetchFn, onProgress, onFailed, onUploaded, maxRetries = 10, backoffBaseMs = 1000, backoffMaxMs = 60_000 }) {
    this._store = store;
    this._url = url;
    this._token = token;
    this._fetch = fetchFn ?? ((...a) => globalThis.fetch(...a));
    this._onProgress = onProgress ?? (() => {});
    this._onFailed = onFailed ?? (() => {});
    this._onUploaded = onUploaded ?? (() => {});
    this._maxRetries = maxRetries;
    this._backoffBaseMs = backoffBaseMs;
    this._backoffMaxMs = backoffMaxMs;
    this._jobs = new Map(); // fileId -> { done: Promise, wake() }
    this._closed = false;
    this.stats = { chunksSent: 0, bytesSent: 0 };
  }

  /** Uploads the file unless that is under way; resolves once it is uploaded or has failed for good. */
  upload(fileId) {
    let job = this._jobs.get(fileId);
    if (job) {
      job.wake();
      return job.done;
    }
    job = { wake: () => {}, done: null };
    job.done = this._run(fileId, job).finally(() => this._jobs.delete(fileId));
    this._jobs.set(fileId, job);
    return job.done;
  }

  /** Every waiting upload tries again now (back online, a new token). */
  wakeAll() {
    for (const job of this._jobs.values()) job.wake();
  }

  close() {
    this._closed = true;
    this.wakeAll();
  }

  async _run(fileId, job) {
    let counted = 0;
    let waits = 0;
    for (;;) {
      if (this._closed) return;
      try {
        const meta = await this._store.getMeta(fileId);
        if (!meta || meta.state !== 'pending-upload') return;
        await this._send(meta);
        await this._store.updateMeta(fileId, { state: 'uploaded', uploadedBytes: meta.size });
        this._onUploaded(fileId);
        return;
      } catch (err) {
        if (this._closed) return;
        const failure = this._classify(err);
        if (failure.permanent || (failure.counted && ++counted > this._maxRetries)) {
          const error = { code: failure.code, message: failure.message, status: failure.status ?? null };
          await this._store.updateMeta(fileId, { state: 'failed', error }).catch(() => {});
          this._onFailed({ fileId, direction: 'upload', error: new SyncError(failure.code, `file ${fileId}: ${failure.message}`) });
          return;
        }
        // Full jitter, as the outbox's backoff; a wake (a batch waits for it, a new token) cuts it short.
        const ceiling = Math.min(this._backoffMaxMs, this._backoffBaseMs * 2 ** Math.min(waits++, 16));
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, ceiling / 2 + (Math.random() * ceiling) / 2);
          job.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        job.wake = () => {};
      }
    }
  }

  _classify(err) {
    if (err instanceof SyncError) return { permanent: err.code !== 'STORAGE_FAILED', counted: true, code: err.code, message: err.message };
    if (err instanceof HttpFailure) {
      if (err.status === 401) return { permanent: false, counted: false, code: 'AUTH', message: err.message, status: 401 };
      if (PERMANENT[err.status]) return { permanent: true, code: err.code ?? PERMANENT[err.status], message: err.message, status: err.status };
      return { permanent: false, counted: true, code: 'TRANSIENT', message: err.message, status: err.status };
    }
    // fetch's TypeError: no connection. Not counted, like a disconnect.
    return { permanent: false, counted: false, code: 'NETWORK', message: err?.message ?? String(err) };
  }

  async _request(method, path, body, contentType) {
    const token = this._token();
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    if (contentType) headers['Content-Type'] = contentType;
    const res = await this._fetch(`${this._url}/${encodeURIComponent(path[0])}${path.length > 1 ? `/${path.slice(1).join('/')}` : ''}`, { method, headers, body });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {}
    if (!res.ok) throw new HttpFailure(res.status, json);
    return json;
  }

  async _send(meta) {
    const { fileId, size, chunkSize, chunks } = meta;
    // The declaration is idempotent and answers what the server holds: where to resume from.
    let status = await this._request('PUT', [fileId], JSON.stringify({ size, chunkSize, type: meta.type, name: meta.name }), 'application/json');
    if (status.size !== size || status.chunkSize !== chunkSize)
      throw new HttpFailure(409, { code: 'FILE_MISMATCH', message: `the server holds file ${fileId} with another size` });
    const have = new Set(status.received);
    let sent = status.receivedBytes;
    this._onProgress({ fileId, direction: 'upload', sent, total: size });
    for (let n = 0; n < chunks && !status.complete; n++) {
      if (have.has(n)) continue;
      if (this._closed) throw new SyncError('DISPOSED', 'the client closed');
      let bytes;
      try {
        bytes = await this._store.getChunk(fileId, n);
      } catch (err) {
        throw fileStorageError(err, `reading chunk ${n} of file ${fileId}`);
      }
      if (!bytes) throw new SyncError('NOT_FOUND', `chunk ${n} of file ${fileId} is missing locally`);
      status = await this._request('PUT', [fileId, 'chunks', String(n)], bytes, 'application/octet-stream');
      this.stats.chunksSent += 1;
      this.stats.bytesSent += bytes.length;
      sent += bytes.length;
      await this._store.updateMeta(fileId, { uploadedBytes: sent });
      this._onProgress({ fileId, direction: 'upload', sent, total: size });
    }
    if (!status.complete) throw new HttpFailure(503, { code: 'TRANSIENT', message: `file ${fileId} is not complete on the server yet` });
  }
}
