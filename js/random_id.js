// Identities made outside the deterministic core: client ids, tab ids, relay sessions.

/** A random unique id (a UUID where the platform has one). */
export function randomId() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  return `c${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}
