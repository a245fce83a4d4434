// RFC 7386 JSON merge patch in JS: what the core does with a patch, for the places that must
// compute the same result without crossing into wasm (the REST adapter's full PUT, a schema
// validating the entity a patch will make, a React overlay shown over a view).

export const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The patch applied to target (a new object; target is not changed). null removes a field. */
export function mergePatch(target, patch) {
  if (!isObject(patch)) return patch;
  const out = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}
