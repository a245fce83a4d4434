// How an entity field refers to files: a file id (string), a reference object { fileId, … }
// (what client.files.put returns), or a list of either. Anything else refers to no file.

/** The file ids a field's value refers to. */
export function fileIdsIn(value) {
  if (typeof value === 'string') return value.length > 0 ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v) => (Array.isArray(v) ? [] : fileIdsIn(v)));
  if (value !== null && typeof value === 'object' && typeof value.fileId === 'string' && value.fileId.length > 0) return [value.fileId];
  return [];
}
