// Attachments: client.files (docs/files.md).
// Part of the declarations of js/index.d.ts (which re-exports every one of them).
import type { MutationHandle } from './client.js';

/** Options of createSyncClient's `files`. */
export interface FilesOptions {
  /** The file endpoints' base URL [the sync url's host + '/files']. */
  url?: string;
  /** Bytes per chunk [262144]; the server takes chunks up to its maxMessageBytes. */
  chunkSize?: number;
  /**
   * The space local files may take, in MB (seed 003's name; the client option of the same name
   * is used when this is absent) [no cap]. A download that would pass it evicts unpinned files
   * least recently used first, else fails with FILE_QUOTA; a put that cannot fit fails with
   * STORAGE_QUOTA. Pinned files and pending uploads are never evicted.
   */
  storageQuotaMB?: number;
  /** The same cap in bytes (wins over storageQuotaMB). */
  quotaBytes?: number;
  /** Transient upload failures (5xx, 429) before the file is failed for good [10]; a lost connection does not count. */
  maxRetries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  fetch?: typeof fetch;
}

/** What an entity field holds to point at a file. */
export interface FileRef {
  $file: string;
  name: string;
  type: string;
  size: number;
}

/**
 * A file's local metadata. state: 'pending-upload' (local only, queued), 'uploaded' (on the
 * server, bytes held here), 'remote' (meta only, no bytes here), 'failed' (refused for good: error).
 */
export interface FileMeta {
  fileId: string;
  name: string;
  type: string;
  size: number;
  state: 'pending-upload' | 'uploaded' | 'remote' | 'failed';
  pinned: boolean;
  lastUsedAt: number;
  uploadedBytes: number;
  chunkSize: number;
  chunks: number;
  collection?: string;
  entityId?: string;
  error?: { code: string; message: string; status: number | null };
}

export type FileProgress =
  | { fileId: string; direction: 'upload'; sent: number; total: number }
  /** total: null when the server did not say the size. */
  | { fileId: string; direction: 'download'; received: number; total: number | null };

/** client.files.offlineStatus(): what is kept for offline use (sizes in bytes). */
export interface OfflineStatus {
  /** The file quota (storageQuotaMB), null without one. */
  quota: number | null;
  /** Every local file byte: downloads, uploads waiting, and downloads under way. */
  usage: number;
  /** Files whose bytes are held here. */
  files: number;
  /** Pinned files (one by one or through pinCollection). */
  pinned: number;
  /** Pinned files held here. */
  downloaded: number;
  pinnedBytes: number;
  /** Pinned files not held yet. */
  missing: string[];
  /** Background downloads of pinned files that failed last time (retried when the network returns). */
  failed: { fileId: string; code: string; message: string }[];
  pendingUpload: number;
  downloading: string[];
  collections: { collection: string; field: string; files: number }[];
}

/** The 'storageQuotaExceeded' event of a download that does not fit the file quota. */
export interface FileQuotaExceeded {
  usage: number;
  quota: number;
  needed: number;
  fileId: string;
}

/** client.files (with the `files` option). */
export interface Files {
  /**
   * Stores the bytes locally (IndexedDB, never the wasm memory) and queues the upload in the
   * outbox, ahead of every mutation that references it. `result` settles as the file's metadata
   * mutation does (rejects when the server refuses the file: a dead letter).
   */
  put(blob: Blob, options?: { name?: string; type?: string; id?: string; collection?: string; entityId?: string }): Promise<{ fileId: string; ref: FileRef; meta: FileMeta; result: MutationHandle['result'] }>;
  meta(fileId: string): Promise<FileMeta | null>;
  /** The bytes, if held on this device. */
  local(fileId: string): Promise<Blob | null>;
  list(): Promise<FileMeta[]>;
  /** Bytes held locally. */
  usage(): Promise<number>;
  /**
   * The file's bytes: the local copy if held (marked used), else downloaded from the sync server
   * ('fileProgress' events, direction 'download'; a cut connection resumes by Range) and kept.
   * Rejects with NOT_FOUND (no such file, or not readable by this user), FILE_QUOTA (does not fit
   * storageQuotaMB even after eviction) or FILE_DOWNLOAD_FAILED.
   */
  get(fileId: string): Promise<Blob>;
  /** An object URL of the file (downloaded first if needed): the same URL while the page lives. */
  url(fileId: string): Promise<string>;
  /** Keeps the file for offline use (never evicted; survives a reload); resolves once its bytes are here. */
  pin(fileId: string): Promise<void>;
  /** No longer pinned: its bytes stay until space is needed. */
  unpin(fileId: string): Promise<void>;
  /**
   * Pins every file referenced ({ $file } or an id string) from `field` of the collection's
   * entities, now and as entities arrive or change; a reference that goes away unpins its file.
   * A rule of this page (call it at start-up). Returns the function that ends it.
   */
  pinCollection(collection: string, field: string): () => void;
  unpinCollection(collection: string, field: string): void;
  /** Drops a downloaded file's local bytes (false for a pinned file or a pending upload). */
  remove(fileId: string): Promise<boolean>;
  offlineStatus(): Promise<OfflineStatus>;
  /** Resolves once no pinned file waits to be fetched in the background. */
  downloadsSettled(): Promise<void>;
}
