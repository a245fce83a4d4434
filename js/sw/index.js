// syncore/sw: background sync. In a module Service Worker, installBackgroundSync() flushes the
// outbox the pages left in IndexedDB on Background Sync's `sync` event, on `periodicsync` and on a
// page's message, with the same core (the wasm loads in the worker) and under the same Web Lock
// as the leader tab. In a page, requestBackgroundSync(client) asks the browser for that event.
// docs/background_sync.md.
//
// Static imports only: a Service Worker may not use import() (the debug glue and the embedded
// wasm, which js/browser.js imports dynamically, are not available in it: pass { wasmUrl }).
import { createSyncClient } from '../browser.js';
import { makeFlushOutbox } from './flush.js';
import { installBackgroundSyncWith } from './worker.js';

export { BACKGROUND_SYNC_TAG, PERIODIC_SYNC_TAG, FLUSH_MESSAGE, FLUSHED_MESSAGE } from './worker.js';
export { requestBackgroundSync, requestPeriodicSync } from './page.js';

/** Sends what the outbox in IndexedDB holds, holding the leader tab's Web Lock (flush.js). */
export const flushOutbox = /* @__PURE__ */ makeFlushOutbox(createSyncClient);

/** In a Service Worker's top-level code: flush the outbox on sync / periodicsync / message events. */
export function installBackgroundSync(options) {
  return installBackgroundSyncWith(flushOutbox, options);
}
