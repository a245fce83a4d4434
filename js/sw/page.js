// The page side of background sync: ask the browser for a `sync` event (Background Sync) when
// changes wait in the outbox and may outlive the page — queued while not connected, or still
// pending when the page hides or goes away — and for `periodicsync` where the browser allows it.
import { BACKGROUND_SYNC_TAG, PERIODIC_SYNC_TAG } from './worker.js';

/**
 * @param {object} client a SyncClient
 * @param {object} [o]
 * @param {string} [o.tag] the worker's tag (installBackgroundSync's `tag`)
 * @param {ServiceWorkerContainer} [o.serviceWorker] [navigator.serviceWorker]
 * @returns {{ supported: boolean, registrations: number, stop(): void }}
 */
export function requestBackgroundSync(client, { tag = BACKGROUND_SYNC_TAG, serviceWorker = globalThis.navigator?.serviceWorker, window: win = globalThis.window, document: doc = globalThis.document } = {}) {
  const supported = Boolean(serviceWorker) && typeof globalThis.SyncManager !== 'undefined';
  const handle = { supported, registrations: 0, stop() {} };
  if (!supported) return handle; // no Background Sync here: the pages sync while open, as before
  const register = () => {
    handle.registrations++;
    // One tag: registering it again while it waits is a no-op; while its event runs, the browser
    // fires it once more afterwards.
    return serviceWorker.ready
      .then((registration) => {
        return registration.sync.register(tag);
      })
      .catch((err) => client.reportError(Object.assign(new Error(`background sync not registered: ${err?.message ?? err}`), { cause: err })));
  };
  const offQueued = client.on('operationQueued', () => {
    if (!client.status.connected) register();
  });
  const onHide = () => {
    if (client.status.pending > 0) register();
  };
  const onVisibility = () => {
    if (doc.visibilityState === 'hidden') onHide();
  };
  doc?.addEventListener?.('visibilitychange', onVisibility);
  win?.addEventListener?.('pagehide', onHide);
  if (client.status.pending > 0 && !client.status.connected) register();
  handle.stop = () => {
    offQueued();
    doc?.removeEventListener?.('visibilitychange', onVisibility);
    win?.removeEventListener?.('pagehide', onHide);
  };
  return handle;
}

/**
 * Periodic Background Sync where the browser allows it (Chromium: an installed web app with
 * enough site engagement). Resolves 'registered', 'denied' (the permission is not granted) or
 * 'unsupported'; rejects only on another error.
 */
export async function requestPeriodicSync({ tag = PERIODIC_SYNC_TAG, minInterval = 12 * 3600_000, serviceWorker = globalThis.navigator?.serviceWorker } = {}) {
  if (!serviceWorker) return 'unsupported';
  const registration = await serviceWorker.ready;
  if (!registration.periodicSync) return 'unsupported';
  try {
    await registration.periodicSync.register(tag, { minInterval });
    return 'registered';
  } catch (err) {
    if (err?.name === 'NotAllowedError') return 'denied';
    throw err;
  }
}
