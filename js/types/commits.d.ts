// What crosses between the core, its storage and its server: wire mutations, stored records,
// effects, events, server operations, and the commits that carry them.
// Part of the declarations of js/index.d.ts (which re-exports every one of them).
import type { Entity, Id, Json, Priority, Strategy } from './data.js';
import type { ErrorCode, SyncError } from './errors.js';

export interface HlcTimestamp { wall: number; counter: number; node: string }

export interface WireMutation {
  key: string;
  collection: string;
  id: string;
  kind: 'create' | 'update' | 'delete';
  data: Record<string, unknown> | null;
  baseVersion: number;
  ts: HlcTimestamp | null;
}

export interface StoredRecord { store: 'entities' | 'outbox' | 'deadLetters' | 'conflicts' | 'meta'; key: unknown; value: unknown }

export type Effect =
  | { type: 'persist'; put: StoredRecord[]; delete: { store: string; key: unknown }[] }
  /** critical: it carries a critical mutation, stored and sent without waiting for a group commit. */
  | { type: 'send'; batch: number; mutations: WireMutation[]; critical?: boolean }
  | { type: 'wake'; at: number }
  /** Server changes to keep (the quarantine) before the persist effect that moves the cursor past them. */
  | { type: 'set-aside'; changes: SetAsideChange[] };

export type SyncEvent =
  | { type: 'queued'; mutationId: string; collection: string; id: string }
  | { type: 'settled'; mutationIds: string[]; status: 'acked' | 'dead-letter' | 'cancelled' | 'overridden' | 'merged' | 'conflict'; [extra: string]: unknown }
  | { type: 'conflict'; collection: string; id: string; strategy: Strategy; outcome: string; paths: string[]; base: Json; local: Json; remote: Json; resolved: Json; mutationIds: string[] }
  | { type: 'auth-required'; message: string }
  /** A queued mutation names (through a declared reference) an entity missing locally: fetch it, or referenceMissing(). */
  | { type: 'reference-needed'; collection: string; id: string }
  | ({ type: 'change-set-aside' } & Omit<SetAsideChange, 'change'>)
  | RefusedRecord
  /** A custom resolver threw, rejected, or returned something that is not an entity: the conflict stays parked. */
  | { type: 'resolver-failed'; collection: string; id: string; conflictId: string | null; message: string; error: SyncError };

/** What a server announces in its welcome (docs/protocol.md, Limits). */
export interface ServerLimits {
  maxMessageBytes?: number; maxBatchMutations?: number; maxEntityBytes?: number; maxDepth?: number;
}

export interface PendingMutation {
  seq: number; key: string; mutationIds: string[]; collection: string; id: string;
  kind: 'create' | 'update' | 'delete'; data: Json; priority: Priority;
  state: 'queued' | 'in-flight' | 'dead'; attempts: number; notBefore: number;
  /** For dead letters: 'validation', 'forbidden', 'transient', 'too-large' (over the server's push limit), 'expired' (past expireAfterMs), … */
  errorClass?: string; message?: string;
}

export interface ParkedConflict {
  id: string; collection: string; entityId: string; kind: 'update' | 'delete';
  base: Json; local: Json; remote: Json; patch: Json; remoteVersion: number;
  mutationIds: string[]; paths: string[]; strategy: Strategy;
  /** An async custom resolver is still deciding it (it stays parked until the promise settles). */
  resolving: boolean;
}

export type ServerOp =
  | { op: 'upsert'; collection: string; id?: Id; version: number; data: Record<string, unknown>; origin?: string; ts?: HlcTimestamp }
  | { op: 'delete'; collection: string; id: Id; version: number; origin?: string; ts?: HlcTimestamp }
  | { op: 'load'; collection: string; entities: LoadItem[] }
  | { op: 'ack'; key: string; version?: number; id?: Id; data?: Record<string, unknown> | null }
  | { op: 'reject'; key: string; class: 'transient' | 'auth' | 'validation' | 'conflict' | 'storage' | 'forbidden'; message?: string }
  | { op: 'conflict'; key: string; version: number; data: Record<string, unknown> | null; ts?: HlcTimestamp };

export interface LoadItem {
  id?: Id;
  version: number;
  data: Record<string, unknown>;
}

export interface CollectionChanges {
  created: string[];
  updated: string[];
  deleted: string[];
}

export interface CommitResult {
  changes: Record<string, CollectionChanges>;
  cursor: number;
  /** In order: persist before send, wake last. Carry them out in that order. */
  effects?: Effect[];
  events?: SyncEvent[];
  /** Temp id -> server id, per collection. */
  renamed?: Record<string, Record<string, string>>;
  /** For mutate / resolveConflict: the new mutation's id. */
  mutationId?: string;
}

/** The counters every commit carries (generated from C++: js/generated/vocabulary.d.ts). */
export type CommitCounts = import('../generated/vocabulary.js').CommitCounts;

/** What onCommit listeners get: the commit, with its counters and the views it carried. */
export interface Commit extends CommitResult {
  counts: CommitCounts;
  /**
   * collection -> id -> the entity (frozen), for the changed entities a query, a subscription or
   * the caller (mutate with { view: true }) shows next; built from viewList when first read.
   */
  views?: Record<string, Record<string, Entity>>;
  /** The same views as they crossed: [collection, id, entity] triples. */
  viewList?: [collection: string, id: string, entity: Entity][];
}
/** A server change the core could not apply, set aside instead of failing its chunk. */
export interface SetAsideChange {
  /** Its position in the changes given. */
  index: number;
  collection: string | null;
  id: string | null;
  code: ErrorCode;
  message: string;
  /** The change as given. */
  change: unknown;
}

/** A stored record the core refused during a restore in chunks (restoreFinish's events). */
export interface RefusedRecord {
  type: 'record-refused';
  /** Its position among the records added. */
  index: number;
  store: string;
  key: unknown;
  code: ErrorCode;
  message: string;
}
