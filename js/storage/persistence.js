// Persistent storage: without it the browser may evict the origin's IndexedDB under storage
// pressure (or, in Safari, after seven days without a visit), pending changes included. Asked for
// where the browser allows it; Chromium and Safari decide silently from engagement, Firefox may ask
// the user (persistStorage: false turns the request off and only reads the current state).

/**
 * @param {{ persisted?: () => Promise<boolean>, persist?: () => Promise<boolean> } | undefined} manager
 *   navigator.storage
 * @param {{ request?: boolean }} [options] request: call persist() when not persisted yet [true]
 * @returns {Promise<boolean | null>} whether the origin's storage is persistent; null: unknown
 *   (no StorageManager, or it failed)
 */
export async function persistentStorage(manager, { request = true } = {}) {
  if (!manager || typeof manager.persisted !== 'function') return null;
  try {
    if (await manager.persisted()) return true;
    if (!request || typeof manager.persist !== 'function') return false;
    return Boolean(await manager.persist());
  } catch {
    return null;
  }
}
