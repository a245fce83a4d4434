// Shared by the tab tests that run real clients on one fake-indexeddb "origin" against a real sync
// server: a tab of that origin, and a poll for a condition.
import { createSyncClient } from '../../js/node.js';

/** A client on `origin` ({ name, idb }) with tabs on and fast heartbeats (no Web Locks in Node). */
export function openTab(server, origin, { collections = { todos: {} }, tabs = {} } = {}) {
  return createSyncClient({
    url: server.url,
    collections,
    token: 't',
    websocket: { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 },
    storage: { name: origin.name, indexedDB: origin.idb },
    tabs: { locks: null, heartbeatMs: 40, helloRetryMs: 40, ...tabs },
  });
}

/** Resolves once predicate() (sync or async) holds; rejects after `ms`, naming `what`. */
export async function until(predicate, what, ms = 5000) {
  const started = Date.now();
  while (!(await predicate())) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
