// The markdown table: one row per measured figure, syncore first, each peer with syncore's
// advantage factor (×2.0 = syncore twice as good; ×0.5 = the peer twice as good).

export const PEERS = [['tinybase', 'TinyBase'], ['tanstackdb', 'TanStack DB'], ['rxdb', 'RxDB'], ['tanstack', 'TanStack Query'],
  ['replicache', 'Replicache'], ['plain', 'plain JS']];
const ALL = PEERS.map(([k]) => k);
const BUNDLED = ALL.filter((k) => k !== 'plain'); // plain JS has nothing to download

/**
 * Every row: metric key, label, unit, which way is better, issue 15's target for syncore, which
 * peers it is measured for (none: syncore's own), `ahead`: the row counts toward "ahead of every
 * peer on W1–W3 and W7", `fullOnly`: not run in --quick.
 */
export const ROWS = [
  { key: 'w1p50', label: 'W1 reactive loop p50', unit: 'ms', better: 'low', target: 0.012, peers: ALL, ahead: true },
  { key: 'w1p95', label: 'W1 reactive loop p95', unit: 'ms', better: 'low', target: 0.030, peers: ALL, ahead: true },
  { key: 'w2', label: 'W2 local writes (100k store)', unit: '/s', better: 'high', target: 130_000, peers: ALL, ahead: true },
  { key: 'w3_0', label: 'W3 remote updates, 0 pending', unit: '/s', better: 'high', target: 300_000, peers: ALL, ahead: true },
  { key: 'w3_100', label: 'W3 remote updates, 100 pending', unit: '/s', better: 'high', peers: ALL, ahead: true },
  { key: 'w3_1000', label: 'W3 remote updates, 1,000 pending', unit: '/s', better: 'high', target: 250_000, peers: ALL, ahead: true },
  { key: 'w3floor', label: 'W3 floor: JSON.parse of the same bytes', unit: '/s', better: 'high', floor: true },
  { key: 'pw_0', label: 'local write, 0 pending (10,000 store)', unit: 'ms', better: 'low', peers: ['tanstackdb'] },
  { key: 'pw_1000', label: 'local write, 1,000 pending', unit: 'ms', better: 'low', peers: ['tanstackdb'] },
  { key: 'pw_10000', label: 'local write, 10,000 pending', unit: 'ms', better: 'low', peers: ['tanstackdb'], fullOnly: true },
  { key: 'lqOpen', label: 'live query (where + orderBy + limit 20 of 10,000): first answer', unit: 'ms', better: 'low', peers: ['tanstackdb'] },
  { key: 'lqOpenIndexed', label: 'live query: a second query on the same fields (index built): first answer', unit: 'ms', better: 'low', peers: ['tanstackdb'] },
  { key: 'lqUpdate', label: 'live query: a write to the answer that shows it', unit: 'ms', better: 'low', peers: ['tanstackdb'] },
  { key: 'w4node', label: 'W4 durable enqueue ×1,000 (Node, fake-indexeddb)', unit: 'ms', better: 'low' },
  { key: 'w4chromium', label: 'W4 durable enqueue ×1,000 (Chromium IndexedDB)', unit: 'ms', better: 'low', target: 50 },
  { key: 'w5node', label: 'W5 hydrate 10,000 × 1 KB (Node, fake-indexeddb)', unit: 'ms', better: 'low' },
  { key: 'w5chromium', label: 'W5 hydrate 10,000 × 1 KB (Chromium IndexedDB)', unit: 'ms', better: 'low', target: 150 },
  { key: 'w6call', label: 'W6 one small JS→wasm call', unit: 'µs', better: 'low', target: 0.5 },
  { key: 'w6entity', label: 'W6 per entity in a 10,000 batch', unit: 'µs', better: 'low', target: 2 },
  { key: 'w7', label: 'W7 memory, 100,000 entities', unit: 'MiB', better: 'low', target: 29, peers: ALL, ahead: true },
  { key: 'w8brotli', label: 'W8 bundle (static graph), brotli', unit: 'KiB', better: 'low', target: 100, peers: BUNDLED },
  { key: 'w8gzip', label: 'W8 bundle, gzip', unit: 'KiB', better: 'low', peers: BUNDLED },
  { key: 'w8raw', label: 'W8 bundle, raw', unit: 'KiB', better: 'low', peers: BUNDLED },
  { key: 'w9', label: 'W9 longest main-thread task, 10,000-entity catch-up (Chromium)', unit: 'ms', better: 'low', target: 50, optional: true },
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

/**
 * For an `ahead` row: 'yes', or 'no (behind X ×0.50, …)' naming every peer syncore is not ahead of.
 * '' for other rows or when syncore has no figure.
 */
export function aheadOfEveryPeer(row, m) {
  if (!row.ahead || !Number.isFinite(m.syncore)) return '';
  const behind = PEERS.filter(([k]) => Number.isFinite(m[k]) && advantage(row, m.syncore, m[k]) <= 1)
    .map(([k, label]) => `${label} ×${advantage(row, m.syncore, m[k]).toFixed(2)}`);
  return behind.length === 0 ? 'yes' : `no (behind ${behind.join(', ')})`;
}

export function formatTable(medians, sizes, { quick = false } = {}) {
  const head = ['workload', 'syncore', ...PEERS.map(([, n]) => n), 'ahead of every peer', 'target'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const row of ROWS) {
    const m = medians[row.key] ?? {};
    if (row.optional && !Number.isFinite(m.syncore)) continue; // W9: only when bench/browser/w9.mjs exists
    if (row.floor) {
      const floor = m['JSON.parse'];
      const share = medians.w3_0?.syncore / floor;
      lines.push(`| ${row.label} | ${fmt(floor, row.unit)} (syncore at 0 pending = ${(share * 100).toFixed(0)} % of it) |${PEERS.map(() => '').join(' |')} | | ${Number.isFinite(share) ? `${share >= 0.5 ? 'met' : 'missed'} (≥ 50 %)` : ''} |`);
      continue;
    }
    if (row.fullOnly && quick) {
      lines.push(`| ${row.label} | not run (--quick) |${PEERS.map(() => '').join(' |')} | | |`);
      continue;
    }
    const ours = m.syncore;
    const cells = PEERS.map(([k]) => (Number.isFinite(m[k]) ? `${fmt(m[k], row.unit)} (×${advantage(row, ours, m[k]).toFixed(2)})` : 'n/a'));
    lines.push(`| ${row.label} | **${fmt(ours, row.unit)}** | ${cells.join(' | ')} | ${aheadOfEveryPeer(row, m)} | ${targetMet(row, ours)} |`);
  }
  lines.push('', `×N: syncore's advantage over that peer (×2.00 = syncore twice as good, ×0.50 = the peer twice as good). Medians of ${sizes.runs} run(s).`);
  return lines.join('\n');
}
