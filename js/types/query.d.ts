// Live queries (predicates, order, window) and the query cache.
// Part of the declarations of js/index.d.ts (which re-exports every one of them).
import type { Entity } from './data.js';

export type PredicateOp = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'contains';
export type Predicate = [field: string, op: PredicateOp, value: unknown] | { field: string; op: PredicateOp; value: unknown };
export type SortKey = string | [field: string, dir?: 'asc' | 'desc'] | { field: string; dir?: 'asc' | 'desc' };

export interface QuerySpec {
  collection: string;
  /** All must hold. Fields are dotted paths: 'meta.owner', 'tags.0'. */
  where?: Predicate[];
  /** Ties are broken by id, so the order is total. */
  orderBy?: SortKey[];
  limit?: number;
  offset?: number;
}

export declare class LiveQuery<T extends object = Entity> {
  readonly id: number;
  readonly spec: Readonly<QuerySpec>;
  /** Ids of the current window, in order. */
  readonly ids: readonly string[];
  /** Matches before offset / limit. */
  readonly total: number;
  /** Frozen rows; a new array only when the result changed. */
  readonly current: readonly T[];
  readonly closed: boolean;
  subscribe(listener: (rows: readonly T[], query: LiveQuery<T>) => void): () => void;
  close(): void;
}

export interface CacheSetOptions {
  /** Fresh for this many ms. Default 60000. */
  ttl?: number;
  /** Then served as stale (revalidate!) this many ms more. Default 0. */
  staleTime?: number;
  tags?: string[];
  now?: number;
}

export type CacheHit<T = unknown> =
  | { status: 'fresh' | 'stale'; value: T; age: number }
  | { status: 'miss' };

export interface QueryCache {
  set(key: string, value: unknown, options?: CacheSetOptions): void;
  get<T = unknown>(key: string, options?: { now?: number }): CacheHit<T>;
  invalidate(key: string): boolean;
  invalidateTag(tag: string): number;
  remove(key: string): boolean;
  prune(options?: { now?: number }): number;
}
