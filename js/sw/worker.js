// The Service Worker side of background sync: the `sync`, `periodicsync` and `message` events
// flush the outbox (flush.js). Call installBackgroundSync() at the top level of the worker script:
// a Service Worker's event listeners must be added while the script first runs.
import { SyncError } from '../errors.js';

export const BACKGROUND_SYNC_TAG = 'syncore-outbox';
export const PERIODIC_SYNC_TAG = 'syncore-periodic';
/** The message a page posts to the worker to flush now ({ type }); the worker answers FLUSHED_MESSAGE. */
export const FLUSH_MESSAGE = 'syncore:flush';
export const FLUSHED_MESSAGE = 'syncore:flushed';

// Outcomes after which the browser should try again later: the `sync` event fails (unless it was
// the last chance), so Background Sync reschedules it with its own backoff.
const RETRY_OUTCOMES = new Set(['timeout', 'offline', 'auth-required']);

/**
 * @param {(options: object) => Promise<object>} flushOutbox
 * @param {object} options flushOutbox's options, and: scope [self], tag, periodicTag, onResult(result)
 * @returns {{ flush(): Promise<object> }} flush(): one flush now (e.g. from the app's own events)
 */
export function installBackgroundSyncWith(flushOutbox, options = {}) {
  const { scope = globalThis.self, tag = BACKGROUND_SYNC_TAG, periodicTag = PERIODIC_SYNC_TAG, onResult, ...flushOptions } = options;
  if (!scope || typeof scope.addEventListener !== 'function') throw new TypeError('installBackgroundSync runs in a Service Worker (or pass { scope })');
  // One flush at a time in this worker: an event arriving while one runs shares it (and its result).
  let running = null;
  const run = (trigger) => {
    const shared = running !== null;
    if (!running) {
      running = flushOutbox(flushOptions).then(
        (result) => result,
        (error) => ({ outcome: 'error', completed: false, error }),
      ).finally(() => {
        running = null;
      });
    }
    return running.then((flushed) => {
      const result = shared ? { trigger, ...flushed, shared } : { trigger, ...flushed };
      try {
        onResult?.(result);
      } catch {
        // the app's callback: never the worker's event
      }
      return result;
    });
  };

  scope.addEventListener('sync', (event) => {
    if (event.tag !== tag) return;
    event.waitUntil(run('sync').then((result) => {
      if (event.lastChance || !(result.outcome === 'error' || RETRY_OUTCOMES.has(result.outcome))) return;
      throw result.error ?? new SyncError('NOT_SENT', `background sync did not finish (${result.outcome}); the browser tries again later`);
    }));
  });
  scope.addEventListener('periodicsync', (event) => {
    if (event.tag !== periodicTag) return;
    event.waitUntil(run('periodicsync')); // never rejects: the next period comes anyway
  });
  scope.addEventListener('message', (event) => {
    if (event.data?.type !== FLUSH_MESSAGE) return;
    event.waitUntil(run('message').then((result) => {
      const { error, ...rest } = result;
      event.source?.postMessage({ type: FLUSHED_MESSAGE, result: error ? { ...rest, error: String(error?.message ?? error) } : rest });
    }));
  });
  return { flush: () => run('call') };
}
