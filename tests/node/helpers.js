// Shared by the node:test files: a fresh core with the test collections.
import { createSyncCore } from '../../js/node.js';

export async function freshCore(options = {}) {
  return createSyncCore({ collections: { todos: {}, notes: { idField: 'key' } }, ...options });
}

export const upsert = (collection, id, version, data) => ({ op: 'upsert', collection, id, version, data: { id, ...data } });
export const del = (collection, id, version) => ({ op: 'delete', collection, id, version });
