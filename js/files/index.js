// client.files: attachments (docs/files.md). A file's bytes live in the FileStore (IndexedDB or
// memory), never in the wasm core; the core carries a small metadata entity in the collection
// `syncore_files` and apps store a reference ({ $file, name, type, size }) in their entities.
// Uploads go through the upload gate (upload_gate.js) so no batch reaches the server before the
// bytes of a file it needs; the chunks go over HTTP (uploader.js, server/files.js).
//
// Wiring (js/create_client.js, with the `files` option):
//   const files = await prepareFiles(options)       before the client starts (its outbox may send at once)
//   transport = files.wrap(transport)               the gate in front of the real transport
//   collections[FILES_COLLECTION] = {}
//   files.attach(client)                            client.files, events through the client
import { SyncError, ErrorCodes } from '../errors.js';
import { FileStore } from './file_store.js';
import { Uploader, filesUrlFromSyncUrl } from './uploader.js';
import { UploadGate, gatedTransport, FILES_COLLECTION } from './upload_gate.js';
import { randomId } from '../random_id.js';
import { offlineFilesFor, quotaBytesOf } from './offline.js';

export { FileStore, CHUNK_SIZE } from './file_store.js';
export { FILES_COLLECTION, fileRefs } from './upload_gate.js';

const isBlob = (v) => typeof Blob !== 'undefined' && v instanceof Blob;

/** A value an entity field holds to point at a file: { $file, name, type, size }. */
export function isFileRef(value) {
  return value !== null && typeof value === 'object' && typeof value.$file === 'string';
}

/**
 * Opens the file store and builds the gate and uploader.
 * @param {{ files: true | object, url?: string, token?: string, indexedDB?: IDBFactory, name?: string }} o
 *   files options: { url (the file endpoints' base; default from the sync url), fetch, chunkSize,
 *   quotaBytes, maxRetries, backoffBaseMs, backoffMaxMs }
 */
export async function prepareFiles({ files, url, token, indexedDB, name, storageQuotaMB }) {
  const o = typeof files === 'object' && files !== null ? files : {};
  const quotaBytes = quotaBytesOf(o, storageQuotaMB); // offline content (offline.js)
  const store = await FileStore.open({ indexedDB, name, chunkSize: o.chunkSize, quotaBytes });
  let client = null;
  const early = []; // events before the client exists (none expected: uploads start from pushes)
  const emit = (event, payload) => (client ? client.reportFileEvent(event, payload) : early.push([event, payload]));
  const base = o.url ?? filesUrlFromSyncUrl(url);
  let gate = null;
  const uploader = new Uploader({
    store,
    url: base,
    token: () => (client ? client.token : token),
    fetch: o.fetch,
    maxRetries: o.maxRetries,
    backoffBaseMs: o.backoffBaseMs,
    backoffMaxMs: o.backoffMaxMs,
    onProgress: (p) => emit('fileProgress', p),
    onUploaded: (fileId) => gate.done.add(fileId),
    onFailed: (f) => {
      gate.done.add(f.fileId);
      emit('fileFailed', f);
    },
  });
  gate = new UploadGate({ uploader, store });
  return {
    store,
    gate,
    uploader,
    wrap: (transport) => (base ? gatedTransport(transport, gate) : transport),
    /** client.files for `c`; closeWithClient: the files close when the client does (wrapClose). */
    attach(c, { closeWithClient = true } = {}) {
      client = c;
      for (const [event, payload] of early.splice(0)) c.reportFileEvent(event, payload);
      const api = new Files({ client: c, store, gate, uploader, canUpload: Boolean(base), offline: offlineFilesFor(c, store, { base, fetch: o.fetch, quotaBytes }) });
      if (closeWithClient) c.wrapClose((closeClient) => closeClient().finally(() => api.close()));
      return api;
    },
  };
}

export class Files {
  constructor({ client, store, gate, uploader, canUpload, offline }) {
    this._client = client;
    this._offline = offline; // downloads, pins, quota (offline.js)
    this.store = store;
    this._gate = gate;
    this._uploader = uploader;
    this._canUpload = canUpload;
    // A new token or a way back online: waiting uploads try again at once.
    this._offStatus = client.on('networkStatusChanged', ({ online }) => online && uploader.wakeAll());
  }

  /**
   * Stores the bytes locally (durably) and queues the file's upload in the outbox. Returns
   * { fileId, ref, meta, result }: `ref` goes into an entity field; `result` settles as the
   * metadata mutation does (rejects when the file is refused for good: a dead letter).
   * @param {Blob} blob a Blob or File
   * @param {{ name?: string, type?: string, id?: string, collection?: string, entityId?: string }} [options]
   */
  async put(blob, options = {}) {
    if (!isBlob(blob)) throw new SyncError(ErrorCodes.WRONG_TYPE, 'files.put takes a Blob or a File');
    const fileId = options.id ?? `f-${randomId()}`;
    const name = String(options.name ?? blob.name ?? '');
    const type = String(options.type ?? blob.type ?? '') || 'application/octet-stream';
    const extra = {};
    if (options.collection !== undefined) extra.collection = options.collection;
    if (options.entityId !== undefined) extra.entityId = options.entityId;
    await this._offline?.freeSpace(blob.size); // unpinned downloads make way (the quota still refuses a put that cannot fit)
    const meta = await this.store.putBlob(fileId, blob, { name, type, state: 'pending-upload', pinned: false, uploadedBytes: 0, ...extra });
    this._gate.done.delete(fileId);
    const { result } = this._client.mutate({
      collection: FILES_COLLECTION,
      op: 'create',
      id: fileId,
      data: { id: fileId, name, type, size: meta.size, chunkSize: meta.chunkSize, chunks: meta.chunks },
    });
    // Online: the bytes start at once (the metadata's batch then finds them there or on the way).
    // In a follower tab the leader's gate uploads them, when the relayed batch reaches it.
    if (this._canUpload && this._client.status.online && this._client.status.tab !== 'follower') this._uploader.upload(fileId).catch(() => {});
    return { fileId, ref: { $file: fileId, name, type, size: meta.size }, meta, result };
  }

  /** The file's local meta (state, uploadedBytes, error), or null. */
  meta(fileId) {
    return this.store.getMeta(fileId);
  }

  /** The file's bytes as a Blob if they are held here, else null. */
  local(fileId) {
    return this.store.getBlob(fileId);
  }

  /** Every file this device knows (meta only). */
  list() {
    return this.store.listMeta();
  }

  /** Bytes held locally. */
  usage() {
    return this.store.usage();
  }

  // ---- offline content (offline.js, docs/files.md "Offline content") ----

  /** The file's bytes: held here, else downloaded (with 'fileProgress' events) and kept. */
  get(fileId) {
    return this._offline.get(fileId);
  }

  /** An object URL of the file (downloaded first if needed); the same one while the page lives. */
  url(fileId) {
    return this._offline.url(fileId);
  }

  /** Keeps the file for offline use (never evicted); resolves once its bytes are here. */
  pin(fileId) {
    return this._offline.pin(fileId);
  }

  unpin(fileId) {
    return this._offline.unpin(fileId);
  }

  /** Pins every file referenced from `field` of `collection`, now and later; returns the stop function. */
  pinCollection(collection, field) {
    return this._offline.pinCollection(collection, field);
  }

  unpinCollection(collection, field) {
    return this._offline.unpinCollection(collection, field);
  }

  /** Drops a downloaded file's local bytes (not a pinned one, nor one waiting to upload). */
  remove(fileId) {
    return this._offline.remove(fileId);
  }

  /** { quota, usage, files, pinned, downloaded, pinnedBytes, missing, failed, pendingUpload, downloading, collections } */
  offlineStatus() {
    return this._offline.offlineStatus();
  }

  /** Resolves once no pinned file waits to be fetched in the background. */
  downloadsSettled() {
    return this._offline.settled();
  }

  close() {
    this._offline?.close();
    this._offStatus?.();
    this._uploader.close();
    this.store.close();
  }
}
