// The timed write loops of the two workloads that syncore and TanStack DB both run (the live
// query and the pending writes): the same writes, the same clock reads, in one place, so that the
// two systems differ only in how they write and how they are told.
import { now, median } from './stats.mjs';
import { SIZES, lqWrite, pendingWrite } from './data.mjs';

/**
 * The live-query workload's writes over n entities: each moves lqWrite(k, n).id to the top of the
 * window, timed until the system's listener reports that window. The listener calls saw(firstId)
 * with the id of its window's first row; run(write, notSeen) makes SIZES.lqWrites writes through
 * write(id, score) and returns the median ms. When a write was not seen by the time write()
 * returned, notSeen(seen) runs (seen() tells whether it has been since): a system that notifies
 * synchronously throws there; one that notifies later awaits seen() there, and the wait counts.
 */
export function liveQueryWrites(n) {
  let wanted = null;
  let end = 0;
  const seen = () => end !== 0;
  return {
    saw(firstId) {
      if (firstId === wanted) end = now();
    },
    async run(write, notSeen) {
      const ms = [];
      for (let k = 0; k < SIZES.lqWrites; k++) {
        const { id, score } = lqWrite(k, n);
        wanted = id;
        end = 0;
        const t = now();
        write(id, score);
        if (!seen()) await notSeen(seen);
        ms.push(end - t);
      }
      return median(ms);
    },
  };
}

/** The pending-writes workload's timed writes over n entities: median ms of write(id, score). */
export function pendingWritesMs(n, writes, write) {
  const ms = [];
  for (let k = 0; k < writes; k++) {
    const { id, score } = pendingWrite(k, n);
    const start = now();
    write(id, score);
    ms.push(now() - start);
  }
  return median(ms);
}
