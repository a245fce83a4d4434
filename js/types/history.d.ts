// client.history() and client.resolveConflicts() (docs/history.md).
// Part of the declarations of js/index.d.ts (which re-exports every one of them).
import type { ParkedConflict } from './commits.js';
import type { Id } from './data.js';

/** A mutation's status in client.history(), in seed 004's sync_queue words (docs/history.md). */
export type HistoryStatus = 'pending' | 'syncing' | 'synced' | 'failed' | 'failed_permanently';

/** One mutation in client.history(). */
export interface HistoryEntry {
  readonly mutationId: string;
  readonly collection: string | null;
  /** The entity's id (its final id once the server acknowledged it). */
  readonly id: string | null;
  /** What the app asked for ('create', 'update', 'delete'), or the kind that was sent. */
  readonly op: string | null;
  readonly status: HistoryStatus;
  /** How the core settled it ('acked', 'dead-letter', 'conflict', 'overridden', 'merged', 'cancelled'); null while in the outbox. */
  readonly outcome: 'acked' | 'dead-letter' | 'conflict' | 'overridden' | 'merged' | 'cancelled' | null;
  /** Times sent to the server (seed 004's retry_count is attempts - 1 once sent). */
  readonly attempts: number;
  /** Wall-clock ms; createdAt is null for a mutation queued before this client started. */
  readonly createdAt: number | null;
  readonly sentAt: number | null;
  readonly settledAt: number | null;
  /** The last refusal or failure: a server error class ('validation', 'transient', …), 'timeout' or 'disconnected'. */
  readonly lastError: { code: string; message: string } | null;
  readonly version: number | null;
  /** The parked conflict a 'conflict' outcome waits in. */
  readonly conflictId: string | null;
  /** How a parked conflict was decided when resolveConflicts decided it; null otherwise. */
  readonly resolution: 'mine' | 'theirs' | 'merged' | null;
}

export interface HistoryFilter {
  status?: HistoryStatus | HistoryStatus[];
  collection?: string;
  limit?: number;
}

/** resolveConflicts' rule: one side for everything, or a side per field (others: see docs/history.md). */
export type ConflictRule =
  | { strategy: 'mine' | 'theirs' }
  | { byField: Record<string, 'mine' | 'theirs'>; otherwise?: 'mine' | 'theirs' };

export interface ConflictFilter {
  collection?: string;
  /** Conflict ids. */
  ids?: string[];
  entityIds?: Id[];
  where?: (conflict: ParkedConflict) => boolean;
}

export interface BatchResolveReport {
  resolved: { conflictId: string; collection: string; id: string; decided: 'mine' | 'theirs' | 'merged'; mutationId: string | null }[];
  failed: { conflictId: string; collection: string; id: string; error: unknown }[];
  skipped: { conflictId: string; collection: string; id: string; reason: string }[];
}
