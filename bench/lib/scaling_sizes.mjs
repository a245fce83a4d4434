// The scaling curves' sizes (bench/scaling.mjs); --quick keeps two small points.
const QUICK = process.argv.includes('--quick');

export const SCALING_QUICK = { entities: [1_000, 10_000], runs: 1, w1Writes: 40, w3Batch: 500, w3Updates: 2_000, timeoutMs: 60_000 };
export const SCALING_FULL = { entities: [1_000, 10_000, 100_000, 1_000_000], runs: 3, runsAt1M: 1, w1Writes: 200, w3Batch: 500, w3Updates: 20_000, timeoutMs: 180_000 };
export const SCALING = QUICK ? SCALING_QUICK : SCALING_FULL;
