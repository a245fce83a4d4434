// What the server refuses to store because no client could apply it (issue 12, items 6 and 10),
// and the limits it announces in `welcome` so that clients size their pushes (item 9).
// Pure functions: the push handler calls limitError() once per mutation, after its shape check.
//
// A change the server stores is sent to every client; one that clients refuse blinds them all.
// So a pushed mutation is refused (class `validation`, stored under its key) when:
// - its `ts` is not a hybrid-logical-clock timestamp as clients write and read it
//   ({ wall: integer ms >= 0, counter: integer 0..2^32-1, node: string }, nothing else);
// - its data nests deeper than `maxDepth` levels (the entity data's own depth: `{}` is 1);
// - a string or an object key in it is not well-formed Unicode (a lone surrogate escaped as
//   \ud800 parses into JS but cannot be encoded as UTF-8 by a client);
// - the entity it leaves behind (a create's data, an update's patch applied to the current entity)
//   is over `maxEntityBytes` as JSON text: every client would have to take that entity in one
//   frame, so it is refused at the write that would grow it past the limit.
import { isPlainObject, mergePatch } from './mutation.js';

/** The client core's limit on an entity's nesting (src/base/json_util.hpp ParseLimits::maxDepth). */
export const DEFAULT_MAX_DEPTH = 64;
const MAX_COUNTER = 2 ** 32 - 1;

/** The limits a server announces in `welcome` (docs/protocol.md, Limits). */
export function announcedLimits(options) {
  return {
    maxMessageBytes: options.maxMessageBytes,
    maxBatchMutations: options.maxBatchMutations,
    maxEntityBytes: options.maxEntityBytes,
    maxDepth: options.maxDepth,
  };
}

/** Why `ts` is not an HLC timestamp, or null (absent is fine: the server stores none). */
export function timestampError(ts) {
  if (ts == null) return null;
  if (!isPlainObject(ts)) return 'ts must be an object { wall, counter, node }';
  const keys = Object.keys(ts);
  if (keys.length !== 3 || !('wall' in ts) || !('counter' in ts) || !('node' in ts))
    return 'ts must have exactly the fields wall, counter and node';
  if (!Number.isSafeInteger(ts.wall) || ts.wall < 0) return 'ts.wall must be a non-negative integer (ms)';
  if (!Number.isInteger(ts.counter) || ts.counter < 0 || ts.counter > MAX_COUNTER)
    return `ts.counter must be an integer in 0..${MAX_COUNTER}`;
  if (typeof ts.node !== 'string' || ts.node.length > 256) return 'ts.node must be a string (at most 256 characters)';
  return null;
}

/**
 * True when value nests deeper than `limit` levels (objects and arrays; `{}` is one level).
 * Stops descending at limit + 1, so hostile input costs no deep recursion.
 */
export function deeperThan(value, limit) {
  const walk = (v, depth) => {
    if (v === null || typeof v !== 'object') return false;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (walk(child, depth + 1)) return true;
    return false;
  };
  return walk(value, 0);
}

/** The path of the first string or key that is not well-formed Unicode, or null. */
export function malformedTextAt(value, path = '') {
  const stack = [[value, path]];
  while (stack.length > 0) {
    const [v, at] = stack.pop();
    if (typeof v === 'string') {
      if (!v.isWellFormed()) return at || '(value)';
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${at}[${i}]`]);
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        if (!k.isWellFormed()) return `${at}.<key>`;
        stack.push([v[k], `${at}.${k}`]);
      }
    }
  }
  return null;
}

/** UTF-8 bytes of value as JSON text. */
export const jsonBytes = (value) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/**
 * Why the server must not store mutation `m` (already of a valid shape), or null.
 * current: the stored entity { data, … } or null; limits: { maxDepth, maxEntityBytes }.
 */
export function limitError(m, current, { maxDepth = DEFAULT_MAX_DEPTH, maxEntityBytes = Infinity } = {}) {
  const tsError = timestampError(m.ts);
  if (tsError) return tsError;
  for (const [field, value] of [['collection', m.collection], ['id', m.id], ['key', m.key], ['data', m.data], ['ts', m.ts]]) {
    const at = malformedTextAt(value, field);
    if (at) return `${at} is not well-formed text (a lone surrogate)`;
  }
  if (m.data != null && deeperThan(m.data, maxDepth)) return `data nests deeper than ${maxDepth} levels`;
  if (m.kind === 'delete' || !Number.isFinite(maxEntityBytes)) return null;
  // An update's entity is the current one patched (its depth is at most the deeper of the two).
  const entity = m.kind === 'update' && current && !current.deleted ? mergePatch(current.data, m.data) : m.data;
  const bytes = jsonBytes(entity);
  if (bytes > maxEntityBytes) return `the entity would be ${bytes} bytes, over the limit of ${maxEntityBytes}`;
  return null;
}
