// The data every system gets: the same entities, the same writes, the same update bytes.
// Deterministic (no Math.random) so each run and each system sees identical work.

export const QUICK = process.argv.includes('--quick');

/** Sizes of each workload; --quick scales them down so the whole bench runs in seconds. */
export const SIZES = QUICK
  ? { runs: 1, w1Entities: 160, w1Writes: 40, w2Entities: 10_000, w2MinMs: 60, w3Entities: 2_000, w3Batch: 500, w3Updates: 1_000,
      w4Mutations: 100, w5Entities: 500, w6Calls: 20_000, w6Batch: 2_000, w7Entities: 10_000 }
  : { runs: 5, w1Entities: 1_600, w1Writes: 400, w2Entities: 100_000, w2MinMs: 700, w3Entities: 10_000, w3Batch: 500, w3Updates: 20_000,
      w4Mutations: 1_000, w5Entities: 10_000, w6Calls: 500_000, w6Batch: 10_000, w7Entities: 100_000 };

// W1: ~10 KB entities (a 10,000-character body); 20 hot entities watched by 5 subscriptions each.
export const W1_HOT = 20;
export const W1_SUBS_PER_HOT = 5;
const BODY_10K = 'lorem ipsum dolor sit amet '.repeat(371).slice(0, 10_000);
export const bigEntity = (i) => ({ id: `e${i}`, title: `entity ${i}`, score: i % 1000, body: BODY_10K });
/** The i-th write of W1: which hot entity, and its new score. */
export const w1Write = (i, entities) => ({ id: `e${(i % W1_HOT) * Math.floor(entities / W1_HOT)}`, score: 1000 + i });
export const w1HotIds = (entities) => Array.from({ length: W1_HOT }, (_, k) => `e${k * Math.floor(entities / W1_HOT)}`);

// W2/W3/W7: small entities (~100 bytes).
export const smallEntity = (i) => ({ id: `s${i}`, name: `student ${i}`, score: (i * 7919) % 1000, grade: i % 12 });
/** The i-th write of W2: a pseudo-random entity (stride through the store), new score. */
export const w2Write = (i, n) => ({ id: `s${(i * 7919 + 13) % n}`, score: i % 1000 });

/** W3: batches of remote updates as the JSON text a server would send, { id, version, data } each. */
export function w3Batches(n, batchSize, total) {
  const batches = [];
  for (let start = 0; start < total; start += batchSize) {
    const updates = [];
    for (let k = start; k < Math.min(total, start + batchSize); k++) {
      const i = (k * 104729 + 7) % n;
      updates.push({ id: `s${i}`, version: 2 + k, data: { id: `s${i}`, name: `student ${i}`, score: k % 1000, grade: i % 12 } });
    }
    batches.push(JSON.stringify(updates));
  }
  return batches;
}
/** The ids W3's pending local mutations touch: every (n / pending)-th entity. */
export const w3PendingIds = (n, pending) => Array.from({ length: pending }, (_, k) => `s${Math.floor((k * n) / pending)}`);

// W5: ~1 KB entities.
const NOTE_1K = 'the quick brown fox jumps over the lazy dog '.repeat(23).slice(0, 950);
export const kbEntity = (i) => ({ id: `k${i}`, title: `entity ${i}`, score: i % 1000, note: NOTE_1K });
