// One fingerprint of a collection's entities, computed the same way on the server and in every
// client: sorted by id, each entity's data with its keys sorted.
import { createHash } from 'node:crypto';

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** entities: [{ id, ...data }] (the data objects themselves) */
export function digestOf(entities) {
  const lines = entities.map((e) => `${String(e.id)}=${canonical(e)}`).sort();
  return { count: lines.length, hash: createHash('sha256').update(lines.join('\n')).digest('hex') };
}
