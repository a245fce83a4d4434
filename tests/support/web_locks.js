// Exclusive Web Locks in memory, for Node (which has no navigator.locks): what syncore/sw and the
// tab election use of them — request(name, { ifAvailable, signal }, callback), FIFO per name.

/** Exclusive Web Locks in memory (request with ifAvailable / signal), as navigator.locks does them. */
export function memoryLocks() {
  const held = new Set();
  const queues = new Map();
  const abortError = () => Object.assign(new Error('the lock request was aborted'), { name: 'AbortError' });
  const next = (name) => {
    const queue = queues.get(name) ?? [];
    const entry = queue.shift();
    if (entry) entry.grant();
  };
  return {
    request(name, options, callback) {
      if (typeof options === 'function') [callback, options] = [options, {}];
      return new Promise((resolve, reject) => {
        const queue = queues.get(name) ?? [];
        queues.set(name, queue);
        const grant = () => {
          held.add(name);
          Promise.resolve()
            .then(() => callback({ name, mode: 'exclusive' }))
            .then(resolve, reject)
            .finally(() => {
              held.delete(name);
              next(name);
            });
        };
        const free = !held.has(name) && queue.length === 0;
        if (options.ifAvailable) {
          if (free) grant();
          else Promise.resolve().then(() => callback(null)).then(resolve, reject);
          return;
        }
        if (options.signal?.aborted) return reject(abortError());
        if (free) return grant();
        const entry = {
          grant: () => {
            options.signal?.removeEventListener('abort', onAbort);
            grant();
          },
        };
        const onAbort = () => {
          queue.splice(queue.indexOf(entry), 1);
          reject(abortError());
        };
        options.signal?.addEventListener('abort', onAbort);
        queue.push(entry);
        return undefined;
      });
    },
  };
}
