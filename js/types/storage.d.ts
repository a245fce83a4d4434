// Local storage: the Storage interface the client writes through, its events and warnings, the
// quarantine, IndexedDB's options, and the two storages the package makes.
// Part of the declarations of js/index.d.ts (which re-exports every one of them).
import type { Effect, StoredRecord } from './commits.js';
import type { HistoryEntry } from './history.js';

/** A record set aside as unreadable (failed checksum, or refused by the core on restore). */
export interface QuarantinedRecord {
  store: string;
  key: unknown;
  value: unknown;
  reason: string;
  /** Date.now() when it was set aside. */
  at: number;
}

/** What the storage adapters report (client: the 'storageEvent' event). See docs/storage.md. */
export type StorageEvent =
  | { type: 'storage-error'; code: 'STORAGE_QUOTA' | 'STORAGE_FAILED' | string; message: string }
  | { type: 'storage-unavailable'; message: string }
  | { type: 'storage-closed'; reason: 'close' | 'versionchange'; newVersion?: number | null }
  | { type: 'storage-reopened'; version: number }
  | { type: 'storage-upgraded'; version: number }
  | { type: 'storage-recreated' }
  | { type: 'storage-blocked' }
  /** At start: the database was gone although its marker (kept outside IndexedDB) says it held unsynced records. */
  | ({ type: 'storage-evicted' } & EvictionReport)
  | { type: 'quarantined'; store: string; key: unknown; reason: string; kept?: boolean }
  /** A server change set aside (store 'changes' in quarantined()); stored: false when only kept in memory. */
  | { type: 'change-set-aside'; collection: string | null; id: string | null; code: string; message: string; change: unknown; stored: boolean }
  | { type: 'sensitive-values-lost'; collection: string; id: string; fields: string[]; dropped: boolean };

/** What an evicted database held when last written: its client id and unsynced records (lost: their sum). */
export interface EvictionReport {
  clientId: string | null;
  pending: number;
  deadLetters: number;
  conflicts: number;
  lost: number;
}

export interface StorageWarning {
  code: 'STORAGE_UNAVAILABLE' | 'STORAGE_QUOTA' | 'STORAGE_FAILED' | 'STORAGE_CLOSED' | 'STORAGE_UPGRADED' | 'STORAGE_QUARANTINED' | 'STORAGE_EVICTED' | string;
  message: string;
}

export interface Storage {
  kind: 'indexeddb' | 'memory' | string;
  write(effect: Extract<Effect, { type: 'persist' }>): Promise<void>;
  /**
   * onEntities (optional to honour): entity records may be handed to it in chunks as they are
   * read, instead of in the returned list; fromStart is true once at the start of each attempt
   * (a read tried again starts over: what it was handed before no longer counts).
   */
  readAll(options?: { onEntities?: (records: StoredRecord[], fromStart: boolean) => void }): Promise<StoredRecord[]>;
  clear(): Promise<void>;
  close(): Promise<void> | void;
  /** Optional: move records out of the way (kept, never deleted silently). */
  quarantine?(records: StoredRecord[], reason: string): Promise<void>;
  readQuarantine?(): Promise<QuarantinedRecord[]>;
  clearQuarantine?(): Promise<void>;
  subscribe?(listener: (event: StorageEvent) => void): () => void;
  /** Set on the memory storage openIndexedDbStorage falls back to, and on an evicted IndexedDB one. */
  warning?: StorageWarning;
  /** IndexedDB: set when the open found the database evicted (see EvictionReport). */
  evicted?: EvictionReport | null;
  /** Optional: where the client keeps its history of settled mutations (else in memory only). */
  history?: {
    load(): Promise<HistoryEntry[]>;
    save(change: { put: HistoryEntry[]; delete: string[] }): Promise<void>;
    clear(): Promise<void>;
    close?(): Promise<void>;
  };
}

export interface IndexedDbStorageOptions {
  name?: string;
  indexedDB?: unknown;
  version?: number;
  migrate?: (ctx: { db: unknown; transaction: unknown; oldVersion: number; newVersion: number }) => void;
  onEvent?: (event: StorageEvent) => void;
  /** An open not done by then fails: memory storage at start, a failed (retried) write later. 0: never. Default 10000. */
  openTimeoutMs?: number;
  /**
   * Where the marker of unsynced records is kept, outside IndexedDB, to detect an evicted database
   * (key `syncore:unsynced:<name>`). Default: localStorage where available; null: no marker.
   */
  evictionMarker?: { getItem(key: string): string | null; setItem(key: string, value: string): void } | null;
  /** The IDBKeyRange that goes with indexedDB (default: the global one; in Node, fake-indexeddb's). */
  keyRange?: unknown;
}
export declare function createMemoryStorage(): Storage;
export declare function openIndexedDbStorage(options?: IndexedDbStorageOptions): Promise<Storage>;
