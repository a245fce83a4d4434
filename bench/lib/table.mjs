// The markdown table: one row per measured figure, syncore first, each peer with syncore's
// advantage factor (×2.0 = syncore twice as good; ×0.5 = the peer twice as good).

export const PEERS = [['tinybase', 'TinyBase'], ['rxdb', 'RxDB'], ['tanstack', 'TanStack Query'], ['replicache', 'Replicache'], ['plain', 'plain JS']];

/** Every row: metric key, label, unit, which way is better, the target (for syncore). */
export const ROWS = [
  { key: 'w1p50', label: 'W1 reactive loop p50', unit: 'ms', better: 'low', target: 2 },
  { key: 'w1p95', label: 'W1 reactive loop p95', unit: 'ms', better: 'low', target: 5 },
  { key: 'w2', label: 'W2 local writes (100k store)', unit: '/s', better: 'high' },
  { key: 'w3_0', label: 'W3 remote updates, 0 pending', unit: '/s', better: 'high', target: 150_000 },
  { key: 'w3_100', label: 'W3 remote updates, 100 pending', unit: '/s', better: 'high' },
  { key: 'w3_1000', label: 'W3 remote updates, 1,000 pending', unit: '/s', better: 'high', target: 50_000 },
  { key: 'w3floor', label: 'W3 floor: JSON.parse of the same bytes', unit: '/s', better: 'high', floor: true },
  { key: 'w4node', label: 'W4 durable enqueue ×1,000 (Node, fake-indexeddb)', unit: 'ms', better: 'low' },
  { key: 'w4chromium', label: 'W4 durable enqueue ×1,000 (Chromium IndexedDB)', unit: 'ms', better: 'low', target: 50 },
  { key: 'w5node', label: 'W5 hydrate 10,000 × 1 KB (Node, fake-indexeddb)', unit: 'ms', better: 'low' },
  { key: 'w5chromium', label: 'W5 hydrate 10,000 × 1 KB (Chromium IndexedDB)', unit: 'ms', better: 'low', target: 150 },
  { key: 'w6call', label: 'W6 one small JS→wasm call', unit: 'µs', better: 'low', target: 0.5 },
  { key: 'w6entity', label: 'W6 per entity in a 10,000 batch', unit: 'µs', better: 'low', target: 2 },
  { key: 'w7', label: 'W7 memory, 100,000 entities', unit: 'MiB', better: 'low' },
  { key: 'w8brotli', label: 'W8 bundle, brotli', unit: 'KiB', better: 'low', target: 120 * 1000 / 1024 },
  { key: 'w8gzip', label: 'W8 bundle, gzip', unit: 'KiB', better: 'low' },
  { key: 'w8raw', label: 'W8 bundle, raw', unit: 'KiB', better: 'low' },
];

export function fmt(v, unit) {
  if (!Number.isFinite(v)) return '–';
  if (unit === '/s') return v >= 1e6 ? `${(v / 1e6).toFixed(2)} M/s` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k/s` : `${v.toFixed(0)} /s`;
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : 3;
  return `${v.toFixed(digits)} ${unit}`;
}

/** syncore's advantage over a figure: >1 means syncore is better. */
export const advantage = (row, ours, theirs) => (row.better === 'high' ? ours / theirs : theirs / ours);

export function targetMet(row, v) {
  if (row.target === undefined || !Number.isFinite(v)) return '';
  const ok = row.better === 'high' ? v >= row.target : v <= row.target;
  return `${ok ? 'met' : 'missed'} (${row.better === 'high' ? '≥' : '≤'} ${fmt(row.target, row.unit)})`;
}

export function formatTable(medians, sizes) {
  const head = ['workload', 'syncore', ...PEERS.map(([, n]) => n), 'target'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const row of ROWS) {
    const m = medians[row.key] ?? {};
    if (row.floor) {
      const floor = m['JSON.parse'];
      const ours = medians.w3_0?.syncore;
      lines.push(`| ${row.label} | ${fmt(floor, row.unit)} (syncore at 0 pending = ${((ours / floor) * 100).toFixed(0)} % of it) |${PEERS.map(() => '').join(' |')} | ${targetMet({ ...row, target: 0.5 }, ours / floor) ? (ours / floor >= 0.5 ? 'met' : 'missed') + ' (≥ 50 %)' : ''} |`);
      continue;
    }
    const ours = m.syncore;
    const cells = PEERS.map(([k]) => (Number.isFinite(m[k]) ? `${fmt(m[k], row.unit)} (×${advantage(row, ours, m[k]).toFixed(2)})` : 'n/a'));
    lines.push(`| ${row.label} | **${fmt(ours, row.unit)}** | ${cells.join(' | ')} | ${targetMet(row, ours)} |`);
  }
  lines.push('', `×N: syncore's advantage over that peer (×2.00 = syncore twice as good, ×0.50 = the peer twice as good). Medians of ${sizes.runs} run(s).`);
  return lines.join('\n');
}
