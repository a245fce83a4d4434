// The data model: ids, entities, a collection's options, the client's outbox settings, mutation
// requests and their per-mutation options.
// Part of the declarations of js/index.d.ts (which re-exports every one of them).
import type { StandardSchemaV1 } from '../collection_types.js';

export type Id = string | number;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Entity = { readonly [key: string]: Json };

export type Strategy = 'server-wins' | 'client-wins' | 'last-write-wins' | 'merge' | 'custom' | 'manual';
export type Priority = 'low' | 'normal' | 'high' | 'critical';
export type FieldRule = 'server' | 'client' | 'last-write-wins';

export interface CollectionOptions {
  /** The entity field holding its id. Default 'id'. */
  idField?: string;
  /**
   * Who names a new entity: 'client' (default: a create without an id gets a UUIDv7 at once, kept
   * by the server) or 'server' (a temp id `tmp-…`, renamed to the server's id on ack).
   */
  ids?: 'client' | 'server';
  /** Conflict strategy for this collection. Default 'server-wins'. */
  strategy?: Strategy;
  /** For 'merge': who wins a field changed on both sides (default last-write-wins), per dotted path. */
  mergeRules?: { default?: FieldRule; fields?: Record<string, FieldRule> };
  /** Default priority lane of its mutations. */
  priority?: Priority;
  /** false: never written to storage. Default true. */
  persist?: boolean;
  /**
   * A Standard Schema (zod 4, valibot 1, arktype 2, …): every local write (create, update, patch,
   * a merged conflict resolution) is validated as the entity it leaves, and refused with SyncError
   * VALIDATION (err.issues) before anything is queued; the schema's output (defaults, transforms)
   * is written. Its output type is the collection's entity type. It must be synchronous
   * (ASYNC_SCHEMA otherwise). Server data is not validated.
   */
  schema?: StandardSchemaV1 | null;
  /** Fields the server fills in (timestamps, …): not required of a local create, left out of create's and patch's types. */
  serverFields?: readonly string[];
  /**
   * Fields that name an entity of another collection (docs/references.md), e.g.
   * `{ studentId: 'students' }`: a mutation setting one is sent only after that entity's create is
   * acknowledged (with its server id), and an entity missing locally is fetched first; a
   * reference that cannot hold settles as REFERENCE_FAILED or REFERENCE_MISSING.
   */
  references?: { readonly [field: string]: string };
}

/** A typed collection's references: only fields of its entity type. */
export type ReferencesOf<T extends object> = { readonly [K in keyof T & string]?: string };

export interface ClientConfig {
  /** Persisted identity; generated when omitted. */
  clientId?: string;
  /** Seed for retry jitter; generated when omitted. */
  seed?: number;
  /** Emit persist effects. */
  persist?: boolean;
  batchSize?: number;
  maxInFlightBatches?: number;
  maxRetries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  maxClockDriftMs?: number;
}

export interface MutationRequest {
  collection: string;
  op: 'create' | 'update' | 'delete';
  id?: Id;
  /** create: the entity; update: the edited entity (diffed against the view). */
  data?: Record<string, unknown>;
  /** update: a JSON merge patch instead of data. */
  patch?: Record<string, unknown>;
  priority?: Priority;
  strategy?: Strategy;
  /** Retries of this mutation before it is a dead letter (the client's maxRetries otherwise). docs/queue_control.md */
  maxRetries?: number;
  /** Not sent once it has waited this long (ms, the core's clock): an 'expired' dead letter instead. */
  expireAfterMs?: number;
}

/** Per-mutation options of create / update / patch / delete (docs/queue_control.md). */
export interface MutationOptions {
  /** 'critical' goes out at once, past the batches in flight; never before an earlier change of its entity. */
  priority?: Priority;
  strategy?: Strategy;
  /** Retries before it is a dead letter (transient failures); the client's maxRetries otherwise. */
  maxRetries?: number;
  /** Not sent once it has waited this long (ms): an 'expired' dead letter (code EXPIRED), never dropped. */
  expireAfterMs?: number;
}
