// Offline content (seed 003's ContentDownloadManager): a file's bytes downloaded from the sync
// server (GET /files/<id>/content, server/files_content.js) and kept in the local file store,
// files pinned for offline use one by one or by collection field, and the space they take held
// under `storageQuotaMB`.
//
// - Downloads report progress ('fileProgress', direction 'download') and resume with an HTTP
//   Range from the bytes already received when the connection is cut (several tries per call;
//   what arrived stays for the next call while the page lives).
// - Space: every local file byte counts (uploads waiting too). A download that would pass the
//   quota first evicts unpinned files, least recently used first; a file waiting to be uploaded
//   ('pending-upload') or pinned is never evicted. If it still does not fit, the download fails
//   with FILE_QUOTA and 'storageQuotaExceeded' { usage, quota, needed, fileId } is emitted.
// - Pins: pin(fileId) is kept in the file's meta (it survives a reload); pinCollection(collection,
//   field) is a standing rule of this page (call it at start-up, like a subscription): every file
//   referenced from that field now and later is downloaded and counts as pinned while referenced.
import { SyncError } from '../errors.js';
import { fileIdsIn } from './references.js';

const DOWNLOAD_TRIES = 4; // per call: the first request and three resumptions after cuts

/** A download failure as a SyncError with the HTTP status when there was one. */
function downloadError(code, message, extra = {}) {
  return Object.assign(new SyncError(code, message), extra);
}

/** { start, total } from a Content-Range header ("bytes 10-99/100"), or null. */
function contentRange(header) {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header ?? '');
  return m ? { start: Number(m[1]), total: Number(m[3]) } : null;
}

/** The filename of a Content-Disposition header (filename*=UTF-8''…), or ''. */
function dispositionName(header) {
  const m = /filename\*=UTF-8''([^;]+)/i.exec(header ?? '');
  if (!m) return '';
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return '';
  }
}

export class OfflineFiles {
  /**
   * @param {object} deps
   *   store: a FileStore (js/files/file_store.js)
   *   contentUrl(fileId) -> the download URL; token() -> the bearer token; fetch
   *   emit(event, payload); quotaBytes (Infinity: no quota); now() -> ms
   *   collection(name) -> a collection handle (list, get, subscribe); idFieldOf(name)
   *   online() -> boolean; onOnline(fn) -> off
   */
  constructor(deps) {
    this._d = deps;
    this._quota = deps.quotaBytes ?? Infinity;
    this._inFlight = new Map(); // fileId -> Promise<Blob>
    this._partial = new Map(); // fileId -> { parts, received, total, etag, type, name }
    this._reserved = new Map(); // fileId -> bytes counted for a download under way
    this._urls = new Map(); // fileId -> object URL
    this._rules = new Map(); // `${collection}\0${field}` -> { collection, field, refs: Map(entityId -> Set(fileId)), off }
    this._wanted = new Set(); // pinned files not held yet (retried when the network returns)
    this._failed = new Map(); // fileId -> SyncError of its last background try
    this._queue = [];
    this._pumping = false;
    this._closed = false;
    this._offOnline = deps.onOnline?.(() => this.retryPinned());
  }

  get quotaBytes() {
    return this._quota;
  }

  // ---- reading ------------------------------------------------------------------------------------

  /** The file's bytes: the local copy if held (marked used), else downloaded and kept. */
  async get(fileId) {
    const blob = await this._d.store.getBlob(fileId);
    if (blob) return blob;
    return this._download(fileId);
  }

  /** An object URL of the file (browsers: for <img src>); the same URL while the page lives. */
  async url(fileId) {
    const known = this._urls.get(fileId);
    if (known) {
      // still marked used, and re-made if the bytes went meanwhile
      if (await this._d.store.getMeta(fileId).then((m) => m && m.state !== 'remote')) {
        await this._d.store.updateMeta(fileId, { lastUsedAt: this._d.now() });
        return known;
      }
    }
    const blob = await this.get(fileId);
    if (typeof URL.createObjectURL !== 'function') throw new SyncError('NOT_CONFIGURED', 'URL.createObjectURL is not available here');
    if (known) URL.revokeObjectURL(known);
    const url = URL.createObjectURL(blob);
    this._urls.set(fileId, url);
    return url;
  }

  /** Downloads once however many callers ask at the same time. */
  _download(fileId, { pinned = false } = {}) {
    let p = this._inFlight.get(fileId);
    if (!p) {
      p = this._fetchInto(fileId, pinned).finally(() => {
        this._inFlight.delete(fileId);
        this._reserved.delete(fileId);
      });
      this._inFlight.set(fileId, p);
    }
    return p;
  }

  async _fetchInto(fileId, pinned) {
    if (this._closed) throw new SyncError('DISPOSED', 'the client is closed');
    const part = this._partial.get(fileId) ?? { parts: [], received: 0, total: null, etag: null, type: '', name: '' };
    this._partial.set(fileId, part);
    let lastError = null;
    for (let attempt = 0; attempt < DOWNLOAD_TRIES; attempt++) {
      const abort = new AbortController();
      let res;
      try {
        const headers = { Authorization: `Bearer ${this._d.token() ?? ''}` };
        if (part.received > 0) {
          headers.Range = `bytes=${part.received}-`;
          if (part.etag) headers['If-Range'] = part.etag;
        }
        res = await this._d.fetch(this._d.contentUrl(fileId), { headers, signal: abort.signal, cache: 'no-store' });
      } catch (err) {
        lastError = downloadError('FILE_DOWNLOAD_FAILED', `downloading ${fileId}: ${err?.message ?? err}`, { fileId, cause: err });
        continue;
      }
      if (res.status === 416 && part.total !== null && part.received === part.total) break;
      if (res.status === 404) throw downloadError('NOT_FOUND', `no file ${fileId} on the server (or not yours to read)`, { fileId, status: 404 });
      if (res.status === 401 || res.status === 403) throw downloadError('FILE_DOWNLOAD_FAILED', `downloading ${fileId}: the server answered ${res.status}`, { fileId, status: res.status });
      if (res.status !== 200 && res.status !== 206) {
        await res.body?.cancel().catch(() => {});
        lastError = downloadError('FILE_DOWNLOAD_FAILED', `downloading ${fileId}: the server answered ${res.status}`, { fileId, status: res.status });
        if (res.status >= 500) continue;
        throw lastError;
      }
      const range = res.status === 206 ? contentRange(res.headers.get('content-range')) : null;
      if (!range || range.start !== part.received) {
        // the whole file (the server ignored the range, or the file is not the one we began)
        part.parts = [];
        part.received = 0;
      }
      part.total = range ? range.total : Number(res.headers.get('content-length'));
      part.etag = res.headers.get('etag');
      part.type = res.headers.get('content-type') ?? '';
      part.name = dispositionName(res.headers.get('content-disposition'));
      if (!Number.isFinite(part.total)) part.total = null;
      try {
        if (!this._reserved.has(fileId)) await this._makeRoom(part.total ?? 0, fileId);
      } catch (err) {
        abort.abort();
        this._partial.delete(fileId);
        throw err;
      }
      try {
        await this._readBody(fileId, res, part);
      } catch (err) {
        lastError = downloadError('FILE_DOWNLOAD_FAILED', `downloading ${fileId}: cut after ${part.received} bytes: ${err?.message ?? err}`, { fileId, cause: err });
        continue;
      }
      if (part.total === null || part.received === part.total) {
        lastError = null;
        break;
      }
      lastError = downloadError('FILE_DOWNLOAD_FAILED', `downloading ${fileId}: the body ended at ${part.received} of ${part.total} bytes`, { fileId });
    }
    if (lastError) throw lastError;
    const blob = new Blob(part.parts, { type: part.type.split(';')[0] });
    const before = await this._d.store.getMeta(fileId);
    const meta = {
      ...(before ?? {}),
      fileId,
      name: before?.name || part.name,
      type: blob.type,
      state: 'uploaded',
      pinned: Boolean(before?.pinned || pinned),
      lastUsedAt: this._d.now(),
      uploadedBytes: blob.size,
    };
    await this._d.store.putBlob(fileId, blob, meta);
    this._partial.delete(fileId);
    this._wanted.delete(fileId);
    this._failed.delete(fileId);
    return blob;
  }

  async _readBody(fileId, res, part) {
    const emit = (received) => this._d.emit('fileProgress', { fileId, direction: 'download', received, total: part.total });
    emit(part.received);
    if (!res.body) return;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (this._closed) {
        await reader.cancel().catch(() => {});
        throw new SyncError('DISPOSED', 'the client closed during the download');
      }
      part.parts.push(value);
      part.received += value.byteLength;
      emit(part.received);
    }
  }

  // ---- space ----------------------------------------------------------------------------------

  /** Is this file pinned, by itself or through a pinned collection field? */
  _pinned(meta) {
    if (meta?.pinned) return true;
    for (const rule of this._rules.values()) for (const ids of rule.refs.values()) if (ids.has(meta.fileId)) return true;
    return false;
  }

  /** Bytes held or being downloaded now. */
  async usage() {
    let reserved = 0;
    for (const n of this._reserved.values()) reserved += n;
    return (await this._d.store.usage()) + reserved;
  }

  /**
   * Evicts unpinned, uploaded files not in use, least recently used first, until `bytes` more fit
   * under the quota (or nothing more may go). Resolves to the usage after it.
   */
  async _evictFor(bytes, exceptFileId = null) {
    let usage = await this.usage();
    if (!Number.isFinite(this._quota) || usage + bytes <= this._quota) return usage;
    const candidates = (await this._d.store.listMeta())
      .filter((m) => m.state === 'uploaded' && m.fileId !== exceptFileId && !this._pinned(m) && !this._inFlight.has(m.fileId))
      .sort((a, b) => (a.lastUsedAt ?? 0) - (b.lastUsedAt ?? 0));
    for (const m of candidates) {
      if (usage + bytes <= this._quota) break;
      await this._d.store.deleteBlob(m.fileId);
      this._forgetUrl(m.fileId);
      usage = await this.usage();
    }
    return usage;
  }

  /** Makes way for `bytes` of a new local file (client.files.put): evicts what may go, never throws for space. */
  async freeSpace(bytes) {
    await this._evictFor(bytes);
  }

  /**
   * Frees room for `bytes` more, counting them as reserved for `fileId` until its download ends;
   * throws FILE_QUOTA (and emits storageQuotaExceeded) when they cannot fit.
   */
  async _makeRoom(bytes, fileId) {
    this._reserved.set(fileId, 0);
    const usage = await this._evictFor(bytes, fileId);
    if (usage + bytes > this._quota) {
      this._reserved.delete(fileId);
      this._d.emit('storageQuotaExceeded', { usage, quota: this._quota, needed: bytes, fileId });
      throw downloadError('FILE_QUOTA', `${fileId} needs ${bytes} bytes: ${usage} of the ${this._quota} byte quota are held by pinned files and uploads`, {
        fileId,
        usage,
        quota: this._quota,
        needed: bytes,
      });
    }
    this._reserved.set(fileId, bytes);
  }

  _forgetUrl(fileId) {
    const url = this._urls.get(fileId);
    if (!url) return;
    this._urls.delete(fileId);
    URL.revokeObjectURL?.(url);
  }

  /** Drops a file's local bytes (not a pinned one, nor one waiting to be uploaded). Returns whether it did. */
  async remove(fileId) {
    const meta = await this._d.store.getMeta(fileId);
    if (!meta || meta.state !== 'uploaded' || this._pinned(meta) || this._inFlight.has(fileId)) return false;
    await this._d.store.deleteBlob(fileId);
    this._forgetUrl(fileId);
    return true;
  }

  // ---- pins -----------------------------------------------------------------------------------

  /** Keeps the file for offline use: resolves once its bytes are held (downloading them if needed). */
  async pin(fileId) {
    const meta = await this._d.store.updateMeta(fileId, { pinned: true });
    if (meta && meta.state !== 'remote') return;
    this._wanted.add(fileId);
    try {
      await this._download(fileId, { pinned: true });
    } catch (err) {
      if (err.code === 'NOT_FOUND' || err.code === 'FILE_QUOTA') this._wanted.delete(fileId);
      throw err;
    }
    await this._d.store.updateMeta(fileId, { pinned: true }); // pinned while it was downloading for another caller
  }

  /** No longer kept on purpose: its bytes stay until space is needed (least recently used first). */
  async unpin(fileId) {
    this._wanted.delete(fileId);
    this._failed.delete(fileId);
    await this._d.store.updateMeta(fileId, { pinned: false });
  }

  /**
   * Pins every file referenced from `field` of `collection`'s entities, now and as entities arrive
   * or change (a reference that goes away unpins its file). Returns a function that ends the rule.
   */
  pinCollection(collection, field) {
    if (typeof field !== 'string' || field.length === 0) throw new SyncError('INVALID_ARGUMENT', 'pinCollection(collection, field): field is a non-empty string');
    const key = `${collection}\u0000${field}`;
    if (this._rules.has(key)) return this._rules.get(key).stop;
    const handle = this._d.collection(collection);
    const idField = this._d.idFieldOf(collection);
    const rule = { collection, field, refs: new Map(), off: null, stop: null };
    const see = (entityId, entity) => {
      const ids = new Set(entity ? fileIdsIn(entity[field]) : []);
      if (ids.size === 0) rule.refs.delete(entityId);
      else rule.refs.set(entityId, ids);
      for (const id of ids) this._enqueue(id);
    };
    this._rules.set(key, rule);
    for (const entity of handle.list()) see(String(entity[idField]), entity);
    rule.off = handle.subscribe((changes) => {
      for (const id of changes?.deleted ?? []) rule.refs.delete(String(id));
      for (const id of [...(changes?.created ?? []), ...(changes?.updated ?? [])]) see(String(id), handle.get(id));
    });
    rule.stop = () => {
      if (this._rules.get(key) !== rule) return;
      this._rules.delete(key);
      rule.off?.();
    };
    return rule.stop;
  }

  /** Ends a pinCollection rule. */
  unpinCollection(collection, field) {
    this._rules.get(`${collection}\u0000${field}`)?.stop();
  }

  /** Tries again every pinned file not held yet (called when the network comes back). */
  retryPinned() {
    for (const id of this._wanted) this._enqueue(id, true);
    for (const rule of this._rules.values()) for (const ids of rule.refs.values()) for (const id of ids) this._enqueue(id, true);
  }

  /** Resolves when no pinned file is waiting to be fetched in the background. */
  async settled() {
    while (this._pumping || this._queue.length > 0) await this._pump;
  }

  _enqueue(fileId, retry = false) {
    if (this._closed || this._queue.includes(fileId)) return;
    if (!retry && this._failed.has(fileId)) return;
    this._queue.push(fileId);
    if (!this._pumping) this._pump = this._pumpQueue();
  }

  async _pumpQueue() {
    this._pumping = true;
    try {
      while (this._queue.length > 0 && !this._closed) {
        const fileId = this._queue.shift();
        if (!this._stillPinned(fileId)) continue;
        const meta = await this._d.store.getMeta(fileId).catch(() => null);
        if (meta && meta.state !== 'remote') continue;
        if (!this._d.online()) {
          this._wanted.add(fileId);
          continue;
        }
        try {
          await this._download(fileId, { pinned: this._wanted.has(fileId) });
        } catch (err) {
          if (this._closed) return;
          this._failed.set(fileId, err);
          if (err.code !== 'NOT_FOUND' && err.code !== 'FILE_QUOTA') this._wanted.add(fileId);
          // the quota already has its own event
          if (err.code !== 'FILE_QUOTA') this._d.emit('error', err);
        }
      }
    } finally {
      this._pumping = false;
    }
  }

  _stillPinned(fileId) {
    if (this._wanted.has(fileId)) return true;
    for (const rule of this._rules.values()) for (const ids of rule.refs.values()) if (ids.has(fileId)) return true;
    return false;
  }

  // ---- status ---------------------------------------------------------------------------------

  /**
   * What is kept for offline use: { quota, usage, files, pinned, downloaded, missing, failed,
   * pendingUpload, downloading, collections }. Sizes in bytes; `pinned` counts pinned files,
   * `downloaded` those of them held here, `missing` the ids of those not held yet.
   */
  async offlineStatus() {
    const metas = await this._d.store.listMeta();
    const byId = new Map(metas.map((m) => [m.fileId, m]));
    const pinnedIds = new Set([...this._wanted, ...metas.filter((m) => m.pinned).map((m) => m.fileId)]);
    for (const rule of this._rules.values()) for (const ids of rule.refs.values()) for (const id of ids) pinnedIds.add(id);
    const held = (id) => byId.has(id) && byId.get(id).state !== 'remote';
    const missing = [...pinnedIds].filter((id) => !held(id));
    return {
      quota: Number.isFinite(this._quota) ? this._quota : null,
      usage: await this.usage(),
      files: metas.filter((m) => m.state !== 'remote').length,
      pinned: pinnedIds.size,
      downloaded: pinnedIds.size - missing.length,
      pinnedBytes: [...pinnedIds].filter(held).reduce((n, id) => n + byId.get(id).size, 0),
      missing,
      failed: [...this._failed].map(([fileId, err]) => ({ fileId, code: err.code, message: err.message })),
      pendingUpload: metas.filter((m) => m.state === 'pending-upload').length,
      downloading: [...this._inFlight.keys()],
      collections: [...this._rules.values()].map((r) => ({ collection: r.collection, field: r.field, files: new Set([...r.refs.values()].flatMap((s) => [...s])).size })),
    };
  }

  close() {
    this._closed = true;
    this._queue.length = 0;
    this._offOnline?.();
    for (const rule of [...this._rules.values()]) rule.stop();
    for (const id of [...this._urls.keys()]) this._forgetUrl(id);
  }
}

/** The bytes of `storageQuotaMB` (files: { storageQuotaMB } or the client's option), Infinity without one. */
export function quotaBytesOf(filesOptions = {}, storageQuotaMB) {
  if (Number.isFinite(filesOptions.quotaBytes)) return filesOptions.quotaBytes;
  const mb = filesOptions.storageQuotaMB ?? storageQuotaMB;
  if (mb === undefined || mb === null) return Infinity;
  if (typeof mb !== 'number' || !(mb > 0)) throw new SyncError('INVALID_ARGUMENT', 'storageQuotaMB must be a positive number');
  return Math.floor(mb * 1024 * 1024);
}

/** Offline content for a client (client.files): downloads from `base` (the file endpoints' URL). */
export function offlineFilesFor(client, store, { base, fetch: fetchFn, quotaBytes }) {
  return new OfflineFiles({
    store,
    contentUrl: (fileId) => {
      if (!base) throw new SyncError('NOT_CONFIGURED', 'downloading a file needs the sync url (or files: { url })');
      return `${base}/${encodeURIComponent(fileId)}/content`;
    },
    token: () => client.token,
    fetch: fetchFn ?? ((...args) => globalThis.fetch(...args)),
    emit: (event, payload) => (event === 'error' ? client.reportError(payload) : client.reportFileEvent(event, payload)),
    quotaBytes,
    now: () => Date.now(),
    collection: (name) => client.collection(name),
    idFieldOf: (name) => client.core?.idFieldOf?.(name) ?? 'id',
    online: () => client.status.online !== false,
    onOnline: (fn) => client.on('networkStatusChanged', ({ online }) => online && fn()),
  });
}
