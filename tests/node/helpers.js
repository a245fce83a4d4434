// Shared by the node:test files: a fresh core with the test collections.
import { createSyncCore } from '../../js/node.js';

export async function freshCore(options = {}) {
  return createSyncCore({ collections: { todos: {}, notes: { idField: 'key' } }, ...options });
}

export const upsert = (collection, id, version, data) => ({ op: 'upsert', collection, id, version, data: { id, ...data } });
export const del = (collection, id, version) => ({ op: 'delete', collection, id, version });

// Every event a SyncClient emits: waiting on all of them means a wait never misses its moment.
const CLIENT_EVENTS = ['syncStarted', 'syncCompleted', 'syncFailed', 'operationQueued', 'conflictDetected',
  'storageQuotaExceeded', 'networkStatusChanged', 'authRequired', 'statusChanged', 'notification', 'error',
  'mutationSettled', 'storageEvent'];

/**
 * Resolves when predicate() holds, checked on every client event and every commit of every
 * collection; rejects after ms, or with the predicate's own error.
 */
export function untilClient(client, predicate, what, ms = 5000) {
  return new Promise((resolve, reject) => {
    const offs = [];
    const timer = setTimeout(() => finish(new Error(`timed out waiting for: ${what}`)), ms);
    const finish = (err) => {
      clearTimeout(timer);
      for (const off of offs) off();
      if (err) reject(err);
      else resolve();
    };
    const check = () => {
      try {
        if (predicate()) finish();
      } catch (err) {
        finish(err);
      }
    };
    for (const e of CLIENT_EVENTS) offs.push(client.on(e, check));
    for (const c of Object.keys(client.core.stats().collections)) offs.push(client.core.subscribe(c, check));
    check();
  });
}
