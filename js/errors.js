// Errors that cross the wasm boundary arrive as codes; this turns them into one typed JS error.

/** Every code a SyncError can carry. */
export const ErrorCodes = Object.freeze({
  BAD_JSON: 'BAD_JSON',
  WRONG_TYPE: 'WRONG_TYPE',
  MISSING_ID: 'MISSING_ID',
  ID_MISMATCH: 'ID_MISMATCH',
  UNKNOWN_COLLECTION: 'UNKNOWN_COLLECTION',
  UNKNOWN_OP: 'UNKNOWN_OP',
  BAD_QUERY: 'BAD_QUERY',
  UNKNOWN_QUERY: 'UNKNOWN_QUERY',
  UNKNOWN_SUBSCRIPTION: 'UNKNOWN_SUBSCRIPTION',
  TOO_LARGE: 'TOO_LARGE',
  TOO_DEEP: 'TOO_DEEP',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  NOT_CONFIGURED: 'NOT_CONFIGURED',
  CORRUPT_RECORD: 'CORRUPT_RECORD',
  DISPOSED: 'DISPOSED',
  LOAD_FAILED: 'LOAD_FAILED',
  RESOLVER_FAILED: 'RESOLVER_FAILED',
});

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
