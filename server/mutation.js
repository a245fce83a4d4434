// What a pushed mutation is: its shape, the JSON merge patch an update applies, temporary ids.
// Shared by the store and the server's push handling.

export const MUTATION_KINDS = ['create', 'update', 'delete'];

export const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Defines an own property even for names like "__proto__" (JSON.parse makes those own data). */
export function setOwn(obj, key, value) {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

export function cloneJson(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/**
 * RFC 7396 JSON merge patch: object members are merged recursively, `null` removes a member,
 * anything else (arrays included) replaces the target whole. Never mutates its arguments.
 */
export function mergePatch(target, patch) {
  if (!isPlainObject(patch)) return cloneJson(patch);
  const result = {};
  if (isPlainObject(target)) for (const k of Object.keys(target)) setOwn(result, k, target[k]);
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (v === null) delete result[k];
    else setOwn(result, k, mergePatch(Object.hasOwn(result, k) ? result[k] : undefined, v));
  }
  return result;
}

const validId = (id) =>
  (typeof id === 'string' && id.length > 0 && id.length <= 256) || Number.isSafeInteger(id);

/** Why a pushed mutation is malformed, or null. (The key is checked by the server.) */
export function mutationShapeError(m) {
  if (!isPlainObject(m)) return 'a mutation must be an object';
  if (typeof m.collection !== 'string' || m.collection.length === 0 || m.collection.length > 200)
    return 'collection must be a non-empty string';
  if (!MUTATION_KINDS.includes(m.kind)) return 'kind must be "create", "update" or "delete"';
  if ((m.kind !== 'create' || m.id != null) && !validId(m.id)) return 'id must be a non-empty string or an integer';
  if (m.kind === 'create' && !isPlainObject(m.data)) return 'a create carries the whole entity as an object in data';
  if (m.kind === 'update' && !isPlainObject(m.data)) return 'an update carries a JSON merge patch object in data';
  if (m.kind !== 'create' && !Number.isInteger(m.baseVersion)) return 'baseVersion must be an integer';
  if (m.ts != null && !isPlainObject(m.ts)) return 'ts must be an object';
  return null;
}

/** A temporary id the server replaces with its own on create. */
export const isTemporaryId = (id) => id == null || (typeof id === 'string' && id.startsWith('tmp-'));
