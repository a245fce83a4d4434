// Errors that cross the wasm boundary arrive as codes; this turns them into one typed JS error.

import { ErrorCodeNames } from './generated/vocabulary.js';

// Codes only the JS layer raises (the core's own come from its table, src/vocabulary.hpp).
// VALIDATION: a local write its collection's schema refused (err.issues); ASYNC_SCHEMA: that
// schema answered with a Promise, which a local write (applied at once) cannot wait for.
// REFERENCE_FAILED / REFERENCE_MISSING: a mutation's declared reference could not hold (its
// create failed; the server has no such entity): a dead letter's code (docs/references.md).
const JS_ERROR_CODES = ['DISPOSED', 'LOAD_FAILED', 'RESOLVER_FAILED', 'VALIDATION', 'ASYNC_SCHEMA', 'REFERENCE_FAILED', 'REFERENCE_MISSING'];

/** Every code a SyncError can carry. */
export const ErrorCodes = Object.freeze(
  Object.fromEntries([...ErrorCodeNames.filter((name) => name !== 'OK'), ...JS_ERROR_CODES].map((name) => [name, name])),
);

export class SyncError extends Error {
  /**
   * @param {string} code one of ErrorCodes
   * @param {string} message
   */
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.name = 'SyncError';
    this.code = code;
  }
}
