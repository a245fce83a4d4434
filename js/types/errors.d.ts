// The errors every call throws: SyncError, its codes.
// Part of the declarations of js/index.d.ts (which re-exports every one of them).
import type { ValidationIssue } from '../collection_types.js';
import type { Id } from './data.js';

export type ErrorCode =
  | 'BAD_JSON' | 'WRONG_TYPE' | 'MISSING_ID' | 'ID_MISMATCH' | 'UNKNOWN_COLLECTION' | 'UNKNOWN_OP'
  | 'BAD_QUERY' | 'UNKNOWN_QUERY' | 'UNKNOWN_SUBSCRIPTION' | 'TOO_LARGE' | 'TOO_DEEP'
  | 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'NOT_CONFIGURED' | 'CORRUPT_RECORD'
  /** cancel() of a mutation already handed to the server (it may be applied): nothing changed. */
  | 'ALREADY_SENT'
  | 'DISPOSED' | 'LOAD_FAILED' | 'RESOLVER_FAILED'
  /** A local write its collection's schema refused (err.issues); nothing was queued or changed. */
  | 'VALIDATION'
  /** A collection's schema answered a local write with a Promise: local writes need a synchronous schema. */
  | 'ASYNC_SCHEMA'
  /** A mutation named (through a declared reference) an entity whose create was dead-lettered: a dead letter's code. */
  | 'REFERENCE_FAILED'
  /** A mutation named (through a declared reference) an entity the server does not have: a dead letter's code. */
  | 'REFERENCE_MISSING';

export declare const ErrorCodes: Readonly<{ [K in ErrorCode]: K }>;

export declare class SyncError extends Error {
  readonly name: 'SyncError';
  readonly code: ErrorCode;
  /** VALIDATION: what the schema found, each { message, path }. */
  readonly issues?: ReadonlyArray<ValidationIssue>;
  /** VALIDATION: the collection and the entity's id (when known). */
  readonly collection?: string;
  readonly id?: Id;
  constructor(code: ErrorCode, message: string);
}
