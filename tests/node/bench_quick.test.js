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

// The timeout is a bound for a loaded machine (the run takes ~20 s of CPU), not a speed target.
test('npm run bench -- --quick prints every row with finite figures', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'syncore-bench-'));
  try {
    const jsonPath = join(dir, 'bench.json');
    const table = execFileSync(process.execPath, ['--expose-gc', RUN, '--quick', '--json', jsonPath], { encoding: 'utf8' });
    const { medians } = JSON.parse(readFileSync(jsonPath, 'utf8'));
    assert.equal(PEERS.some(([k]) => k === 'tanstackdb'), true, 'TanStack DB is a peer');
    for (const row of ROWS) {
      const line = table.split('\n').find((l) => l.startsWith(`| ${row.label} |`));
      // W9 comes from bench/browser/w9.mjs, which another branch adds: its row shows when it ran.
      if (row.optional && medians[row.key] === undefined) {
        assert.equal(line, undefined, `${row.key}: no row without a figure`);
        continue;
      }
      assert.ok(line, `the table has a row "${row.label}"`);
      if (row.fullOnly) {
        assert.match(line, /not run \(--quick\)/, `${row.key}: marked as not run in --quick`);
        continue;
      }
      if (row.floor) {
        assert.ok(Number.isFinite(medians.w3floor['JSON.parse']) && medians.w3floor['JSON.parse'] > 0, 'JSON.parse floor measured');
        assert.match(line, /syncore at 0 pending = \d+ %/);
        continue;
      }
      const ours = medians[row.key]?.syncore;
      assert.ok(Number.isFinite(ours) && ours > 0, `${row.key}: syncore figure ${ours}`);
      for (const p of row.peers ?? []) assert.ok(Number.isFinite(medians[row.key][p]) && medians[row.key][p] > 0, `${row.key}: ${p} figure ${medians[row.key][p]}`);
      assert.doesNotMatch(line.split('|')[2], /–|NaN/, `${row.key}: printed figure`);
      if (row.ahead) assert.match(line, /\| (yes|no \(behind [^|]+\)) \|/, `${row.key}: says whether syncore is ahead of every peer`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
