// Each browser window is one "device": its own IndexedDB database (so its own client id, outbox
// and conflicts), kept across reloads (sessionStorage) and across browser restarts (a free device
// from the list in localStorage is reused, so edits left offline are found again).
//
// Two windows must never share a device: they would share a client id, and the server, which
// applies each "<clientId>:<n>" key once, would answer one window's edit with the other's stored
// answer. A Web Lock per device, held for the window's lifetime, keeps them apart.

const SESSION_KEY = 'gradebook.device';
const KNOWN_KEY = 'gradebook.devices';
const OFFLINE_PREFIX = 'gradebook.offline.';

const newDeviceId = () => {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
};

function readList(key) {
  try {
    const v = JSON.parse(localStorage.getItem(key) ?? '[]');
    return Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Takes the device's lock and keeps it until the window goes away. `wait` ms: how long to wait for
 * it (a reload: the previous page of this window may still be letting go); 0: only if free.
 */
function takeLock(id, wait) {
  if (!navigator.locks) return Promise.resolve(true); // no Web Locks: trust sessionStorage
  return new Promise((resolve) => {
    const options = wait > 0 ? { signal: AbortSignal.timeout(wait) } : { ifAvailable: true };
    navigator.locks
      .request(`gradebook-device-${id}`, options, (lock) => {
        resolve(Boolean(lock));
        return lock ? new Promise(() => {}) : undefined; // held for the window's lifetime
      })
      .catch(() => resolve(false)); // timed out
  });
}

/** This window's device: { id, dbName }. */
export async function claimDevice() {
  const mine = sessionStorage.getItem(SESSION_KEY);
  let id = null;
  if (mine && (await takeLock(mine, 1500))) id = mine;
  if (!id) {
    for (const known of readList(KNOWN_KEY)) {
      if (known !== mine && (await takeLock(known, 0))) {
        id = known;
        break;
      }
    }
  }
  while (!id) {
    const fresh = newDeviceId();
    if (await takeLock(fresh, 0)) id = fresh;
  }
  sessionStorage.setItem(SESSION_KEY, id);
  const known = readList(KNOWN_KEY);
  if (!known.includes(id)) localStorage.setItem(KNOWN_KEY, JSON.stringify([...known, id].slice(-8)));
  return { id, dbName: `gradebook-${id}` };
}

/** The "Work offline" switch of a device survives reloads. */
export const offlinePreference = (deviceId) => ({
  get: () => localStorage.getItem(OFFLINE_PREFIX + deviceId) === 'true',
  set: (on) => {
    if (on) localStorage.setItem(OFFLINE_PREFIX + deviceId, 'true');
    else localStorage.removeItem(OFFLINE_PREFIX + deviceId);
  },
});
