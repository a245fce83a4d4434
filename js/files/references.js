// How an entity field refers to files: a reference { $file: id, name, type, size } (what
// client.files.put returns as `ref`), a list of them (or references nested a few levels down, as
// the server counts them: server/files.js), or the file id itself as a string.

/** The file ids a field's value refers to. */
export function fileIdsIn(value) {
  if (typeof value === 'string') return value.length > 0 ? [value] : [];
  const out = new Set();
  collect(value, 0, out);
  return [...out];
}

function collect(value, depth, out) {
  if (depth > 4 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) collect(v, depth + 1, out);
    return;
  }
  if (typeof value.$file === 'string' && value.$file.length > 0) out.add(value.$file);
  for (const k of Object.keys(value)) if (k !== '$file') collect(value[k], depth + 1, out);
}
