// Small measuring helpers shared by every workload: medians, percentiles, timed loops.

export const now = () => performance.now();

export function median(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function percentile(values, p) {
  const v = values.slice().sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)];
}

/** Latencies (ms) -> { p50, p95 }. */
export const latencySummary = (ms) => ({ p50: percentile(ms, 50), p95: percentile(ms, 95) });

/** Operations per second of a synchronous op(i), run until minMs have passed and at least minOps ran. */
export function opsPerSecond(op, { minMs = 500, minOps = 50, maxOps = Infinity } = {}) {
  let i = 0;
  const start = now();
  let elapsed = 0;
  while ((elapsed < minMs || i < minOps) && i < maxOps) {
    op(i++);
    if ((i & 15) === 0 || i < 64) elapsed = now() - start;
  }
  elapsed = now() - start;
  return (i * 1000) / elapsed;
}

/** As opsPerSecond for an async op(i). */
export async function opsPerSecondAsync(op, { minMs = 500, minOps = 20, maxOps = Infinity } = {}) {
  let i = 0;
  const start = now();
  while ((now() - start < minMs || i < minOps) && i < maxOps) await op(i++);
  return (i * 1000) / (now() - start);
}

export const gc = () => globalThis.gc?.();
