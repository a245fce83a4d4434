// The bench's quick mode (npm run bench -- --quick) runs here so that it cannot rot: every row of
// the table comes out with a finite figure for syncore and for each peer the workload applies to.
// No timing assertion: speed is the bench's business, not the test suite's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROWS, PEERS } from '../../bench/lib/table.mjs';

const RUN = fileURLToPath(new URL('../../bench/run.mjs', import.meta.url));
// Rows every peer has a figure for (the others are syncore's own: durability, boundary).
const ALL_PEERS = ['w1p50', 'w1p95', 'w2', 'w3_0', 'w3_100', 'w3_1000', 'w7'];
const BUNDLED_PEERS = ['w8brotli', 'w8gzip', 'w8raw'];

test('npm run bench -- --quick prints every row with finite figures', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'syncore-bench-'));
  try {
    const jsonPath = join(dir, 'bench.json');
    const table = execFileSync(process.execPath, ['--expose-gc', RUN, '--quick', '--json', jsonPath], { encoding: 'utf8' });
    const { medians } = JSON.parse(readFileSync(jsonPath, 'utf8'));
    for (const row of ROWS) {
      const line = table.split('\n').find((l) => l.startsWith(`| ${row.label} |`));
      assert.ok(line, `the table has a row "${row.label}"`);
      if (row.floor) {
        assert.ok(Number.isFinite(medians.w3floor['JSON.parse']) && medians.w3floor['JSON.parse'] > 0, 'JSON.parse floor measured');
        assert.match(line, /syncore at 0 pending = \d+ %/);
        continue;
      }
      const ours = medians[row.key]?.syncore;
      assert.ok(Number.isFinite(ours) && ours > 0, `${row.key}: syncore figure ${ours}`);
      const peers = ALL_PEERS.includes(row.key) ? PEERS.map(([k]) => k) : BUNDLED_PEERS.includes(row.key) ? PEERS.map(([k]) => k).filter((k) => k !== 'plain') : [];
      for (const p of peers) assert.ok(Number.isFinite(medians[row.key][p]) && medians[row.key][p] > 0, `${row.key}: ${p} figure ${medians[row.key][p]}`);
      assert.doesNotMatch(line.split('|')[2], /–|NaN/, `${row.key}: printed figure`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
