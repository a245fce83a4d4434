// The view a local write makes, made on this side from the view JS already holds: an update's
// merge patch applied to the held snapshot (RFC 7386), a create's data with its id, nothing for a
// delete. The core confirms each time that the new view is exactly that (the answer's
// "viewFromRequest", wasm/core_handle_text.cpp) and then leaves it out of the commit, so a write
// to a 10 KB entity does not serialise, copy and parse the entity back. Values are taken from the
// request's own JSON text (numbers, dates and undefined as the core saw them), keys in the
// core's order (sorted, as its objects are), and unchanged parts stay the old frozen objects (a
// flat patch of JSON primitives is copied as it is: the same values its text holds).
import { isObject } from './merge_patch.js';

// An own property even for '__proto__' (JSON.parse makes one; plain assignment would not).
function put(obj, key, value) {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

// The core's key order: by UTF-8 bytes, which is code point order. JS compares UTF-16 units,
// the same order unless a key holds a character at or above U+D800 (then by code points).
const WIDE = /[\uD800-\uFFFF]/;
function byCodePoint(a, b) {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < x.length && i < y.length; i++) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
function sortedKeys(obj) {
  const keys = Object.keys(obj);
  return keys.some((k) => WIDE.test(k)) ? keys.sort(byCodePoint) : keys.sort();
}

/** A parsed JSON value with every object's keys in the core's order, frozen. */
export function canonical(value) {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return Object.freeze(value.map(canonical));
  const out = {};
  for (const key of sortedKeys(value)) put(out, key, canonical(value[key]));
  return Object.freeze(out);
}

// canonical() of a flat object of JSON primitives this side owns: the object itself, frozen, when
// its keys are in the core's order already (no copy), else a sorted copy.
function canonicalFlat(obj) {
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    if (WIDE.test(keys[i]) || (i > 0 && keys[i - 1] > keys[i])) return canonical(obj);
  }
  return Object.freeze(obj);
}

/** target (a frozen snapshot) with patch (parsed JSON) applied; untouched members are shared. */
export function patched(target, patch) {
  if (!isObject(patch)) return canonical(patch);
  const base = isObject(target) ? target : {};
  const out = {};
  for (const key of Object.keys(base)) put(out, key, base[key]);
  let added = false;
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) {
      delete out[key];
      continue;
    }
    if (!Object.hasOwn(out, key)) added = true;
    put(out, key, patched(out[key], value));
  }
  if (!added) return Object.freeze(out);
  const sorted = {};
  for (const key of sortedKeys(out)) put(sorted, key, out[key]);
  return Object.freeze(sorted);
}

function idOf(value) {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return null;
}

/**
 * What this side can make of a local write before it crosses: { collection, id, make(id) } when
 * the new view follows from the request (make answers it, or undefined for a delete), else null.
 * held(collection, id) is the snapshot held now (or undefined); text is the request's JSON.
 */
export function localWrite(request, text, idField, held) {
  const { collection, op } = request;
  if (typeof collection !== 'string') return null;
  if (op === 'delete') return { collection, make: () => undefined };
  if (op === 'create') {
    if (!isObject(request.data)) return null;
    // Copied now, not when the view is made: the caller may change its object meanwhile.
    const sent = flatAsSent(request.data, true);
    let taken = false;
    return {
      collection,
      make: (id) => {
        if (sent === null) {
          const data = { ...JSON.parse(text).data };
          put(data, idField, id);
          return canonical(data);
        }
        // The flat copy is this side's own: the first view made is that object itself.
        const data = taken ? { ...sent } : sent;
        taken = true;
        put(data, idField, id);
        return canonicalFlat(data);
      },
    };
  }
  if (op !== 'update' || !isObject(request.patch) || (request.data !== undefined && request.data !== null)) return null;
  const id = idOf(request.id);
  if (id === null) return null;
  const before = held(collection, id);
  if (before === undefined) return null;
  // Read now, not when the view is first made: the caller may change its patch object meanwhile.
  const patch = patchAsSent(request.patch, text);
  return { collection, make: () => patched(before, patch) };
}

// The patch as the core read it: its flat copy when it has one, else parsed back from the text.
function patchAsSent(patch, text) {
  return flatAsSent(patch) ?? JSON.parse(text).patch;
}

// A flat object of JSON primitives that JSON.stringify writes as they are (strings, booleans,
// null, finite numbers but -0) is its request text's object already: copied as it is, since
// parsing the request's text back cost a W1 write more than the patch itself (and a W4 create of
// 1 KB ~15 % of its JS). Anything else (nested values, undefined, -0, dates, toJSON, a class
// instance) answers null: the caller parses it back from the text.
// inOrder: the copy's keys in the core's order (a create's copy becomes its view).
function flatAsSent(obj, inOrder = false) {
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) return null;
  const copy = {};
  for (const key of inOrder ? sortedKeys(obj) : Object.keys(obj)) {
    const value = obj[key];
    const type = typeof value;
    if (!(type === 'string' || type === 'boolean' || value === null || (type === 'number' && Number.isFinite(value) && !Object.is(value, -0))))
      return null;
    put(copy, key, value);
  }
  return copy;
}

/** Whether two parsed JSON values are equal (a snapshot and the view a commit brought). */
export function sameJson(a, b) {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!Object.hasOwn(b, key) || !sameJson(a[key], b[key])) return false;
  return true;
}
