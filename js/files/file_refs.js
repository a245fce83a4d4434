// What an entity field holds to point at a file, `{ $file: id, … }`: a convention of the protocol
// that the client (its upload gate, its offline pins) and the sync server (which refuses an entity
// whose file it does not hold whole, and lets a reader of the entity download it) read alike.

/** The collection a file's metadata mutation goes through. */
export const FILES_COLLECTION = 'syncore_files';

/** The file ids a value references: { $file: id } objects, at most a few levels down. */
export function fileRefs(value, depth = 0, out = new Set()) {
  if (depth > 4 || value === null || typeof value !== 'object') return out;
  if (Array.isArray(value)) {
    for (const v of value) fileRefs(v, depth + 1, out);
    return out;
  }
  if (typeof value.$file === 'string') out.add(value.$file);
  for (const k of Object.keys(value)) if (k !== '$file') fileRefs(value[k], depth + 1, out);
  return out;
}
