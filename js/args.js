// Argument checks shared by the API files: every bad argument is a SyncError with a code.
import { SyncError, ErrorCodes } from './errors.js';

// null as a value: after a member's colon, an array's bracket or a comma, before a comma or a
// close. Inside a string this can match too (then the strict pass runs for nothing, which is only
// slower). Hand-written over indexOf rather than the regex /[:,[]null[,}\]]/ it stands for: the
// regex scanned the whole text once some "null" was in it (as "nulla" is in 9 in 10 of W4's 1 KB
// notes), ~40 % of JSON.stringify's own time there; indexOf jumps from one "null" to the next.
const COLON = 58;
const COMMA = 44;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const CLOSE_BRACE = 125;
function holdsNullValue(text) {
  for (let at = text.indexOf('null'); at !== -1; at = text.indexOf('null', at + 4)) {
    const before = text.charCodeAt(at - 1);
    const after = text.charCodeAt(at + 4);
    if ((before === COLON || before === COMMA || before === OPEN_BRACKET) && (after === COMMA || after === CLOSE_BRACE || after === CLOSE_BRACKET)) return true;
  }
  return false;
}

export function toJson(value, what) {
  if (typeof value === 'string') return value;
  let text;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    // Nesting deep enough to exhaust the stack surfaces as a RangeError.
    if (err instanceof RangeError) throw new SyncError(ErrorCodes.TOO_DEEP, `${what} is nested too deeply to serialise`);
    throw new SyncError(ErrorCodes.BAD_JSON, `${what} cannot be serialised: ${err.message}`);
  }
  if (text === undefined) throw new SyncError(ErrorCodes.BAD_JSON, `${what} is not a JSON value`);
  // JSON.stringify writes NaN and ±Infinity as null without a word: data would change silently.
  // Only text with a null in a value's place can hide one, so the strict pass runs only then (a
  // string that merely holds "null", as 9 in 10 of W4's 1 KB notes do, made it 3-5x slower).
  if (text === 'null' || holdsNullValue(text)) JSON.stringify(value, rejectNonFinite(what));
  return text;
}

function rejectNonFinite(what) {
  return (key, v) => {
    if (typeof v === 'number' && !Number.isFinite(v))
      throw new SyncError(ErrorCodes.WRONG_TYPE, `${what} holds ${v} at '${key}': only finite numbers are JSON`);
    return v;
  };
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
