// A catch-up chunk applied in slices, so the page keeps running while a client catches up
// (docs/main_thread.md). Each slice is whole changes applied by one core call (a reader between
// slices sees the server's order up to some change, never half of one); between slices the
// browser gets the thread back (scheduler.yield, else a MessageChannel task; setImmediate in
// Node). Slices are sized by time: each is sized from how long the last ones took per change,
// so that it runs for about budgetMs, on a fast machine or a loaded one.
// The cursor is the caller's business: it goes with the last slice only (applySlice's `last`).

const now = () => globalThis.performance?.now?.() ?? Date.now();

let channel = null;
const resumers = [];
function messageChannelTask() {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => resumers.shift()?.();
  }
  return new Promise((resolve) => {
    resumers.push(resolve);
    channel.port2.postMessage(null);
  });
}

/** Gives the event loop a turn: rendering, input, timers, other messages run before this resolves. */
export function yieldToEventLoop() {
  const scheduler = globalThis.scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  if (typeof globalThis.setImmediate === 'function') return new Promise((resolve) => globalThis.setImmediate(resolve));
  if (typeof globalThis.MessageChannel === 'function') return messageChannelTask();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export const SLICE_DEFAULTS = Object.freeze({ budgetMs: 8, firstSlice: 16, maxSlice: 1000 });

/**
 * Applies `items` slice by slice: applySlice(slice, last) -> boolean (false: stop, nothing more
 * is applied). stop() -> true ends it between slices (the connection that brought the chunk is
 * gone, or the client closed). Resolves true once every slice applied, false if one was refused
 * or it was stopped. Items that fit in the first slice are applied at once and the answer is a
 * boolean, not a promise (nothing to yield for).
 * @param {unknown[]} items
 * @param {(slice: unknown[], last: boolean) => boolean} applySlice
 * @param {{ stop?: () => boolean, budgetMs?: number, firstSlice?: number, maxSlice?: number,
 *   yieldNow?: () => Promise<void> }} [options]
 */
export function applyInSlices(items, applySlice, { stop = () => false, yieldNow = yieldToEventLoop, ...given } = {}) {
  const { budgetMs, firstSlice, maxSlice } = { ...SLICE_DEFAULTS, ...given };
  if (items.length <= firstSlice) return applySlice(items, true);
  return (async () => {
    let size = firstSlice;
    let from = 0;
    while (from < items.length) {
      // Before the first slice too: the task that brought the chunk (its JSON.parse) ends first.
      await yieldNow();
      if (stop()) return false;
      const slice = items.slice(from, from + size);
      const last = from + slice.length >= items.length;
      const started = now();
      if (!applySlice(slice, last)) return false;
      // The work a slice queued as microtasks (the group commit issues its IndexedDB puts in one,
      // js/client/group_commit.js) runs in this same task: let it run before the clock is read,
      // so that it counts toward the slice's time per change (W9: it was most of the task).
      await null;
      from += slice.length;
      // ms per change of this slice -> the next slice's size; at most doubling, so one fast slice
      // (all deletes, say) does not make the next one far too long.
      const perItem = Math.max(now() - started, 0.01) / slice.length;
      size = Math.max(1, Math.min(maxSlice, 2 * size, Math.floor(budgetMs / perItem)));
    }
    return true;
  })();
}
