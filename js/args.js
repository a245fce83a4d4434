// Argument checks shared by the API files: every bad argument is a SyncError with a code.
import { SyncError, ErrorCodes } from './errors.js';

export function toJson(value, what) {
  if (typeof value === 'string') return value;
  let text;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new SyncError(ErrorCodes.BAD_JSON, `${what} cannot be serialised: ${err.message}`);
  }
  if (text === undefined) throw new SyncError(ErrorCodes.BAD_JSON, `${what} is not a JSON value`);
  return text;
}

export function requireName(value, what) {
  if (typeof value !== 'string' || value.length === 0)
    throw new SyncError(ErrorCodes.WRONG_TYPE, `${what} must be a non-empty string`);
  return value;
}

export function requireId(id) {
  if (typeof id === 'string' && id.length > 0) return id;
  if (typeof id === 'number' && Number.isInteger(id)) return String(id);
  throw new SyncError(ErrorCodes.MISSING_ID, 'id must be a non-empty string or an integer');
}
