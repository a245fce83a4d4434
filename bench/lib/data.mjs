// The data every system gets: the same entities, the same writes, the same update bytes.
// Deterministic (no Math.random) so each run and each system sees identical work.
// Two rules the generators keep (checked by repeatedWrites below and tests/node/bench_data.test.js):
// every write and every remote update changes the entity it touches (no store may gain by skipping
// a no-op write), and every entity's strings are its own (no store may gain by sharing one string).
import { distinctText } from './text.mjs';

export const QUICK = process.argv.includes('--quick');

/** Sizes of each workload; --quick scales them down so the whole bench runs in seconds. */
export const QUICK_SIZES = { runs: 1, w1Entities: 160, w1Writes: 40, w2Entities: 10_000, w2MinMs: 60, w3Entities: 2_000, w3Batch: 500, w3Updates: 1_000,
  w4Mutations: 100, w5Entities: 500, w6Calls: 20_000, w6Batch: 2_000, w7Entities: 10_000, w9Entities: 1_000,
  pendingLevels: [0, 1_000], pendingWrites: 20, lqEntities: 10_000, lqWrites: 20 };
export const FULL_SIZES = { runs: 5, w1Entities: 1_600, w1Writes: 400, w2Entities: 100_000, w2MinMs: 700, w3Entities: 10_000, w3Batch: 500, w3Updates: 20_000,
  w4Mutations: 1_000, w5Entities: 10_000, w6Calls: 500_000, w6Batch: 10_000, w7Entities: 100_000, w9Entities: 10_000,
  pendingLevels: [0, 1_000, 10_000], pendingWrites: 50, lqEntities: 10_000, lqWrites: 200 };
// --runs N: another number of rounds (e.g. one full-size round on a loaded machine).
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : NaN;
export const SIZES = { ...(QUICK ? QUICK_SIZES : FULL_SIZES), ...(runs > 0 ? { runs } : {}) };

// W1: ~10 KB entities (a 10,000-character body of the entity's own); 20 hot entities watched by 5
// subscriptions each.
export const W1_HOT = 20;
export const W1_SUBS_PER_HOT = 5;
export const bigEntity = (i) => ({ id: `e${i}`, title: `entity ${i}`, score: i % 1000, body: distinctText(i, 10_000) });
/** The i-th write of W1: which hot entity, and its new score (1000 + i: never a score it had). */
export const w1Write = (i, entities) => ({ id: `e${(i % W1_HOT) * Math.floor(entities / W1_HOT)}`, score: 1000 + i });
export const w1HotIds = (entities) => Array.from({ length: W1_HOT }, (_, k) => `e${k * Math.floor(entities / W1_HOT)}`);

// W2/W3/W7: small entities (~100 bytes).
export const smallEntity = (i) => ({ id: `s${i}`, name: `student ${i}`, score: (i * 7919) % 1000, grade: i % 12 });
/** The i-th write of W2: a pseudo-random entity (stride through the store), new score (1000 + i: never one it had). */
export const w2Write = (i, n) => ({ id: `s${(i * 7919 + 13) % n}`, score: 1000 + i });

/**
 * W3: batches of remote updates as the JSON text a server would send, { id, version, data } each.
 * The k-th update's score is 1000 + k, which no entity had before (initial scores are < 1000), so
 * every update changes its entity, however often the entity is hit (n = 1,000: 20 times each).
 */
export function w3Batches(n, batchSize, total) {
  const batches = [];
  for (let start = 0; start < total; start += batchSize) {
    const updates = [];
    for (let k = start; k < Math.min(total, start + batchSize); k++) {
      const i = (k * 104729 + 7) % n;
      updates.push({ id: `s${i}`, version: 2 + k, data: { id: `s${i}`, name: `student ${i}`, score: 1000 + k, grade: i % 12 } });
    }
    batches.push(JSON.stringify(updates));
  }
  return batches;
}
/** The ids W3's pending local mutations touch: every (n / pending)-th entity. */
export const w3PendingIds = (n, pending) => Array.from({ length: pending }, (_, k) => `s${Math.floor((k * n) / pending)}`);

// W5: ~1 KB entities (a 950-character note of the entity's own).
export const kbEntity = (i) => ({ id: `k${i}`, title: `entity ${i}`, score: i % 1000, note: distinctText(i, 950) });

/** The live-query workload: score > 500, by score descending, the first 20. */
export const LIVE_QUERY = { minScore: 500, limit: 20 };
/** Its k-th write: an entity moved to the top of the window (a score above every other). */
export const lqWrite = (k, n) => ({ id: `s${(k * 7919 + 5) % n}`, score: 100_000 + k });
/** The pending-writes workload's k-th write (touches score; the pending ones touched grade). */
export const pendingWrite = (k, n) => ({ id: `s${(k * 6007 + 3) % n}`, score: 2_000_000 + k });

/**
 * How many writes of each generator leave their entity as it was (the no-op writes a store could
 * skip). Replays them over the initial entities; the bench logs the counts and they must be 0.
 */
export function repeatedWrites(sizes = SIZES) {
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const count = { w1: 0, w2: 0, w3: 0, lq: 0, pending: 0 };
  const scores = new Map();
  for (let i = 0; i < sizes.w1Writes; i++) {
    const { id, score } = w1Write(i, sizes.w1Entities);
    const before = scores.get(id) ?? Number(id.slice(1)) % 1000;
    if (before === score) count.w1++;
    scores.set(id, score);
  }
  // W2 runs for a time, not a count: check far more writes than any run makes (1 M/s × its time).
  const w2Max = Math.max(200_000, Math.ceil(sizes.w2MinMs * 1000 * 2));
  scores.clear();
  for (let i = 0; i < w2Max; i++) {
    const { id, score } = w2Write(i, sizes.w2Entities);
    const before = scores.get(id) ?? smallEntity(Number(id.slice(1))).score;
    if (before === score) count.w2++;
    scores.set(id, score);
  }
  const entities = new Map();
  for (const text of w3Batches(sizes.w3Entities, sizes.w3Batch, sizes.w3Updates)) {
    for (const u of JSON.parse(text)) {
      const before = entities.get(u.id) ?? smallEntity(Number(u.id.slice(1)));
      if (same(before, u.data)) count.w3++;
      entities.set(u.id, u.data);
    }
  }
  scores.clear();
  for (let k = 0; k < sizes.lqWrites; k++) {
    const { id, score } = lqWrite(k, sizes.lqEntities);
    if ((scores.get(id) ?? smallEntity(Number(id.slice(1))).score) === score) count.lq++;
    scores.set(id, score);
  }
  // The pending-writes workload, level by level on a fresh store: the pile (grade 99), then the
  // timed writes (scores no entity had).
  for (const level of sizes.pendingLevels) {
    const rows = new Map();
    const write = (id, patch) => {
      const before = rows.get(id) ?? smallEntity(Number(id.slice(1)));
      const after = { ...before, ...patch };
      if (same(before, after)) count.pending++;
      rows.set(id, after);
    };
    for (const id of w3PendingIds(sizes.w3Entities, level)) write(id, { grade: 99 });
    for (let k = 0; k < sizes.pendingWrites; k++) {
      const { id, score } = pendingWrite(k, sizes.w3Entities);
      write(id, { score });
    }
  }
  return count;
}
