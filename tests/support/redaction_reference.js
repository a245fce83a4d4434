// The redaction rules written out in JS, as the storage adapters once applied them: the reference
// the core's own redaction (src/records/redaction.cpp) is checked against (tests/node/redaction.test.js).
/**
 * A record's value without the sensitive fields: the value itself when nothing applies, otherwise
 * a redacted copy.
 * @param {{ store: string, key: unknown, value: unknown }} record
 * @param {Record<string, string[]>} sensitiveFields collection -> dotted paths
 */
export function redactRecord(record, sensitiveFields) {
  const { store, key, value } = record;
  if (value === null || typeof value !== 'object') return value;
  const collection =
    store === 'entities' ? (Array.isArray(key) ? key[0] : undefined)
    : store === 'deadLetters' ? value.entry?.collection
    : value.collection;
  const paths = sensitiveFields[collection];
  if (!Array.isArray(paths) || paths.length === 0) return value;
  const copy = structuredClone(value);
  // Every place a copy of the entity (or a patch of it) travels inside a record.
  const targets =
    store === 'entities' ? [[copy, 'data']]
    : store === 'outbox' ? [[copy, 'payload'], [copy.meta, 'base']]
    : store === 'deadLetters' ? [[copy.entry, 'payload'], [copy.entry?.meta, 'base']]
    : store === 'conflicts' ? [[copy, 'base'], [copy, 'local'], [copy, 'remote'], [copy, 'patch']]
    : [];
  for (const [holder, field] of targets) {
    const target = holder?.[field];
    if (target === null || typeof target !== 'object') continue;
    const removed = paths.filter((path) => removePath(target, String(path).split('.')));
    // A pending change that loses values here cannot be replayed whole after a reload: say which
    // fields it lost, so the restore can report it (and drop an edit that is left empty).
    if (field === 'payload' && removed.length > 0) holder.redactedFields = removed;
  }
  return copy;
}

// An array met on the way with a non-numeric segment gets the rest of the path removed from every
// element: a sensitive field inside a list of sub-objects must not survive in any of them.
// Returns whether anything was removed.
function removePath(node, segments) {
  if (node === null || typeof node !== 'object') return false;
  const [head, ...rest] = segments;
  if (Array.isArray(node) && !/^\d+$/.test(head)) {
    let removed = false;
    for (const item of node) removed = removePath(item, segments) || removed;
    return removed;
  }
  if (!Object.prototype.hasOwnProperty.call(node, head)) return false;
  if (rest.length > 0) return removePath(node[head], rest);
  delete node[head];
  return true;
}
